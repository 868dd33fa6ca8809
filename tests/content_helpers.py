"""Made-up personal numbers that pass their checks, and the example lists, for content tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from govaudit.content.personal import luhn_valid

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "content-examples"
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
