"""Start-up benchmark: `govaudit --help`, `answer --help`, `monitor tick --help` and
`check --help` against `python -c "import typer"`, and what they import.

Each run is a fresh interpreter. The runs are interleaved, so that the machine's load weighs
on every command alike; the figures are medians of wall-clock and CPU time (user + system:
what start-up costs on a loaded machine, where the wall clock mostly measures the other
processes). Goal: `govaudit --help` at most 2x `import typer`. Bytecode is written and used
(PYTHONDONTWRITEBYTECODE is dropped), as for an installed govaudit; one warm-up run each.

Run: .venv/bin/python benchmarks/startup_bench.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
BASELINE = ("import typer", [sys.executable, "-c", "import typer"])
COMMANDS = [(f"govaudit {' '.join(args)}", [sys.executable, "-m", "commands", *args])
            for args in (["--help"], ["answer", "--help"], ["monitor", "tick", "--help"],
                         ["check", "--help"])]
# what no --help has a use for (`check --help` lists the probes: their registry, not their
# HTTP stack or parsers)
HEAVY = ("rich", "yaml", "tinydb", "filelock", "httpx", "pycurl", "selectolax", "openpyxl",
         "playwright", "PIL", "jinja2", "asyncio", "ssl", "sqlite3", "govaudit.audit",
         "govaudit.store", "govaudit.probes.run", "govaudit.probes.fetch")
IMPORTED = ("import sys, runpy\n"
            "sys.argv = ['govaudit', *{args!r}]\n"
            "try:\n"
            "    runpy.run_module('commands', run_name='__main__')\n"
            "except SystemExit:\n"
            "    pass\n"
            "print('IMPORTED', sorted(m for m in {heavy!r} if m in sys.modules))\n")


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall, CPU) milliseconds of one run."""
    t0, c0 = time.perf_counter(), _cpu()
    subprocess.run(argv, cwd=ROOT, env=ENV, check=True, capture_output=True, timeout=60)
    return (time.perf_counter() - t0) * 1000, (_cpu() - c0) * 1000


def imported(args: list[str]) -> str:
    code = IMPORTED.format(args=args, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT,
                          env=ENV, capture_output=True, text=True, timeout=60, check=True)
    return next(line for line in done.stdout.splitlines() if line.startswith("IMPORTED"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    runs: dict[str, list[tuple[float, float]]] = {}
    for _name, argv in [BASELINE, *COMMANDS]:
        timed(argv)  # writes the bytecode
    for _ in range(args.runs):
        for name, argv in [BASELINE, *COMMANDS]:
            runs.setdefault(name, []).append(timed(argv))
    base_wall = statistics.median(w for w, _ in runs[BASELINE[0]])
    base_cpu = statistics.median(c for _, c in runs[BASELINE[0]])
    for name, _argv in [BASELINE, *COMMANDS]:
        wall = statistics.median(w for w, _ in runs[name])
        cpu = statistics.median(c for _, c in runs[name])
        print(f"{name:30} wall median {wall:5.0f} ms ({wall / base_wall:.2f}x import typer), "
              f"CPU median {cpu:5.0f} ms ({cpu / base_cpu:.2f}x) over {args.runs} runs")
    for args in (["--help"], ["check", "--help"]):
        print(f"govaudit {' '.join(args)} {imported(args)}")


if __name__ == "__main__":
    main()
