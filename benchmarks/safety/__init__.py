"""Hostile inputs of the third data-safety round, one module per area.

Each module defines `run(folder: Path) -> list[Case]`: every input it tried, whether govaudit
held (the defect the input aims at did not happen), and what happened, in a few words.
`benchmarks/safety_bench.py` runs them all and prints the counts per category.
"""

from __future__ import annotations

from typing import NamedTuple


class Case(NamedTuple):
    category: str
    name: str
    held: bool
    detail: str
