"""Count the functions of govaudit/ that take a whole Workspace (a parameter annotated
`Workspace`), outside the front door (govaudit/audit.py) and govaudit/workspace.py; the
architecture test (tests/test_architecture.py) holds the count at 0.

    .venv/bin/python benchmarks/workspace_params.py [-v]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_architecture import workspace_takers  # noqa: E402


def main() -> None:
    found = workspace_takers()
    if "-v" in sys.argv:
        print("\n".join(found))
    modules = len({f.split(":")[0] for f in found})
    print(f"functions taking a Workspace outside audit/workspace: {len(found)} "
          f"in {modules} modules")


if __name__ == "__main__":
    main()
