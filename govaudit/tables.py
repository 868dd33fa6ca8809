"""One reader for tables people type: CSV or XLSX, header row found by aliases.

Real lists have a merged title row above the headers, sometimes two header
rows with merged group cells, and merged cells down a column. Merged cells are
filled from their top-left cell; the header row is found by its aliases within
the first rows; every data row keeps its sheet and 1-based row number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from govaudit.errors import GovauditError
from govaudit.i18n import _
from govaudit.workbook.reading import open_workbook, sheet_values
from govaudit.workbook.safety import DEFAULT_LIMITS

Aliases = Mapping[str, Iterable[str]]
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
HEADER_SCAN = 8  # rows searched for the header (title rows come first)
_SPACE = re.compile(r"[\s\u3000]+")


def header_key(text: object) -> str:
    """How a header cell is compared: no spaces, lower case, no trailing colon or '*'."""
    return _SPACE.sub("", cell_text(text)).lower().rstrip(":：*")


def cell_text(value: object) -> str:
    """A cell as stripped text (whole floats without '.0')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise GovauditError(_("{path}: not UTF-8 or GBK text; save it as CSV UTF-8").format(
        path=path))


def _csv_rows(path: Path) -> list[list[Any]]:
    text = _decode(path.read_bytes(), path)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        return [[c.strip() for c in row] for row in reader]
    except csv.Error as exc:
        limit = csv.field_size_limit()
        if "field limit" in str(exc):
            raise GovauditError(
                _(
                    "{path}: line {line_num}: a field longer than {limit:,} characters; no cell "
                    "holds that much (a spreadsheet cell takes 32,767): is a quotation mark left "
                    "open, so that the rest of the file reads as one field?").format(
                    path=path, line_num=reader.line_num, limit=limit)) from None
        raise GovauditError(_("{path}: line {line_num}: not readable as CSV ({error})").format(
            path=path, line_num=reader.line_num, error=exc)) from None


def _fill_merged(path: Path, sheet: str, rows: list[list[Any]], ranges: Iterable[Any]) -> None:
    """Give every cell of a merged range its top-left value (only that cell holds it).

    A range is cut to the sheet's cells (beyond them no column has a header); ranges
    that would fill more cells than a sheet may have are refused.
    """
    width = max(map(len, rows), default=0)
    clipped = [((r0, c0), (min(r1, len(rows) - 1), min(c1, width - 1)))
               for (r0, c0), (r1, c1) in ranges if r0 < len(rows) and c0 < len(rows[r0])]
    limit = DEFAULT_LIMITS.max_sheet_cells or 0
    filled = sum((r1 - r0 + 1) * (c1 - c0 + 1) for (r0, c0), (r1, c1) in clipped)
    if limit and filled > limit:
        raise GovauditError(_(
            "{path}: refused: the merged cells of sheet {sheet} cover {filled:,} cells (at most "
            "{limit:,}); unmerge them and try again").format(
            path=path, sheet=sheet, filled=filled, limit=limit))
    for (r0, c0), (r1, c1) in clipped:
        value = rows[r0][c0]
        for r in range(r0, r1 + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            row[c0:c1 + 1] = [value] * (c1 - c0 + 1)


class Grid(NamedTuple):
    """One sheet's cells (a CSV file's, named ''), and where formulas are."""

    name: str
    rows: list[list[Any]]
    # column (1-based) -> rows (1-based) whose cell holds a formula (its value is the
    # formula's last result, not what was typed)
    formulas: Mapping[int, Collection[int]] = {}


def read_grids(path: Path, sheet: str | None = None) -> list[Grid]:
    """The cells of a CSV file or of every (or one) XLSX sheet."""
    path = Path(path)
    if not path.is_file():
        raise GovauditError(_("{path}: no such file").format(path=path))
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        if sheet is not None:
            raise GovauditError(_("{path}: a CSV file has no sheets").format(path=path),
                                hint="drop_sheet", hint_args={"sheet": sheet})
        return [Grid("", _csv_rows(path))]
    if suffix not in XLSX_SUFFIXES:
        raise GovauditError(_("{path}: give a .csv or .xlsx file").format(path=path))
    book = open_workbook(path)
    names = book.sheet_names
    if sheet is not None and sheet not in names:
        raise GovauditError(_("{path}: no sheet named {sheet!r} (sheets: {listed})").format(
            path=path, sheet=sheet, listed=', '.join(names)))
    out = []
    for name in names:
        if sheet is not None and name != sheet:
            continue
        grid = [list(r) for r in sheet_values(path, book, name)]
        _fill_merged(path, name, grid, book.get_sheet_by_name(name).merged_cell_ranges or ())
        out.append(Grid(name, grid, book.formulas(name)))
    return out


@dataclass(frozen=True)
class Row:
    """One data row: where it is and its cells by field name."""

    sheet: str
    number: int  # 1-based row number in the sheet
    cells: Mapping[str, Any]  # only the fields whose column the table has
    formulas: frozenset[str] = field(default_factory=frozenset)  # fields holding a formula

    def text(self, field: str) -> str:
        return cell_text(self.cells.get(field))

    def raw(self, field: str) -> Any:
        return self.cells.get(field)

    @property
    def where(self) -> str:
        return (_("sheet {sheet} row {number}").format(sheet=self.sheet, number=self.number)
                if self.sheet else _("row {number}").format(number=self.number))


class Table:
    """A sheet's rows below its header, with columns found by alias."""

    def __init__(self, path: Path, sheet: str, header_row: int, columns: dict[str, int],
                 rows: list[list[Any]],
                 formulas: Mapping[int, Collection[int]] | None = None,
                 headings: Mapping[str, str] | None = None) -> None:
        self.path = path
        self.sheet = sheet
        self.header_row = header_row  # 1-based, the last header row
        self.columns = columns
        self._rows = rows
        self._formulas = formulas or {}
        # each column's header cells as written ("时间（UTC+8） time"): what they say of it
        self.headings = dict(headings or {})

    @classmethod
    def find(cls, path: Path, sheet: str, grid: list[list[Any]], aliases: Aliases,
             required: Iterable[str], scan: int = HEADER_SCAN,
             formulas: Mapping[int, Collection[int]] | None = None) -> Table:
        """The table whose header holds every required field within the first `scan` rows."""
        lookup = {header_key(name): f for f, names in aliases.items()
                  for name in (f, *names)}
        required = tuple(required)
        best: dict[str, int] = {}
        for index, row in enumerate(grid[:scan]):
            mapping: dict[str, int] = {}
            for col, cell in enumerate(row):
                key = lookup.get(header_key(cell))
                if key and key not in mapping:
                    mapping[key] = col
            if all(r in mapping for r in required):
                last = index
                # Further header rows: a second row of the same names, or sub-headers
                # under merged group cells (required columns empty or repeating the header).
                for below in range(index + 1, min(len(grid), scan)):
                    cells = grid[below]
                    if not all(cell_text(cells[c] if c < len(cells) else "") in
                               ("", cell_text(row[c])) or
                               lookup.get(header_key(cells[c])) == f
                               for f, c in mapping.items() if f in required):
                        break
                    for col, cell in enumerate(cells):
                        key = lookup.get(header_key(cell))
                        if key and key not in mapping:
                            mapping[key] = col
                    last = below
                headings = {f: " ".join(cell_text(r[c]) for r in grid[:last + 1] if c < len(r))
                            for f, c in mapping.items()}
                return cls(path, sheet, last + 1, mapping, grid[last + 1:], formulas, headings)
            if len(mapping) > len(best):
                best = mapping
        missing = [r for r in required if r not in best]
        spelled = "; ".join(f"{r}: {', '.join(dict.fromkeys(aliases.get(r, ())))}"
                            for r in missing)
        where = f"sheet {sheet}" if sheet else "the file"
        raise GovauditError(_(
            "{path}: {where} is missing the column(s) {listed} in its first {scan} rows (headers "
            "accepted: {spelled})").format(
            path=path, where=where, listed=', '.join(missing), scan=scan, spelled=spelled))

    def rows(self) -> Iterator[Row]:
        """Every non-empty data row."""
        computed = {f: set(self._formulas[i + 1]) for f, i in self.columns.items()
                    if i + 1 in self._formulas}
        for offset, row in enumerate(self._rows):
            if not any(cell_text(c) for c in row):
                continue
            number = self.header_row + 1 + offset
            yield Row(self.sheet, number,
                      {f: (row[i] if i < len(row) else None) for f, i in self.columns.items()},
                      frozenset(f for f, rows in computed.items() if number in rows))


def read_tables(path: Path, aliases: Aliases, required: Iterable[str],
                sheet: str | None = None, scan: int = HEADER_SCAN) -> list[Table]:
    """The tables of a file: every sheet with such a header, or the one sheet named.

    Sheets without the header are skipped (notes, instructions) as long as one
    sheet has it; otherwise the error names what is missing.
    """
    path = Path(path)
    grids = read_grids(path, sheet)
    required = tuple(required)
    tables: list[Table] = []
    first_error: GovauditError | None = None
    for name, grid, formulas in grids:
        if not any(any(cell_text(c) for c in row) for row in grid):
            continue
        try:
            tables.append(Table.find(path, name, grid, aliases, required, scan, formulas))
        except GovauditError as exc:
            if sheet is not None:
                raise
            first_error = first_error or exc
    if not tables:
        if first_error is not None:
            raise first_error
        raise GovauditError(_("{path}: the file is empty").format(path=path))
    return tables


def read_records(path: Path, aliases: Aliases, required: Iterable[str],
                 sheet: str | None = None) -> list[Row]:
    """Every data row of every table of a file."""
    return [row for table in read_tables(path, aliases, required, sheet) for row in table.rows()]
