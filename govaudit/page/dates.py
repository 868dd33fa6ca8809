"""Publication dates and ages: the one rule for every date a page shows, and for counting days.

Formats (read on NFKC-normalised text, so full-width digits count):

- full dates: 2026-11-20, 2026/11/20, 2026.11.20, 2026年11月20日 and 2026年11月20 (no 日),
  with or without a time of day after them;
- month and day without a year: [11-20], (11-20), 【11-20】, [11月20日], and 11-20 or 11月20日
  standing alone at one end of its text. Their year is the year of the same month and day in
  the item's URL, where the CMS wrote one (/202506/18/1880.html, t20250618_1880.html); else
  the latest that does not put them in the future: on 2026-12-05, [11-20] is 2026-11-20 and
  [12-06] is 2025-12-06.

A full date later than today is no publication date (a deadline, a typo): it is left out.
A page clock ("今天是2026年12月5日 星期六") is not a date either: a date after 今天是/今日/
当前时间/现在是…, or followed by a weekday, is left out.

Which date dates an item (`publication_date`):

1. a date that stands *outside* the item's title link (its own cell, span, dd, or text after
   the link), newest first: "发布日期：2026-11-20" and "[11-20]" count; a date inside running
   text ("…将于2026年12月1日起施行") does not, because only a date with nothing but brackets,
   punctuation, spaces, a time of day or a label (发布时间, 日期…) between it and one end of its
   text counts (it is *delimited*);
2. only when nothing outside the link dates the item: a date at the very end of the link's
   text ("…工作部署会 2026-11-20", or a span of its own at the end of the link), or at its start
   when a space or bracket follows it ("[11-20] 关于…"). A date inside the title —
   "关于2026年12月1日起调整公交线路的通知" — never dates the item: it is what the title is about.

Days are counted in China time (UTC+8), on calendar dates: `age_days(published, today)` is
`(today - published).days`, so an item published today is 0 days old and yesterday's is 1.
"Within N days" and "not updated for N days" mean the same in every rule: an age of N is
still within N days; `is_stale(age, N)` holds from N + 1 days on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

__all__ = ["CHINA_TZ", "DateMatch", "age_days", "find_dates", "is_stale", "publication_date",
           "title_date", "today_in_china", "url_dates"]

# China Standard Time: the sites date their news in it, and days are counted in it.
CHINA_TZ = timezone(timedelta(hours=8))
_DIGIT = re.compile(r"\d")
_ALONE_ISO = re.compile(r"[\s\[(【]*((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})[\s\])】]*")
_FULL = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})"
    r"|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)(?!\d)")
_BRACKETED_MD = re.compile(
    r"[\[(【〔]\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?\s*[\])】〕]")
# Month and day alone: counted only when delimited (see _delimited).
_BARE_MD = re.compile(r"(?<![\d\-/.:年])(?:(\d{2})[-/](\d{2})|(\d{1,2})\s*月\s*(\d{1,2})\s*日?)"
                      r"(?![\d\-/.:])")
_URL_DATES = (re.compile(r"(?<!\d)((?:19|20)\d{2})[-_/]?(0[1-9]|1[0-2])[-_/]?(0[1-9]|[12]\d|3[01])"
                         r"(?!\d)"),
              re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"))
_CLOCK_BEFORE = re.compile(r"(今天是?|今日|当前日期|当前时间|现在时间|现在是)\s*[:：]?\s*$")
_WEEKDAY_AFTER = re.compile(r"\s*(星期|礼拜|周)[一二三四五六日天1-7]")
# What may stand between a date and one end of its text for the date to stand alone.
_LABELS = r"发布|时间|日期|更新|发文|成文|印发|公开|公布|上传|录入|生成|于"
_LEAD_FILLER = re.compile(rf"(?:[\s\W_]|{_LABELS})*")
_TRAIL_FILLER = re.compile(r"(?:[\s\W_]|\d{1,2}:\d{2}(?::\d{2})?)*")
_SEPARATOR_AFTER = re.compile(r"[\s\])】〕|｜:：,，、]")


@dataclass(frozen=True)
class DateMatch:
    """A date found in a text: its value, where it stands, and whether it stands alone."""

    value: date
    start: int
    end: int
    short: bool  # written without its year
    delimited: bool  # nothing but brackets, spaces, labels… between it and one end of the text


def today_in_china() -> date:
    """Today's date in China (UTC+8)."""
    return datetime.now(CHINA_TZ).date()


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _short_year(month: int, day: int, today: date) -> date | None:
    """A month and day in the latest year that does not put them after `today`."""
    value = _valid(today.year, month, day)
    if value is not None and value <= today:
        return value
    if month == 2 and day == 29:  # the latest leap year before
        year = today.year - 1
        while _valid(year, 2, 29) is None:
            year -= 1
        return date(year, 2, 29)
    return _valid(today.year - 1, month, day)


def _delimited(text: str, start: int, end: int) -> bool:
    return bool(_LEAD_FILLER.fullmatch(text, 0, start) or _TRAIL_FILLER.fullmatch(text, end))


def _is_clock(text: str, start: int, end: int) -> bool:
    return bool(_CLOCK_BEFORE.search(text, max(0, start - 12), start)
                or _WEEKDAY_AFTER.match(text, end))


def find_dates(text: str, today: date) -> list[DateMatch]:
    """Every date written in `text` that can be a publication date, in text order.

    Left out: impossible dates (2026-02-30), full dates after `today`, a page clock, and a
    month and day written bare (11-20, 11月20日) that does not stand alone at one end of
    the text.
    """
    found: list[DateMatch] = []
    if not _DIGIT.search(text):
        return found
    alone = _ALONE_ISO.fullmatch(text)  # the commonest case: a cell or span of its own
    if alone:
        value = _valid(*(int(g) for g in alone.groups()))
        if value is not None and value <= today:
            found.append(DateMatch(value, alone.start(1), alone.end(3), False, True))
        return found
    taken: list[tuple[int, int]] = []
    for match in _FULL.finditer(text):
        year = int(match.group(1))
        month, day = ((match.group(3), match.group(4)) if match.group(2)
                      else (match.group(5), match.group(6)))
        value = _valid(year, int(month), int(day))
        taken.append(match.span())
        if value is None or value > today or _is_clock(text, *match.span()):
            continue
        found.append(DateMatch(value, match.start(), match.end(), False,
                               _delimited(text, *match.span())))
    for pattern, bare in ((_BRACKETED_MD, False), (_BARE_MD, True)):
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            delimited = _delimited(text, start, end)
            if bare and not delimited:
                continue
            month, day = (int(g) for g in match.groups() if g is not None)
            value = _short_year(month, day, today)
            if value is None or _is_clock(text, start, end):
                continue
            found.append(DateMatch(value, start, end, True, delimited))
    found.sort(key=lambda m: m.start)
    return found


def standalone_dates(text: str, today: date) -> Iterator[date]:
    """The delimited dates of `text`: those a reader takes for a date of its own."""
    return (m.value for m in find_dates(text, today) if m.delimited)


def _title_match(title: str, today: date) -> DateMatch | None:
    title = title.strip()
    for m in reversed(find_dates(title, today)):
        if _TRAIL_FILLER.fullmatch(title, m.end):
            return m
    for m in find_dates(title, today):
        if _LEAD_FILLER.fullmatch(title, 0, m.start) and (
                m.end == len(title) or _SEPARATOR_AFTER.match(title, m.end)
                or title[m.end - 1] in "])】〕"):
            return m
    return None


def title_date(title: str, today: date) -> date | None:
    """The date that closes a link's text, or opens it followed by a space or bracket."""
    found = _title_match(title, today)
    return found.value if found else None


def url_dates(url: str) -> list[date]:
    """The dates a CMS writes into an item's URL: t20261120_1021.html, /202506/18/,
    /2026-11/26/, /2026/1125/, /art/2025/6/18/."""
    out = []
    for pattern in _URL_DATES:
        for match in pattern.finditer(url):
            value = _valid(*(int(g) for g in match.groups()))
            if value is not None:
                out.append(value)
    return out


def _dated(match: DateMatch, in_url: list[date], today: date) -> date:
    """A match's date; a month and day without a year take the year of the same month and
    day in the item's URL, when it holds one that is not in the future."""
    if match.short:
        for value in in_url:
            if (value.month, value.day) == (match.value.month, match.value.day) \
                    and value <= today:
                return value
    return match.value


def publication_date(outside: Iterable[str], title: str, today: date,
                     url: str | None = None) -> date | None:
    """The date of an item: the newest delimited date outside its title link (`outside`:
    the item's other texts, one per text node or attribute), else a date at one end of the
    title's text (see the module's docstring), else None. A month and day without a year
    ([06-18]) take their year from the item's `url` when it holds that month and day
    (/202506/18/1880.html), else the latest year that is not in the future."""
    matches = [m for text in outside for m in find_dates(text, today) if m.delimited]
    if not matches:
        found = _title_match(title, today)
        matches = [found] if found else []
    if not matches:
        return None
    in_url = url_dates(url) if url and any(m.short for m in matches) else []
    return max(_dated(m, in_url, today) for m in matches)


def age_days(published: date, today: date) -> int:
    """Whole days from `published` to `today`, both China dates: 0 for today's items.

    "Within N days" holds while age_days(...) <= N; see is_stale.
    """
    return (today - published).days


def is_stale(age: float, limit: float) -> bool:
    """Whether an age in days breaks a line of `limit` days ("not updated for N days").

    An age equal to the limit is still within it: a page 14 days old meets a 14-day line,
    one 15 days old does not. Every rule (home page, columns, warnings) uses this one.
    """
    return age > limit
