"""Reading the lists a team supplies: names, words, confusion pairs, holidays.

Every list is workspace data with dates of validity. A list is a YAML file whose top level
holds `kind`, `title`, `valid_from`, `valid_until` and the entries of its kind; word lists
and confusion pairs may also be plain text, the same fields as `# key: value` lines at the
top. A file must be UTF-8 (a BOM is allowed; so is UTF-16 with its BOM); a list without
both dates, or whose dates do not cover the day of the check, is not used. Each problem is
a `ListProblem` naming the file, the section and the entry. See docs/content.md.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from govaudit.content.model import ListRef
from govaudit.errors import GovauditError
from govaudit.i18n import _

KINDS = ("names", "words", "confusions", "holidays")
MAX_LIST_BYTES = 50_000_000
_CJK = re.compile("[\u4e00-\u9fff]")
_HEADER = re.compile(r"#\s*([A-Za-z_]+)\s*:\s*(.*?)\s*$")


class ListProblem(GovauditError):
    """A list file that cannot be used; the message names the file and the entry."""

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(f"{path}: {detail}")


@dataclass(frozen=True)
class ListFile:
    """A list's header and its raw body: YAML's mapping, or a text file's lines."""

    ref: ListRef
    body: dict[str, Any]
    lines: tuple[tuple[int, str], ...] = ()  # (line number, text) of a plain-text list


def decode_list(data: bytes, path: str) -> str:
    """The text of a list file: UTF-8 (BOM allowed) or BOM-marked UTF-16; else one problem
    naming the encoding it seems to be in."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            data, forced = data[len(bom):], codec
            break
    else:
        forced = "utf-8"
    try:
        return data.decode(forced)
    except UnicodeDecodeError as exc:
        guess = _guess_encoding(data)
        seems = f" (it looks like {guess})" if guess else ""
        raise ListProblem(path, _(
            "not UTF-8 text{seems}: byte {start} cannot be read; save the list as UTF-8").format(
            seems=seems, start=exc.start)) from None


def _guess_encoding(data: bytes) -> str:
    """The encoding a Chinese list most likely is in: GBK first, as Chinese Windows saves."""
    for codec, label in (("gb18030", "GBK/GB18030"), ("big5", "Big5")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _CJK.search(text):
            return label
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536]).best()
    return best.encoding.upper().replace("_", "-") if best is not None else ""


def read_list(path: Path, kind: str, on: date) -> ListFile:
    """Read a list file of `kind` whose validity covers `on`."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_LIST_BYTES:
            raise ListProblem(name, _(
                "{value:.0f} MB is more than a list may hold ({value2:.0f} MB)").format(
                value=size / 1000000.0, value2=MAX_LIST_BYTES / 1000000.0))
        data = path.read_bytes()
    except OSError as exc:
        raise ListProblem(name, _("cannot be read ({value})").format(
            value=exc.strerror or exc)) from None
    text = decode_list(data, name)
    if path.suffix.lower() in (".yaml", ".yml"):
        body = _yaml_body(text, name)
        lines: tuple[tuple[int, str], ...] = ()
    else:
        body, lines = _text_body(text)
    ref = _header(body, name, kind, on)
    return ListFile(ref, body, lines)


def _yaml_body(text: str, name: str) -> dict[str, Any]:
    try:
        body = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ListProblem(name, _("{where}not valid YAML ({getattr})").format(
            where=where, getattr=getattr(exc, 'problem', exc))
                          ) from None
    if not isinstance(body, dict):
        raise ListProblem(name, _(
            "a list file is a YAML mapping with kind, title, valid_from, valid_until and its "
            "entries"))
    return body


def _text_body(text: str) -> tuple[dict[str, Any], tuple[tuple[int, str], ...]]:
    """A plain-text list: `# key: value` header lines, then one entry a line."""
    body: dict[str, Any] = {}
    lines: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            header = _HEADER.match(stripped)
            if header and not lines:
                body[header.group(1).lower()] = header.group(2)
            continue
        lines.append((number, stripped))
    return body, tuple(lines)


def _header(body: dict[str, Any], name: str, kind: str, on: date) -> ListRef:
    given = str(body.get("kind") or kind).strip()
    if given != kind:
        raise ListProblem(name, _("kind is {given!r}, but this is read as a list of {kind}").format(
            given=given, kind=kind))
    dates = {key: _date(body.get(key), key, name) for key in ("valid_from", "valid_until")}
    missing = [key for key, value in dates.items() if value is None]
    if missing:
        raise ListProblem(name, _(
            "no {listed}: a list says from when until when it holds (valid_from: 2026-01-01, "
            "valid_until: 2026-12-31), so it was not used").format(listed=' or '.join(missing)))
    start, end = dates["valid_from"], dates["valid_until"]
    assert start is not None and end is not None
    if end < start:
        raise ListProblem(name, _("valid_until {end} is before valid_from {start}").format(
            end=end, start=start))
    if not start <= on <= end:
        raise ListProblem(name, _(
            "valid {start}..{end}, which does not cover {on}; get the current list (it was not "
            "used)").format(start=start, end=end, on=on))
    title = str(body.get("title") or Path(name).stem)
    return ListRef(name, kind, title, start, end)


def _date(value: Any, key: str, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ListProblem(name, _("{key} {value!r} is not a date (YYYY-MM-DD)").format(
            key=key, value=value)) from None


def entries(body: dict[str, Any], key: str, name: str) -> list[Any]:
    """The list under `key` (absent: empty), or a problem naming it."""
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ListProblem(name, _("{key} must be a list of entries").format(key=key))
    return value


def text_entry(value: Any, key: str, number: int, name: str, field: str = "name") -> str:
    """An entry given as text, or as a mapping holding `field`."""
    if isinstance(value, dict):
        value = value.get(field)
    if isinstance(value, (str, int)) and str(value).strip():
        return str(value).strip()
    raise ListProblem(name, _("{key} entry {number}: no {field}").format(
        key=key, number=number, field=field))
