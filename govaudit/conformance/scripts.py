"""The in-page scripts of the browser checks, each with the shared helpers in front."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


def script_body(name: str) -> str:
    """`js/NAME.js` as it is: one function expression."""
    return (files(__package__) / "js" / f"{name}.js").read_text(encoding="utf-8").strip() \
        .rstrip(";")


@cache
def script(name: str, *parts: str) -> str:
    """`js/NAME.js` (a function expression taking one argument) as a function for
    `page.evaluate`, with `js/common.js` in its scope and each of `parts` (other files of
    `js/`) as a function of that name, so that one call can do the work of several."""
    named = "".join(f"const {part} = ({script_body(part)});\n" for part in parts)
    return f"(arg) => {{\n{script_body('common')}\n{named}return ({script_body(name)})(arg);\n}}"
