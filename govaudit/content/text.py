"""Text as the matchers see it: look-alike code points folded, gaps dropped, offsets kept.

A word hidden as `测 试 词`, `测\u200b试词` or with full-width letters must still match. The
folded text maps each full-width letter or digit, Kangxi radical and compatibility ideograph
to its ordinary form (NFKC, one character for one) and ASCII capitals to lower case, and
drops whitespace and invisible format characters. `Folded.span` maps a match back to the
original text, so that the evidence quotes the page as it is.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate

# Code points folded one for one: full-width ASCII letters and digits, Kangxi radicals, CJK
# radicals, compatibility ideographs, and ASCII capitals.
_FOLDABLE = re.compile("[A-Z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u2e80-\u2fdf\uf900-\ufaff]")
# Dropped: whitespace (what `\s` matches, spelled out: a class of code points is read four
# times as fast as a category) and format characters that show nothing (zero-width, bidi,
# soft hyphen).
_GAP_CHARS = ("\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f"
              "\u205f\u3000\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff")
_GAPS = re.compile(f"[{_GAP_CHARS}]+")
# Anything to fold or drop: most text has none, and is then read once.
_CHANGED = re.compile(f"[{_FOLDABLE.pattern[1:-1]}{_GAP_CHARS}]")
CONTEXT = 20  # characters quoted either side of a match


@cache
def _folded_char(ch: str) -> str:
    out = unicodedata.normalize("NFKC", ch)
    return (out if len(out) == 1 else ch).lower()


def fold_chars(text: str) -> str:
    """`text` with look-alike code points folded (same length, same offsets)."""
    if not _FOLDABLE.search(text):
        return text
    return _FOLDABLE.sub(lambda m: _folded_char(m.group()), text)


@dataclass(frozen=True)
class Folded:
    """The folded form of a text and the way back to the original's offsets."""

    text: str
    original: str
    _at: tuple[int, ...]  # folded offsets at which a gap was dropped
    _shift: tuple[int, ...]  # characters dropped up to and including that gap

    def source(self, index: int) -> int:
        """The original offset of the folded character at `index`."""
        k = bisect_right(self._at, index)
        return index + (self._shift[k - 1] if k else 0)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the folded span [start, end)."""
        return self.source(start), self.source(end - 1) + 1


def fold(text: str) -> Folded:
    if not _CHANGED.search(text):
        return Folded(text, text, (), ())
    folded = fold_chars(text)
    if not _GAPS.search(folded):
        return Folded(folded, text, (), ())
    pieces: list[str] = []
    at: list[int] = []
    shift: list[int] = []
    last = dropped = kept = 0
    for gap in _GAPS.finditer(folded):
        pieces.append(folded[last:gap.start()])
        kept += gap.start() - last
        dropped += gap.end() - gap.start()
        at.append(kept)
        shift.append(dropped)
        last = gap.end()
    pieces.append(folded[last:])
    return Folded("".join(pieces), text, tuple(at), tuple(shift))


def fold_word(word: str) -> str:
    """A list entry folded as page text is."""
    return _GAPS.sub("", fold_chars(word.strip()))


def around(text: str, start: int, end: int, width: int = CONTEXT) -> tuple[str, str, str]:
    """(before, match, after) of text[start:end], whitespace collapsed in the context."""
    before = _collapse(text[max(0, start - width):start])
    after = _collapse(text[end:end + width])
    return before, text[start:end], after


def _collapse(text: str) -> str:
    return _GAPS.sub(" ", text)


BLOCK_SEPARATOR = "\x00"  # between blocks read as one text: in no key, pattern or gap


def by_block(texts: Sequence[str], find: Callable[[str], Iterable[tuple[int, int, int]]]
             ) -> dict[int, list[tuple[int, int, int]]]:
    """The matches `find` gives over `texts` read as one (joined by BLOCK_SEPARATOR), as
    {block number: [(start, end, key), …]} with offsets inside each block; one call for a
    page instead of one for each of its blocks. A match must not hold the separator."""
    starts = list(accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
    out: dict[int, list[tuple[int, int, int]]] = {}
    for start, end, key in find(BLOCK_SEPARATOR.join(texts)):
        number = bisect_right(starts, start) - 1
        at = starts[number]
        found = out.get(number)
        if found is None:
            found = out[number] = []
        found.append((start - at, end - at, key))
    return out
