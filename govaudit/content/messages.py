"""互动回应: messages left unanswered, read from 留言 lists and detail pages.

Three template families are read as they come, and a team's own through CSS selectors set in
govaudit.toml (`[[content.messages]]`, see content.settings):

- a table whose header holds 留言时间 (提问时间, 来信时间…) and 回复时间 or 状态;
- a list of items each holding an 已回复/未回复 badge (已办结, 办理中…) and its dates, the first
  the question's and the second the reply's;
- a detail page with 来信时间 and 回复时间 (答复时间) blocks.

`reply_report` gives the oldest unanswered message, the reply times in working days (the
team's holiday calendar), and the messages past the 3-month veto line (单项否决: a message left
unanswered more than three months).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from selectolax.lexbor import LexborHTMLParser, LexborNode

from govaudit.content.model import Evidence, Finding
from govaudit.i18n import _

if TYPE_CHECKING:  # the calendar reads the holiday lists (YAML): loaded when replies are judged
    from govaudit.content.workdays import Calendar

ASKED = ("留言时间", "提问时间", "来信时间", "写信时间", "咨询时间", "提交时间", "发布时间",
         "留言日期")
REPLIED = ("回复时间", "答复时间", "办结时间", "回复日期", "答复日期", "处理时间")
STATE = ("状态", "办理状态", "处理状态", "回复状态", "答复状态")
TITLE = ("标题", "主题", "留言标题", "信件标题", "事项")
ANSWERED = ("已回复", "已答复", "已办结", "已处理", "已反馈", "已解答")
UNANSWERED = ("未回复", "待回复", "未答复", "待答复", "办理中", "处理中", "受理中", "待处理",
              "未办结")
_DATE = re.compile(r"(20\d{2}|19\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
VETO_MONTHS = 3
BUCKETS = ((1, "≤1"), (3, "2–3"), (5, "4–5"), (10, "6–10"), (15, "11–15"), (30, "16–30"))


@dataclass(frozen=True)
class MessageSelectors:
    """A team's CSS selectors for a template govaudit does not know (relative to `item`)."""

    name: str
    item: str
    asked: str
    replied: str = ""
    state: str = ""
    title: str = ""
    answered: tuple[str, ...] = ANSWERED


@dataclass(frozen=True)
class Message:
    title: str
    asked: date | None
    replied: date | None
    answered: bool | None  # None: neither a state nor a reply date says
    url: str
    path: str
    family: str  # table, list, detail, or the name of a team's selectors


@dataclass(frozen=True)
class Unanswered(Finding):
    check: ClassVar[str] = "messages"
    title: str
    asked: date
    days: int  # calendar days unanswered at the check

    @property
    def reason(self) -> str:
        return _(
            "message of {asked} unanswered for {days} days (veto line: {VETO_MONTHS} months): "
            "{title}").format(
            asked=self.asked, days=self.days, VETO_MONTHS=VETO_MONTHS, title=self.title)


@dataclass(frozen=True)
class ReplyReport:
    as_of: date
    messages: int
    answered: int
    unanswered: int
    oldest_unanswered: Message | None
    oldest_days: int
    reply_days: dict[str, int]  # working days from question to reply, by bucket
    over_line: tuple[Unanswered, ...]
    late_replies: tuple[Message, ...]  # answered, but more than the veto line after
    calendar_covered: bool
    unknown: int = 0  # messages whose dates or state could not be read
    notes: tuple[str, ...] = field(default=())


def parse_date(text: str) -> date | None:
    m = _DATE.search(text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _state(text: str) -> bool | None:
    if any(word in text for word in UNANSWERED):
        return False
    if any(word in text for word in ANSWERED):
        return True
    return None


def _path(element: LexborNode) -> str:
    parts = []
    node: LexborNode | None = element
    while node is not None and node.tag not in ("html", "-document"):
        part = node.tag or ""
        parent = node.parent
        if node.attributes.get("id"):
            parts.append(f"{part}#{node.attributes['id']}")
            break
        if parent is not None:
            siblings = [c for c in parent.iter() if c.tag and not c.tag.startswith("-")]
            index = next(i for i, c in enumerate(siblings, 1) if c.mem_id == node.mem_id)
            part += f":nth-child({index})"
        parts.append(part)
        node = parent
    return " > ".join(reversed(parts))


def _text(node: LexborNode | None) -> str:
    return re.sub(r"\s+", " ", node.text(separator=" ")).strip() if node is not None else ""


def read_messages(html: str, url: str, selectors: Sequence[MessageSelectors] = ()
                  ) -> list[Message]:
    """The messages of a 留言 list or detail page: the team's selectors first, then the
    built-in families."""
    tree = LexborHTMLParser(html)
    for own in selectors:
        found = _by_selectors(tree, url, own)
        if found:
            return found
    return _table(tree, url) or _badges(tree, url) or _detail(tree, url)


def _by_selectors(tree: LexborHTMLParser, url: str, own: MessageSelectors) -> list[Message]:
    out = []
    for item in tree.css(own.item):
        asked = parse_date(_text(item.css_first(own.asked)))
        replied = parse_date(_text(item.css_first(own.replied))) if own.replied else None
        # a team's state column: its answered words mean answered, any other state does not
        shown = _text(item.css_first(own.state)) if own.state else ""
        state = any(word in shown for word in own.answered) if shown else None
        if state is None and replied is not None:
            state = True
        title = _text(item.css_first(own.title)) if own.title else ""
        out.append(Message(title, asked, replied, state, url, _path(item), own.name))
    return out


def _column(headers: list[str], names: Sequence[str]) -> int | None:
    for i, header in enumerate(headers):
        if any(name in header for name in names):
            return i
    return None


def _table(tree: LexborHTMLParser, url: str) -> list[Message]:
    for table in tree.css("table"):
        rows = table.css("tr")
        if not rows:
            continue
        headers = [_text(c) for c in rows[0].css("th, td")]
        asked_at = _column(headers, ASKED)
        replied_at, state_at = _column(headers, REPLIED), _column(headers, STATE)
        if asked_at is None or (replied_at is None and state_at is None):
            continue
        title_at = _column(headers, TITLE)
        out = []
        for row in rows[1:]:
            cells = [_text(c) for c in row.css("td, th")]
            if len(cells) <= asked_at:
                continue
            replied = parse_date(cells[replied_at]) if replied_at is not None \
                and replied_at < len(cells) else None
            state = _state(cells[state_at]) if state_at is not None and state_at < len(cells) \
                else None
            if state is None and replied_at is not None:
                state = replied is not None
            title = cells[title_at] if title_at is not None and title_at < len(cells) else ""
            out.append(Message(title, parse_date(cells[asked_at]), replied, state, url,
                               _path(row), "table"))
        if out:
            return out
    return []


def _badges(tree: LexborHTMLParser, url: str) -> list[Message]:
    out = []
    for item in tree.css("li, dl, div.item, div.list-item"):
        text = _text(item)
        state = _state(text)
        if state is None or len(text) > 400:
            continue
        if any(inner.mem_id != item.mem_id for inner in item.css("li")):
            continue  # an outer list of the items
        dates = [d for d in (parse_date(m.group()) for m in _DATE.finditer(text)) if d]
        if not dates:
            continue
        link = item.css_first("a")
        title = _text(link) if link is not None else text[:60]
        replied = dates[1] if state and len(dates) > 1 else None
        out.append(Message(title, dates[0], replied, state, url, _path(item), "list"))
    return out


def _detail(tree: LexborHTMLParser, url: str) -> list[Message]:
    body = tree.body
    text = _text(body)
    asked = replied = None
    for label in ASKED:
        m = re.search(re.escape(label) + r"\s*[:：]?\s*(.{0,30})", text)
        if m and (asked := parse_date(m.group(1))):
            break
    if asked is None:
        return []
    for label in REPLIED:
        m = re.search(re.escape(label) + r"\s*[:：]?\s*(.{0,30})", text)
        if m and (replied := parse_date(m.group(1))):
            break
    state = _state(text)
    if state is None:
        state = replied is not None
    title_node = next((n for n in (tree.css_first(s) for s in ("h1", "h2", ".title", "title"))
                       if n is not None), None)
    path = _path(body) if body is not None else "body"
    return [Message(_text(title_node), asked, replied, state, url, path, "detail")]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _bucket(days: int) -> str:
    return next((label for top, label in BUCKETS if days <= top), ">30")


def reply_report(messages: Sequence[Message], as_of: date,
                 calendar: Calendar | None = None) -> ReplyReport:
    """Oldest unanswered, reply times in working days, and the 3-month veto line."""
    if calendar is None:
        from govaudit.content.workdays import Calendar

        calendar = Calendar()
    counts = {label: 0 for _, label in BUCKETS} | {">30": 0}
    covered = True
    over: list[Unanswered] = []
    late: list[Message] = []
    oldest: Message | None = None
    answered = unanswered = unknown = 0
    for m in messages:
        if m.asked is None or m.answered is None:
            unknown += 1
            continue
        line = add_months(m.asked, VETO_MONTHS)
        if m.answered:
            answered += 1
            if m.replied is not None:
                covered = covered and calendar.covers(m.asked, m.replied)
                counts[_bucket(calendar.working_days(m.asked, m.replied))] += 1
                if m.replied > line:
                    late.append(m)
            continue
        unanswered += 1
        if oldest is None or (oldest.asked and m.asked < oldest.asked):
            oldest = m
        if as_of > line:
            evidence = Evidence(m.url, m.path, "", m.title, "")
            over.append(Unanswered(evidence, m.title, m.asked, (as_of - m.asked).days))
    oldest_days = (as_of - oldest.asked).days if oldest and oldest.asked else 0
    notes = () if covered else ("reply times outside the holiday calendar's validity are "
                                "counted in weekdays",)
    return ReplyReport(as_of, len(messages), answered, unanswered, oldest, oldest_days, counts,
                       tuple(over), tuple(late), covered, unknown, notes)
