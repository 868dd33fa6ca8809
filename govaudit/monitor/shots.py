"""The screenshots taken after failed visits: when each was taken and what it shows.

A screenshot of a failed visit is taken by a capture that starts after the visit failed
(govaudit.capture, in a browser): seconds later, the site may already answer again. So each
is kept with the time it was taken and what it shows, and shown that way in the report and
the findings: "taken 12 s after the failed visit; shows the page working (HTTP 200)".
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from govaudit.monitor.durations import utc_iso

if TYPE_CHECKING:
    from govaudit.model import Evidence


def shot_time(record: Evidence) -> float | None:
    """When a capture's screenshot was taken (epoch seconds): the end of the capture, which
    began at the record's time; None when unknown."""
    try:
        started = datetime.fromisoformat(record.time.replace("Z", "+00:00"))
    except ValueError:
        return None
    return started.timestamp() + record.duration_ms / 1000


def shot_shows(record: Evidence) -> str:
    """What a capture's screenshot shows, in a few words ("" when there is none)."""
    if not record.files:
        return ""
    status, title = record.status, record.title
    named = f" 「{title}」" if title else ""
    if record.error and not status:
        return f"the browser's error page ({record.error})"
    if status is not None and status >= 400:
        return f"the site's error page (HTTP {status}){named}"
    return f"the page working (HTTP {status}){named}" if status else f"a page{named}"


def shot_row(row: Any) -> dict[str, Any]:
    """A stored screenshot of a failed visit, for the report: the visit's time, when the
    screenshot was taken and what it shows, and `label`, the two in words ("taken 12 s
    after the failed visit; shows the page working (HTTP 200)")."""
    taken = row["taken"]
    after = round(taken - row["time"]) if taken is not None else None
    label = (f"taken {after} s after the failed visit" if after is not None
             else "taken after the failed visit")
    if row["shows"]:
        label += f"; shows {row['shows']}"
    return {"visit": row["visit"], "time": utc_iso(row["time"]),
            "taken": utc_iso(taken) if taken is not None else None, "after": after,
            "evidence": row["evidence"], "error": row["error"], "shows": row["shows"],
            "label": label}
