"""What a file is by its content, and whether that is what its name says.

`content_problem(path, suffix)` says why a file (a copy being attached) is not the
type its suffix claims: images start with their magic and decode whole (Pillow), a
PDF starts with %PDF-, Office files (xlsx, docx, pptx) and OFD documents are zips
holding their own parts, the older Office formats are OLE2 compound files, videos
open with an ISO `ftyp` box, pages and text files are text, an SVG is text whose
root element is <svg>. A suffix that claims nothing govaudit knows is taken only
when the content is not a type it knows either (a PDF named `.dat` is refused).
`identify` names what a file really is, for the refusal: these types, then
filetype's signatures (executables, archives, media…), then text.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from govaudit.i18n import _

SAMPLE_BYTES = 1 << 16  # what is read of a file to tell its type
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# the first element of an XML or HTML text, after its declaration, comments and doctype
_PROLOG = re.compile(rb"\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*", re.S | re.I)


@dataclass(frozen=True)
class Kind:
    """A type a file name can claim: its name (with its article), how its content is
    recognised (cheaply, from the first bytes and the zip directory), and Pillow's format
    for images, which are also decoded whole."""

    name: str
    matches: Callable[[bytes, Path], bool]
    pillow: str = ""


def _magic(*starts: bytes) -> Callable[[bytes, Path], bool]:
    return lambda head, _path: head.startswith(starts)


def _zip_with(*parts: str) -> Callable[[bytes, Path], bool]:
    """A zip whose directory lists `parts` (only the directory is read, nothing inflated)."""

    def matches(head: bytes, path: Path) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (OSError, zipfile.BadZipFile, ValueError):
            return False
        return all(part in names for part in parts)

    return matches


def _is_text(head: bytes, _path: Path) -> bool:
    import charset_normalizer

    return b"\x00" not in head and charset_normalizer.from_bytes(head).best() is not None


def _root(head: bytes, *tags: bytes) -> bool:
    prolog = _PROLOG.match(head)
    start = head[prolog.end():] if prolog else head
    return any(re.match(rb"<" + tag + rb"[\s/>]", start, re.I) for tag in tags)


def _svg(head: bytes, path: Path) -> bool:
    return _is_text(head, path) and _root(head.lstrip(b"\xef\xbb\xbf"), b"svg")


def _html(head: bytes, path: Path) -> bool:
    return _is_text(head, path) and _root(head.lstrip(b"\xef\xbb\xbf"), b"html", b"head",
                                          b"body", b"!doctype html")


def _riff(form: bytes) -> Callable[[bytes, Path], bool]:
    return lambda head, _path: head.startswith(b"RIFF") and head[8:12] == form


def _ftyp(head: bytes, _path: Path) -> bool:
    return head[4:8] == b"ftyp"


PNG = Kind("a PNG image", _magic(b"\x89PNG\r\n\x1a\n"), "PNG")
JPEG = Kind("a JPEG image", _magic(b"\xff\xd8\xff"), "JPEG")
XLSX = Kind("an Excel workbook (.xlsx)", _zip_with("[Content_Types].xml", "xl/workbook.xml"))
DOCX = Kind("a Word document (.docx)", _zip_with("[Content_Types].xml", "word/document.xml"))
PPTX = Kind("a PowerPoint presentation (.pptx)",
            _zip_with("[Content_Types].xml", "ppt/presentation.xml"))
OLE2 = Kind("an Office 97-2003 file (OLE2: .doc, .xls or .ppt)", _magic(_OLE2))
TEXT = Kind("a text file", _is_text)
HTML = Kind("an HTML page", _html)
SVG = Kind("an SVG image", _svg)

# What each suffix claims.
CLAIMS: dict[str, Kind] = {
    ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG,
    ".gif": Kind("a GIF image", _magic(b"GIF87a", b"GIF89a"), "GIF"),
    ".webp": Kind("a WEBP image", _riff(b"WEBP"), "WEBP"),
    ".bmp": Kind("a BMP image", _magic(b"BM"), "BMP"),
    ".tif": Kind("a TIFF image", _magic(b"II*\x00", b"MM\x00*"), "TIFF"),
    ".tiff": Kind("a TIFF image", _magic(b"II*\x00", b"MM\x00*"), "TIFF"),
    ".pdf": Kind("a PDF document", _magic(b"%PDF-")),
    ".xlsx": XLSX, ".docx": DOCX, ".pptx": PPTX,
    ".ofd": Kind("an OFD document", _zip_with("OFD.xml")),
    ".doc": OLE2, ".xls": OLE2, ".ppt": OLE2,
    ".zip": Kind("a zip archive", _zip_with()),
    ".mp4": Kind("an MP4 video", _ftyp), ".m4v": Kind("an MP4 video", _ftyp),
    ".mov": Kind("a QuickTime video", _ftyp),
    ".html": Kind("an HTML page (text)", _is_text), ".htm": Kind("an HTML page (text)", _is_text),
    ".mhtml": Kind("an MHTML page (text)", _is_text),
    ".mht": Kind("an MHTML page (text)", _is_text),
    ".txt": TEXT, ".csv": TEXT, ".json": TEXT, ".md": TEXT, ".log": TEXT,
    ".svg": SVG,
}
# The order in which a file's real type is looked for: the most particular first.
_KNOWN = (XLSX, DOCX, PPTX, CLAIMS[".ofd"], *(k for k in dict.fromkeys(CLAIMS.values())
                                             if k not in (XLSX, DOCX, PPTX, CLAIMS[".ofd"],
                                                          TEXT, HTML, SVG)
                                             and not k.name.endswith("(text)")))


def identify(head: bytes, path: Path) -> str:
    """What a file is, in words, from its first bytes (and its zip directory)."""
    if not head:
        return "an empty file"
    for kind in _KNOWN:
        if kind.matches(head, path):
            return kind.name
    import filetype

    guessed = filetype.guess(head)
    if guessed is not None:
        return f"a .{guessed.extension} file ({guessed.mime})"
    for kind in (SVG, HTML, TEXT):
        if kind.matches(head, path):
            return kind.name
    return "data of no type govaudit knows"


def content_problem(path: Path, suffix: str) -> str:
    """Why the file at `path` is not what `suffix` claims ("" when it is)."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if not head:
        return _("is empty")
    kind = CLAIMS.get(suffix.lower())
    if kind is None:
        what = identify(head, path)
        if what in (TEXT.name, "data of no type govaudit knows"):
            return ""
        return (_(
            "its name ({value}) does not say what it is: it is {what}; rename it to its own "
            "suffix").format(value=suffix or 'no suffix', what=what))
    if not kind.matches(head, path):
        return _("not {name}: it is {identify}").format(
            name=kind.name, identify=identify(head, path))
    return _image_problem(path, kind) if kind.pillow else ""


def _image_problem(path: Path, kind: Kind) -> str:
    """Decode the whole image: a damaged or disguised file is refused."""
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                found = image.format
                image.verify()
            with Image.open(path) as image:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _("too large to check ({name})").format(name=kind.name)
    except Exception as exc:  # Pillow raises many types for damaged images
        detail = str(exc).replace(str(path), "the file") or type(exc).__name__
        return _("not {name} that can be read ({detail})").format(
            name=kind.name, detail=detail)
    return "" if found == kind.pillow else f"not {kind.name} (it is {found})"
