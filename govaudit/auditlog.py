"""The workspace's audit log: every change to an answer, a review, an adjudication or
evidence, append-only and hash-chained.

`data/audit-log.jsonl` holds one entry per line (model.LogEntry). Each entry carries the
SHA-256 of the entry before it (`prev`) and its own (`hash`, over its other fields as
canonical JSON), so an entry removed or edited breaks the chain at that place;
`data/audit-log.head.json` names the last entry, so entries cut from the end are seen too.

A change and its entries are written together (the store's `commit`): the changed files are
written beside their places first, then `data/audit-log.pending.json` names the entries and
those files, then the entries are appended (fsync) and the files renamed into place, and
last the pending file is removed. A process killed anywhere in between leaves the pending
file, and the next one to open the workspace finishes the change, entries and files both:
no change is ever on disk without its entry. Two fsyncs are added to a save (the pending
record's content and the append); the renames of the pending record and the head are made
durable by later folder fsyncs, so a power failure can at most leave an entry for a change
not made, or a head one entry behind.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govaudit.errors import GovauditError
from govaudit.files import fsync_dir, temporary_beside, write_beside
from govaudit.i18n import _
from govaudit.model import LogEntry, utc_now

LOG_NAME = "audit-log.jsonl"
HEAD_NAME = "audit-log.head.json"
PENDING_NAME = "audit-log.pending.json"
GENESIS = "0" * 64  # the `prev` of the first entry
_BLOCK = 64 * 1024


@dataclass(frozen=True)
class Change:
    """A change to log, before it takes its place in the chain."""

    kind: str  # answer | review | adjudication | evidence
    action: str
    site: str
    question: str = ""
    evaluator: str = ""
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class LogCheck:
    """What `verify` found: how many entries, and the first broken place (1-based), if any."""

    path: str
    entries: int
    broken: int | None = None  # the position (line) of the first entry that breaks the chain
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken is None


def canonical(data: Any) -> bytes:
    """The bytes an entry's hash is taken over: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def entry_hash(entry: LogEntry) -> str:
    """The SHA-256 (hex) of every field of `entry` but its own hash."""
    fields = entry.to_dict()
    fields.pop("hash", None)
    return hashlib.sha256(canonical(fields)).hexdigest()


def chained(changes: Iterable[Change], actor: str, last: tuple[int, str],
            time: str | None = None) -> list[LogEntry]:
    """`changes` as entries following the entry (seq, hash) `last`."""
    seq, prev = last
    when = time or utc_now()
    out: list[LogEntry] = []
    for change in changes:
        seq += 1
        fields = {"seq": seq, "time": when, "actor": actor, "kind": change.kind,
                  "action": change.action, "site": change.site, "question": change.question,
                  "evaluator": change.evaluator, "old": change.old, "new": change.new,
                  "prev": prev}
        prev = hashlib.sha256(canonical(fields)).hexdigest()
        out.append(LogEntry(**fields, hash=prev))
    return out


def _line(entry: LogEntry) -> bytes:
    return json.dumps(entry.to_dict(), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


class AuditLog:
    """The log of one workspace's data folder. Writers hold the workspace lock."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / LOG_NAME
        self.head = folder / HEAD_NAME
        self.pending = folder / PENDING_NAME

    # -- reading ---------------------------------------------------------------------

    def last(self) -> tuple[int, str]:
        """(seq, hash) of the last whole entry, (0, GENESIS) for an empty log."""
        line = _last_line(self.path)
        if line is None:
            return 0, GENESIS
        try:
            data = json.loads(line)
            return int(data["seq"]), str(data["hash"])
        except (ValueError, KeyError, TypeError) as exc:
            raise GovauditError(_("{path}: its last entry is damaged ({error})").format(
                path=self.path, error=exc), hint="log_verify") from None

    def entries(self) -> Iterator[LogEntry]:
        """Every entry, oldest first (a line that is no entry is left out: `verify` names it)."""
        for _number, data in self._rows():
            if isinstance(data, dict):
                try:
                    yield LogEntry.from_dict(data)
                except TypeError:
                    continue

    def _rows(self) -> Iterator[tuple[int, Any]]:
        if not self.path.is_file():
            return
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, 1):
                try:
                    yield number, json.loads(raw)
                except ValueError:
                    yield number, None

    def verify(self) -> LogCheck:
        """Walk the chain: each entry's hash, its link to the one before, its place; then the
        head. The first place that breaks is reported."""
        prev, count, shown = GENESIS, 0, str(self.path)
        hashes: dict[int, str] = {}
        for number, data in self._rows():
            count = number
            try:
                entry = LogEntry.from_dict(data)
            except (TypeError, AttributeError):
                return LogCheck(shown, count, number, f"line {number} is not a log entry")
            if entry_hash(entry) != entry.hash:
                return LogCheck(shown, count, number, f"entry {number} was changed: its hash "
                                "does not match its content")
            if entry.prev != prev:
                return LogCheck(shown, count, number, f"entry {number} does not follow entry "
                                f"{number - 1}: an entry between them was removed, or entry "
                                f"{number - 1} was changed")
            if entry.seq != number:
                return LogCheck(shown, count, number, f"entry {number} says it is entry "
                                f"{entry.seq}: entries were removed or added before it")
            prev = hashes[number] = entry.hash
        head = self.named_head()
        if head is None:
            if count:
                return LogCheck(shown, count, count + 1, f"{self.head.name} is missing: "
                                "whether entries were removed from the end cannot be told")
            return LogCheck(shown, 0)
        seq, last = head
        if 0 < seq < count and hashes.get(seq) == last:
            return LogCheck(shown, count)  # the head's last write lost to a power failure
        if (seq, last) != (count, prev):
            return LogCheck(shown, count, count if seq == count else min(count, seq) + 1,
                            f"the log ends at entry "
                            f"{count} but its head names entry {seq}: entries were removed "
                            "from the end, or the last one was changed")
        return LogCheck(shown, count)

    def named_head(self) -> tuple[int, str] | None:
        """(seq, hash) of the entry the head names; None without a head."""
        try:
            data = json.loads(self.head.read_text(encoding="utf-8"))
            return int(data["seq"]), str(data["hash"])
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            return (-1, "")

    # -- writing (the workspace lock is held) -----------------------------------------

    def begin(self, entries: Sequence[LogEntry], staged: Sequence[tuple[Path, Path]]) -> None:
        """Name the entries and the files written beside their places, before either is
        put in place (see the module docstring). Its content is durable before it is in
        place; its place becomes durable with the next fsync of the folder: lost to a power
        failure, the entries appended after it stand for a change not made, never the
        other way round."""
        _replace(self.pending, canonical({
            "entries": [e.to_dict() for e in entries],
            "staged": [[self._relative(tmp), self._relative(path)] for tmp, path in staged]}),
            durable=True)

    def append(self, entries: Sequence[LogEntry]) -> None:
        """Append whole entries after the last whole one (a torn line is cut off first)."""
        if not entries:
            return
        self._cut_torn_line()
        with self.path.open("ab") as handle:
            handle.write(b"".join(_line(e) for e in entries))
            handle.flush()
            os.fsync(handle.fileno())
        self.write_head(entries[-1].seq, entries[-1].hash)

    def write_head(self, seq: int, last: str) -> None:
        """Name the last entry (none, seq 0: no head). Whole or not replaced, but its rename
        is made durable only with the folder's next fsync: a head left behind the log by a
        power failure is not a break (see verify)."""
        if not seq:
            self.head.unlink(missing_ok=True)
            return
        _replace(self.head, canonical({"seq": seq, "hash": last}), durable=False)

    def end(self) -> None:
        """The change is whole: forget the pending file. (Should its removal be lost, the
        next open finds every entry appended and every file in place: nothing to do.)"""
        self.pending.unlink(missing_ok=True)

    def recover(self) -> bool:
        """Finish a change a killed process left half done: append its entries that are not
        in the log yet and put its written files in place. Whether there was one."""
        if not self.pending.exists():
            return False
        try:
            data = json.loads(self.pending.read_text(encoding="utf-8"))
            entries = [LogEntry.from_dict(e) for e in data["entries"]]
            staged = [(self.folder / tmp, self.folder / path) for tmp, path in data["staged"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise GovauditError(_(
                "{pending}: damaged record of an interrupted change ({error}); restore the "
                "workspace from a backup").format(pending=self.pending, error=exc)) from None
        self._cut_torn_line()
        _seq, last = self.last()
        done = next((i + 1 for i, e in enumerate(entries) if e.hash == last), 0)
        self.append(entries[done:])
        self.write_head(*self.last())  # killed after the append, before the head
        for tmp, path in staged:
            if tmp.exists():
                os.replace(tmp, path)
        for folder in {path.parent for _tmp, path in staged}:
            fsync_dir(folder)
        self.end()
        return True

    def _relative(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.folder)).as_posix()

    def _cut_torn_line(self) -> None:
        """Cut a last line without its newline: an append that a kill cut short."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size == 0:
            return
        with self.path.open("rb+") as handle:
            handle.seek(size - 1)
            if handle.read(1) == b"\n":
                return
            end = _last_newline(handle, size)
            handle.truncate(end)
            handle.flush()
            os.fsync(handle.fileno())


def _replace(path: Path, data: bytes, durable: bool) -> None:
    """Put `data` at `path` whole (a temporary file renamed), its content fsynced first when
    `durable`; the rename itself is not waited for."""
    if durable:
        tmp = write_beside(path, data)
    else:
        fd, name = temporary_beside(path)
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _last_newline(handle: Any, size: int) -> int:
    """The offset just past the last newline before `size` (0: none)."""
    position = size
    while position > 0:
        start = max(0, position - _BLOCK)
        handle.seek(start)
        block = handle.read(position - start)
        found: int = block.rfind(b"\n")
        if found >= 0:
            return start + found + 1
        position = start
    return 0


def _last_line(path: Path) -> bytes | None:
    """The last whole (newline-ended) line of `path`, read from its end."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    with handle:
        size = handle.seek(0, os.SEEK_END)
        end = _last_newline(handle, size)
        if end == 0:
            return None
        start = _last_newline(handle, end - 1)
        handle.seek(start)
        return handle.read(end - start).strip() or None
