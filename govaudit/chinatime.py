"""Times as people read them: China time (UTC+8, no daylight saving), with the zone shown.

The store, manifests and JSON keep UTC; whatever a person reads (the report, the
workbook's text, the CLI) goes through `china_time`.
"""

from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8), "UTC+8")
ZONE_LABEL = "北京时间"


def to_china(value: dt.datetime | str) -> dt.datetime | None:
    """`value` (an aware datetime, a naive one taken as UTC, or ISO text) in China time;
    None for text that is not a time."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(CHINA)


def china_time(value: dt.datetime | str | None, *, seconds: bool = False,
               zone: bool = True) -> str:
    """'2026-12-05 22:45 (UTC+8)' of a UTC time; text that is not a time is shown as it is."""
    if value is None or value == "":
        return ""
    shown = to_china(value)
    if shown is None:
        return str(value)
    text = shown.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text} (UTC+8)" if zone else text


def china_date(value: dt.datetime | str | None = None) -> str:
    """The date in China of a UTC time (default: now): '2026-12-05'."""
    shown = to_china(value) if value is not None else dt.datetime.now(CHINA)
    return shown.strftime("%Y-%m-%d") if shown is not None else str(value)
