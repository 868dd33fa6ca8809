"""File and folder names that are safe on Windows, macOS and Linux, and never shared.

`safe_name` is one-to-one in practice, also where disks ignore letter case or
Unicode normalisation (macOS, Windows): a name comes back unchanged only when
every disk stores and compares it as it is (no upper-case letters, no letter
whose case folds, the same in NFC and NFD) and it does not end like a hashed
name (`-` and 8 hex digits); every other name is made readable and gets `-` and
the first 8 hex digits of its SHA-256. So an unchanged name never equals a
hashed one, and two hashed names are equal only if their hashes are (the
store refuses a site whose name would share a file with another's).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_RESERVED = {
    "CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f#%&{}$!\'@+`=]')
_HASHED = re.compile(r"-[0-9a-f]{8}$", re.IGNORECASE)


def _readable(text: str) -> str:
    """`text` with what any common file system refuses or treats specially replaced."""
    name = unicodedata.normalize("NFC", text)
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", "_", name)
    name = re.sub(r"_+", "_", name).strip("._ ")
    if not name:
        name = "_"
    if name.split(".")[0].upper() in _RESERVED:
        name = f"_{name}"
    return name


def _hashed(name: str, text: str, max_bytes: int) -> str:
    """`name`, cut to fit, with `-` and 8 hex digits of the SHA-256 of `text`."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    encoded = name.encode("utf-8")
    if len(encoded) > max_bytes - 9:
        name = encoded[: max_bytes - 9].decode("utf-8", errors="ignore").rstrip("._ ")
    return f"{name}-{digest}"


def _plain(name: str) -> bool:
    """Whether every disk stores and compares `name` exactly as it is written."""
    if unicodedata.normalize("NFD", name) != name or unicodedata.normalize("NFC", name) != name:
        return False
    return all((c.isascii() and not c.isupper()) or c.lower() == c.upper() == c.casefold() == c
               for c in name)


def safe_name(text: str, max_bytes: int = 80) -> str:
    """A readable, portable file name for any text (site names, URLs), one per text.

    Chinese stays readable; characters that any common file system refuses or
    treats specially become '_'; reserved Windows names and trailing dots or
    spaces are avoided; a name that had to change, that has letters whose case
    a disk may fold, or that is long, is cut and given a short hash.
    """
    name = _readable(text)
    if (name == text and len(name.encode("utf-8")) <= max_bytes and _plain(name)
            and not _HASHED.search(name)):
        return name
    return _hashed(name, text, max_bytes)


def earlier_safe_name(text: str, max_bytes: int = 80) -> str:
    """The name `safe_name` gave before names were made collision-free (to read old files)."""
    name = _readable(text)
    if len(name.encode("utf-8")) > max_bytes or name != text:
        return _hashed(name, text, max_bytes)
    return name


def folded(name: str) -> str:
    """`name` as a disk that ignores case and Unicode normalisation compares it."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())
