"""错敏字 and sensitive words: team word lists and allow-lists, matched by Aho-Corasick.

A word list holds words with a category (敏感词, 错别字, …) and, for a wrong form, the right
one; its allow-list holds longer words in which a listed word is harmless (list 测试词, allow
非测试词语). Pages and attachments are matched in their folded form (see content.text), so
`测 试 词` and full-width letters still match; each hit quotes the original text around it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

import daachorse

from govaudit.content.lists import ListProblem, entries, read_list, text_entry
from govaudit.content.model import Evidence, Finding, ListEntry, PageText, TextBlock
from govaudit.content.personal import context_of
from govaudit.content.text import Folded, by_block, fold, fold_word
from govaudit.i18n import _

DEFAULT_CATEGORY = "敏感词"


@dataclass(frozen=True)
class Word:
    word: str
    category: str
    correct: str  # the right form of a wrong one; "" for a word that is simply not allowed
    entry: ListEntry


@dataclass(frozen=True)
class WordList:
    words: tuple[Word, ...]
    allow: tuple[ListEntry, ...]


@dataclass(frozen=True)
class WordHit(Finding):
    check: ClassVar[str] = "words"
    word: str
    category: str
    correct: str

    @property
    def reason(self) -> str:
        fix = f", should be {self.correct}" if self.correct else ""
        return _("{category} {word}{fix}").format(
            category=self.category, word=self.word, fix=fix)


def load_words(path: Path, on: date) -> WordList:
    """A word list (YAML `words:`/`allow:`, or text: `word[<TAB>category[<TAB>correct]]`,
    `!word` for an allowed one) whose validity covers `on`."""
    listed = read_list(path, "words", on)
    name, ref = str(path), listed.ref
    default = str(listed.body.get("category") or DEFAULT_CATEGORY)
    words: list[Word] = []
    allow: list[ListEntry] = []
    if listed.lines or path.suffix.lower() not in (".yaml", ".yml"):
        for number, line in listed.lines:
            if line.startswith("!"):
                allow.append(ListEntry(ref, line[1:].strip(), number))
                continue
            parts = [p.strip() for p in line.split("\t")]
            words.append(Word(parts[0], (parts[1:2] or [default])[0] or default,
                              (parts[2:3] or [""])[0], ListEntry(ref, parts[0], number)))
    else:
        for number, item in enumerate(entries(listed.body, "words", name), 1):
            word = text_entry(item, "words", number, name, "word")
            extra = item if isinstance(item, dict) else {}
            words.append(Word(word, str(extra.get("category") or default),
                              str(extra.get("correct") or ""), ListEntry(ref, word, number)))
        for number, item in enumerate(entries(listed.body, "allow", name), 1):
            word = text_entry(item, "allow", number, name, "word")
            allow.append(ListEntry(ref, word, number))
    if not words:
        raise ListProblem(name, _("holds no words"))
    return WordList(tuple(words), tuple(allow))


class WordMatcher:
    """Every word of the given lists, matched in one pass over each text."""

    def __init__(self, lists: Sequence[WordList], context: int = 20) -> None:
        self.context = context
        self._words: list[Word] = []
        found: dict[str, list[tuple[bool, int]]] = {}
        for listed in lists:
            for word in listed.words:
                key = fold_word(word.word)
                if key and not any(listed for listed, _ in found.get(key, ())):
                    # a word on several lists is reported once, with the first list's entry
                    found.setdefault(key, []).append((True, len(self._words)))
                    self._words.append(word)
            for allowed in listed.allow:
                key = fold_word(allowed.entry)
                if key:
                    found.setdefault(key, []).append((False, -1))
        self._values = [tuple(values) for values in found.values()]  # by key, in order
        self.empty = not self._words
        self._automaton = (daachorse.CharwiseDoubleArrayAhoCorasick(list(found))
                           if not self.empty else None)

    def check(self, page: PageText, folded: Sequence[Folded] | None = None) -> list[WordHit]:
        """The hits of a page, read in one pass; `folded`, if given, holds each block's
        folded text."""
        if self.empty:
            return []
        if folded is None:
            folded = [fold(block.text) for block in page.blocks]
        matches = by_block([f.text for f in folded], self._find)
        return [self._hit(page.url, page.blocks[number], folded[number], start, end, index)
                for number in sorted(matches)
                for start, end, index in self._spans(matches[number])]

    def check_block(self, url: str, block: TextBlock) -> list[WordHit]:
        if self.empty or not block.text:
            return []
        folded = fold(block.text)
        return [self._hit(url, block, folded, start, end, index)
                for start, end, index in self.spans(folded.text)]

    def _find(self, text: str) -> list[tuple[int, int, int]]:
        if self._automaton is None:
            return []
        return self._automaton.find_overlapping(text)

    def spans(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, word index) of each listed word in folded `text` that is not inside
        an allowed word nor inside a longer listed word found at the same place."""
        return self._spans(self._find(text))

    def _spans(self, matches: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        hits: list[tuple[int, int, int]] = []
        allowed: list[tuple[int, int]] = []
        for start, end, key in matches:
            for listed, index in self._values[key]:
                if listed:
                    hits.append((start, end, index))
                else:
                    allowed.append((start, end))
        if not hits:
            return []
        covers = allowed + [(s, e) for s, e, _ in hits]
        return [(s, e, i) for s, e, i in hits
                if not any(a <= s and e <= b and (a, b) != (s, e) for a, b in covers)
                and not any(a <= s and e <= b for a, b in allowed)]

    def _hit(self, url: str, block: TextBlock, folded: Folded, start: int, end: int,
             index: int) -> WordHit:
        word = self._words[index]
        a, b = folded.span(start, end)
        before, match, after = context_of(folded.original, a, b, self.context)
        evidence = Evidence(url, block.path, before, match, after, word.entry, block.box,
                            block.region)
        return WordHit(evidence, word.word, word.category, word.correct)
