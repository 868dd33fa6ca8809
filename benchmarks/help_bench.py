"""Start-up benchmark: `govaudit --help` and `govaudit check --help`, and what they import.

The `--probe` help lists the registered probes; reading it must not load the HTTP stack
or the probes' parsers. Each run is a fresh interpreter (`python -m commands`).

Run: .venv/bin/python benchmarks/help_bench.py [--runs 15] [--tree PATH]...
(`--tree` times another checkout of govaudit as well, e.g. an older commit unpacked with
`git archive`; the current one is always timed.)
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("httpx", "pycurl", "selectolax", "playwright", "openpyxl", "PIL", "jinja2", "asyncio",
         "ssl")
IMPORTED = ("import sys, runpy\n"
            "sys.argv = ['govaudit', 'check', '--help']\n"
            "try:\n"
            "    runpy.run_module('commands', run_name='__main__')\n"
            "except SystemExit:\n"
            "    pass\n"
            "print('IMPORTED', sorted(m for m in {heavy!r} if m in sys.modules),\n"
            "      sorted(m for m in sys.modules if m.startswith('govaudit.probes')))\n")


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(args: list[str], tree: Path, runs: int) -> list[tuple[float, float]]:
    """[(wall, CPU)] milliseconds of each `python -m commands ARGS` run in `tree`.

    CPU time (user + system) says what start-up costs on a loaded machine, where the
    wall clock mostly measures the other processes."""
    times = []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), _cpu()
        subprocess.run([sys.executable, "-m", "commands", *args], cwd=tree, check=True,
                       capture_output=True, timeout=60)
        times.append(((time.perf_counter() - t0) * 1000, (_cpu() - c0) * 1000))
    return times


def imported(tree: Path) -> str:
    done = subprocess.run([sys.executable, "-c", IMPORTED.format(heavy=HEAVY)], cwd=tree,
                          capture_output=True, text=True, timeout=60, check=True)
    return next(line for line in done.stdout.splitlines() if line.startswith("IMPORTED"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--tree", type=Path, action="append", default=[])
    args = parser.parse_args()
    trees = [ROOT, *args.tree]
    # interleaved, so that the machine's load weighs on every tree alike
    results: dict[tuple[Path, str], list[tuple[float, float]]] = {}
    rounds = 3
    for _ in range(rounds):
        for tree in trees:
            for command in (["--help"], ["check", "--help"]):
                results.setdefault((tree, " ".join(command)), []).extend(
                    timed(command, tree, max(1, args.runs // rounds)))
    for tree in trees:
        for command in ("--help", "check --help"):
            runs = results[(tree, command)]
            wall = [w for w, _ in runs]
            cpu = [c for _, c in runs]
            print(f"{tree}: govaudit {command}: wall median {statistics.median(wall):.0f} ms "
                  f"(min {min(wall):.0f}), CPU median {statistics.median(cpu):.0f} ms "
                  f"(min {min(cpu):.0f}) over {len(runs)} runs")
        print(f"{tree}: govaudit check --help {imported(tree)}")


if __name__ == "__main__":
    main()
