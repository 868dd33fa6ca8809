"""栏目更新: the newest date shown on the home page and on recorded column pages."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from govaudit.probes.html import Document

# China Standard Time: the sites date their news in it.
CHINA_TZ = timezone(timedelta(hours=8))
_NUMERIC = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?!\d)")
_CHINESE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
# "今天是2026年11月22日": a clock on the page, not a publication date.
_TODAY_WORDS = re.compile(r"(今天是?|今日|当前日期|当前时间|现在时间|现在是)\s*[:：]?\s*$")


def today_in_china() -> date:
    return datetime.now(CHINA_TZ).date()


def find_dates(text: str, today: date) -> tuple[list[date], int]:
    """Valid dates in a text (none later than tomorrow) and how many were ignored."""
    found: list[date] = []
    ignored = 0
    matches = [(m, (m.group(1), m.group(3), m.group(4))) for m in _NUMERIC.finditer(text)]
    matches += [(m, (m.group(1), m.group(2), m.group(3))) for m in _CHINESE.finditer(text)]
    for match, (year, month, day) in matches:
        try:
            value = date(int(year), int(month), int(day))
        except ValueError:
            ignored += 1
            continue
        if value > today + timedelta(days=1) or _TODAY_WORDS.search(
                text[max(0, match.start() - 12):match.start()]):
            ignored += 1
            continue
        found.append(value)
    return found, ignored


def page_freshness(doc: Document, today: date) -> dict[str, object]:
    dates, ignored = find_dates(doc.text, today)
    latest = max(dates) if dates else None
    return {"url": doc.url, "latest": latest.isoformat() if latest else None,
            "days": (today - latest).days if latest else None, "dates": len(dates),
            "ignored": ignored}
