"""Answers, sites and evidence records on TinyDB, crash-safe and fast at scale.

TinyDB's JSON storage rewrites its whole file on every write. To keep a save
in the milliseconds with hundreds of thousands of answers stored, answers and
evidence are kept in one small TinyDB file per site, and every file is
replaced atomically (temporary file, fsync, rename): a crash leaves either the
old file or the new one, never half of one. Writers hold the workspace lock.

Every record carries its site, and a site's records are read only from the
site's own file (`filenames.safe_name`, or the earlier name while a workspace
written before has not saved that site again); a record whose site differs is
skipped, never returned as this site's (two sites once shared one file).

A batch of answers for several sites is written to `data/journal.json` first;
then every site file of the batch is written in full beside its place
(temporary file, fsync), and only when all are written are they renamed into
place. A write that fails (a full disk) removes what was written and the
journal: nothing of the batch was saved, and nothing of it appears later. A
journal left by a killed process is applied again, to completion, before
anything is read or written, so a batch is either all there or not at all.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, suppress
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Protocol

from tinydb import Query, TinyDB
from tinydb.storages import Storage

from govaudit.auditlog import AuditLog, Change, chained
from govaudit.errors import GovauditError, UnknownName
from govaudit.filenames import earlier_safe_name, folded, safe_name
from govaudit.files import atomic_write, fsync_dir, write_beside
from govaudit.i18n import _
from govaudit.model import (
    PROBE_EVALUATOR,
    Adjudication,
    Answer,
    Evidence,
    LogEntry,
    PageRef,
    ProbeResult,
    Review,
    Site,
    utc_now,
)
from govaudit.probes.registry import probe_result
from govaudit.urls import stored_form


class StoreFolder(Protocol):
    """What a store needs of its workspace: the folders, whose changes it logs, whether it
    assesses blind, and the write lock (a Workspace is one)."""

    @property
    def root(self) -> Path: ...
    @property
    def data_dir(self) -> Path: ...
    @property
    def evaluator(self) -> str: ...
    @property
    def blind(self) -> bool: ...
    def lock(self) -> AbstractContextManager[None]: ...


class AtomicJSONStorage(Storage):
    """TinyDB storage that never leaves a half-written file."""

    def __init__(self, path: str | Path, mode: int | None = None) -> None:
        self.path = Path(path)
        self.mode = mode  # None: the umask's, as for any new file

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        if not text.strip():
            return None
        try:
            data: dict[str, dict[str, Any]] = json.loads(text)
            return data
        except ValueError as exc:  # also a number too long to read back
            raise GovauditError(_(
                "{path}: damaged store file ({error}); restore it from a backup or remove "
                "it").format(path=self.path, error=exc)) from None

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        _write_json(self.path, data, self.mode)

    def close(self) -> None:
        pass


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _write_json(path: Path, data: Any, mode: int | None = None) -> None:
    """Replace `path` with `data` as JSON, crash-safe (files.atomic_write)."""
    atomic_write(path, _json_bytes(data), mode)


# A site file written beside its place, and that place.
Staged = tuple[Path, Path]


def _put_in_place(staged: list[Staged]) -> None:
    """Rename every written file into its place, then make the renames durable."""
    for tmp, path in staged:
        os.replace(tmp, path)
    for folder in {path.parent for _tmp, path in staged}:
        fsync_dir(folder)


def _discard(staged: list[Staged]) -> None:
    for tmp, _path in staged:
        tmp.unlink(missing_ok=True)


PageRecord = PageRef  # the name used before the model module


def _db(path: Path) -> TinyDB:
    return TinyDB(path, storage=AtomicJSONStorage)


JOURNAL_NAME = "journal.json"
BLIND_HIDDEN = "(hidden: blind assessment)"  # a value a blind workspace's log does not show


def _rows(path: Path, table: str) -> list[dict[str, Any]]:
    return [dict(d) for d in _db(path).table(table).all()] if path.is_file() else []


def _one_per_key(answers: Iterable[Answer], keep_newer: bool) -> list[Answer]:
    """One answer per (site, question, evaluator): the last one, or with `keep_newer` the newest.

    A batch without repeats can be applied twice with the same result (the journal needs it).
    """
    chosen: dict[tuple[str, str, str], Answer] = {}
    for answer in answers:
        key = (answer.site, answer.question, answer.evaluator)
        if not (keep_newer and key in chosen and chosen[key].time > answer.time):
            chosen.pop(key, None)
            chosen[key] = answer
    return list(chosen.values())


class Store:
    """All persistent records of one workspace. Commands never touch TinyDB directly."""

    # a folder of evidence files named by SHA-256 that the report may show files from
    # (the team server's shared folder, for a view of the server); None: the workspace's only
    shared_files: Path | None = None

    def __init__(self, folder: StoreFolder) -> None:
        self.folder = folder
        self.root = folder.data_dir
        self.root.mkdir(parents=True, exist_ok=True)
        self.journal = self.root / JOURNAL_NAME
        self.log = AuditLog(self.root)
        self._settle()

    @property
    def actor(self) -> str:
        """Who makes the changes this store logs: the workspace's evaluator."""
        return self.folder.evaluator

    @property
    def blind(self) -> bool:
        """Whether the workspace's evaluator assesses blind."""
        return self.folder.blind

    def _visible(self, evaluator: str) -> bool:
        """Whether a blind workspace shows records of `evaluator`'s answers: its own
        evaluator's and the probes' only. Every evaluator's in any other workspace."""
        return not self.folder.blind or evaluator in (self.folder.evaluator,
                                                         PROBE_EVALUATOR)

    # -- the audit log -----------------------------------------------------------------

    def log_entries(self) -> list[LogEntry]:
        """Every entry of the audit log, oldest first. A blind workspace hides the values of
        the answers, reviews and adjudications it does not show (the entries stay)."""
        self._settle()
        entries = list(self.log.entries())
        if not self.folder.blind:
            return entries
        return [e if (e.kind == "evidence" or e.kind in ("answer", "review")
                      and self._visible(e.evaluator))
                else replace(e, old=None if e.old is None else BLIND_HIDDEN,
                             new=None if e.new is None else BLIND_HIDDEN)
                for e in entries]

    def _log(self, staged: list[Staged], changes: list[Change], actor: str | None) -> bool:
        """Chain `changes` after the log's last entry and append them, the files `staged`
        named as theirs (auditlog). A failed write takes back what it wrote, removes the
        staged files and raises: nothing of the change is saved. Whether anything was logged."""
        if not changes:
            return False
        head = self.log.last()
        entries = chained(changes, actor or self.actor, head)
        size = self.log.path.stat().st_size if self.log.path.exists() else 0
        try:
            self.log.begin(entries, staged)
            self.log.append(entries)
        except BaseException:
            self._take_back(size, head)
            _discard(staged)
            raise
        return True

    def _take_back(self, size: int, head: tuple[int, str]) -> None:
        """Undo a failed append, as far as the disk lets it (the error that made it fail is
        the one to report): the log cut back to `size`, its head to `head`, no pending."""
        with suppress(OSError):
            if self.log.path.exists() and self.log.path.stat().st_size != size:
                with self.log.path.open("rb+") as handle:
                    handle.truncate(size)
        with suppress(OSError):
            if (self.log.named_head() or (0, "")) != head:
                self.log.write_head(*head)
        with suppress(OSError):
            self.log.pending.unlink(missing_ok=True)

    def _commit(self, staged: list[Staged], changes: list[Change],
                actor: str | None = None) -> None:
        """Put `staged` files in place with their log entries (see govaudit.auditlog)."""
        logged = self._log(staged, changes, actor)
        _put_in_place(staged)
        if logged:
            self.log.end()

    def lock(self) -> AbstractContextManager[None]:
        """The workspace's write lock: writers hold it."""
        return self.folder.lock()

    # -- sites -------------------------------------------------------------------

    def _sites_db(self) -> TinyDB:
        return _db(self.root / "sites.json")

    def sites(self) -> list[Site]:
        db = self._sites_db()
        return [Site.from_dict(d) for d in db.table("sites").all()]

    def site(self, name: str) -> Site:
        for site in self.sites():
            if site.name == name:
                return site
        raise UnknownName("site", name, [s.name for s in self.sites()], hint="add_site")

    def select(self, names: Iterable[str] | None = None) -> list[Site]:
        """The named sites in the order given, each once (an unknown name is an error that
        names the known ones), or all of them when no name is given."""
        every = self.sites()
        wanted = list(dict.fromkeys(names or ()))
        if not wanted:
            return every
        by_name = {s.name: s for s in every}  # one read of the site list
        return [by_name[n] if n in by_name else self.site(n) for n in wanted]

    def add_sites(self, sites: Iterable[Site]) -> int:
        """Add sites; refused if a name is taken or would share another site's files."""
        sites = list(sites)
        self.save_sites(sites, [])
        return len(sites)

    def save_sites(self, added: Iterable[Site], changed: Iterable[Site]) -> None:
        """Add new sites and replace stored ones (by name) in one write.

        Refused if an added name is taken, a changed one is unknown, or a name
        would share another site's files.
        """
        added, changed = list(added), list(changed)
        with self.folder.lock():
            db = self._sites_db()
            table = db.table("sites")
            existing = {d["name"] for d in table.all()}
            clash = [s.name for s in added if s.name in existing]
            if clash:
                raise GovauditError(_("site(s) already in the workspace: {listed}").format(
                    listed=', '.join(clash)))
            unknown = [s.name for s in changed if s.name not in existing]
            if unknown:
                raise GovauditError(_("site(s) not in the workspace: {listed}").format(
                    listed=', '.join(unknown)))
            # a crafted name with the same 8-hex hash would share files (also where case folds)
            files = {folded(safe_name(name)): name for name in existing}
            for site in added:
                other = files.setdefault(folded(safe_name(site.name)), site.name)
                if other != site.name:
                    raise GovauditError(
                        _(
                            "site {name!r} would share its data files ({safe_name}) with site "
                            "{other!r}; rename one of them").format(
                            name=site.name, safe_name=safe_name(site.name), other=other))
            # one atomic write of the whole file: the old list or the new one, never half
            storage = AtomicJSONStorage(self.root / "sites.json")
            data = storage.read() or {}
            docs = data.setdefault("sites", {})
            ids = {doc.get("name"): key for key, doc in docs.items()}
            for site in changed:
                docs[ids[site.name]] = site.to_dict()
            last = max((int(k) for k in docs if k.isdigit()), default=0)
            for doc_id, site in enumerate(added, last + 1):
                docs[str(doc_id)] = site.to_dict()
            storage.write(data)

    def remove_site(self, name: str) -> None:
        """Take a site off the list with its recorded pages and answers (archived by the caller)."""
        with self.folder.lock():
            self._finish_journal()
            db = self._sites_db()
            db.table("sites").remove(Query().name == name)
            db.table("pages").remove(Query().site == name)
            changes: list[Change] = []

            def remove(rows: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
                changes.extend(Change("answer", "remove site", name, r["question"],
                                      r["evaluator"], _answer_state(r), None) for r in rows)
                return [] if rows else None

            self._update("answers", name, remove, changes)

    def pages(self, site: str | None = None) -> list[PageRecord]:
        rows = self._sites_db().table("pages").all()
        return [PageRef(**r) for r in rows if site is None or r["site"] == site]

    def record_page(self, page: PageRef) -> None:
        with self.folder.lock():
            table = self._sites_db().table("pages")
            q = Query()
            table.upsert(asdict(page), (q.site == page.site) & (q.url == page.url)
                         & (q.indicator == page.indicator) & (q.question == page.question))

    # -- one file of records per site and kind (answers, evidence, probes) ---------

    def _own_file(self, kind: str, site: str) -> Path:
        return self.root / kind / f"{safe_name(site)}.json"

    def _file(self, kind: str, site: str) -> Path:
        """The file holding `site`'s records: its own, or before its first save the earlier one."""
        own = self._own_file(kind, site)
        if not own.exists():
            earlier = own.with_name(f"{earlier_safe_name(site)}.json")
            if earlier != own and earlier.exists():
                return earlier
        return own

    def _records(self, kind: str, site: str | None) -> list[dict[str, Any]]:
        """A site's records (or every site's), each read from its site's file only.

        A record whose site is not the file's (two sites shared a file under the
        earlier naming; a file copied by hand) is skipped.
        """
        if site is not None:
            return [r for r in _rows(self._file(kind, site), kind) if r.get("site") == site]
        folder = self.root / kind
        files: dict[str, Path] = {}
        out: list[dict[str, Any]] = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            for row in _rows(path, kind):
                owner = row.get("site")
                if not isinstance(owner, str):
                    continue
                if owner not in files:
                    files[owner] = self._file(kind, owner)
                if files[owner] == path:
                    out.append(row)
        return out

    def _update(self, kind: str, site: str,
                change: Callable[[list[dict[str, Any]]], list[dict[str, Any]] | None],
                changes: list[Change] | None = None, actor: str | None = None) -> None:
        """Replace `site`'s records by `change(records)` (None: no change) in one atomic write,
        logged as `changes` (which `change` may fill in)."""
        staged = self._stage(kind, site, change)
        if staged is not None:
            self._commit([staged], changes or [], actor)

    def _stage(self, kind: str, site: str,
               change: Callable[[list[dict[str, Any]]], list[dict[str, Any]] | None]
               ) -> Staged | None:
        """`site`'s file with its records replaced by `change(records)`, written beside its
        place (None: no change). The site's own file is written; another site's records
        found in it stay as they are."""
        path, own = self._file(kind, site), self._own_file(kind, site)
        rows = _rows(path, kind)
        mine = [r for r in rows if r.get("site") == site]
        new = change(mine)
        if new is None:
            return None
        kept = [r for r in rows if r.get("site") != site] if path == own else []
        rows = kept + [{**r, "site": site} for r in new]
        data = _json_bytes({kind: {str(i): r for i, r in enumerate(rows, 1)}})
        return write_beside(own, data), own

    # -- answers -----------------------------------------------------------------

    def answers(self, site: str | None = None, *, everyone: bool = False) -> list[Answer]:
        """The stored answers (of one site, or all); a blind workspace shows its own evaluator's
        and the probes' only, unless `everyone` (removing a site archives them all)."""
        self._settle()
        return [Answer.from_dict(d) for d in self._records("answers", site)
                if everyone or self._visible(str(d.get("evaluator")))]

    def save_answer(self, site: str, question: str, indicator: str, value: str | int,
                    evaluator: str, note: str = "", evidence: list[str] | None = None,
                    time: str | None = None) -> Answer:
        """Save one answer durably (on disk before this returns)."""
        return self.save_answers([Answer(site, question, indicator, value, evaluator,
                                         time or utc_now(), note, list(evidence or []))])[0]

    def save_answers(self, answers: list[Answer], keep_newer: bool = False, *,
                     action: str = "save", actor: str | None = None) -> list[Answer]:
        """Save many answers, all or nothing; one atomic write per site file.

        An existing answer by the same evaluator keeps its earlier value in the
        history. With `keep_newer`, an incoming answer older than the stored
        one is ignored (used when importing a teammate's workbook). A batch
        holds one answer per (site, question, evaluator): of repeats, the last
        (with `keep_newer`, the newest) counts.

        Every change is logged (govaudit.auditlog) as `action` by `actor` (default: the
        workspace's evaluator).

        A write that fails leaves every file as it was and raises the OSError, noting
        that none of the batch was saved (see the module docstring).
        """
        batch = _one_per_key(answers, keep_newer)
        who = actor or self.actor
        with self.folder.lock():
            self._finish_journal()
            several = len({a.site for a in batch}) > 1
            try:
                if several:
                    _write_json(self.journal, {"keep_newer": keep_newer, "action": action,
                                               "actor": who,
                                               "answers": [a.to_dict() for a in batch]})
                try:
                    staged, saved, changes = self._stage_answers(batch, keep_newer, action)
                    logged = self._log(staged, changes, who)
                except BaseException:
                    if several:
                        self._drop_journal()
                    raise
            except OSError as exc:
                if len(batch) > 1:
                    exc.add_note(f"none of the {len(batch)} answers was saved")
                raise
            try:
                _put_in_place(staged)
            except OSError as exc:  # a rename failed: the pending log entry completes it
                exc.add_note(f"{len(batch)} answers were being saved: the rest of them is "
                             "saved the next time the workspace is opened")
                raise
            if logged:
                self.log.end()
            if several:
                self._drop_journal()
        return saved

    def _stage_answers(self, answers: list[Answer], keep_newer: bool, action: str = "save"
                       ) -> tuple[list[Staged], list[Answer], list[Change]]:
        """Every site file of the batch written beside its place, the answers saved and the
        changes to log; on any failure the files written are removed."""
        staged: list[Staged] = []
        changes: list[Change] = []
        try:
            saved = self._apply_answers(answers, keep_newer, staged, changes, action)
        except BaseException:
            _discard(staged)
            raise
        return staged, saved, changes

    def _apply_answers(self, answers: list[Answer], keep_newer: bool,
                       staged: list[Staged], changes: list[Change],
                       action: str) -> list[Answer]:
        saved: list[Answer] = []
        by_site: dict[str, list[Answer]] = {}
        for answer in answers:
            by_site.setdefault(answer.site, []).append(answer)
        for site, batch in by_site.items():

            def change(rows: list[dict[str, Any]], batch: list[Answer] = batch
                       ) -> list[dict[str, Any]] | None:
                docs = {(d["question"], d["evaluator"]): d for d in rows}
                changed = False
                for answer in batch:
                    key = (answer.question, answer.evaluator)
                    old = docs.get(key)
                    if old is not None:
                        if old["value"] == answer.value and old.get("note", "") == answer.note:
                            if answer.evidence and answer.evidence != old.get("evidence"):
                                merged = list(dict.fromkeys([*old.get("evidence", []),
                                                             *answer.evidence]))
                                changes.append(Change(
                                    "answer", "link evidence", answer.site, answer.question,
                                    answer.evaluator, {"evidence": old.get("evidence", [])},
                                    {"evidence": merged}))
                                old["evidence"] = merged
                                changed = True
                            saved.append(Answer.from_dict(old))
                            continue
                        if keep_newer and old["time"] >= answer.time:
                            saved.append(Answer.from_dict(old))
                            continue
                        answer = answer.replace(
                            history=[*old.get("history", []), {
                                "value": old["value"], "evaluator": old["evaluator"],
                                "time": old["time"], "note": old.get("note", ""),
                            }],
                            evidence=list(dict.fromkeys([*old.get("evidence", []),
                                                         *answer.evidence])))
                    docs[key] = answer.to_dict()
                    changes.append(Change("answer", action, answer.site, answer.question,
                                          answer.evaluator,
                                          None if old is None else _answer_state(old),
                                          _answer_state(docs[key])))
                    changed = True
                    saved.append(answer)
                return list(docs.values()) if changed else None

            written = self._stage("answers", site, change)
            if written is not None:
                staged.append(written)
        return saved

    def _settle(self) -> None:
        """Finish a change (a batch of answers, a logged change) that a killed or interrupted
        process left half applied."""
        if self.journal.exists() or self.log.pending.exists() or any(
                self._journal_leftovers()):
            with self.folder.lock():
                self._finish_journal()

    def _journal_leftovers(self) -> Iterator[Path]:
        """Temporary files of journals whose writer died (only ever stale under the lock)."""
        return self.root.glob(f".{JOURNAL_NAME}.*.tmp")

    def _finish_journal(self) -> None:
        """Finish a logged change left half done, then apply the journal's batch again, to
        completion (the workspace lock is held)."""
        self.log.recover()
        for leftover in self._journal_leftovers():
            leftover.unlink(missing_ok=True)
        if not self.journal.exists():
            return
        # the site files its writer had written and not yet put in place
        for leftover in (self.root / "answers").glob(".*.tmp"):
            leftover.unlink(missing_ok=True)
        try:
            data = json.loads(self.journal.read_text(encoding="utf-8"))
            batch = [Answer.from_dict(d) for d in data["answers"]]
            keep_newer = bool(data.get("keep_newer"))
            action, actor = str(data.get("action") or "save"), data.get("actor")
        except (ValueError, KeyError, TypeError) as exc:
            raise GovauditError(_(
                "{journal}: damaged journal of an interrupted save of answers ({error}); remove "
                "it to drop that save").format(journal=self.journal, error=exc)) from None
        staged, _saved, changes = self._stage_answers(batch, keep_newer, action)
        self._commit(staged, changes, str(actor) if actor else None)
        self._drop_journal()

    def _drop_journal(self) -> None:
        self.journal.unlink(missing_ok=True)
        fsync_dir(self.root)

    def delete_answers(self, site: str, questions: Iterable[str], evaluator: str) -> int:
        wanted = set(questions)
        changes: list[Change] = []

        def change(rows: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
            gone = [r for r in rows if r["question"] in wanted and r["evaluator"] == evaluator]
            changes.extend(Change("answer", "delete", site, r["question"], evaluator,
                                  _answer_state(r), None) for r in gone)
            return [r for r in rows if r not in gone] if gone else None

        with self.folder.lock():
            self._finish_journal()
            self._update("answers", site, change, changes)
        return len(changes)

    # -- evidence ------------------------------------------------------------------

    def evidence(self, site: str | None = None) -> list[dict[str, Any]]:
        """The evidence records as stored (dicts)."""
        return self._records("evidence", site)

    def evidence_records(self, site: str | None = None) -> list[Evidence]:
        """The evidence records, typed."""
        return [Evidence.from_dict(r) for r in self.evidence(site)]

    def add_evidence(self, records: Sequence[Evidence]) -> None:
        """Keep evidence records (in their stored form, URLs redacted)."""
        by_site: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            by_site.setdefault(record.site, []).append(stored_form(record))
        with self.folder.lock():
            self._finish_journal()
            for site, batch in by_site.items():

                def add(rows: list[dict[str, Any]], batch: list[dict[str, Any]] = batch
                        ) -> list[dict[str, Any]]:
                    return rows + batch

                self._update("evidence", site, add, [
                    Change("evidence", "add", site, str(r.get("question") or ""), "", None,
                           _evidence_state(r)) for r in batch])

    def link_evidence(self, site: str, question: str, evidence_id: str) -> int:
        """Add an evidence id to every answer of (site, question); the number of answers linked."""
        linked = 0

        changes: list[Change] = []

        def change(rows: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
            nonlocal linked
            for row in rows:
                if row["question"] == question and evidence_id not in row.get("evidence", []):
                    old = row.get("evidence", [])
                    row["evidence"] = [*old, evidence_id]
                    changes.append(Change("answer", "link evidence", site, question,
                                          row["evaluator"], {"evidence": old},
                                          {"evidence": row["evidence"]}))
                    linked += 1
            return rows if linked else None

        with self.folder.lock():
            self._finish_journal()
            self._update("answers", site, change, changes)
        return linked

    # -- reviews and adjudications ----------------------------------------------------

    def reviews(self, site: str | None = None) -> list[Review]:
        """Every review kept (the history: govaudit.review picks the one that holds); a blind
        workspace shows the reviews of the answers it shows."""
        self._settle()
        return [Review.from_dict(r) for r in self._records("reviews", site)
                if self._visible(str(r.get("evaluator")))]

    def save_reviews(self, reviews: Iterable[Review], *, action: str = "review",
                     actor: str | None = None) -> list[Review]:
        """Keep new reviews (one already kept, the same but for its version, is not added
        again), all or none, each logged; the reviews added."""
        return [Review.from_dict(r) for r in self._add_records(
            "reviews", [r.to_dict() for r in reviews], action, actor)]

    def adjudications(self, site: str | None = None) -> list[Adjudication]:
        """Every adjudication kept (the newest of a question holds); none in a blind
        workspace, whose evaluator does not see the others' values."""
        self._settle()
        if self.folder.blind:
            return []
        return [Adjudication.from_dict(r) for r in self._records("adjudications", site)]

    def save_adjudications(self, adjudications: Iterable[Adjudication], *,
                           action: str = "adjudicate", actor: str | None = None
                           ) -> list[Adjudication]:
        """Keep new adjudications as save_reviews keeps reviews."""
        return [Adjudication.from_dict(r) for r in self._add_records(
            "adjudications", [a.to_dict() for a in adjudications], action, actor)]

    def _add_records(self, kind: str, records: list[dict[str, Any]], action: str,
                     actor: str | None) -> list[dict[str, Any]]:
        """Append `records` to their sites' files of `kind` in one logged commit."""
        by_site: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            by_site.setdefault(record["site"], []).append(record)
        added: list[dict[str, Any]] = []
        changes: list[Change] = []
        with self.folder.lock():
            self._finish_journal()
            staged: list[Staged] = []
            try:
                for site, batch in by_site.items():

                    def add(rows: list[dict[str, Any]], batch: list[dict[str, Any]] = batch
                            ) -> list[dict[str, Any]] | None:
                        seen = {_sameness(r) for r in rows}
                        new = []
                        for record in batch:
                            if _sameness(record) not in seen:
                                seen.add(_sameness(record))
                                new.append(record)
                                changes.append(_record_change(kind, action, record, rows))
                        added.extend(new)
                        return rows + new if new else None

                    written = self._stage(kind, site, add)
                    if written is not None:
                        staged.append(written)
            except BaseException:
                _discard(staged)
                raise
            self._commit(staged, changes, actor)
        return added

    # -- probe results -------------------------------------------------------------

    def probe_results(self, site: str) -> dict[str, ProbeResult]:
        """The site's latest result of each probe: {probe name: typed result}."""
        return {r["probe"]: probe_result(r) for r in self._records("probes", site)
                if r.get("probe")}

    def save_probe_results(self, site: str, results: Iterable[ProbeResult]) -> None:
        """Keep each result as its probe's latest for `site`."""
        rows = [{**result.to_dict(), "site": site} for result in results]

        def change(stored: list[dict[str, Any]]) -> list[dict[str, Any]]:
            by_probe = {r["probe"]: r for r in stored}
            by_probe.update((r["probe"], r) for r in rows)
            return list(by_probe.values())

        with self.folder.lock():
            self._update("probes", site, change)





def _answer_state(row: Mapping[str, Any]) -> dict[str, Any]:
    """What the log keeps of an answer: its value and note."""
    return {"value": row.get("value"), "note": row.get("note", "")}


def _evidence_state(record: Mapping[str, Any]) -> dict[str, Any]:
    """What the log keeps of an evidence record: its id, URL and files with their hashes."""
    files = record.get("files") or []
    return {"id": record.get("id", ""), "url": record.get("requested_url", ""),
            "files": [[f.get("path", ""), f.get("sha256", "")] for f in files
                      if isinstance(f, Mapping)]}


def _sameness(record: Mapping[str, Any]) -> str:
    """A record's content but its version: two workspaces' copies of one review are one."""
    return json.dumps({k: v for k, v in record.items() if k != "version"}, sort_keys=True,
                      ensure_ascii=False, default=str)


def _record_change(kind: str, action: str, record: Mapping[str, Any],
                   earlier: list[dict[str, Any]]) -> Change:
    """The log's change for a new review (the state it had before) or adjudication."""
    if kind == "reviews":
        key = (record["question"], record["evaluator"])
        before = [r for r in earlier if (r.get("question"), r.get("evaluator")) == key]
        last = max(before, key=lambda r: str(r.get("time", "")), default=None)
        def state(r: Mapping[str, Any]) -> dict[str, Any]:
            return {"state": r.get("state"), "reason": r.get("reason", ""),
                    "reviewer": r.get("reviewer", ""), "answer_time": r.get("answer_time", "")}
        return Change("review", action, record["site"], record["question"],
                      record["evaluator"], None if last is None else state(last), state(record))
    before = [r for r in earlier if r.get("question") == record["question"]]
    last = max(before, key=lambda r: str(r.get("time", "")), default=None)
    def adjudged(r: Mapping[str, Any]) -> dict[str, Any]:
        return {"value": r.get("value"), "reason": r.get("reason", ""),
                "adjudicator": r.get("adjudicator", "")}
    return Change("adjudication", action, record["site"], record["question"], "",
                  None if last is None else adjudged(last), adjudged(record))
