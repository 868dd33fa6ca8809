"""Durations as people type them: 5s, 30m, 6h, 7d, 2w, 1h30m (one parser for every option),
and the two ways a sample's time is shown (UTC ISO, the date in China)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from govaudit.i18n import _
from govaudit.page.dates import CHINA_TZ

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
DAY = 86400.0


def parse_duration(text: str, allow_zero: bool = False) -> float:
    """Seconds in a duration like "30m", "7d", "1h30m"; ValueError says what fits."""
    raw = str(text).strip().lower().replace(" ", "")
    if not raw:
        raise ValueError(_("empty duration (use e.g. 30s, 30m, 6h, 7d, 2w)"))
    if allow_zero and raw == "0":
        return 0.0
    pos = 0
    total = 0.0
    for match in _PART.finditer(raw):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(raw):
        raise ValueError(_("{text!r} is not a duration (use a number and a unit: ms, s, m, "
                           "h, d or w, e.g. 30s, 30m, 6h, 7d, 2w)").format(text=text))
    if total <= 0 and not allow_zero:
        raise ValueError(_("{text!r}: the duration must be longer than zero").format(text=text))
    return total


def format_duration(seconds: float) -> str:
    """The shortest exact spelling: 1800 -> "30m", 604800 -> "7d", 1.5 -> "1.5s"."""
    if seconds <= 0:
        return "0s"
    for unit in ("d", "h", "m", "s"):
        size = _UNITS[unit]
        if seconds >= size and (seconds / size).is_integer():
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def china_date(when: float) -> date:
    return datetime.fromtimestamp(when, CHINA_TZ).date()


def utc_iso(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).isoformat(timespec="seconds")
