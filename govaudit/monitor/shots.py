"""The screenshots taken after failed visits: when each was taken and what it shows.

A screenshot of a failed visit is taken by a capture that starts after the visit failed
(govaudit.capture, in a browser): seconds later, the site may already answer again. So each
is kept with the time it was taken and what it shows, and shown that way in the report and
the findings: "taken 12 s after the failed visit; shows the page working (HTTP 200)".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from govaudit.i18n import N_, _, catalog, language
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
    """What a capture's screenshot shows, in a few words ("" when there is none); kept with
    the screenshot, in the language of the run that took it, as notes are."""
    if not record.files:
        return ""
    status, title = record.status, record.title
    named = f" 「{title}」" if title else ""
    if record.error and not status:
        return _("the browser's error page ({error})").format(error=record.error)
    if status is not None and status >= 400:
        return _("the site's error page (HTTP {status})").format(status=status) + named
    if status:
        return _("the page working (HTTP {status})").format(status=status) + named
    return _("a page") + named


@dataclass(frozen=True)
class FailureShot:
    """A stored screenshot of a failed visit: the visit's time, when the screenshot was taken
    (`after`: seconds later) and what it shows."""

    visit: int
    time: str  # the failed visit's, UTC
    taken: str | None  # UTC; None when unknown
    after: int | None
    evidence: str
    error: str
    shows: str

    def label(self, lang: str | None = None) -> str:
        """The two in words, in `lang` (default: the current language): "taken 12 s after
        the failed visit; shows the page working (HTTP 200)"."""
        words = catalog(lang or language()).gettext
        label = (words(N_("taken {after} s after the failed visit")).format(after=self.after)
                 if self.after is not None else words(N_("taken after the failed visit")))
        return label + (words(N_("; shows {shows}")).format(shows=self.shows) if self.shows
                        else "")


def shot_row(row: Any) -> FailureShot:
    """A stored screenshot of a failed visit (a row of the shots table)."""
    taken = row["taken"]
    return FailureShot(row["visit"], utc_iso(row["time"]),
                       utc_iso(taken) if taken is not None else None,
                       round(taken - row["time"]) if taken is not None else None,
                       row["evidence"], row["error"], row["shows"])
