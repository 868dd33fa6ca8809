"""Safety of workbooks in and out: zip-bomb and XML-attack checks, text cells never formulas."""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from govaudit.errors import GovauditError

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
    """Text an xlsx can hold: illegal control characters removed, cut to Excel's cell limit."""
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
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


DEFAULT_LIMITS = ZipLimits()


def check_xlsx(path: Path, limits: ZipLimits = DEFAULT_LIMITS) -> None:
    """Refuse anything that is not a plain, honest xlsx before a parser opens it.

    Checks the zip directory (entry count, total uncompressed size, compression
    ratio), then streams every part once: the CRC check makes a lying directory
    fail, the running total caps what is really inflated, and any DTD is refused.
    """
    path = Path(path)
    if not path.is_file():
        raise GovauditError(f"{path}: no such file")
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic == _OLE_MAGIC:
        raise GovauditError(f"{path}: an old .xls or a password-protected workbook; save it "
                            "as an unprotected .xlsx")
    if not zipfile.is_zipfile(path):
        raise GovauditError(f"{path}: not an .xlsx workbook (not a zip archive)")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise GovauditError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise GovauditError(f"{path}: refused, {len(infos)} parts in the zip (at most "
                                f"{limits.max_entries}): not a plausible workbook")
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise GovauditError(f"{path}: not an .xlsx workbook (a zip without the workbook "
                                "parts)")
        declared = sum(info.file_size for info in infos)
        packed = max(1, sum(info.compress_size for info in infos))
        _check_size(path, declared, packed, limits, "")
        for info in infos:
            if info.file_size > _CHUNK and info.file_size / max(1, info.compress_size) \
                    > limits.max_ratio:
                raise GovauditError(
                    f"{path}: refused as a possible zip bomb: part {info.filename} inflates "
                    f"{info.file_size / max(1, info.compress_size):.0f}× (limit "
                    f"{limits.max_ratio:g}×)")
            if info.flag_bits & 0x1:
                raise GovauditError(f"{path}: part {info.filename} is encrypted")
        inflated = 0
        for info in infos:
            inflated = _stream_part(path, archive, info, inflated, limits)


def _check_size(path: Path, size: int, packed: int, limits: ZipLimits, how: str) -> None:
    if size > limits.max_total_bytes:
        raise GovauditError(
            f"{path}: refused as a possible zip bomb: {how}{size / 2**20:.0f} MiB uncompressed "
            f"(limit {limits.max_total_bytes / 2**20:.0f} MiB)")
    if size > _CHUNK and size / packed > limits.max_ratio:
        raise GovauditError(
            f"{path}: refused as a possible zip bomb: compression ratio {size / packed:.0f}× "
            f"(limit {limits.max_ratio:g}×)")


def _stream_part(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, inflated: int,
                 limits: ZipLimits) -> int:
    xml = info.filename.endswith((".xml", ".rels", ".vml"))
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
                            f"{path}: refused: part {info.filename} declares a DTD or XML "
                            "entities (an XML attack such as 'billion laughs'); a real "
                            "workbook never does")
                    tail = window[-32:]
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise GovauditError(f"{path}: damaged workbook: part {info.filename} ({exc})") from None
    return inflated

