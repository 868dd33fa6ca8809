"""Text-direction controls made visible, so that text from a page cannot reorder what is shown.

U+202A-202E (embeddings and overrides) and U+2066-2069 (isolates) make a reader see
'gpj.exe' as 'exe.jpg' or a 0 score as 100. Where such text is shown (the report, the
workbook) each one becomes the visible mark [U+202E]; a site name may not hold one at all.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")


def show_bidi(text: str) -> str:
    """`text` with each text-direction control replaced by its visible mark, e.g. [U+202E]."""
    if _BIDI.search(text) is None:
        return text
    return _BIDI.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)
