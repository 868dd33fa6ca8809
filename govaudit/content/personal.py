"""Personal data not de-identified: 身份证 numbers, mobile numbers, bank card numbers.

An 18-digit 身份证 number counts when its region prefix is a province's (GB/T 2260), its date
of birth is a real day not in the future, and its check digit is right (GB 11643: ISO 7064
MOD 11-2). A mobile number is 11 digits of a mainland operator's prefix (+86 allowed, groups
may be split by a space or hyphen). A bank card is 16 to 19 digits of a card scheme's prefix
(UnionPay 62, Visa 4, Mastercard 51–55 and 22–27, JCB 35, 9558/9559) that passes Luhn, and is
not a valid 身份证 number. A value masked in part (110101********1234, 138****5678) is not a
finding: the digits must stand whole, with no digit, letter or `*` beside them.

Findings never repeat the value: the match and the context around it are masked as a
de-identified publication would show them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from govaudit.content.model import Evidence, Finding, PageText, TextBlock
from govaudit.content.text import around, fold_chars

# The first two digits of a 身份证 number: the province-level divisions of GB/T 2260.
PROVINCES = frozenset((11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42,
                       43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83))
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_EDGE_BEFORE = r"(?<![0-9A-Za-z*＊])"
_EDGE_AFTER = r"(?![0-9A-Za-z*＊])"
# A number may be broken by one line break anywhere (a narrow table column of a PDF wraps it).
_ID = re.compile(_EDGE_BEFORE + r"[1-9](?:\n?\d){16}\n?[0-9Xx]" + _EDGE_AFTER)
_MOBILE = re.compile(_EDGE_BEFORE + r"(?:(?:\+|00)?86[- ]?)?"
                     r"1\n?[3-9](?:\n?\d)(?:[- ]|\n)?(?:\n?\d){4}(?:[- ]|\n)?(?:\n?\d){4}"
                     + _EDGE_AFTER)
_CARD = re.compile(_EDGE_BEFORE + r"(?:\d(?:\n?\d){15,18}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?)"
                   + _EDGE_AFTER)
_MOBILE_PREFIX = re.compile(r"(?:86)?1(?:3\d|4[5-9]|5[0-35-9]|6[2567]|7[0-8]|8\d|9\d)")
_CARD_PREFIX = re.compile(r"62|4|5[1-5]|2[2-7]|35|955[89]")
_SEPARATORS = re.compile(r"[ \n+-]")

KINDS = {"id_card": "身份证号", "mobile": "手机号", "bank_card": "银行卡号"}


@dataclass(frozen=True)
class PersonalData(Finding):
    check: ClassVar[str] = "personal"
    kind: str  # id_card, mobile, bank_card
    masked: str  # the value as a de-identified publication would show it

    @property
    def reason(self) -> str:
        return f"{KINDS[self.kind]} not de-identified: {self.masked}"


def id_card_valid(number: str, today: date | None = None) -> bool:
    """An 18-character 身份证 number with a province prefix, a real birth date not in the
    future (born 1900 or later), and the right GB 11643 check digit."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    if int(number[:2]) not in PROVINCES:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > (today or date.today()):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == number[17].upper()


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mask(kind: str, value: str) -> str:
    """The value with its middle starred: 110101********1234, 138****5678, 622202*********0123."""
    digits = _SEPARATORS.sub("", value)
    keep = {"id_card": (6, 4), "mobile": (3, 4), "bank_card": (6, 4)}[kind]
    if kind == "mobile":
        digits = digits[-11:]
    head, tail = keep
    return digits[:head] + "*" * (len(digits) - head - tail) + digits[-tail:]


def find(text: str, today: date | None = None) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) of each personal number in `text`, in text order."""
    text = fold_chars(text)
    taken: list[tuple[int, int]] = []
    out: list[tuple[int, int, str]] = []
    for m in _ID.finditer(text):
        if id_card_valid(_SEPARATORS.sub("", m.group()), today):
            out.append((m.start(), m.end(), "id_card"))
            taken.append(m.span())
    for m in _CARD.finditer(text):
        digits = _SEPARATORS.sub("", m.group())
        if (16 <= len(digits) <= 19 and _CARD_PREFIX.match(digits) and luhn_valid(digits)
                and not _inside(m.span(), taken) and not id_card_valid(digits, today)):
            out.append((m.start(), m.end(), "bank_card"))
            taken.append(m.span())
    for m in _MOBILE.finditer(text):
        digits = _SEPARATORS.sub("", m.group())
        if _MOBILE_PREFIX.match(digits[-11:]) and not _inside(m.span(), taken):
            out.append((m.start(), m.end(), "mobile"))
    return iter(sorted(out))


def _inside(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(a < span[1] and span[0] < b for a, b in taken)


class PersonalDataCheck:
    """Finds personal numbers in page and attachment text; quotes them masked."""

    def __init__(self, context: int = 20, today: date | None = None) -> None:
        self.context = context
        self.today = today

    def check(self, page: PageText) -> list[PersonalData]:
        return [hit for block in page.blocks for hit in self.check_block(page.url, block)]

    def check_block(self, url: str, block: TextBlock) -> list[PersonalData]:
        found = list(find(block.text, self.today))
        if not found:
            return []
        masked_text = block.text
        shown: list[str] = []
        for start, end, kind in reversed(found):
            value = mask(kind, block.text[start:end])
            shown.append(value)
            masked_text = masked_text[:start] + value.ljust(end - start)[:end - start] + \
                masked_text[end:]
        out = []
        for (start, end, kind), value in zip(found, reversed(shown), strict=True):
            before, _, after = around(masked_text, start, end, self.context)
            evidence = Evidence(url, block.path, before, value, after, None, block.box,
                                block.region)
            out.append(PersonalData(evidence, kind, value))
        return out
