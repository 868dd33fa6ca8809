"""File and folder names that are safe on Windows, macOS and Linux."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_RESERVED = {
    "CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f#%&{}$!\'@+`=]')


def safe_name(text: str, max_bytes: int = 80) -> str:
    """A readable, portable file name for any text (site names, URLs).

    Chinese stays readable; characters that any common file system refuses or
    treats specially become '_'; reserved Windows names and trailing dots or
    spaces are avoided; long names are cut and given a short hash so that two
    long names never collide.
    """
    name = unicodedata.normalize("NFC", text)
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", "_", name)
    name = re.sub(r"_+", "_", name).strip("._ ")
    if not name:
        name = "_"
    if name.split(".")[0].upper() in _RESERVED:
        name = f"_{name}"
    encoded = name.encode("utf-8")
    if len(encoded) > max_bytes or name != text:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
        if len(encoded) > max_bytes - 9:
            name = encoded[: max_bytes - 9].decode("utf-8", errors="ignore").rstrip("._ ")
        if name != text:
            name = f"{name}-{digest}"
    return name
