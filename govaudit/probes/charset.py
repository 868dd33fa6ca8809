"""Which character set an HTML body is in, and its text.

Government sites often mislabel their pages (a default latin-1 header, a utf-8
label on a GBK page), so the sources are ranked and a label that fails to
decode the body is passed over.
"""

from __future__ import annotations

import codecs
import functools
import re

# The GB family is decoded as GB18030, a superset: pages labelled gb2312 routinely use GBK
# characters (WHATWG does the same).
_GB_LABELS = {"gb2312", "gbk", "x-gbk", "gb_2312-80", "gb_2312", "csgb2312", "euc-cn",
              "cp936", "ms936", "windows-936", "gb18030", "chinese", "iso-ir-58"}
# Servers (old Tomcat, IIS) often send a default latin-1 label that contradicts the page's
# own meta tag; these labels rank below the meta tag and below valid UTF-8.
_WEAK_LABELS = {"iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "iso8859-1"}
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_ASCII = bytes(range(128))
_ASCII_TEXT = _ASCII.decode("ascii")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def charset_from_content_type(content_type: str) -> str:
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type, re.I)
    return match.group(1) if match else ""


def python_codec(label: str) -> str | None:
    """The Python codec for a charset label, or None when the label is unknown."""
    label = label.strip().lower()
    if not label:
        return None
    if label in _GB_LABELS:
        return "gb18030"
    if label in ("big5", "big5-hkscs", "x-x-big5", "cn-big5"):
        return "big5hkscs"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


@functools.lru_cache(maxsize=256)
def _reads_ascii_as_ascii(label: str) -> bool:
    """Whether a charset label (a Content-Type's, a <meta>'s) reads plain ASCII bytes as
    ASCII: an unknown label is passed over, so it does too; UTF-16, UTF-32, UTF-7 and the
    EBCDIC code pages do not."""
    codec = python_codec(label)
    if codec is None:
        return True
    try:
        return _ASCII.decode(codec) == _ASCII_TEXT
    except (UnicodeDecodeError, LookupError):
        return False


def ascii_html(body: bytes, content_type: str = "") -> str | None:
    """The text of a body that is plain ASCII, read without decode_html's ranking when no
    source it ranks could read it otherwise (every label it may meet before UTF-8 reads ASCII
    as ASCII): the text decode_html gives, at a fraction of its cost; None when decode_html
    is needed. Most link checks answer such a page."""
    if not body.isascii():
        return None
    if content_type and not _reads_ascii_as_ascii(charset_from_content_type(content_type)):
        return None
    if b"charset" in body[:4096].lower():
        meta = _META_CHARSET.search(body[:4096])
        if meta and not _reads_ascii_as_ascii(meta.group(1).decode("ascii")):
            return None
    return body.decode("ascii")


def decode_html(body: bytes, content_type: str = "") -> tuple[str, str, str]:
    """Decode an HTML body; returns (text, codec, where the codec came from).

    Order: a BOM, the Content-Type charset, the <meta> charset, valid UTF-8,
    valid GB18030 (the superset of GBK and GB2312: government sites that
    declare nothing are nearly always one of these), a latin-1 label from the
    header (servers send it by default, so it ranks low), then detection by
    charset-normalizer. A declared charset that fails to decode the body (a
    page labelled utf-8 that is really GBK) is passed over for the next
    source. A multi-byte character cut by the size cap is dropped, not an error.
    """
    candidates: list[tuple[str | None, str]] = []
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            candidates.append((bom_codec, "bom"))
            break
    header_label = charset_from_content_type(content_type)
    header = python_codec(header_label)
    header_weak = header_label.lower() in _WEAK_LABELS
    meta_match = _META_CHARSET.search(body[:4096])
    meta = python_codec(meta_match.group(1).decode("ascii", "ignore")) if meta_match else None
    if not header_weak:
        candidates.append((header, "header"))
    candidates += [(meta, "meta"), ("utf-8", "utf-8"), ("gb18030", "detected")]
    if header_weak:
        candidates.append((header, "header"))
    for codec, source in candidates:
        text = _decode(body, codec)
        if text is not None:
            return text, codec or "", source
    detected = _detect(body)
    text = _decode(body, detected)
    if text is not None and detected:
        return text, detected, "detected"
    return body.decode("gb18030", errors="replace"), "gb18030", "default (with replacements)"


def _decode(body: bytes, codec: str | None) -> str | None:
    """`body` decoded strictly, an incomplete last character aside; None if it does not fit."""
    if not codec:
        return None
    try:
        return codecs.getincrementaldecoder(codec)(errors="strict").decode(body, final=False)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(body: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    return python_codec(best.encoding) if best is not None else None
