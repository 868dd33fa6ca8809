"""The in-page scripts of the browser checks, each with the shared helpers in front."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def script(name: str) -> str:
    """`js/NAME.js` (a function expression taking one argument) as a function for
    `page.evaluate`, with `js/common.js` in its scope."""
    folder = files(__package__) / "js"
    common = (folder / "common.js").read_text(encoding="utf-8")
    body = (folder / f"{name}.js").read_text(encoding="utf-8").strip().rstrip(";")
    return f"(arg) => {{\n{common}\nreturn ({body})(arg);\n}}"
