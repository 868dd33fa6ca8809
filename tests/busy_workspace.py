"""Processes that write to a workspace for as long as they run: one commits monitoring samples
(visit N at time N), one saves answers (value N); each prints N once write N is committed,
so that `Writer.acknowledged` is its last confirmed write. Used by tests/test_backup.py and
benchmarks/safety/monitor.py."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# argument: the workspace's data folder
SAMPLES = """
import sys
from govaudit.monitor.db import MonitorDB, Visit
with MonitorDB.for_workspace(sys.argv[1]) as db:
    for i in range(1, 10_000_000):
        db.add_visits([Visit('成都市', float(i), True, 200, final_url='http://127.0.0.1:9/')])
        print(i, flush=True)
"""
# argument: the workspace's folder; it has a site 郫都区 and a checklist with a1.q3 (a count)
ANSWERS = """
import sys
from govaudit.store import Store
from govaudit.workspace import open_workspace
store = Store(open_workspace(sys.argv[1], explicit=True))
for i in range(1, 10_000_000):
    store.save_answer('郫都区', 'a1.q3', 'a1', i, '张三')
    print(i, flush=True)
"""


class Writer:
    """One writing process; `acknowledged` is its last confirmed write."""

    def __init__(self, script: str, arg: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", script, str(arg)],
                                     env={**os.environ, "PYTHONPATH": str(ROOT)},
                                     stdout=subprocess.PIPE, text=True)
        self.acknowledged = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.acknowledged = int(line)

    def pause(self) -> int:
        """Stop the process where it is and return its last acknowledged write once every
        acknowledgement it printed has been read (the reading thread lags on a busy
        machine); it may have written one more that it did not get to acknowledge."""
        self.proc.send_signal(signal.SIGSTOP)
        assert self.proc.stdout is not None
        deadline, still = time.monotonic() + 30, 0
        while time.monotonic() < deadline and still < 3:  # the pipe empty, no line read
            seen = self.acknowledged
            time.sleep(0.05)
            waiting = fcntl.ioctl(self.proc.stdout.fileno(), termios.FIONREAD, b"\0\0\0\0")
            empty = seen == self.acknowledged and not int.from_bytes(waiting, sys.byteorder)
            still = still + 1 if empty else 0
        return self.acknowledged

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)
