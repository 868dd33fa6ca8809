"""Made-up personal numbers that pass their checks, the example lists, and the labelled
content corpus read as the text checks see it, for content tests and benchmarks."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from govaudit.content.attachments import Attachment
from govaudit.content.checker import ContentChecker
from govaudit.content.html_blocks import page_text
from govaudit.content.model import Finding
from govaudit.content.names import ConfusionHit, NearMiss, OutOfOrder, WrongTitle
from govaudit.content.personal import PersonalData, luhn_valid, registration_check
from govaudit.content.words import WordHit

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "content-examples"
CORPUS = Path(__file__).resolve().parent / "content_corpus"
ON = date(2026, 3, 2)  # a day inside every example list's validity
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(region: str = "110101", born: str = "19900307", serial: str = "123") -> str:
    """A 身份证 number with the right GB 11643 check digit."""
    body = region + born + serial
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def card_number(prefix: str = "622202", length: int = 19, fill: str = "1234567890123") -> str:
    """A card number of `length` digits that passes Luhn."""
    body = (prefix + fill)[:length - 1]
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def registration_number(body: str) -> str:
    """A 15-digit number ending in a 注册号's check digit (GB/T 17710) after 14-digit `body`."""
    return next(body + d for d in "0123456789" if registration_check(body + d))


def corpus_findings(checker: ContentChecker, name: str) -> tuple[str, list[Finding]]:
    """A corpus page's HTML and what the text checks find on it and in the files it links."""
    html = (CORPUS / "pages" / name).read_text(encoding="utf-8")
    url = f"http://127.0.0.1/{name}"
    found = checker.check_page(page_text(html, url))
    for href in re.findall(r'href="(\.\./files/[^"]+)"', html):
        path = (CORPUS / "pages" / href).resolve()
        found += checker.check_attachment(Attachment(path.name, path.read_bytes(), url))
    return html, found


def label(finding: Finding) -> tuple[str, str] | None:
    """(check, what the labels write) for a finding of names, words or personal data."""
    if isinstance(finding, NearMiss):
        return "names", finding.found
    if isinstance(finding, WrongTitle):
        return "names", finding.name
    if isinstance(finding, OutOfOrder):
        return "names", finding.found[0]
    if isinstance(finding, ConfusionHit):
        return "names", finding.wrong
    if isinstance(finding, WordHit):
        return "words", finding.word
    if isinstance(finding, PersonalData):
        return "personal", finding.kind
    return None
