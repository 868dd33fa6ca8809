"""WCAG success criteria placed in GB/T 37668-2019's principles and levels (data: wcag.toml)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

# GB/T 37668-2019's four principles, in WCAG's order (the first number of a criterion).
PRINCIPLES = {"1": "可感知", "2": "可操作", "3": "可理解", "4": "兼容"}
# Its three levels, read as WCAG's conformance levels.
GB_LEVELS = {"A": "一级", "AA": "二级", "AAA": "三级"}
_AXE_CRITERION_TAG = re.compile(r"wcag(\d)(\d)(\d{1,2})")


@dataclass(frozen=True)
class Criterion:
    id: str  # "1.4.3"
    title: str
    level: str  # WCAG level: "A", "AA" or "AAA"
    wcag: str  # the WCAG version that added it: "2.0", "2.1", "2.2"
    gbt: str  # how it is placed in GB/T 37668: "wcag20", "wcag21" or "none"

    @property
    def principle(self) -> str:
        """可感知, 可操作, 可理解 or 兼容."""
        return PRINCIPLES[self.id.split(".")[0]]

    @property
    def gb_level(self) -> str | None:
        """一级, 二级 or 三级; None for a criterion the standard cannot hold (WCAG 2.2)."""
        return None if self.gbt == "none" else GB_LEVELS[self.level]


@cache
def criteria() -> dict[str, Criterion]:
    """Every criterion of the table, by id."""
    data = tomllib.loads((files(__package__) / "wcag.toml").read_text(encoding="utf-8"))
    return {row["id"]: Criterion(row["id"], row["title"], row["level"], row["wcag"], row["gbt"])
            for row in data["criterion"]}


def criteria_of_axe_tags(tags: list[str]) -> tuple[Criterion, ...]:
    """The criteria an axe-core rule's tags name ('wcag143' is 1.4.3), known ones only."""
    table = criteria()
    found = []
    for tag in tags:
        match = _AXE_CRITERION_TAG.fullmatch(tag)
        if match and (sc := ".".join(match.groups())) in table:
            found.append(table[sc])
    return tuple(dict.fromkeys(found))
