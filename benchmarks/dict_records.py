"""Count how much of govaudit/ handles records as dicts: string-key reads (`x["key"]`,
`x.get("key")`) and `dict[str, Any]` annotations.

    .venv/bin/python benchmarks/dict_records.py [-v]
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _is_dict_str_any(node: ast.expr) -> bool:
    return (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
            and node.value.id == "dict" and isinstance(node.slice, ast.Tuple)
            and [ast.unparse(e) for e in node.slice.elts] == ["str", "Any"])


def count(path: Path) -> tuple[int, int, int]:
    """(`x["key"]` reads, `.get("key")` reads, dict[str, Any] annotations) in one file."""
    reads = gets = annotations = 0
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
                and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
            reads += 1
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "get" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            gets += 1
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
                if a is not None and a.annotation is not None:
                    annotations += sum(_is_dict_str_any(n) for n in ast.walk(a.annotation))
            if node.returns is not None:
                annotations += sum(_is_dict_str_any(n) for n in ast.walk(node.returns))
        elif isinstance(node, ast.AnnAssign):
            annotations += sum(_is_dict_str_any(n) for n in ast.walk(node.annotation))
    return reads, gets, annotations


def main() -> None:
    per_file: Counter[str] = Counter()
    totals = [0, 0, 0]
    for path in sorted((ROOT / "govaudit").rglob("*.py")):
        found = count(path)
        totals = [t + n for t, n in zip(totals, found, strict=True)]
        per_file[path.relative_to(ROOT).as_posix()] = sum(found)
    if "-v" in sys.argv:
        for name, n in per_file.most_common(25):
            print(f"{n:5d} {name}")
    reads, gets, annotations = totals
    print(f'string-key reads: {reads} x["key"], {gets} x.get("key") ({reads + gets} in all)')
    print(f"dict[str, Any] annotations: {annotations}")


if __name__ == "__main__":
    main()
