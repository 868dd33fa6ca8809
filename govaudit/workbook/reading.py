"""Reading cells from a workbook as text rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from govaudit.errors import GovauditError


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value).strip()


def read_sheet_rows(path: Path, sheet: str | None = None) -> list[list[str]]:
    """The rows of one sheet (the first by default) as text."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for non-xlsx input
        raise GovauditError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    names = book.sheet_names
    if sheet is not None and sheet not in names:
        raise GovauditError(f"{path}: no sheet named {sheet!r} (sheets: {', '.join(names)})")
    rows = book.get_sheet_by_name(sheet or names[0]).to_python(skip_empty_area=False)
    return [[cell_text(c) for c in row] for row in rows]


def read_sheets(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet's cell values as calamine reads them (numbers, datetimes, text)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in book.sheet_names}
