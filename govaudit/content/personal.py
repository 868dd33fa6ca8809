"""Personal data not de-identified: 身份证 numbers, mobile numbers, bank card numbers.

An 18-digit 身份证 number counts when its region prefix is a province's (GB/T 2260), its date
of birth is a real day not in the future, and its check digit is right (GB 11643: ISO 7064
MOD 11-2). A 15-digit one (the first generation, 1984–2004) has no check digit: its region
prefix and its date of birth 19YYMMDD must hold, and since other 15-digit numbers (a
business's 注册号, an account number) can hold a date by chance, a number written after the
label of another kind (注册号, 账号, 代码, 单号, 编号…) is not one, nor is one that carries a
注册号's check digit (GB/T 17710: ISO 7064 MOD 11,10) unless written after 身份证. A mobile
number is 11 digits of a mainland operator's prefix (+86 allowed, groups may be split by a
space or hyphen). A bank card is 16 to 19 digits of a card scheme's prefix (UnionPay 62,
Visa 4, Mastercard 51–55 and 22–27, JCB 35, 9558/9559) that passes Luhn, and is not a valid
身份证 number. A value masked in part (110101********1234, 138****5678) is not a finding: the
digits must stand whole, with no digit, letter or `*` beside them.

A text is read once for runs of eleven digits or more (joined by at most two spaces, line
breaks or hyphens); the patterns above are tried inside those runs only.

Findings never repeat the value: the match and the context around it are masked as a
de-identified publication would show them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import ClassVar

from govaudit.content.model import Evidence, Finding, PageText, TextBlock
from govaudit.content.text import around, by_block, fold_chars
from govaudit.i18n import _

# The first two digits of a 身份证 number: the province-level divisions of GB/T 2260.
PROVINCES = frozenset((11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42,
                       43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83))
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_EDGE_BEFORE = r"(?<![0-9A-Za-z*＊])"
_EDGE_AFTER = r"(?![0-9A-Za-z*＊])"
# A number may be broken by one line break anywhere (a narrow table column of a PDF wraps it).
_ID = re.compile(_EDGE_BEFORE + r"[1-9](?:\n?\d){14}(?:(?:\n?\d){2}\n?[0-9Xx])?"
                 + _EDGE_AFTER)
_MOBILE = re.compile(_EDGE_BEFORE + r"(?:(?:\+|00)?86[- ]?)?"
                     r"1\n?[3-9](?:\n?\d)(?:[- ]|\n)?(?:\n?\d){4}(?:[- ]|\n)?(?:\n?\d){4}"
                     + _EDGE_AFTER)
_CARD = re.compile(_EDGE_BEFORE + r"(?:\d(?:\n?\d){15,18}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?)"
                   + _EDGE_AFTER)
_MOBILE_PREFIX = re.compile(r"(?:86)?1(?:3\d|4[5-9]|5[0-35-9]|6[2567]|7[0-8]|8\d|9\d)")
_CARD_PREFIX = re.compile(r"62|4|5[1-5]|2[2-7]|35|955[89]")
_SEPARATORS = re.compile(r"[ \n+-]")
# Where any of the numbers above may stand: eleven characters or more of digits (full-width
# ones too, as the text is read before it is folded), spaces, line breaks and hyphens, from a
# digit on. A match lies inside such a run, widened by the `+` before it and an `X` (after a
# line break) and the character after it.
_RUN = re.compile("[0-9\uff10-\uff19][0-9\uff10-\uff19 \n-]{10,}")
_RUN_BEFORE, _RUN_AFTER = 1, 3
_MOBILE_START = re.compile("[1\uff11]\n?[3-9\uff13-\uff19]")
# Labels written before a 15-digit number: of a 身份证 number, and of other kinds of number.
_ID_LABEL = re.compile(r"身份证|身份号码|证件号")
_OTHER_LABEL = re.compile(r"注册号|执照|账号|帐号|代码|单号|编号|流水号|发票|识别号|IMEI|串号",
                          re.IGNORECASE)
LABEL_REACH = 12  # characters before a number in which its label is looked for

KINDS = {"id_card": "身份证号", "mobile": "手机号", "bank_card": "银行卡号"}


@dataclass(frozen=True)
class PersonalData(Finding):
    check: ClassVar[str] = "personal"
    kind: str  # id_card, mobile, bank_card
    masked: str  # the value as a de-identified publication would show it

    @property
    def reason(self) -> str:
        return _("{KINDS} not de-identified: {masked}").format(
            KINDS=KINDS[self.kind], masked=self.masked)


def id_card_valid(number: str, today: date | None = None) -> bool:
    """An 18-character 身份证 number with a province prefix, a real birth date not in the
    future (born 1900 or later), and the right GB 11643 check digit; or a 15-digit one with
    a province prefix and a real birth date 19YYMMDD."""
    body = number[:17] if len(number) == 18 else number
    if len(number) not in (15, 18) or not body.isdigit():
        return False
    if int(number[:2]) not in PROVINCES:
        return False
    born = number[6:14] if len(number) == 18 else "19" + number[6:12]
    try:
        birth = date(int(born[:4]), int(born[4:6]), int(born[6:]))
    except ValueError:
        return False
    if birth.year < 1900 or birth > (today or date.today()):
        return False
    if len(number) == 15:
        return True
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == number[17].upper()


def registration_check(digits: str) -> bool:
    """Whether `digits` end in the check digit of a 注册号 (GB/T 17710, ISO 7064 MOD 11,10)."""
    check = 5
    for digit in digits:
        check = (((check or 10) * 2) % 11 + int(digit)) % 10
    return check == 1


def _first_generation_id(text: str, start: int, digits: str) -> bool:
    """Whether a valid 15-digit number at `start` is written as a 身份证 number: not after
    the label of another kind of number, nor a 注册号's check digit unless labelled."""
    before = text[max(0, start - LABEL_REACH):start]
    if _ID_LABEL.search(before):
        return True
    if _OTHER_LABEL.search(before):
        return False
    return not registration_check(digits)


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
    return _numbers(text, [(a, b) for a, b, _ in _runs(text)], today)


@lru_cache(maxsize=16)
def masked(text: str, today: date | None = None) -> str:
    """`text` with every personal number in it masked in place, at the same offsets (a
    number written with spaces or hyphens is padded with spaces), so that a context cut
    from it holds no number whole, nor the part of one at its edge."""
    return _masked_spans(text, list(find(text, today)))[0]


def _masked_spans(text: str, found: list[tuple[int, int, str]]) -> tuple[str, list[str]]:
    """`text` with the numbers at `found` masked in place, and each masked value."""
    shown: list[str] = []
    for start, end, kind in reversed(found):
        value = mask(kind, text[start:end])
        shown.append(value)
        text = text[:start] + value.ljust(end - start)[:end - start] + text[end:]
    return text, shown[::-1]


def context_of(text: str, start: int, end: int, width: int) -> tuple[str, str, str]:
    """(before, match, after) of text[start:end] as content.text.around gives them, cut
    from the text with its personal numbers masked: how every check quotes page text."""
    return around(masked(text), start, end, width)


def _runs(text: str) -> list[tuple[int, int, int]]:
    """(start, end, 0) of each run of digits in `text` that may hold a personal number, as
    content.text.by_block takes them: fifteen characters or more, or a mobile's start in it
    (not 010-12345678)."""
    return [(m.start(), m.end(), 0) for m in _RUN.finditer(text)
            if m.end() - m.start() >= 15 or _MOBILE_START.search(m.group())]


def _numbers(text: str, runs: Iterable[tuple[int, int]], today: date | None
             ) -> Iterator[tuple[int, int, str]]:
    """The personal numbers inside the given runs of digits of (folded) `text`."""
    out: list[tuple[int, int, str]] = []
    for start, end in runs:
        out.extend(_in_run(text, max(0, start - _RUN_BEFORE),
                           min(len(text), end + _RUN_AFTER), today))
    return iter(sorted(out))


def _in_run(text: str, pos: int, endpos: int, today: date | None
            ) -> list[tuple[int, int, str]]:
    taken: list[tuple[int, int]] = []
    out: list[tuple[int, int, str]] = []
    for m in _ID.finditer(text, pos, endpos):
        digits = _SEPARATORS.sub("", m.group())
        if id_card_valid(digits, today) and (
                len(digits) == 18 or _first_generation_id(text, m.start(), digits)):
            out.append((m.start(), m.end(), "id_card"))
            taken.append(m.span())
    for m in _CARD.finditer(text, pos, endpos):
        digits = _SEPARATORS.sub("", m.group())
        if (16 <= len(digits) <= 19 and _CARD_PREFIX.match(digits) and luhn_valid(digits)
                and not _inside(m.span(), taken) and not id_card_valid(digits, today)):
            out.append((m.start(), m.end(), "bank_card"))
            taken.append(m.span())
    for m in _MOBILE.finditer(text, pos, endpos):
        digits = _SEPARATORS.sub("", m.group())
        if _MOBILE_PREFIX.match(digits[-11:]) and not _inside(m.span(), taken):
            out.append((m.start(), m.end(), "mobile"))
    return out


def _inside(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(a < span[1] and span[0] < b for a, b in taken)


class PersonalDataCheck:
    """Finds personal numbers in page and attachment text; quotes them masked."""

    def __init__(self, context: int = 20, today: date | None = None) -> None:
        self.context = context
        self.today = today

    def check(self, page: PageText) -> list[PersonalData]:
        """The personal numbers of a page, read in one pass for runs of digits."""
        runs = by_block([block.text for block in page.blocks], _runs)
        return [hit for number in sorted(runs)
                for hit in self._check_block(page.url, page.blocks[number],
                                             [(a, b) for a, b, _ in runs[number]])]

    def check_block(self, url: str, block: TextBlock) -> list[PersonalData]:
        return self._check_block(url, block, None)

    def _check_block(self, url: str, block: TextBlock, runs: list[tuple[int, int]] | None
                     ) -> list[PersonalData]:
        if runs is None:
            found = list(find(block.text, self.today))
        else:
            found = list(_numbers(fold_chars(block.text), runs, self.today))
        if not found:
            return []
        masked_text, shown = _masked_spans(block.text, found)
        out = []
        for (start, end, kind), value in zip(found, shown, strict=True):
            before, _, after = around(masked_text, start, end, self.context)
            evidence = Evidence(url, block.path, before, value, after, None, block.box,
                                block.region)
            out.append(PersonalData(evidence, kind, value))
        return out
