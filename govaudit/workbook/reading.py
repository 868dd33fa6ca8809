"""Reading cells from a workbook: every xlsx is checked here before calamine opens it."""

from __future__ import annotations

import datetime as dt
from array import array
from pathlib import Path
from typing import Any

from govaudit.errors import GovauditError
from govaudit.i18n import _
from govaudit.workbook.safety import CheckedXlsx, check_xlsx


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value).strip()


class Book:
    """A workbook open in calamine after its checks, with the cells that hold a formula
    (calamine gives a formula's last result, never the formula)."""

    def __init__(self, book: Any, checked: CheckedXlsx) -> None:
        self._book = book
        self._checked = checked

    @property
    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def get_sheet_by_name(self, name: str) -> Any:
        return self._book.get_sheet_by_name(name)

    def formulas(self, sheet: str) -> dict[int, array[int]]:
        """Column (1-based) -> the rows (1-based) of `sheet` whose cell there is a formula."""
        return self._checked.formulas.get(sheet, {})


def open_workbook(path: Path) -> Book:
    """A calamine workbook of `path`, opened only after the zip, XML and sheet-size checks.

    Every reader goes through here: zip bombs, DTDs, shared-strings bombs and sheets
    too large to hold in memory are refused before calamine sees the file.
    """
    from python_calamine import CalamineWorkbook

    checked = check_xlsx(path)
    try:
        return Book(CalamineWorkbook.from_path(str(path)), checked)
    except Exception as exc:  # calamine raises its own error types for non-xlsx input
        raise GovauditError(_("{path}: not a readable .xlsx workbook ({error})").format(
            path=path, error=exc)) from None


def sheet_values(path: Path, book: Any, name: str) -> list[list[Any]]:
    """Every row of one sheet as calamine reads it (numbers, datetimes, text)."""
    try:
        rows: list[list[Any]] = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        return rows
    except Exception as exc:
        raise GovauditError(_("{path}: cannot read sheet {name} ({error})").format(
            path=path, name=name, error=exc)) from None
    except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException
        if type(exc).__name__ != "PanicException":
            raise
        raise GovauditError(_(
            "{path}: cannot read sheet {name} (the reader failed: {error})").format(
            path=path, name=name, error=exc)) from None


def read_sheet_rows(path: Path, sheet: str | None = None) -> list[list[str]]:
    """The rows of one sheet (the first by default) as text."""
    book = open_workbook(path)
    names = book.sheet_names
    if sheet is not None and sheet not in names:
        raise GovauditError(_("{path}: no sheet named {sheet!r} (sheets: {listed})").format(
            path=path, sheet=sheet, listed=', '.join(names)))
    rows = sheet_values(path, book, sheet or names[0])
    return [[cell_text(c) for c in row] for row in rows]


def read_sheets(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet's cell values as calamine reads them (numbers, datetimes, text)."""
    book = open_workbook(path)
    return {name: sheet_values(path, book, name) for name in book.sheet_names}
