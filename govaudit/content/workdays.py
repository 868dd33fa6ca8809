"""Working days, from the holiday calendar a team supplies (kind `holidays`).

Saturdays and Sundays are days off, except the `workdays` (调休); the `holidays` are days off
too. The calendar holds only inside its dates of validity; a span outside them is counted in
weekdays and said so (`covered` False).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from govaudit.content.lists import ListProblem, entries, read_list
from govaudit.content.model import ListRef
from govaudit.i18n import _


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    ref: ListRef | None = None

    def is_working(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def covers(self, start: date, end: date) -> bool:
        return self.ref is not None and self.ref.valid_from <= start and end <= \
            self.ref.valid_until

    def working_days(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        days, day = 0, start
        while day < end:
            day += timedelta(days=1)
            days += self.is_working(day)
        return days


def load_holidays(path: Path, on: date) -> Calendar:
    listed = read_list(path, "holidays", on)
    name = str(path)
    return Calendar(frozenset(_days(listed.body, "holidays", name)),
                    frozenset(_days(listed.body, "workdays", name)), listed.ref)


def _days(body: dict[str, Any], key: str, name: str) -> list[date]:
    out: list[date] = []
    for number, item in enumerate(entries(body, key, name), 1):
        text = item.isoformat() if isinstance(item, date) else str(item).strip()
        first, _sep, last = text.partition("..")
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if last else start
        except ValueError:
            raise ListProblem(name, _(
                "{key} entry {number}: {text!r} is not a date or a range "
                "(2026-10-01..2026-10-07)").format(
                key=key, number=number, text=text)) from None
        if end < start or (end - start).days > 366:
            raise ListProblem(name, _(
                "{key} entry {number}: {text!r} is not a range of days").format(
                key=key, number=number, text=text))
        out.extend(start + timedelta(days=i) for i in range((end - start).days + 1))
    return out
