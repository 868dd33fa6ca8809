"""What the content checks read and what they report: plain inputs, frozen findings.

Inputs are plain: a page's text as blocks (each with the DOM path of the element that holds
it and its region), link records with the style facts a browser computed, attachment bytes,
list rows. Every finding is a frozen dataclass with its `evidence`: the page URL, the DOM
path (or the place inside an attachment), the text around the spot, the box a capture marks,
and the list entry it matched with that list's dates of validity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar


@dataclass(frozen=True)
class Box:
    """An element's border box in CSS pixels, from the top left of the document."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class TextBlock:
    """Text a reader sees in one element (or one cell, alt text, attachment part)."""

    text: str
    path: str = ""  # a CSS selector of the element, or a place in an attachment
    region: str = "main"  # header, navigation, main, footer; "attachment"
    box: Box | None = None


@dataclass(frozen=True)
class PageText:
    """A page's text, block by block, in page order."""

    url: str
    blocks: tuple[TextBlock, ...]

    @property
    def size(self) -> int:
        return sum(len(b.text) for b in self.blocks)


@dataclass(frozen=True)
class ListRef:
    """A team-supplied list: its file, title and dates of validity."""

    source: str
    kind: str
    title: str
    valid_from: date
    valid_until: date

    @property
    def validity(self) -> str:
        return f"{self.valid_from.isoformat()}..{self.valid_until.isoformat()}"


@dataclass(frozen=True)
class ListEntry:
    """One entry of a list, as a finding cites it."""

    list: ListRef
    entry: str
    number: int  # 1-based position in its section of the file


@dataclass(frozen=True)
class Evidence:
    """Where a finding is and what shows it."""

    url: str
    path: str
    before: str = ""  # the text just before the spot
    match: str = ""  # the text at the spot
    after: str = ""  # the text just after it
    entry: ListEntry | None = None
    box: Box | None = None
    region: str = ""

    @property
    def context(self) -> str:
        return f"{self.before}{self.match}{self.after}"


@dataclass(frozen=True)
class Finding:
    """A finding of one content check; subclasses add their own fields."""

    check: ClassVar[str] = ""
    evidence: Evidence

    @property
    def reason(self) -> str:
        return self.check


@dataclass(frozen=True)
class InputProblem(Finding):
    """Input a check could not use, or used only in part: the reason, and the batch goes on.

    `source` names the page, attachment or list file; `what` the check it concerns.
    """

    check: ClassVar[str] = "input"
    source: str
    what: str
    detail: str

    @property
    def reason(self) -> str:
        return f"{self.source}: {self.detail}"


def problem(source: str, what: str, detail: str, url: str = "", path: str = "") -> InputProblem:
    """An InputProblem whose evidence points at `url` (or the source itself)."""
    return InputProblem(Evidence(url or source, path), source, what, detail)
