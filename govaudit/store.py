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
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinydb import Query, TinyDB
from tinydb.storages import Storage

from govaudit.errors import GovauditError
from govaudit.filenames import earlier_safe_name, folded, safe_name
from govaudit.files import atomic_write, fsync_dir, write_beside
from govaudit.model import (
    Answer,
    Evidence,
    PageRef,
    ProbeResult,
    Site,
    utc_now,
)
from govaudit.probes.registry import probe_result

if TYPE_CHECKING:  # a type only: importing it would load the checklists
    from govaudit.workspace import Workspace


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
            raise GovauditError(f"{self.path}: damaged store file ({exc}); restore it from "
                                "a backup or remove it") from None

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

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.root = workspace.data_dir
        self.root.mkdir(parents=True, exist_ok=True)
        self.journal = self.root / JOURNAL_NAME
        self._settle()

    def lock(self) -> AbstractContextManager[None]:
        """The workspace's write lock: writers hold it."""
        return self.workspace.lock()

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
        known = ", ".join(s.name for s in self.sites()[:10]) or "none yet"
        raise GovauditError(f"unknown site {name!r} (sites: {known}; add with 'govaudit sites "
                            "add' or 'govaudit sites import')")

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
        with self.workspace.lock():
            db = self._sites_db()
            table = db.table("sites")
            existing = {d["name"] for d in table.all()}
            clash = [s.name for s in added if s.name in existing]
            if clash:
                raise GovauditError(f"site(s) already in the workspace: {', '.join(clash)}")
            unknown = [s.name for s in changed if s.name not in existing]
            if unknown:
                raise GovauditError(f"site(s) not in the workspace: {', '.join(unknown)}")
            # a crafted name with the same 8-hex hash would share files (also where case folds)
            files = {folded(safe_name(name)): name for name in existing}
            for site in added:
                other = files.setdefault(folded(safe_name(site.name)), site.name)
                if other != site.name:
                    raise GovauditError(
                        f"site {site.name!r} would share its data files "
                        f"({safe_name(site.name)}) with site {other!r}; rename one of them")
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
        with self.workspace.lock():
            self._finish_journal()
            db = self._sites_db()
            db.table("sites").remove(Query().name == name)
            db.table("pages").remove(Query().site == name)
            self._update("answers", name, lambda rows: [] if rows else None)

    def pages(self, site: str | None = None) -> list[PageRecord]:
        rows = self._sites_db().table("pages").all()
        return [PageRef(**r) for r in rows if site is None or r["site"] == site]

    def record_page(self, page: PageRef) -> None:
        with self.workspace.lock():
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
                change: Callable[[list[dict[str, Any]]], list[dict[str, Any]] | None]) -> None:
        """Replace `site`'s records by `change(records)` (None: no change) in one atomic write."""
        staged = self._stage(kind, site, change)
        if staged is not None:
            _put_in_place([staged])

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

    def answers(self, site: str | None = None) -> list[Answer]:
        self._settle()
        return [Answer.from_dict(d) for d in self._records("answers", site)]

    def save_answer(self, site: str, question: str, indicator: str, value: str | int,
                    evaluator: str, note: str = "", evidence: list[str] | None = None,
                    time: str | None = None) -> Answer:
        """Save one answer durably (on disk before this returns)."""
        return self.save_answers([Answer(site, question, indicator, value, evaluator,
                                         time or utc_now(), note, list(evidence or []))])[0]

    def save_answers(self, answers: list[Answer], keep_newer: bool = False) -> list[Answer]:
        """Save many answers, all or nothing; one atomic write per site file.

        An existing answer by the same evaluator keeps its earlier value in the
        history. With `keep_newer`, an incoming answer older than the stored
        one is ignored (used when importing a teammate's workbook). A batch
        holds one answer per (site, question, evaluator): of repeats, the last
        (with `keep_newer`, the newest) counts.

        A write that fails leaves every file as it was and raises the OSError, noting
        that none of the batch was saved (see the module docstring).
        """
        batch = _one_per_key(answers, keep_newer)
        with self.workspace.lock():
            self._finish_journal()
            several = len({a.site for a in batch}) > 1
            try:
                if several:
                    _write_json(self.journal, {"keep_newer": keep_newer,
                                               "answers": [a.to_dict() for a in batch]})
                try:
                    staged, saved = self._stage_answers(batch, keep_newer)
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
            except OSError as exc:  # a rename failed: the journal completes the batch
                exc.add_note(f"{len(batch)} answers were being saved: the rest of them is "
                             "saved the next time the workspace is opened")
                raise
            if several:
                self._drop_journal()
        return saved

    def _stage_answers(self, answers: list[Answer], keep_newer: bool
                       ) -> tuple[list[Staged], list[Answer]]:
        """Every site file of the batch written beside its place, and the answers saved;
        on any failure the files written are removed."""
        staged: list[Staged] = []
        try:
            saved = self._apply_answers(answers, keep_newer, staged)
        except BaseException:
            _discard(staged)
            raise
        return staged, saved

    def _apply_answers(self, answers: list[Answer], keep_newer: bool,
                       staged: list[Staged]) -> list[Answer]:
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
                    changed = True
                    saved.append(answer)
                return list(docs.values()) if changed else None

            written = self._stage("answers", site, change)
            if written is not None:
                staged.append(written)
        return saved

    def _settle(self) -> None:
        """Finish a batch of answers that a killed or interrupted process left half applied."""
        if self.journal.exists() or any(self._journal_leftovers()):
            with self.workspace.lock():
                self._finish_journal()

    def _journal_leftovers(self) -> Iterator[Path]:
        """Temporary files of journals whose writer died (only ever stale under the lock)."""
        return self.root.glob(f".{JOURNAL_NAME}.*.tmp")

    def _finish_journal(self) -> None:
        """Apply the journal's batch again, to completion (the workspace lock is held)."""
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
        except (ValueError, KeyError, TypeError) as exc:
            raise GovauditError(f"{self.journal}: damaged journal of an interrupted save of "
                                f"answers ({exc}); remove it to drop that save") from None
        staged, _saved = self._stage_answers(batch, keep_newer)
        _put_in_place(staged)
        self._drop_journal()

    def _drop_journal(self) -> None:
        self.journal.unlink(missing_ok=True)
        fsync_dir(self.root)

    def delete_answers(self, site: str, questions: Iterable[str], evaluator: str) -> int:
        wanted = set(questions)
        removed = 0

        def change(rows: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
            nonlocal removed
            kept = [r for r in rows
                    if not (r["question"] in wanted and r["evaluator"] == evaluator)]
            removed = len(rows) - len(kept)
            return kept if removed else None

        with self.workspace.lock():
            self._finish_journal()
            self._update("answers", site, change)
        return removed

    # -- evidence ------------------------------------------------------------------

    def evidence(self, site: str | None = None) -> list[dict[str, Any]]:
        """The evidence records as stored (dicts)."""
        return self._records("evidence", site)

    def evidence_records(self, site: str | None = None) -> list[Evidence]:
        """The evidence records, typed."""
        return [Evidence.from_dict(r) for r in self._records("evidence", site)]

    def add_evidence(self, records: list[dict[str, Any]]) -> None:
        by_site: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            by_site.setdefault(record["site"], []).append(record)
        with self.workspace.lock():
            for site, batch in by_site.items():

                def add(rows: list[dict[str, Any]], batch: list[dict[str, Any]] = batch
                        ) -> list[dict[str, Any]]:
                    return rows + batch

                self._update("evidence", site, add)

    def link_evidence(self, site: str, question: str, evidence_id: str) -> int:
        """Add an evidence id to every answer of (site, question); the number of answers linked."""
        linked = 0

        def change(rows: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
            nonlocal linked
            for row in rows:
                if row["question"] == question and evidence_id not in row.get("evidence", []):
                    row["evidence"] = [*row.get("evidence", []), evidence_id]
                    linked += 1
            return rows if linked else None

        with self.workspace.lock():
            self._finish_journal()
            self._update("answers", site, change)
        return linked

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

        with self.workspace.lock():
            self._update("probes", site, change)



