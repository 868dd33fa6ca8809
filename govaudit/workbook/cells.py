"""Writing rows into an openpyxl sheet (write-only or normal) with text that stays text.

Every string goes through `SheetWriter.value`: characters an xlsx cannot hold
are removed, and a string a spreadsheet would evaluate (a leading `= + - @`,
tab or CR, or an error code such as `#N/A`) becomes a text cell with Excel's
quote prefix, so neither openpyxl nor a person editing the cell later turns it
into a formula.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.hyperlink import Hyperlink

from govaudit.workbook.layout import Column
from govaudit.workbook.safety import clean_text, needs_text_type

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
ID_FONT = Font(color="808080", size=9)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_WRAP = Alignment(wrap_text=True, vertical="center", horizontal="center")
LINK_FONT = Font(color="0563C1", underline="single")


ROW_POINTS = 15  # a row of one line of 11 pt text
DEFAULT_WIDTH = 9  # characters: a column's width when the file sets none (as openpyxl's)


def text_lines(text: str, width: float) -> int:
    """The lines `text` wraps to in a column `width` characters wide (a Chinese character
    takes two)."""
    lines = 0
    for line in text.split("\n"):
        used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
        lines += max(1, math.ceil(used / max(width - 1, 1)))
    return lines


class SheetWriter:
    """Appends rows to one sheet, counting them; text never becomes a formula."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.rows = 0
        self.width = 0  # the most cells of a row appended
        self.print_columns = 0  # columns printed (0: every column written)
        self.print_rows = 0  # rows printed when more than those written (a chart below)
        # A write-only sheet writes each row at once, so a converted cell can be reused for
        # many rows; a normal sheet keeps its cells, so each row needs cells of its own.
        self.streaming = isinstance(ws, WriteOnlyWorksheet)
        self.ids: dict[str, int] = {}  # the table's column ids and their numbers (1-based)

    def column_width(self, index: int) -> float:
        """The width of column `index` (1-based) in characters; 0 when it is hidden."""
        dimension = self.ws.column_dimensions[get_column_letter(index)]
        return 0 if dimension.hidden else dimension.width or DEFAULT_WIDTH

    def fit_next_row(self, texts: Mapping[str, Any]) -> None:
        """Make the next row tall enough for the wrapped text it will hold, by column id
        (LibreOffice keeps the default height of a row a file gives none)."""
        lines = max((text_lines(text, self.column_width(self.ids[key]))
                     for key, text in texts.items() if isinstance(text, str)), default=1)
        if lines > 1:
            self.ws.row_dimensions[self.rows + 1].height = ROW_POINTS * lines

    def value(self, value: Any) -> Any:
        """A cell value (or a Cell) that writes `value` as what it is."""
        if type(value) is str:
            if not value:
                return None
            value = clean_text(value)
            if value and needs_text_type(value):
                return self.text_cell(value)
            return value or None
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value

    def text_cell(self, text: str) -> Cell:
        cell = Cell(self.ws, row=1, column=1)
        cell._value = text
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell

    def styled(self, value: Any, *, font: Font | None = None, fill: PatternFill | None = None,
               number_format: str | None = None, alignment: Alignment | None = None) -> Any:
        converted = self.value(value)
        if converted is None and fill is None:
            return None
        cell = converted if isinstance(converted, Cell) else Cell(self.ws, row=1, column=1,
                                                                  value=converted)
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if number_format is not None:
            cell.number_format = number_format
        if alignment is not None:
            cell.alignment = alignment
        return cell

    def link(self, text: str, target: str) -> Cell:
        cell = self.styled(text, font=LINK_FONT)
        if not isinstance(cell, Cell):
            cell = Cell(self.ws, row=1, column=1, value=cell)
        cell.hyperlink = Hyperlink(ref="", target=target)
        return cell

    def append(self, values: Iterable[Any]) -> None:
        value = self.value
        row = [value(v) for v in values]
        self.ws.append(row)
        self.rows += 1
        self.width = max(self.width, len(row))

    def append_cells(self, cells: Sequence[Any]) -> None:
        """A row of values already converted (cells or plain values)."""
        if self.streaming:
            self.ws.append(list(cells))
        else:
            fresh = [_copy(c) if isinstance(c, Cell) else c for c in cells]
            self.ws.append(fresh)
            for cell in fresh:
                if isinstance(cell, Cell) and cell.hyperlink is not None:
                    cell.hyperlink.ref = cell.coordinate
        self.rows += 1
        self.width = max(self.width, len(cells))

    def number(self, column_id: str) -> int:
        """The column number (1-based) of the table's column `column_id`."""
        try:
            return self.ids[column_id]
        except KeyError:
            raise KeyError(f"sheet {self.ws.title!r} has no column {column_id!r}") from None

    def letter(self, column_id: str) -> str:
        """The column letter of the table's column `column_id`."""
        return str(get_column_letter(self.number(column_id)))

    def append_named(self, cells: Mapping[str, Any]) -> None:
        """A row given by column id (converted cells or plain values); columns not named
        stay empty, and a name the table does not have is an error, never a shifted row."""
        row: list[Any] = [None] * len(self.ids)
        for column_id, cell in cells.items():
            row[self.number(column_id) - 1] = cell
        self.append_cells(row)

    def columns(self, columns: Sequence[Column]) -> None:
        """Column widths: must come before the first row in write-only mode."""
        self.ids = {c.id: number for number, c in enumerate(columns, 1)}
        for index, column in enumerate(columns, 1):
            dimension = self.ws.column_dimensions[get_column_letter(index)]
            dimension.width = column.width
            if column.hidden:
                dimension.hidden = True

    def header(self, columns: Sequence[Column]) -> None:
        """The Chinese header row (as tall as its most wrapped header), then the row of ids
        govaudit reads."""
        self.fit_next_row({c.id: c.header for c in columns if not c.hidden})
        self.append_cells([self.styled(c.header, font=HEADER_FONT, fill=HEADER_FILL,
                                       alignment=HEADER_WRAP) for c in columns])
        self.append_cells([self.styled(c.id, font=ID_FONT) for c in columns])

    def table(self, columns: Sequence[Column], freeze: str = "A3") -> None:
        """Widths, frozen header rows and both header rows of a table sheet."""
        self.columns(columns)
        if freeze:
            self.ws.freeze_panes = freeze
        self.header(columns)

    def autofilter(self, columns: Sequence[Column], first_row: int = 2) -> None:
        last = get_column_letter(len(columns))
        self.ws.auto_filter.ref = f"A{first_row}:{last}{max(self.rows, first_row)}"


def _copy(cell: Cell) -> Cell:
    fresh = Cell(cell.parent, row=1, column=1)
    fresh._value = cell._value
    fresh.data_type = cell.data_type
    fresh._style = copy(cell._style)
    if cell.hyperlink is not None:
        fresh.hyperlink = copy(cell.hyperlink)
    return fresh


def runs_to_sqref(column: str, rows: Iterable[int]) -> str:
    """'G3:G5 G9' from the sorted row numbers 3, 4, 5, 9."""
    parts: list[str] = []
    start = prev = None
    for row in rows:
        if prev is not None and row == prev + 1:
            prev = row
            continue
        if start is not None:
            parts.append(_span(column, start, prev))  # type: ignore[arg-type]
        start = prev = row
    if start is not None:
        parts.append(_span(column, start, prev))  # type: ignore[arg-type]
    return " ".join(parts)


def _span(column: str, start: int, end: int) -> str:
    return f"{column}{start}" if start == end else f"{column}{start}:{column}{end}"
