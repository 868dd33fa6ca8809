"""The text of attachments (xls, xlsx, doc, docx, pdf, txt), read within bounds.

What a file is comes from its content, not its name: `%PDF-`, a zip holding `word/` or `xl/`
parts, an OLE2 file holding a `WordDocument` or `Workbook` stream, else text. Each reader is
a well-kept library: python-calamine for xls and xlsx, python-docx, pypdf; a .doc is read from
its piece table with olefile ([MS-DOC] 2.4.1), so no converter runs. Before a parser opens a
file: its size (`max_bytes`); for a zip-based file every part is streamed once under a cap
(a zip bomb, a lying directory, a DTD are refused, govaudit.workbook.safety); an encrypted
file (msoffcrypto for Office, pypdf for PDF) is named as such. While reading: at most
`max_chars` of text, `max_pages` pages, and `seconds` in all. Each refusal or cut is an
InputProblem and the batch goes on.
"""

from __future__ import annotations

import io
import re
import struct
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from govaudit.content.model import InputProblem, TextBlock, problem
from govaudit.errors import GovauditError
from govaudit.workbook.safety import ZipLimits, check_xlsx, check_zip

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FIELD_CODE = re.compile(r"\x13[^\x13\x14\x15]*\x14")
KINDS = ("pdf", "docx", "xlsx", "doc", "xls", "txt")


@dataclass(frozen=True)
class AttachmentLimits:
    max_bytes: int = 50_000_000  # the file as downloaded
    max_unpacked: int = 200_000_000  # all parts of a zip-based file, inflated
    max_ratio: float = 200.0  # inflated / compressed, for a part above 1 MiB
    max_chars: int = 5_000_000  # text taken from one file
    max_pages: int = 1000  # of a PDF
    seconds: float = 60.0  # reading one file


@dataclass(frozen=True)
class Attachment:
    """A downloaded attachment and where it came from."""

    name: str  # its file name, as the link or Content-Disposition gives it
    data: bytes
    url: str = ""  # where it was downloaded from
    page_url: str = ""  # the page that links to it
    link_path: str = ""  # the DOM path of that link


@dataclass
class AttachmentText:
    """What could be read of an attachment: text blocks, and the problems met."""

    name: str
    kind: str  # one of KINDS, or "" when not read
    blocks: list[TextBlock] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)


class _Refused(Exception):
    """The file is not read further; the message is the reason."""


class _Budget:
    """The characters and seconds a file may still take."""

    def __init__(self, limits: AttachmentLimits) -> None:
        self.limits = limits
        self.chars = 0
        self.deadline = time.monotonic() + limits.seconds
        self.cut = ""

    def take(self, text: str) -> str | None:
        """`text` as far as the budget allows; None once it is spent (`cut` says why)."""
        if self.cut:
            return None
        if time.monotonic() > self.deadline:
            self.cut = f"reading took more than {self.limits.seconds:g} s; the rest was not " \
                       "checked"
            return None
        room = self.limits.max_chars - self.chars
        if len(text) > room:
            self.cut = f"more than {self.limits.max_chars:,} characters of text; only the " \
                       "first were checked"
            text = text[:room]
        self.chars += len(text)
        return text


def sniff(data: bytes, name: str) -> str:
    """The kind of a file from its content; "" for one govaudit does not read."""
    head = data[:8]
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return "zip"
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        return "zip"
    if head == _OLE2:
        import olefile

        try:
            with olefile.OleFileIO(io.BytesIO(data)) as ole:
                if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
                    return "encrypted"
                if ole.exists("WordDocument"):
                    return "doc"
                if ole.exists("Workbook") or ole.exists("Book"):
                    return "xls"
        except (OSError, ValueError):
            return "damaged-ole"
        return "ole"
    if b"\x00" not in data[:4096] or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "txt"
    return ""


def read_attachment_file(path: Path, limits: AttachmentLimits | None = None,
                         url: str = "") -> AttachmentText:
    """Read an attachment saved on disk; its size is checked before it is read."""
    limits = limits or AttachmentLimits()
    try:
        size = path.stat().st_size
    except OSError as exc:
        out = AttachmentText(path.name, "")
        out.problems.append(problem(path.name, "attachments", f"cannot be read ({exc})", url))
        return out
    if size > limits.max_bytes:
        out = AttachmentText(path.name, "")
        out.problems.append(problem(path.name, "attachments", too_large(size, limits), url))
        return out
    return read_attachment(Attachment(path.name, path.read_bytes(), url), limits)


def too_large(size: int, limits: AttachmentLimits) -> str:
    """Why a file of `size` bytes is not read."""
    return f"{size / 1e6:,.0f} MB, more than the {limits.max_bytes / 1e6:g} MB an attachment " \
           "may have (max_attachment_bytes); not read"


def read_attachment(attachment: Attachment, limits: AttachmentLimits | None = None
                    ) -> AttachmentText:
    """The text blocks of an attachment; never raises for what the file holds."""
    limits = limits or AttachmentLimits()
    name, data = attachment.name, attachment.data
    where = attachment.url or attachment.page_url
    if len(data) > limits.max_bytes:
        out = AttachmentText(name, "")
        out.problems.append(problem(name, "attachments", too_large(len(data), limits), where))
        return out
    kind = sniff(data, name)
    out = AttachmentText(name, kind if kind in KINDS else "")
    budget = _Budget(limits)
    readers = {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx, "doc": _doc, "xls": _xls,
               "txt": _txt}
    try:
        if kind == "encrypted":
            raise _Refused("encrypted (password-protected Office file); its text cannot be "
                           "checked without the password")
        if kind not in readers:
            what = {"zip": "a zip archive that is not a Word or Excel file",
                    "ole": "an old Office file that is neither Word nor Excel",
                    "damaged-ole": "a damaged old Office (OLE2) file"}.get(
                kind, "not a file type govaudit reads (xls, xlsx, doc, docx, pdf, txt)")
            raise _Refused(what)
        for locator, text in readers[kind](data, name, limits):
            taken = budget.take(text)
            if taken is None:
                break
            if taken.strip():
                out.blocks.append(TextBlock(taken, f"{name}: {locator}", "attachment"))
    except _Refused as exc:
        out.problems.append(problem(name, "attachments", str(exc), where))
    except GovauditError as exc:  # the zip checks name the file themselves
        detail = str(exc).split(": ", 1)[-1]
        out.problems.append(problem(name, "attachments", detail, where))
    except MemoryError:
        out.problems.append(problem(name, "attachments", "too large to read in memory", where))
    except Exception as exc:  # a damaged file: any parser's error is its reason
        out.problems.append(problem(name, "attachments",
                                    f"damaged or unreadable {kind} ({_first_line(exc)})", where))
    if budget.cut:
        out.problems.append(problem(name, "attachments", budget.cut, where))
    return out


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def _zip_limits(limits: AttachmentLimits) -> ZipLimits:
    return ZipLimits(max_total_bytes=limits.max_unpacked, max_ratio=limits.max_ratio)


def _pdf(data: bytes, name: str, limits: AttachmentLimits) -> Iterator[tuple[str, str]]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")  # an owner password alone still lets text be read
        except (FileNotDecryptedError, NotImplementedError) as exc:
            raise _Refused(f"encrypted PDF ({_first_line(exc)})") from None
        if not opened:
            raise _Refused("encrypted PDF: it opens only with a password")
    count = len(reader.pages)
    for number, page in enumerate(reader.pages, 1):
        if number > limits.max_pages:
            raise _Refused(f"{count} pages; only the first {limits.max_pages} were checked")
        yield f"page {number}", page.extract_text() or ""


def _docx(data: bytes, name: str, limits: AttachmentLimits) -> Iterator[tuple[str, str]]:
    import docx

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        check_zip(archive, name, _zip_limits(limits))
    document = docx.Document(io.BytesIO(data))
    for number, paragraph in enumerate(document.paragraphs, 1):
        yield f"paragraph {number}", paragraph.text
    for t, table in enumerate(document.tables, 1):
        for r, row in enumerate(table.rows, 1):
            yield f"table {t} row {r}", "\t".join(cell.text for cell in row.cells)


def _xlsx(data: bytes, name: str, limits: AttachmentLimits) -> Iterator[tuple[str, str]]:
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        handle.write(data)
        handle.flush()
        check_xlsx(Path(handle.name), _zip_limits(limits))
    yield from _sheets(data)


def _xls(data: bytes, name: str, limits: AttachmentLimits) -> Iterator[tuple[str, str]]:
    _refuse_encrypted_ole(data)
    yield from _sheets(data)


def _sheets(data: bytes) -> Iterator[tuple[str, str]]:
    from python_calamine import CalamineWorkbook

    from govaudit.workbook.reading import cell_text

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    for sheet_name in book.sheet_names:
        sheet = book.get_sheet_by_name(sheet_name)
        first = (sheet.start or (0, 0))[0]
        for number, row in enumerate(sheet.iter_rows(), first + 1):
            yield f"sheet {sheet_name} row {number}", "\t".join(cell_text(c) for c in row)


def _refuse_encrypted_ole(data: bytes) -> None:
    import msoffcrypto

    try:
        encrypted = msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted()
    except Exception:  # msoffcrypto cannot tell: the reader decides
        return
    if encrypted:
        raise _Refused("encrypted (password-protected Office file); its text cannot be "
                       "checked without the password")


def _doc(data: bytes, name: str, limits: AttachmentLimits) -> Iterator[tuple[str, str]]:
    _refuse_encrypted_ole(data)
    for number, paragraph in enumerate(doc_text(data).split("\r"), 1):
        yield f"paragraph {number}", paragraph


def doc_text(data: bytes) -> str:
    """The text of a Word 97–2003 .doc, from its piece table ([MS-DOC] 2.4.1).

    Paragraphs end in \\r; table cells in \\x07 (made tabs); field instructions are dropped.
    """
    import olefile

    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        fib = ole.openstream("WordDocument").read()
        if len(fib) < 0x1AA or struct.unpack_from("<H", fib, 0)[0] != 0xA5EC:
            raise _Refused("not a Word 97–2003 document (no FIB)")
        flags = struct.unpack_from("<H", fib, 0x0A)[0]
        if flags & 0x0100:
            raise _Refused("encrypted Word document; its text cannot be checked without the "
                           "password")
        table_name = "1Table" if flags & 0x0200 else "0Table"
        if not ole.exists(table_name):
            raise _Refused(f"damaged Word document (no {table_name} stream)")
        table = ole.openstream(table_name).read()
    # FibBase (32 bytes), csw + FibRgW, cslw + FibRgLw, cbRgFcLcb, then fcClx/lcbClx (pair 33)
    csw = struct.unpack_from("<H", fib, 32)[0]
    at = 34 + csw * 2
    cslw = struct.unpack_from("<H", fib, at)[0]
    at += 2 + cslw * 4 + 2
    fc_clx, lcb_clx = struct.unpack_from("<II", fib, at + 33 * 8)
    clx = table[fc_clx:fc_clx + lcb_clx]
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:  # Prc entries come first
        pos += 3 + struct.unpack_from("<H", clx, pos + 1)[0]
    if pos >= len(clx) or clx[pos] != 0x02:
        raise _Refused("damaged Word document (no piece table)")
    size = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5:pos + 5 + size]
    pieces = (len(plc) - 4) // 12
    cps = struct.unpack_from(f"<{pieces + 1}I", plc, 0)
    parts = []
    for i in range(pieces):
        fc = struct.unpack_from("<I", plc, (pieces + 1) * 4 + i * 8 + 2)[0]
        count = cps[i + 1] - cps[i]
        if fc & 0x40000000:
            start = (fc & ~0x40000000) // 2
            parts.append(fib[start:start + count].decode("cp1252", "replace"))
        else:
            parts.append(fib[fc:fc + 2 * count].decode("utf-16-le", "replace"))
    text = _FIELD_CODE.sub("", "".join(parts)).replace("\x07", "\t")
    return _CONTROL.sub(" ", text.replace("\x0b", "\r").replace("\x0c", "\r"))


def _txt(data: bytes, name: str, limits: AttachmentLimits) -> Iterator[tuple[str, str]]:
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                       (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            text = data[len(bom):].decode(codec, "replace")
            break
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("gb18030", "replace")
    for number, line in enumerate(text.splitlines(), 1):
        yield f"line {number}", line
