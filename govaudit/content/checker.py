"""The text checks together: one object built from the settings, run page by page.

Lists that cannot be used (wrong encoding, no dates, out of date) become InputProblems at
construction and the other lists are still used; a page longer than `max_page_chars` is
checked up to that size and the cut is an InputProblem; an attachment's problems are too.
Nothing here raises for what the inputs hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import TypeVar

from govaudit.content.attachments import Attachment, AttachmentLimits, read_attachment
from govaudit.content.lists import ListProblem
from govaudit.content.model import Finding, InputProblem, PageText, TextBlock, problem
from govaudit.content.names import NameCheck, load_confusions, load_names
from govaudit.content.personal import PersonalDataCheck
from govaudit.content.settings import ContentSettings
from govaudit.content.text import fold
from govaudit.content.words import WordMatcher, load_words

T = TypeVar("T")


class ContentChecker:
    """Names, words and personal data over pages and attachments."""

    def __init__(self, settings: ContentSettings, on: date) -> None:
        self.settings = settings
        self.problems: list[InputProblem] = []
        names = [n for p in settings.names if (n := self._load(load_names, p, on, "names"))]
        confusions = [c for p in settings.confusions
                      if (pairs := self._load(load_confusions, p, on, "names")) for c in pairs]
        words = [w for p in settings.words if (w := self._load(load_words, p, on, "words"))]
        self.names = NameCheck(names, confusions, settings.context_chars)
        self.words = WordMatcher(words, settings.context_chars)
        self.personal = PersonalDataCheck(settings.context_chars, on)
        self.limits = AttachmentLimits(max_bytes=settings.max_attachment_bytes)

    def _load(self, loader: Callable[[Path, date], T], path: Path, on: date, what: str
              ) -> T | None:
        try:
            return loader(path, on)
        except ListProblem as exc:
            self.problems.append(problem(str(path), what, exc.detail))
            return None

    def check_page(self, page: PageText) -> list[Finding]:
        found: list[Finding] = []
        page = self._bounded(page, found)
        folded = [fold(block.text) for block in page.blocks]  # read by names and words
        found.extend(self.names.check(page, folded))
        found.extend(self.words.check(page, folded))
        found.extend(self.personal.check(page))
        return found

    def _bounded(self, page: PageText, found: list[Finding]) -> PageText:
        limit = self.settings.max_page_chars
        if page.size <= limit:
            return page
        kept: list[TextBlock] = []
        room = limit
        for block in page.blocks:
            if room <= 0:
                break
            kept.append(block if len(block.text) <= room else
                        TextBlock(block.text[:room], block.path, block.region, block.box))
            room -= len(block.text)
        found.append(problem(page.url, "text", f"{page.size:,} characters of text; only the "
                                               f"first {limit:,} were checked (max_page_chars)",
                             page.url))
        return PageText(page.url, tuple(kept))

    def check_attachment(self, attachment: Attachment) -> list[Finding]:
        text = read_attachment(attachment, self.limits)
        found: list[Finding] = list(text.problems)
        url = attachment.url or attachment.page_url
        found.extend(self.check_page(PageText(url, tuple(text.blocks))))
        return found

    def check_pages(self, pages: Iterable[PageText]) -> list[Finding]:
        return [f for page in pages for f in self.check_page(page)]
