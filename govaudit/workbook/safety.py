"""Safety of workbooks in and out: zip-bomb and XML-attack checks, text cells never formulas."""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn
from xml.etree import ElementTree

from govaudit.bidi import show_bidi
from govaudit.errors import GovauditError
from govaudit.i18n import _

# openpyxl turns a string starting with "=" into a formula; Excel and LibreOffice also
# evaluate text typed with these leading characters, so such cells are forced to text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# openpyxl would store these exact strings as error cells.
ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
# Characters an xlsx cannot hold: openpyxl's ILLEGAL_CHARACTERS_RE plus what XML 1.0
# refuses outright (lone surrogates, U+FFFE, U+FFFF).
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037\ud800-\udfff\ufffe\uffff]")
EXCEL_CELL_MAX = 32_767
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A DTD has no place in an xlsx part: it is how entity-expansion attacks start.
_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_CHUNK = 1 << 20


def clean_text(text: str) -> str:
    """Text an xlsx can hold: illegal control characters removed, text-direction controls
    made visible ([U+202E]), cut to Excel's cell limit."""
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    text = show_bidi(text)
    if len(text) > EXCEL_CELL_MAX:
        text = text[:EXCEL_CELL_MAX]
    return text


def needs_text_type(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula (or error) unless forced to text."""
    return text.startswith(FORMULA_PREFIXES) or text in ERROR_CODES


@dataclass(frozen=True)
class ZipLimits:
    """What an incoming workbook may not exceed before any parser sees it."""

    max_total_bytes: int = 512 * 1024 * 1024  # uncompressed, all parts together
    max_ratio: float = 200.0  # uncompressed / compressed, per part above 1 MiB and overall
    max_entries: int = 10_000
    # calamine allocates every cell from A1 to the last one (about 50 bytes each): one value
    # at XFD1048576 in a 24 KB file asks for 512 GB. None: no bound (openpyxl is sparse).
    max_sheet_cells: int | None = 10_000_000
    # Every reader holds a sheet's rows in memory; a real table (sites × questions) stays
    # far below this, and a sheet filled to row 1,048,576 is refused before it is read.
    max_sheet_rows: int = 250_000
    # calamine reserves 24 bytes for every string the shared-strings table declares
    # (uniqueCount) before it reads one, and copies a shared string into every cell that
    # shows it: a few KB can ask for gigabytes. A team workbook of 200,000 answers has
    # about 400,000 strings in 20 MiB, and its cells get about 80 MiB of text.
    max_shared_strings: int = 2_000_000
    max_shared_strings_bytes: int = 128 * 1024 * 1024  # the part, uncompressed
    max_cell_text: int = 256 * 1024 * 1024  # shared-string text copied into cells, all sheets


@dataclass
class CheckedXlsx:
    """What the checks learnt on the way that readers use: the cells holding a formula."""

    # sheet name -> column (1-based) -> rows (1-based) of the cells with a formula
    formulas: dict[str, dict[int, array[int]]] = field(default_factory=dict)


DEFAULT_LIMITS = ZipLimits()


def check_xlsx(path: Path, limits: ZipLimits = DEFAULT_LIMITS) -> CheckedXlsx:
    """Refuse anything that is not a plain, honest xlsx before a parser opens it.

    Checks the zip directory (entry count, total uncompressed size, compression
    ratio), then streams every part once: the CRC check makes a lying directory
    fail, the running total caps what is really inflated, and any DTD is refused.
    Each sheet's reach, its cell tags and the shared strings its cells would copy are
    bounded on the way. Returns the formula cells found.
    """
    path = Path(path)
    if not path.is_file():
        raise GovauditError(_("{path}: no such file").format(path=path))
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic == _OLE_MAGIC:
        raise GovauditError(_(
            "{path}: an old .xls or a password-protected workbook; save it as an unprotected "
            ".xlsx").format(path=path))
    if not zipfile.is_zipfile(path):
        raise GovauditError(_("{path}: not an .xlsx workbook (not a zip archive)").format(
            path=path))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise GovauditError(_("{path}: not a readable .xlsx workbook ({error})").format(
            path=path, error=exc)) from None
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if len(infos) <= limits.max_entries and ("[Content_Types].xml" not in names or not any(
                n.startswith("xl/") for n in names)):
            raise GovauditError(_(
                "{path}: not an .xlsx workbook (a zip without the workbook parts)").format(
                path=path))
        _check_directory(path, infos, limits, "workbook")
        inflated = 0
        extents: dict[str, _Extent] = {}
        strings: dict[str, _SharedStrings] = {}
        string_parts = shared_strings_parts(archive)
        for info in infos:
            reader: _Extent | _SharedStrings | None = None
            if info.filename in string_parts:
                if info.file_size > limits.max_shared_strings_bytes:
                    _refuse_strings_size(path, info.filename, info.file_size, limits)
                reader = strings[info.filename] = _SharedStrings(path, info.filename, limits)
            elif _is_xml(info.filename):
                reader = extents[info.filename] = _Extent(info.filename)
            inflated = _stream_part(path, archive, info, inflated, limits, reader)
        return _check_extents(path, archive, extents, strings, limits)


def check_zip(archive: zipfile.ZipFile, name: str, limits: ZipLimits = DEFAULT_LIMITS) -> None:
    """Refuse a zip-based document (docx, xlsx, odt…) that is a bomb, encrypted, damaged or
    declares a DTD: the checks of check_xlsx without the workbook's own."""
    infos = archive.infolist()
    _check_directory(Path(name), infos, limits, "document")
    inflated = 0
    for info in infos:
        inflated = _stream_part(Path(name), archive, info, inflated, limits)


def _check_directory(path: Path, infos: list[zipfile.ZipInfo], limits: ZipLimits,
                     what: str) -> None:
    """Entry count, declared sizes and ratios, encrypted parts: before anything inflates."""
    if len(infos) > limits.max_entries:
        raise GovauditError(_(
            "{path}: refused, {count} parts in the zip (at most {max_entries}): not a plausible "
            "{what}").format(
            path=path, count=len(infos), max_entries=limits.max_entries, what=what))
    declared = sum(info.file_size for info in infos)
    packed = max(1, sum(info.compress_size for info in infos))
    _check_size(path, declared, packed, limits, "")
    for info in infos:
        if info.file_size > _CHUNK and info.file_size / max(1, info.compress_size) \
                > limits.max_ratio:
            raise GovauditError(
                _(
                    "{path}: refused as a possible zip bomb: part {filename} inflates "
                    "{value:.0f}× (limit {max_ratio:g}×)").format(
                    path=path, filename=info.filename,
                    value=info.file_size / max(1, info.compress_size),
                    max_ratio=limits.max_ratio))
        if info.flag_bits & 0x1:
            raise GovauditError(_("{path}: part {filename} is encrypted").format(
                path=path, filename=info.filename))


def _check_size(path: Path, size: int, packed: int, limits: ZipLimits, how: str) -> None:
    if size > limits.max_total_bytes:
        raise GovauditError(
            _(
                "{path}: refused as a possible zip bomb: {how}{value:.0f} MiB uncompressed "
                "(limit {value2:.0f} MiB)").format(
                path=path, how=how, value=size / 2 ** 20,
                value2=limits.max_total_bytes / 2 ** 20))
    if size > _CHUNK and size / packed > limits.max_ratio:
        raise GovauditError(
            _(
                "{path}: refused as a possible zip bomb: compression ratio {value:.0f}× (limit "
                "{max_ratio:g}×)").format(
                path=path, value=size / packed, max_ratio=limits.max_ratio))


def _is_xml(name: str) -> bool:
    return name.endswith((".xml", ".rels", ".vml"))


def _stream_part(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, inflated: int,
                 limits: ZipLimits, extent: _Extent | _SharedStrings | None = None) -> int:
    xml = _is_xml(info.filename)
    tail = b""
    try:
        with archive.open(info) as part:
            while block := part.read(_CHUNK):
                inflated += len(block)
                if inflated > limits.max_total_bytes:
                    _check_size(path, inflated, 1, limits, "at least ")
                if xml:
                    window = tail + block
                    if any(marker in window for marker in _DTD_MARKERS):
                        raise GovauditError(
                            _(
                                "{path}: refused: part {filename} declares a DTD or XML entities "
                                "(an XML attack such as 'billion laughs'); a real workbook never "
                                "does").format(path=path, filename=info.filename))
                    tail = window[-32:]
                if extent is not None:
                    extent.feed(path, block)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise GovauditError(_("{path}: damaged file: part {filename} ({error})").format(
            path=path, filename=info.filename, error=exc)) from None
    if extent is not None:
        extent.feed(path, b"", last=True)
    return inflated


# A row or cell start tag (any namespace prefix), its `r` when it comes first (as every
# office program writes it), and the rest of its attributes (values may hold ">").
_ATTRS = rb"""(?:[^>"']|"[^"]*"|'[^']*')*"""
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c|f)"
                       rb"""(?:\s+r\s*=\s*(?:"([^"]*)"|'([^']*)'))?(?=[\s/>])(""" + _ATTRS + rb")>")
_ATTR = re.compile(rb"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:row|c)(?=[\s/>]|$)")
_COMPLETE_TAG = re.compile(rb"<" + _ATTRS + rb">")
# A whole cell start tag as office programs write it: `r` first, then only these.
_PLAIN_CELL = re.compile(rb'<c r="([A-Za-z]{1,3})([0-9]{1,7})"'
                         rb'(?: (?:s|t|cm|vm|ph)="[^"<>=]*")*/?>')
_PLAIN_ROW = re.compile(rb'<row r="([0-9]{1,7})"')
_MAX_TAG = 64 * 1024
# An `r` attribute after the first; a cell typed as a shared string, however spaced.
_R_NAME = re.compile(rb"(?:^|\s)r\s*=")
_SHARED_TYPE = re.compile(rb"""(?<![\w:.-])t\s*=\s*["']s["']""")


class _Extent:
    """How far the cells of one sheet part reach, found as calamine places them.

    A `<row>` without `r` follows the previous row, a `<c>` without `r` the previous
    cell. Every cell counts, even an empty formatted one (calamine skips those, so this
    errs on the side of refusing). The XML is scanned in blocks; a tag cut by the block
    end waits for the next block. A block where every row and cell starts `<row r="N"`
    and `<c r="A1"` (as office programs write them) and that has no formula is read with
    regular expressions instead of tag by tag.

    On the way it notes the cells holding a formula, the first tag with two `r`
    attributes (calamine takes the last, the checks here took the first: `<c r="A1"
    r="XFD1048576">` got past them), and how many cells show a shared string.
    """

    def __init__(self, part: str) -> None:
        self.part = part
        self.row = self.col = 0  # the current position, 1-based (0: none yet)
        self.rows = self.cols = 0  # the furthest cell
        self.carry = b""
        self.formulas: dict[int, array[int]] = {}
        self.twice = b""  # the first row or cell tag with two `r` attributes
        self.shared = 0  # cells typed as a shared string (an upper bound)

    def feed(self, path: Path, block: bytes, last: bool = False) -> None:
        window = self.carry + block
        start = window.rfind(b"<")
        if not last and start >= 0 and not _COMPLETE_TAG.match(window, start):
            window, self.carry = window[:start], window[start:]
            if len(self.carry) > _MAX_TAG:
                if _CELL_START.match(self.carry):
                    raise GovauditError(_(
                        "{path}: refused: part {part} has a row or cell tag longer than 64 KiB; "
                        "a real workbook never does").format(path=path, part=self.part))
                self.carry = b""  # a comment or another tag: no cell hides in it
        else:
            self.carry = b""
        if self._regular(window):
            self.shared += window.count(b't="s"')
        else:
            self._tags(window)
            self.shared += len(_SHARED_TYPE.findall(window))

    def _regular(self, window: bytes) -> bool:
        """Read a block of plain `<row r="N"` / `<c r="A1" …>` tags and no formula; False if
        it has others."""
        if b":c" in window or b":row" in window or b"<f" in window:
            return False
        found = _PLAIN_CELL.findall(window)
        row_refs = _PLAIN_ROW.findall(window)
        if len(found) != window.count(b"<c") or len(row_refs) != window.count(b"<row"):
            return False
        if found:
            letters, digits = zip(*found, strict=True)
            self.rows = max(self.rows, max(map(int, set(digits))))
            self.cols = max(self.cols, max(column_number(x.decode()) for x in set(letters)))
        last_row, last_cell = window.rfind(b'<row r="'), window.rfind(b'<c r="')
        if last_cell > last_row:
            self.row, self.col = int(found[-1][1]), column_number(found[-1][0].decode())
        elif last_row >= 0:
            self.row, self.col = int(row_refs[-1]), 0
        return True

    def _tags(self, window: bytes) -> None:
        for match in _CELL_TAG.finditer(window):
            name, first, first_single, attrs = match.groups(b"")
            if name == b"f":
                self.formulas.setdefault(self.col, array("l")).append(self.row)
                continue
            ref = first or first_single
            if b"=" in attrs and (not ref or _R_NAME.search(attrs)):
                refs = [a or b for n, a, b in _ATTR.findall(attrs) if n == b"r"]
                if ref or len(refs) > 1:
                    if refs and not self.twice:
                        self.twice = match.group()[:120]
                    refs = [ref, *refs]
                ref = refs[0] if refs else b""
            if name == b"row":
                self.row = int(ref) if ref.isdigit() else self.row + 1
                self.col = 0
                continue
            letters = ref.rstrip(b"0123456789")
            digits = ref[len(letters):]
            if digits:
                self.row = int(digits)
            self.col = column_number(letters.decode("latin-1")) if letters else self.col + 1
            self.rows = max(self.rows, self.row)
            self.cols = max(self.cols, self.col)

    @property
    def cells(self) -> int:
        return self.rows * self.cols


_SST = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst(?=[\s/>])(" + _ATTRS + rb")>")
_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si(?=[\s/>])")


class _SharedStrings:
    """The shared-strings table, streamed: how many strings it declares and holds, and
    where each begins (its XML's length bounds its text's)."""

    def __init__(self, path: Path, part: str, limits: ZipLimits) -> None:
        self.path, self.part, self.limits = path, part, limits
        self.starts: array[int] = array("q")
        self.offset = 0  # bytes of the part read before the current window
        self.carry = b""
        self.declared = False

    def feed(self, path: Path, block: bytes, last: bool = False) -> None:
        window, base = self.carry + block, self.offset - len(self.carry)
        self.offset += len(block)
        if self.offset > self.limits.max_shared_strings_bytes:
            _refuse_strings_size(path, self.part, self.offset, self.limits)
        start = window.rfind(b"<")
        if not last and start >= 0 and not _COMPLETE_TAG.match(window, start) \
                and len(window) - start < _MAX_TAG:
            window, self.carry = window[:start], window[start:]
        else:
            self.carry = b""
        if not self.declared:
            found = _SST.search(window)
            if found:
                self.declared = True
                self._check_declared(found.group(1))
        self.starts.extend(base + m.start() for m in _SI.finditer(window))
        if len(self.starts) > self.limits.max_shared_strings:
            self._refuse_count(f"holds more than {self.limits.max_shared_strings:,} strings")

    def _check_declared(self, attrs: bytes) -> None:
        for name, double, single in _ATTR.findall(attrs):
            value = (double or single).strip()
            if name in (b"count", b"uniqueCount") and value.isdigit() \
                    and int(value) > self.limits.max_shared_strings:
                self._refuse_count(f"declares {int(value):,} strings ({name.decode()})")
            if name == b"uniqueCount" and value and not value.isdigit():
                self._refuse_count(f"declares {value[:40].decode('utf-8', 'replace')!r} "
                                   "strings (uniqueCount)")

    def _refuse_count(self, what: str) -> NoReturn:
        raise GovauditError(
            _(
                "{path}: refused: its shared-strings table ({part}) {what}, at most "
                "{max_shared_strings:,} are read; reading it would reserve gigabytes. A real "
                "workbook has far fewer").format(
                path=self.path, part=self.part, what=what,
                max_shared_strings=self.limits.max_shared_strings))

    @property
    def longest(self) -> int:
        """The longest string's XML (0 for an empty table)."""
        ends = [*self.starts[1:], self.offset]
        return max((end - start for start, end in zip(self.starts, ends, strict=True)),
                   default=0)

    def lengths(self) -> array[int]:
        """Each string's XML length, in table order."""
        ends = [*self.starts[1:], self.offset]
        return array("q", (end - start for start, end in zip(self.starts, ends, strict=True)))


def _refuse_strings_size(path: Path, part: str, size: int, limits: ZipLimits) -> NoReturn:
    raise GovauditError(
        _(
            "{path}: refused: its shared-strings table ({part}) is at least {value:.0f} MiB "
            "uncompressed (limit {value2:.0f} MiB); a real workbook's is far smaller").format(
            path=path, part=part, value=size / 2 ** 20,
            value2=limits.max_shared_strings_bytes / 2 ** 20))


def shared_strings_parts(archive: zipfile.ZipFile) -> set[str]:
    """The shared-strings part the workbook names, and any part named sharedStrings.xml."""
    named = {target for rel_type, target in part_rels(archive, workbook_part(archive)).values()
             if rel_type.endswith("/sharedStrings")}
    return named | {n for n in archive.namelist()
                    if n.rpartition("/")[2].lower() == "sharedstrings.xml"}


def column_number(letters: str) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    """1 -> 'A', 16384 -> 'XFD'."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_extents(path: Path, archive: zipfile.ZipFile, extents: dict[str, _Extent],
                   strings: dict[str, _SharedStrings], limits: ZipLimits) -> CheckedXlsx:
    names = sheet_parts(archive)
    parts = set(names.values()) | {p for p in extents if p.startswith("xl/worksheets/")}
    limit = limits.max_sheet_cells
    checked = CheckedXlsx()
    sheets: dict[str, str] = {}
    for part in sorted(parts):
        extent = extents.get(part)
        if extent is None:
            continue
        sheet = sheets[part] = next((n for n, p in names.items() if p == part), part)
        if extent.twice:
            raise GovauditError(
                _(
                    "{path}: refused: sheet {sheet} has a tag with two cell references "
                    "({decode}); no spreadsheet program writes one, and a reader would place the "
                    "cell far beyond the table. Open the file in Excel or LibreOffice, save it "
                    "again and try again").format(
                    path=path, sheet=sheet, decode=extent.twice.decode('utf-8', 'replace')))
        if limit is not None and extent.cells > limit:  # a far corner says more than rows
            _refuse_cells(path, sheet, extent, limit)
        if extent.rows > limits.max_sheet_rows:
            raise GovauditError(
                _(
                    "{path}: refused: sheet {sheet} has {rows:,} rows (at most "
                    "{max_sheet_rows:,} are read); delete the empty or extra rows below the "
                    "table, save it and try again").format(
                    path=path, sheet=sheet, rows=extent.rows,
                    max_sheet_rows=limits.max_sheet_rows))
        if extent.formulas:
            checked.formulas[sheet] = extent.formulas
    _check_cell_text(path, archive, extents, strings, sheets, limits)
    return checked


def _check_cell_text(path: Path, archive: zipfile.ZipFile, extents: dict[str, _Extent],
                     strings: dict[str, _SharedStrings], sheets: dict[str, str],
                     limits: ZipLimits) -> None:
    """Refuse a workbook whose cells would copy more shared-string text than
    `max_cell_text`: first bounded by (cells showing a shared string) × (longest string),
    then, for the sheets that bound does not clear, counted cell by cell."""
    if not strings:
        return
    table = max(strings.values(), key=lambda s: s.longest)
    longest = table.longest
    if sum(extents[part].shared for part in sheets) * longest <= limits.max_cell_text:
        return
    lengths = table.lengths()
    total = 0
    for part in sorted(sheets):
        if not extents[part].shared:
            continue
        total += _shared_text(path, archive, part, lengths, longest)
        if total > limits.max_cell_text:
            raise GovauditError(
                _(
                    "{path}: refused: its cells would hold more than {value:.0f} MiB of text "
                    "copied from the shared-strings table (counted up to sheet {sheets}), which "
                    "takes gigabytes to read: a few long strings repeated in very many cells, as "
                    "a 'shared-strings bomb' is made. A real workbook holds far less").format(
                    path=path, value=limits.max_cell_text / 2 ** 20, sheets=sheets[part]))


_PLAIN_SHARED_CELL = re.compile(
    rb'<c r="[A-Z]{1,3}[0-9]{1,7}"(?: s="[0-9]{1,9}")? t="s"(?: s="[0-9]{1,9}")?>'
    rb"<v>([0-9]{1,10})</v>")
_CELL_OPEN = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(?=[\s/>])")


def _shared_text(path: Path, archive: zipfile.ZipFile, part: str, lengths: array[int],
                 longest: int) -> int:
    """The shared-string bytes the cells of one sheet part show: each plainly written
    cell (`<c r="A1" t="s"><v>7</v>`) counts its string's length, any other cell typed
    as a shared string the longest string's."""
    total = 0
    carry = b""
    count = len(lengths)
    try:
        with archive.open(part) as stream:
            while True:
                block = stream.read(_CHUNK)
                window = carry + block
                carry = b""
                if block:
                    tail = max(0, len(window) - 4096)
                    cut = [m.start() for m in _CELL_OPEN.finditer(window, tail)]
                    if cut and len(window) - cut[-1] < _MAX_TAG:
                        window, carry = window[:cut[-1]], window[cut[-1]:]
                plain = [int(i) for i in _PLAIN_SHARED_CELL.findall(window)]
                total += sum(lengths[i] if i < count else longest for i in plain)
                typed = len(_SHARED_TYPE.findall(window))
                total += max(0, typed - len(plain)) * longest
                if not block:
                    return total
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise GovauditError(_("{path}: damaged workbook: part {part} ({error})").format(
            path=path, part=part, error=exc)) from None


def _refuse_cells(path: Path, sheet: str, extent: _Extent, limit: int) -> NoReturn:
    corner = (f"{column_letters(extent.cols)}{extent.rows}" if extent.cols <= 16384
              else f"row {extent.rows}, column {extent.cols:,}")
    raise GovauditError(
        _(
            "{path}: refused: sheet {sheet} has a cell at {corner}, so reading it means "
            "{cells:,} cells from A1 ({rows:,} rows × {cols:,} columns; the limit is {limit:,}); "
            "delete what lies beyond the table, save it and try again").format(
            path=path, sheet=sheet, corner=corner, cells=extent.cells, rows=extent.rows,
            cols=extent.cols, limit=limit))


_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def part_rels(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, target part path); {} when it has none."""
    folder, _, name = part.rpartition("/")
    rels_name = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
    try:
        root = ElementTree.fromstring(archive.read(rels_name))
    except (KeyError, ElementTree.ParseError):
        return {}
    out: dict[str, tuple[str, str]] = {}
    for rel in root.iter(_PKG_REL):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            out[rel.get("Id", "")] = (rel.get("Type", ""), target)
            continue
        resolved = posixpath.normpath(target.lstrip("/") if target.startswith("/")
                                      else posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), resolved)
    return out


def workbook_part(archive: zipfile.ZipFile) -> str:
    for rel_type, target in part_rels(archive, "").values():
        if rel_type.endswith("/officeDocument"):
            return target
    return "xl/workbook.xml"


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part path, in workbook order ({} when the workbook part is damaged)."""
    book = workbook_part(archive)
    rels = part_rels(archive, book)
    try:
        root = ElementTree.fromstring(archive.read(book))
    except (KeyError, ElementTree.ParseError):
        return {}
    out: dict[str, str] = {}
    for sheet in root.iter():
        if sheet.tag.rpartition("}")[2] == "sheet" and sheet.get(f"{_REL_NS}id") in rels:
            out[sheet.get("name", "")] = rels[sheet.get(f"{_REL_NS}id", "")][1]
    return out

