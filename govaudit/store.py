"""Answers, sites and evidence records on TinyDB, crash-safe and fast at scale.

TinyDB's JSON storage rewrites its whole file on every write. To keep a save
in the milliseconds with hundreds of thousands of answers stored, answers and
evidence are kept in one small TinyDB file per site, and every file is
replaced atomically (temporary file, fsync, rename): a crash leaves either the
old file or the new one, never half of one. Writers hold the workspace lock.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.storages import Storage

from govaudit.errors import GovauditError
from govaudit.filenames import safe_name
from govaudit.model import Answer, PageRef, Site, utc_now
from govaudit.workspace import Workspace


class AtomicJSONStorage(Storage):
    """TinyDB storage that never leaves a half-written file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise GovauditError(f"{self.path}: damaged store file ({exc}); restore it from "
                                "a backup or remove it") from None

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                   dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(self.path.parent)

    def close(self) -> None:
        pass


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


PageRecord = PageRef  # the name used before the model module


def _db(path: Path) -> TinyDB:
    return TinyDB(path, storage=AtomicJSONStorage)


class Store:
    """All persistent records of one workspace. Commands never touch TinyDB directly."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.root = workspace.data_dir
        self.root.mkdir(parents=True, exist_ok=True)

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

    def add_sites(self, sites: Iterable[Site]) -> int:
        sites = list(sites)
        with self.workspace.lock():
            db = self._sites_db()
            table = db.table("sites")
            existing = {d["name"] for d in table.all()}
            clash = [s.name for s in sites if s.name in existing]
            if clash:
                raise GovauditError(f"site(s) already in the workspace: {', '.join(clash)}")
            table.insert_multiple(s.to_dict() for s in sites)
        return len(sites)

    def pages(self, site: str | None = None) -> list[PageRecord]:
        rows = self._sites_db().table("pages").all()
        return [PageRef(**r) for r in rows if site is None or r["site"] == site]

    def record_page(self, page: PageRef) -> None:
        with self.workspace.lock():
            table = self._sites_db().table("pages")
            q = Query()
            table.upsert(asdict(page), (q.site == page.site) & (q.url == page.url)
                         & (q.indicator == page.indicator) & (q.question == page.question))

    # -- answers -----------------------------------------------------------------

    def _answers_path(self, site: str) -> Path:
        return self.root / "answers" / f"{safe_name(site)}.json"

    def answers(self, site: str | None = None) -> list[Answer]:
        if site is not None:
            paths = [self._answers_path(site)]
        else:
            folder = self.root / "answers"
            paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
        out: list[Answer] = []
        for path in paths:
            if path.is_file():
                out.extend(Answer.from_dict(d) for d in _db(path).table("answers").all())
        return out

    def save_answer(self, site: str, question: str, indicator: str, value: str | int,
                    evaluator: str, note: str = "", evidence: list[str] | None = None,
                    time: str | None = None) -> Answer:
        """Save one answer durably (on disk before this returns)."""
        return self.save_answers([Answer(site, question, indicator, value, evaluator,
                                         time or utc_now(), note, list(evidence or []))])[0]

    def save_answers(self, answers: list[Answer], keep_newer: bool = False) -> list[Answer]:
        """Save many answers, one atomic write per site file.

        An existing answer by the same evaluator keeps its earlier value in the
        history. With `keep_newer`, an incoming answer older than the stored
        one is ignored (used when importing a teammate's workbook).
        """
        saved: list[Answer] = []
        by_site: dict[str, list[Answer]] = {}
        for answer in answers:
            by_site.setdefault(answer.site, []).append(answer)
        with self.workspace.lock():
            for site, batch in by_site.items():
                db = _db(self._answers_path(site))
                table = db.table("answers")
                docs = {(d["question"], d["evaluator"]): d for d in table.all()}
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
                if changed:
                    # one write for the whole batch of this site
                    db.storage.write({"answers": {str(i): d for i, d in
                                                  enumerate(docs.values(), 1)}})
        return saved

    def delete_answers(self, site: str, questions: Iterable[str], evaluator: str) -> int:
        wanted = set(questions)
        with self.workspace.lock():
            table = _db(self._answers_path(site)).table("answers")
            q = Query()
            removed = table.remove(q.question.one_of(list(wanted)) & (q.evaluator == evaluator))
        return len(removed)

    # -- evidence ------------------------------------------------------------------

    def _evidence_path(self, site: str) -> Path:
        return self.root / "evidence" / f"{safe_name(site)}.json"

    def evidence(self, site: str | None = None) -> list[dict[str, Any]]:
        if site is not None:
            paths = [self._evidence_path(site)]
        else:
            folder = self.root / "evidence"
            paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
        return [dict(d) for p in paths if p.is_file() for d in _db(p).table("evidence").all()]

    def add_evidence(self, records: list[dict[str, Any]]) -> None:
        by_site: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            by_site.setdefault(record["site"], []).append(record)
        with self.workspace.lock():
            for site, batch in by_site.items():
                _db(self._evidence_path(site)).table("evidence").insert_multiple(batch)

    def link_evidence(self, site: str, question: str, evidence_id: str) -> int:
        """Add an evidence id to every answer of (site, question); the number of answers linked."""
        path = self._answers_path(site)
        if not path.is_file():
            return 0

        def add(doc: dict[str, Any]) -> None:
            doc["evidence"] = [*doc.get("evidence", []), evidence_id]

        q = Query()
        with self.workspace.lock():
            linked = _db(path).table("answers").update(
                add, (q.question == question) & ~q.evidence.any([evidence_id]))
        return len(linked)

    # -- probe results -------------------------------------------------------------

    def _probes_path(self, site: str) -> Path:
        return self.root / "probes" / f"{safe_name(site)}.json"

    def probe_results(self, site: str) -> dict[str, Any]:
        path = self._probes_path(site)
        if not path.is_file():
            return {}
        rows = _db(path).table("probes").all()
        return {r["probe"]: r for r in rows}

    def save_probe_results(self, site: str, results: list[dict[str, Any]]) -> None:
        with self.workspace.lock():
            table = _db(self._probes_path(site)).table("probes")
            q = Query()
            for result in results:
                table.upsert(result, q.probe == result["probe"])


def iter_sites(store: Store, names: Iterable[str] | None) -> Iterator[Site]:
    """The workspace's sites, or only the named ones (unknown names are an error)."""
    if not names:
        yield from store.sites()
        return
    for name in names:
        yield store.site(name)
