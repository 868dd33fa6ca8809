"""Hostile inputs, round 3: each area's inputs against the real CLI and library.

Runs every module of benchmarks/safety/ (or those named on the command line), prints one
row per input (held or not, what happened) and the count tried and held per category.
Everything runs on this machine: servers on 127.0.0.1, files in a temporary folder.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import safety  # noqa: E402
from benchmarks.safety import Case  # noqa: E402


def main(names: list[str]) -> int:
    modules = names or sorted(m.name for m in pkgutil.iter_modules(safety.__path__))
    cases: list[Case] = []
    for name in modules:
        module = importlib.import_module(f"benchmarks.safety.{name}")
        folder = Path(tempfile.mkdtemp(prefix=f"safety-{name}-"))
        started = time.monotonic()
        try:
            found = list(module.run(folder))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        print(f"== {name}: {len(found)} inputs in {time.monotonic() - started:.1f} s")
        for case in found:
            print(f"  {'held' if case.held else 'FAILED':6} {case.category:22} "
                  f"{case.name[:40]:40} {case.detail[:100]}")
        cases.extend(found)
    tried, held = Counter(c.category for c in cases), Counter(c.category for c in cases
                                                              if c.held)
    print(f"\n{'category':24} {'tried':>6} {'held':>6}")
    for category in sorted(tried):
        print(f"{category:24} {tried[category]:6d} {held[category]:6d}")
    print(f"{'all':24} {sum(tried.values()):6d} {sum(held.values()):6d}")
    return 0 if sum(held.values()) == sum(tried.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
