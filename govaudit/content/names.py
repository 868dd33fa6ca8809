"""严重表述错误: leaders' names, their titles and their order; institutions' full names.

The team's name list (kind `names`) holds people in canonical order with their titles, and
institutions by their full names. On each text block:

- a near miss is a stretch as long as a listed name that differs from it in one character
  (two in names of eight or more), each different character a homophone or a look-alike
  from GB 2312's 6,763 characters, or a pair of the team's confusion list (see
  content.chars): 赵乐技 for 赵乐际, 国务院办工厅 for 国务院办公厅, 发展和改革委贝会 for
  发展和改革委员会. A two-character name counts only beside a listed title (王钢市长), since two
  characters recur in ordinary text. Stretches that are another listed name, or inside a
  word of the list's `allow`, are not near misses;
- a wrong title is a listed title written right before or after a listed person (市长张三丰,
  张三丰市长) that is not one of that person's titles;
- names out of order are listed people written as a list (only separators and titles between
  them: 张三丰、李四光、王五; or consecutive elements of one shape that hold just a name and its
  title, as on a leaders page) in an order other than the list's;
- a confusion-list word (wrong form, right form) of two characters or more found in the
  text; a pair of single characters (己 已) counts inside listed names only, since each of
  them is right in most words (自己, 已经).

The near misses are written out when the list is read: each name with one character replaced
by each character that may stand for it; a name of eight or more (two may differ) by halves,
since one half then differs in one character at most, and a half's match is verified. One
Aho-Corasick automaton (daachorse, character-wise) holds them with the names, confusion words
and allowed words, and a page is read once: a common character of a name (张, 王) is not a
place to look at, only a near miss as a whole is. Titles are looked up beside a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import daachorse

from govaudit.content.chars import CONFUSION, similar
from govaudit.content.lists import ListProblem, entries, read_list, text_entry
from govaudit.content.model import (
    Evidence,
    Finding,
    ListEntry,
    ListRef,
    PageText,
    TextBlock,
)
from govaudit.content.personal import context_of
from govaudit.content.text import Folded, by_block, fold, fold_word
from govaudit.i18n import _

PERSON = "person"
INSTITUTION = "institution"
# What may stand between the names of a list, besides titles.
_SEPARATORS = re.compile(r"[、，,；;：:·•/|（）()\[\]【】和及与同志等]+")
_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
_INDEX = re.compile(r":nth-child\(\d+\)|:nth-of-type\(\d+\)")
LIST_ITEM_REST = 8  # what an element of a leaders list may hold besides the name and titles
LIST_ITEM_CHARS = 60  # what it may hold besides the name, titles and separators included


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
        return _("{found} should be {expected}: {how}").format(
            found=self.found, expected=self.expected, how=how)


@dataclass(frozen=True)
class WrongTitle(Finding):
    check: ClassVar[str] = "names"
    name: str
    title: str
    titles: tuple[str, ...]  # the person's titles on the list

    @property
    def reason(self) -> str:
        return _("{title} beside {name}, whose titles are {listed}").format(
            title=self.title, name=self.name, listed='、'.join(self.titles))


@dataclass(frozen=True)
class OutOfOrder(Finding):
    check: ClassVar[str] = "names"
    found: tuple[str, ...]
    expected: tuple[str, ...]

    @property
    def reason(self) -> str:
        return _("{listed} listed out of order; the list's order: {listed2}").format(
            listed='、'.join(self.found), listed2='、'.join(self.expected))


@dataclass(frozen=True)
class ConfusionHit(Finding):
    check: ClassVar[str] = "names"
    wrong: str
    right: str

    @property
    def reason(self) -> str:
        return _("{wrong} should be {right}").format(
            wrong=self.wrong, right=self.right)


def load_names(path: Path, on: date) -> NameList:
    """A name list (YAML) whose validity covers `on`."""
    listed = read_list(path, "names", on)
    name, ref, body = str(path), listed.ref, listed.body
    if listed.lines:
        raise ListProblem(name, _("a name list is a YAML file (people:, institutions:)"))
    people = []
    for number, item in enumerate(entries(body, "people", name), 1):
        person = text_entry(item, "people", number, name)
        extra: dict[str, Any] = item if isinstance(item, dict) else {}
        titles = extra.get("titles") or extra.get("title") or []
        titles = [titles] if isinstance(titles, str) else list(titles)
        rank = extra.get("rank", number)
        if not isinstance(rank, int):
            raise ListProblem(name, _(
                "people entry {number} ({person}): rank must be a number").format(
                number=number, person=person))
        people.append(Person(person, tuple(str(t).strip() for t in titles if str(t).strip()),
                             rank, ListEntry(ref, person, number)))
    institutions = [Institution(text_entry(item, "institutions", number, name),
                                ListEntry(ref, text_entry(item, "institutions", number, name),
                                          number))
                    for number, item in enumerate(entries(body, "institutions", name), 1)]
    if not people and not institutions:
        raise ListProblem(name, _("holds no people and no institutions"))
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
            raise ListProblem(name, _(
                "pair {number}: give the wrong form and the right one").format(number=number))
        wrong, right = item[0].strip(), item[1].strip()
        pairs.append(Confusion(wrong, right, ListEntry(ref, f"{wrong} {right}", number)))
    if not pairs:
        raise ListProblem(name, _("holds no pairs"))
    return pairs


@dataclass(frozen=True)
class _Canon:
    text: str  # folded
    name: str  # as listed
    kind: str
    entry: ListEntry
    person: Person | None
    changes: int  # how many characters may differ
    titles: frozenset[str]  # the person's titles, folded


# What a key of the automaton stands for.
_EXACT, _NEAR, _CONFUSION, _ALLOW = range(4)


@dataclass
class _Hits:
    """What the automaton found in one block's folded text."""

    exact: list[tuple[int, int, int]] = field(default_factory=list)  # start, end, name
    near: set[tuple[int, int]] = field(default_factory=set)  # where a near miss may start
    confusions: list[tuple[int, int, int]] = field(default_factory=list)
    allowed: list[tuple[int, int]] = field(default_factory=list)


class NameCheck:
    """Near misses, wrong titles, order, and confusion words over text blocks.

    One Aho-Corasick automaton holds every string that matters: the listed names, their
    near misses written out ahead of time (each character of a name replaced by each common
    character that may stand for it; for a name of eight or more, each half so), the
    confusion words and the allowed words; a page is read once. Titles are looked up
    beside a name only.
    """

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
        self._title_set = frozenset(self._titles)
        self._title_lengths = sorted({len(t) for t in self._titles}, reverse=True)
        # what may stand between the names of a list: titles and separators
        self._filler = re.compile("(?:" + "|".join([*map(re.escape, self._titles),
                                                    _SEPARATORS.pattern]) + ")+")
        self._confusions = list(confusions)
        self._team_pairs: dict[str, dict[str, str]] = {}
        self._substitutes: dict[str, dict[str, str]] = {}  # by the character of a name
        for c in confusions:
            if len(c.wrong) == len(c.right) == 1 and _CJK.match(c.wrong):
                self._team_pairs.setdefault(c.right, {})[c.wrong] = CONFUSION
        values: dict[str, list[tuple[int, int, int]]] = {}
        for index, canon in enumerate(self._canon):
            values.setdefault(canon.text, []).append((_EXACT, index, 0))
            for offset, part in _parts(canon.text, canon.changes):
                for variant in self._variants(part, canon.changes == 1):
                    values.setdefault(variant, []).append((_NEAR, index, offset))
        for index, confusion in enumerate(self._confusions):
            key = fold_word(confusion.wrong)
            if len(key) > 1:  # a pair of single characters counts inside names only (自己)
                values.setdefault(key, []).append((_CONFUSION, index, 0))
        for listed in lists:
            for word in listed.allow:
                key = fold_word(word)
                if key:
                    values.setdefault(key, []).append((_ALLOW, -1, 0))
        self._values = [tuple(value) for value in values.values()]  # by key, in order
        self._automaton = daachorse.CharwiseDoubleArrayAhoCorasick(list(values)) if values else None
        self.empty = not self._canon and not self._confusions

    def _add(self, name: str, kind: str, entry: ListEntry, person: Person | None,
             seen: set[str]) -> None:
        text = fold_word(name)
        if len(text) < 2 or text in seen:
            return
        seen.add(text)
        titles = frozenset(fold_word(t) for t in person.titles) if person else frozenset()
        self._canon.append(_Canon(text, name, kind, entry, person, 1 if len(text) < 8 else 2,
                                  titles))

    def _similar(self, expected: str) -> dict[str, str]:
        """{character: how} of what may stand for `expected` (see content.chars), the
        team's pairs first."""
        known = self._substitutes.get(expected)
        if known is None:
            known = {**similar(expected), **self._team_pairs.get(expected, {})}
            self._substitutes[expected] = known
        return known

    def _variants(self, text: str, whole: bool) -> list[str]:
        """`text` with one character replaced by one that may stand for it; a part of a
        longer name (not `whole`) also as it is."""
        out = [] if whole else [text]
        for at, expected in enumerate(text):
            out.extend(text[:at] + ch + text[at + 1:] for ch in self._similar(expected))
        return out

    def check(self, page: PageText, folded: Sequence[Folded] | None = None) -> list[Finding]:
        """The findings of a page; `folded`, if given, holds each block's folded text. The
        page is read in one pass; only the blocks with a match are looked at further."""
        if self.empty:
            return []
        if folded is None:
            folded = [fold(block.text) for block in page.blocks]
        matches = by_block([f.text for f in folded], self._find)
        found: list[Finding] = []
        items: list[tuple[TextBlock, Folded, int, int, _Canon]] = []
        for number in sorted(matches):
            block = page.blocks[number]
            block_findings, item = self._check_block(page.url, block, folded[number],
                                                     matches[number])
            found.extend(block_findings)
            if item is not None:
                items.append((block, *item))
        found.extend(self._item_order(page.url, items))
        return found

    def check_block(self, url: str, block: TextBlock) -> list[Finding]:
        if self.empty or not block.text:
            return []
        folded = fold(block.text)
        return self._check_block(url, block, folded, self._find(folded.text))[0]

    def _find(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, key) of every key in `text`, overlapping ones too."""
        if self._automaton is None:
            return []
        return self._automaton.find_overlapping(text)

    def _hits(self, matches: Iterable[tuple[int, int, int]]) -> _Hits:
        hits = _Hits()
        for start, end, key in matches:
            for tag, index, offset in self._values[key]:
                if tag == _EXACT:
                    hits.exact.append((start, end, index))
                elif tag == _NEAR:
                    hits.near.add((start - offset, index))
                elif tag == _CONFUSION:
                    hits.confusions.append((start, end, index))
                else:
                    hits.allowed.append((start, end))
        return hits

    def _check_block(self, url: str, block: TextBlock, folded: Folded,
                     matches: Iterable[tuple[int, int, int]]
                     ) -> tuple[list[Finding], tuple[Folded, int, int, _Canon] | None]:
        text = folded.text
        hits = self._hits(matches)
        out: list[Finding] = []
        hits.near.difference_update((s, i) for s, _, i in hits.exact)  # the name as listed
        for start, index in sorted(hits.near):
            out.extend(self._near_miss(url, block, folded, start, index, hits))
        for start, end, index in hits.confusions:
            confusion = self._confusions[index]
            out.append(ConfusionHit(self._evidence(url, block, folded, start, end,
                                                   confusion.entry),
                                    confusion.wrong, confusion.right))
        people = [(s, e, i) for s, e, i in _outermost(hits.exact) if self._canon[i].person]
        for start, end, index in people:
            out.extend(self._titles_beside(url, block, folded, start, end, index))
        out.extend(self._inline_order(url, block, folded, people))
        item = None
        if len(people) == 1 and len(text) - (people[0][1] - people[0][0]) <= LIST_ITEM_CHARS:
            start, end, index = people[0]
            rest = self._filler.sub("", text[:start] + text[end:])
            if len(rest) <= LIST_ITEM_REST:
                item = (folded, start, end, self._canon[index])
        return out, item

    def _near_miss(self, url: str, block: TextBlock, folded: Folded, start: int, index: int,
                   hits: _Hits) -> list[Finding]:
        canon = self._canon[index]
        text = folded.text
        end = start + len(canon.text)
        if start < 0 or end > len(text):
            return []
        window = text[start:end]
        if window == canon.text or window in self._canon_text:
            return []
        changes = []
        for found, expected in zip(window, canon.text, strict=True):
            if found == expected:
                continue
            how = self._similar(expected).get(found, "")
            if not how:
                return []
            changes.append((found, expected, how))
            if len(changes) > canon.changes:
                return []
        if any(a <= start and end <= b for a, b in hits.allowed):
            return []
        if any(a <= start and end <= b for a, b, _ in hits.exact):
            return []
        if canon.kind == PERSON and len(canon.text) == 2 and not (
                self._title_before(text, start) or self._title_after(text, end)):
            return []
        evidence = self._evidence(url, block, folded, start, end, canon.entry)
        return [NearMiss(evidence, window, canon.name, canon.kind, tuple(changes))]

    def _title_before(self, text: str, start: int) -> str:
        """The longest listed title that ends at `start`."""
        for length in self._title_lengths:
            if length <= start and (title := text[start - length:start]) in self._title_set:
                return title
        return ""

    def _title_after(self, text: str, end: int) -> str:
        """The longest listed title that starts at `end`."""
        for length in self._title_lengths:
            if (title := text[end:end + length]) in self._title_set:
                return title
        return ""

    def _titles_beside(self, url: str, block: TextBlock, folded: Folded, start: int, end: int,
                       index: int) -> list[Finding]:
        canon = self._canon[index]
        assert canon.person is not None
        own = canon.titles
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
        return not gap or self._filler.fullmatch(gap) is not None

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
        before, match, after = context_of(folded.original, a, b, self.context)
        return Evidence(url, block.path, before, match, after, entry, block.box, block.region)


def _parts(text: str, changes: int) -> list[tuple[int, str]]:
    """`changes` consecutive parts of `text` with their offsets: where at most `changes`
    characters differ, one part differs in at most one (pigeonhole)."""
    count = max(1, min(changes, len(text)))
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
