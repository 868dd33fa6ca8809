"""严重表述错误: leaders' names, their titles and their order; institutions' full names.

The team's name list (kind `names`) holds people in canonical order with their titles, and
institutions by their full names. On each text block:

- a near miss is a stretch as long as a listed name that differs from it in one character
  (two in names of eight or more), each different character a homophone, a look-alike or a
  pair of the team's confusion list (see content.chars): 赵乐技 for 赵乐际, 国务院办工厅 for
  国务院办公厅. A two-character name counts only beside a listed title (王钢市长), since two
  characters recur in ordinary text. Stretches that are another listed name, or inside a
  word of the list's `allow`, are not near misses;
- a wrong title is a listed title written right before or after a listed person (市长张三丰,
  张三丰市长) that is not one of that person's titles;
- names out of order are listed people written as a list (only separators and titles between
  them: 张三丰、李四光、王五; or consecutive elements of one shape that hold just a name and its
  title, as on a leaders page) in an order other than the list's;
- a confusion-list word (wrong form, right form) found in the text.

Candidates are found by Aho-Corasick on the parts of each name (if a name of length L differs
in at most k characters, one of k+1 parts of it stands intact), then verified.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import ahocorasick

from govaudit.content.chars import confusable
from govaudit.content.lists import ListProblem, entries, read_list, text_entry
from govaudit.content.model import (
    Evidence,
    Finding,
    ListEntry,
    ListRef,
    PageText,
    TextBlock,
)
from govaudit.content.text import Folded, around, fold, fold_word

PERSON = "person"
INSTITUTION = "institution"
# What may stand between the names of a list, besides titles.
_SEPARATORS = re.compile(r"[、，,；;：:·•/|（）()\[\]【】和及与同志等]+")
_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
_INDEX = re.compile(r":nth-child\(\d+\)|:nth-of-type\(\d+\)")
LIST_ITEM_REST = 8  # what an element of a leaders list may hold besides the name and titles


@dataclass(frozen=True)
class Person:
    name: str
    titles: tuple[str, ...]
    rank: int
    entry: ListEntry


@dataclass(frozen=True)
class Institution:
    name: str
    entry: ListEntry


@dataclass(frozen=True)
class NameList:
    ref: ListRef
    people: tuple[Person, ...]
    institutions: tuple[Institution, ...]
    titles: tuple[str, ...]  # further titles to recognise beside a name
    allow: tuple[str, ...]  # words that contain a near miss and are right


@dataclass(frozen=True)
class Confusion:
    wrong: str
    right: str
    entry: ListEntry


@dataclass(frozen=True)
class NearMiss(Finding):
    check: ClassVar[str] = "names"
    found: str
    expected: str
    kind: str  # person or institution
    changes: tuple[tuple[str, str, str], ...]  # (found character, expected, how)

    @property
    def reason(self) -> str:
        how = "; ".join(f"{f} for {e} ({h})" for f, e, h in self.changes)
        return f"{self.found} should be {self.expected}: {how}"


@dataclass(frozen=True)
class WrongTitle(Finding):
    check: ClassVar[str] = "names"
    name: str
    title: str
    titles: tuple[str, ...]  # the person's titles on the list

    @property
    def reason(self) -> str:
        return f"{self.title} beside {self.name}, whose titles are {'、'.join(self.titles)}"


@dataclass(frozen=True)
class OutOfOrder(Finding):
    check: ClassVar[str] = "names"
    found: tuple[str, ...]
    expected: tuple[str, ...]

    @property
    def reason(self) -> str:
        return f"{'、'.join(self.found)} listed out of order; the list's order: " \
               f"{'、'.join(self.expected)}"


@dataclass(frozen=True)
class ConfusionHit(Finding):
    check: ClassVar[str] = "names"
    wrong: str
    right: str

    @property
    def reason(self) -> str:
        return f"{self.wrong} should be {self.right}"


def load_names(path: Path, on: date) -> NameList:
    """A name list (YAML) whose validity covers `on`."""
    listed = read_list(path, "names", on)
    name, ref, body = str(path), listed.ref, listed.body
    if listed.lines:
        raise ListProblem(name, "a name list is a YAML file (people:, institutions:)")
    people = []
    for number, item in enumerate(entries(body, "people", name), 1):
        person = text_entry(item, "people", number, name)
        extra: dict[str, Any] = item if isinstance(item, dict) else {}
        titles = extra.get("titles") or extra.get("title") or []
        titles = [titles] if isinstance(titles, str) else list(titles)
        rank = extra.get("rank", number)
        if not isinstance(rank, int):
            raise ListProblem(name, f"people entry {number} ({person}): rank must be a number")
        people.append(Person(person, tuple(str(t).strip() for t in titles if str(t).strip()),
                             rank, ListEntry(ref, person, number)))
    institutions = [Institution(text_entry(item, "institutions", number, name),
                                ListEntry(ref, text_entry(item, "institutions", number, name),
                                          number))
                    for number, item in enumerate(entries(body, "institutions", name), 1)]
    if not people and not institutions:
        raise ListProblem(name, "holds no people and no institutions")
    extra_titles = tuple(text_entry(t, "titles", n, name, "title")
                         for n, t in enumerate(entries(body, "titles", name), 1))
    allow = tuple(text_entry(a, "allow", n, name)
                  for n, a in enumerate(entries(body, "allow", name), 1))
    return NameList(ref, tuple(people), tuple(institutions), extra_titles, allow)


def load_confusions(path: Path, on: date) -> list[Confusion]:
    """Confusion pairs (wrong form, right form): YAML `pairs: [[wrong, right], …]` or text
    lines `wrong right`."""
    listed = read_list(path, "confusions", on)
    name, ref = str(path), listed.ref
    raw: list[tuple[int, Any]] = (
        [(n, line.split()) for n, line in listed.lines] if listed.lines
        else list(enumerate(entries(listed.body, "pairs", name), 1)))
    pairs = []
    for number, item in raw:
        if isinstance(item, dict):
            item = [item.get("wrong"), item.get("right")]
        if not isinstance(item, list) or len(item) != 2 or not all(
                isinstance(x, str) and x.strip() for x in item):
            raise ListProblem(name, f"pair {number}: give the wrong form and the right one")
        wrong, right = item[0].strip(), item[1].strip()
        pairs.append(Confusion(wrong, right, ListEntry(ref, f"{wrong} {right}", number)))
    if not pairs:
        raise ListProblem(name, "holds no pairs")
    return pairs


@dataclass(frozen=True)
class _Canon:
    text: str  # folded
    name: str  # as listed
    kind: str
    entry: ListEntry
    person: Person | None
    changes: int  # how many characters may differ


class NameCheck:
    """Near misses, wrong titles, order, and confusion words over text blocks."""

    def __init__(self, lists: Sequence[NameList], confusions: Sequence[Confusion] = (),
                 context: int = 20) -> None:
        self.context = context
        self._canon: list[_Canon] = []
        seen: set[str] = set()
        for listed in lists:
            for p in listed.people:
                self._add(p.name, PERSON, p.entry, p, seen)
            for inst in listed.institutions:
                self._add(inst.name, INSTITUTION, inst.entry, None, seen)
        self._canon_text = {c.text: i for i, c in enumerate(self._canon)}
        titles = {fold_word(t) for listed in lists for p in listed.people for t in p.titles}
        titles |= {fold_word(t) for listed in lists for t in listed.titles}
        self._titles = sorted((t for t in titles if t), key=len, reverse=True)
        self._confusions = list(confusions)
        self._pairs = frozenset((c.wrong, c.right) for c in confusions
                                if len(c.wrong) == len(c.right) == 1)
        automaton = ahocorasick.Automaton()
        values: dict[str, list[tuple[str, int, int]]] = {}
        for index, canon in enumerate(self._canon):
            values.setdefault(canon.text, []).append(("exact", index, 0))
            for offset, part in _parts(canon.text, canon.changes):
                values.setdefault(part, []).append(("part", index, offset))
        for index, confusion in enumerate(self._confusions):
            key = fold_word(confusion.wrong)
            if key:
                values.setdefault(key, []).append(("confusion", index, 0))
        for listed in lists:
            for word in listed.allow:
                key = fold_word(word)
                if key:
                    values.setdefault(key, []).append(("allow", -1, 0))
        for key, value in values.items():
            automaton.add_word(key, (len(key), tuple(value)))
        self.empty = not values
        if not self.empty:
            automaton.make_automaton()
        self._automaton = automaton

    def _add(self, name: str, kind: str, entry: ListEntry, person: Person | None,
             seen: set[str]) -> None:
        text = fold_word(name)
        if len(text) < 2 or text in seen:
            return
        seen.add(text)
        self._canon.append(_Canon(text, name, kind, entry, person, 1 if len(text) < 8 else 2))

    def check(self, page: PageText) -> list[Finding]:
        found: list[Finding] = []
        items: list[tuple[TextBlock, Folded, int, int, _Canon]] = []
        for block in page.blocks:
            block_findings, item = self._check_block(page.url, block)
            found.extend(block_findings)
            if item is not None:
                items.append((block, *item))
        found.extend(self._item_order(page.url, items))
        return found

    def check_block(self, url: str, block: TextBlock) -> list[Finding]:
        return self._check_block(url, block)[0]

    def _check_block(self, url: str, block: TextBlock
                     ) -> tuple[list[Finding], tuple[Folded, int, int, _Canon] | None]:
        if self.empty or not block.text:
            return [], None
        folded = fold(block.text)
        text = folded.text
        exact: list[tuple[int, int, int]] = []
        allowed: list[tuple[int, int]] = []
        candidates: set[tuple[int, int]] = set()
        confusions: list[tuple[int, int, int]] = []
        for end, (length, values) in self._automaton.iter(text):
            start = end + 1 - length
            for tag, index, offset in values:
                if tag == "exact":
                    exact.append((start, end + 1, index))
                elif tag == "part":
                    candidates.add((start - offset, index))
                elif tag == "confusion":
                    confusions.append((start, end + 1, index))
                else:
                    allowed.append((start, end + 1))
        out: list[Finding] = []
        for start, index in sorted(candidates):
            out.extend(self._near_miss(url, block, folded, start, index, exact, allowed))
        for start, end, index in confusions:
            confusion = self._confusions[index]
            out.append(ConfusionHit(self._evidence(url, block, folded, start, end,
                                                   confusion.entry),
                                    confusion.wrong, confusion.right))
        people = [(s, e, i) for s, e, i in _outermost(exact) if self._canon[i].person]
        for start, end, index in people:
            out.extend(self._titles_beside(url, block, folded, start, end, index))
        out.extend(self._inline_order(url, block, folded, people))
        item = None
        if people:
            start, end, index = people[0]
            rest = _SEPARATORS.sub("", self._strip_titles(text[:start] + text[end:]))
            if len(people) == 1 and len(rest) <= LIST_ITEM_REST:
                item = (folded, start, end, self._canon[index])
        return out, item

    def _near_miss(self, url: str, block: TextBlock, folded: Folded, start: int, index: int,
                   exact: list[tuple[int, int, int]], allowed: list[tuple[int, int]]
                   ) -> list[Finding]:
        canon = self._canon[index]
        text = folded.text
        end = start + len(canon.text)
        if start < 0 or end > len(text):
            return []
        window = text[start:end]
        if window == canon.text or window in self._canon_text:
            return []
        if any(a <= start and end <= b for a, b in allowed):
            return []
        if any(a <= start and end <= b for a, b, _ in exact):
            return []
        changes = []
        for found, expected in zip(window, canon.text, strict=True):
            if found == expected:
                continue
            how = confusable(found, expected, self._pairs) if _CJK.match(found) else ""
            if not how:
                return []
            changes.append((found, expected, how))
            if len(changes) > canon.changes:
                return []
        if canon.kind == PERSON and len(canon.text) == 2 and not (
                self._title_before(text, start) or self._title_after(text, end)):
            return []
        evidence = self._evidence(url, block, folded, start, end, canon.entry)
        return [NearMiss(evidence, window, canon.name, canon.kind, tuple(changes))]

    def _title_before(self, text: str, start: int) -> str:
        return next((t for t in self._titles if text.endswith(t, 0, start)), "")

    def _title_after(self, text: str, end: int) -> str:
        return next((t for t in self._titles if text.startswith(t, end)), "")

    def _titles_beside(self, url: str, block: TextBlock, folded: Folded, start: int, end: int,
                       index: int) -> list[Finding]:
        canon = self._canon[index]
        assert canon.person is not None
        own = {fold_word(t) for t in canon.person.titles}
        if not own:
            return []
        text = folded.text
        spans = []
        at = start  # titles before the name, chained by separators: 市委副书记、市长张三丰
        while (title := self._title_before(text, at)):
            spans.append((at - len(title), at, title))
            at -= len(title)
            while at > 0 and text[at - 1] in "、，,":
                at -= 1
        after = self._title_after(text, end)
        if after:
            spans.append((end, end + len(after), after))
        out: list[Finding] = []
        for a, b, title in spans:
            if title not in own:
                evidence = self._evidence(url, block, folded, min(a, start), max(b, end),
                                          canon.entry)
                out.append(WrongTitle(evidence, canon.name, title, canon.person.titles))
        return out

    def _strip_titles(self, text: str) -> str:
        for title in self._titles:
            text = text.replace(title, "")
        return text

    def _inline_order(self, url: str, block: TextBlock, folded: Folded,
                      people: list[tuple[int, int, int]]) -> list[Finding]:
        """Names in one block with nothing but separators and titles between them."""
        out: list[Finding] = []
        run: list[tuple[int, int, int]] = []
        for hit in people + [(-1, -1, -1)]:
            if run and hit[0] >= 0 and self._joined(folded.text[run[-1][1]:hit[0]]):
                run.append(hit)
                continue
            if len(run) > 1:
                out.extend(self._order(url, block, folded, run[0][0], run[-1][1],
                                       [self._canon[i] for _, _, i in run]))
            run = [hit]
        return out

    def _joined(self, gap: str) -> bool:
        return not _SEPARATORS.sub("", self._strip_titles(gap))

    def _item_order(self, url: str, items: list[tuple[TextBlock, Folded, int, int, _Canon]]
                    ) -> list[Finding]:
        """Consecutive items of one list (or rows of one table), each just a name and its
        titles."""
        out: list[Finding] = []
        run: list[tuple[TextBlock, Folded, int, int, _Canon]] = []
        for item in [*items, None]:
            if run and item is not None and item[0].path \
                    and _container(item[0].path) == _container(run[-1][0].path):
                run.append(item)
                continue
            if len(run) > 1:
                block, folded, start, end, _ = run[0]
                out.extend(self._order(url, block, folded, start, end,
                                       [c for *_, c in run]))
            run = [item] if item is not None else []
        return out

    def _order(self, url: str, block: TextBlock, folded: Folded, start: int, end: int,
               names: list[_Canon]) -> list[Finding]:
        ranks = [c.person.rank for c in names if c.person]
        if all(a <= b for a, b in zip(ranks, ranks[1:], strict=False)):
            return []
        ordered = sorted(names, key=lambda c: c.person.rank if c.person else 0)
        first_wrong = next(c for c, o in zip(names, ordered, strict=True) if c is not o)
        evidence = self._evidence(url, block, folded, start, end, first_wrong.entry)
        return [OutOfOrder(evidence, tuple(c.name for c in names),
                           tuple(c.name for c in ordered))]

    def _evidence(self, url: str, block: TextBlock, folded: Folded, start: int, end: int,
                  entry: ListEntry | None) -> Evidence:
        a, b = folded.span(start, end)
        before, match, after = around(folded.original, a, b, self.context)
        return Evidence(url, block.path, before, match, after, entry, block.box, block.region)


def _parts(text: str, changes: int) -> list[tuple[int, str]]:
    """`changes + 1` consecutive parts of `text` with their offsets (pigeonhole)."""
    count = min(changes + 1, len(text))
    size, extra = divmod(len(text), count)
    out, at = [], 0
    for i in range(count):
        length = size + (1 if i < extra else 0)
        out.append((at, text[at:at + length]))
        at += length
    return out


def _outermost(hits: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Hits not inside a longer one, in text order."""
    hits = sorted(hits, key=lambda h: (h[0], -h[1]))
    out: list[tuple[int, int, int]] = []
    for hit in hits:
        if out and hit[1] <= out[-1][1]:
            continue
        out.append(hit)
    return out


def _container(path: str) -> str:
    """The list an element's path is an item of: its parent, or a table cell's table."""
    parts = path.split(" > ")
    last = _INDEX.sub("", parts[-1]).split(".")[0]
    return " > ".join(parts[:-2] if last in ("td", "th") else parts[:-1])
