"""Count the functions of govaudit/ that take a whole Workspace (a parameter annotated
`Workspace`), outside the front door (govaudit/audit.py) and govaudit/workspace.py.

    .venv/bin/python benchmarks/workspace_params.py [-v]
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = ("govaudit/audit.py", "govaudit/workspace.py")


def _annotation_names(node: ast.expr | None) -> Iterator[str]:
    """Every name an annotation mentions (`Workspace`, `"Workspace"`, `ws.Workspace | None`)."""
    if node is None:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            yield sub.id
        elif isinstance(sub, ast.Attribute):
            yield sub.attr


def workspace_takers(root: Path = ROOT) -> list[str]:
    """`path:line function` of every core function with a parameter annotated Workspace."""
    found: list[str] = []
    for path in sorted((root / "govaudit").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel in ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            args = node.args
            params = [*args.posonlyargs, *args.args, *args.kwonlyargs,
                      *(a for a in (args.vararg, args.kwarg) if a)]
            if any("Workspace" in _annotation_names(a.annotation) for a in params):
                found.append(f"{rel}:{node.lineno} {node.name}")
    return found


def main() -> None:
    found = workspace_takers()
    if "-v" in sys.argv:
        print("\n".join(found))
    modules = len({f.split(":")[0] for f in found})
    print(f"functions taking a Workspace outside audit/workspace: {len(found)} "
          f"in {modules} modules")


if __name__ == "__main__":
    main()
