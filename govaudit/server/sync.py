"""`govaudit sync`: a workspace's answers to the team server and back.

The server keeps every version of every answer, keyed by (site, question, evaluator,
version), the version being the SHA-256 of the answer's time, value, note and evidence
ids; a stored version never changes. A sync

1. reads the versions the server lets this role see (the lead: all; an evaluator: their
   own, on the sites assigned to them);
2. settles each (site, question, evaluator) among the server's versions and the
   workspace's answer by the rule workbook merges use (merge.resolve_same_evaluator: the
   latest wins, ties broken by value, note, evidence), and saves the winners the
   workspace lacks (the store keeps what they replace in the answer's history);
3. pushes the workspace's versions the server lacks, in batches, each one transaction: a
   batch is acknowledged when it commits, and a committed batch is on the server's disk;
4. carries reviews and adjudications both ways (govaudit.server.reviews: the lead pushes
   them), and the audit log (govaudit.server.logsync: the workspace's chain pushed and
   checked by the server entry by entry, the chains of others pulled beside it).

Pushing a version twice stores it once, so syncing again changes nothing, and a sync cut
short (the server stopped, the network gone) loses no acknowledged answer: the next sync
pushes the rest. The lead also pushes the workspace's sites; an evaluator's workspace
gets the sites assigned to it that it lacks. Evidence records go to the server too (their
files' SHA-256 in evidence_files), and with `[server] files` the files themselves into that
shared folder, each named by its SHA-256 and checked against it as it is copied. Evidence
comes back the same way: the records the role may see (the lead: all; an evaluator: their
own, on their assigned sites) that the workspace lacks are saved in it, and with `[server]
files` the files it lacks are copied from the shared folder into its evidence folder, each
checked against the SHA-256 its record holds; a file that does not match is refused (its
record is not saved, the next sync tries again) after the rest of the sync is done.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import psycopg
from psycopg.types.json import Jsonb

from govaudit.errors import GovauditError, listed
from govaudit.evidence import shared_path
from govaudit.i18n import _
from govaudit.model import PROBE_EVALUATOR, Answer, Site
from govaudit.server.connection import ServerSettings, connect
from govaudit.server.logsync import pull_logs, push_log
from govaudit.server.reviews import sync_records
from govaudit.server.schema import check_current
from govaudit.store import Store

BATCH = 500  # versions per pushed transaction
FILE_HASH = re.compile(r"^[0-9a-f]{64}$")
AnswerKey = tuple[str, str, str]  # (site, question, evaluator)


def answer_version(answer: Answer) -> str:
    """The version id of an answer: SHA-256 of its time, value, note and evidence ids."""
    fields = [answer.time, answer.value, answer.note, list(answer.evidence)]
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Member:
    """Who the connection is on the server: an evaluator's name, and whether they lead."""

    role: str
    evaluator: str  # "" for the server's owner
    lead: bool


@dataclass
class SyncResult:
    """What one sync did."""

    member: Member
    pushed: int = 0  # versions the server took now (acknowledged)
    on_server: int = 0  # the workspace's answers the server already had
    pulled: int = 0  # answers saved in the workspace from the server
    conflicts: int = 0  # (site, question, evaluator) with differing versions, settled
    sites_pushed: int = 0  # sites the lead added or changed on the server
    sites_added: list[str] = field(default_factory=list)  # sites added to the workspace
    not_pushed: list[str] = field(default_factory=list)  # why some answers stayed local
    evidence_pushed: int = 0  # evidence records the server took now
    reviews_pushed: int = 0  # reviews and adjudications the server took now (the lead's)
    adjudications_pushed: int = 0
    reviews_pulled: int = 0  # reviews and adjudications saved in the workspace
    adjudications_pulled: int = 0
    log_pushed: int = 0  # entries of the workspace's audit log the server took now
    log_pulled: int = 0  # entries of other workspaces' logs kept here (data/team-log)
    files_copied: int = 0  # evidence files copied into the shared folder now
    evidence_pulled: int = 0  # evidence records saved in the workspace from the server
    files_pulled: int = 0  # evidence files copied from the shared folder into the workspace


SERVER_ANSWERS = ("SELECT site, question, evaluator, version, indicator, value, answered, "
                  "note, evidence FROM answers")
INSERT_ANSWER = ("INSERT INTO answers (site, question, evaluator, version, indicator, value, "
                 "answered, note, evidence) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                 "ON CONFLICT DO NOTHING")


def _answer(row: Sequence[Any]) -> Answer:
    site, question, evaluator, _version, indicator, value, answered, note, evidence = row
    return Answer(site, question, indicator, value, evaluator, answered, note, list(evidence))


def member(conn: psycopg.Connection) -> Member:
    """The connected role as a member of the team; GovauditError for a stranger."""
    row = conn.execute(
        "SELECT current_user, e.name, coalesce(e.lead, false), r.rolsuper "
        "FROM pg_roles r LEFT JOIN evaluators e ON e.role = r.rolname "
        "WHERE r.rolname = current_user").fetchone()
    assert row is not None
    role, name, lead, superuser = row
    if name is None and not superuser:
        raise GovauditError(_(
            "the server has no evaluator for the role {role!r}: the server's owner adds "
            "it").format(role=role), hint="add_evaluator")
    return Member(role, name or "", bool(lead or superuser))


def server_versions(conn: psycopg.Connection) -> dict[AnswerKey, dict[str, Answer]]:
    """Every answer version the connected role may see, by (site, question, evaluator),
    then by version id."""
    found: dict[AnswerKey, dict[str, Answer]] = defaultdict(dict)
    with conn.cursor() as cur:
        for row in cur.execute(SERVER_ANSWERS):
            found[(row[0], row[1], row[2])][row[3]] = _answer(row)
    return found


def settled_answers(conn: psycopg.Connection) -> list[Answer]:
    """The server's answers as the team's current ones: one per (site, question,
    evaluator), settled among its versions by merge's rule."""
    from govaudit.workbook.merge import Preference, resolve_same_evaluator

    every = [a for versions in server_versions(conn).values() for a in versions.values()]
    chosen, _rows, _refused = resolve_same_evaluator(every, Preference("latest"))
    return chosen


def server_sites(conn: psycopg.Connection) -> list[Site]:
    rows = conn.execute("SELECT name, url, level, region, ranking_group FROM sites "
                        "ORDER BY name").fetchall()
    return [Site(*row) for row in rows]


def _holds(local: Answer, winner: Answer) -> bool:
    """Whether the workspace's answer already is the winner (the store may have joined
    more evidence ids to it)."""
    return ((local.time, local.value, local.note) == (winner.time, winner.value, winner.note)
            and set(winner.evidence) <= set(local.evidence))


def _push_sites(conn: psycopg.Connection, sites: Iterable[Site]) -> int:
    changed = 0
    with conn.transaction(), conn.cursor() as cur:
        for site in sites:
            cur.execute(
                "INSERT INTO sites (name, url, level, region, ranking_group) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
                "url = EXCLUDED.url, level = EXCLUDED.level, region = EXCLUDED.region, "
                "ranking_group = EXCLUDED.ranking_group, updated = now() "
                "WHERE (sites.url, sites.level, sites.region, sites.ranking_group) IS "
                "DISTINCT FROM (EXCLUDED.url, EXCLUDED.level, EXCLUDED.region, "
                "EXCLUDED.ranking_group)",
                (site.name, site.url, site.level, site.region, site.group))
            changed += cur.rowcount
    return changed


def _by_key(answers: Iterable[Answer]) -> dict[AnswerKey, tuple[str, Answer]]:
    """The workspace's answers by (site, question, evaluator), each with its version id."""
    return {(a.site, a.question, a.evaluator): (answer_version(a), a) for a in answers}


def _settle(store: Store, versions: dict[AnswerKey, dict[str, Answer]],
            local: dict[AnswerKey, tuple[str, Answer]], result: SyncResult) -> None:
    """Save in the workspace each key's winner among the server's versions and the
    workspace's answer (`local`: its version id and itself), where the workspace does not
    hold it. A key whose only version on the server is the workspace's has nothing to
    settle."""
    from govaudit.workbook.merge import Preference, resolve_same_evaluator

    candidates: list[Answer] = []
    for key, on_server in versions.items():
        version, here = local.get(key, ("", None))
        if here is not None and len(on_server) == 1 and version in on_server:
            continue
        candidates.extend(on_server.values())
        if here is not None:
            candidates.append(here)
    chosen, rows, _refused = resolve_same_evaluator(candidates, Preference("latest"))
    result.conflicts = len({(r.answer.site, r.answer.question, r.answer.evaluator)
                            for r in rows})
    wanted = [w for w in chosen
              if (here := local.get((w.site, w.question, w.evaluator), ("", None))[1]) is None
              or not _holds(here, w)]
    # an answer saved here since the workspace was read (collect running beside the sync)
    # is not replaced: the next sync settles it
    now = _by_key(a for site in {w.site for w in wanted} for a in store.answers(site))
    wanted = [w for w in wanted
              if now.get(key := (w.site, w.question, w.evaluator), ("", None))[0]
              == local.get(key, ("", None))[0]]
    if wanted:
        store.save_answers(wanted)
    result.pulled = len(wanted)


def _push(conn: psycopg.Connection, answers: list[Answer], batch: int,
          acknowledged: Callable[[int], None] | None, result: SyncResult) -> None:
    for start in range(0, len(answers), batch):
        chunk = answers[start:start + batch]
        rows = [(a.site, a.question, a.evaluator, answer_version(a), a.indicator,
                 Jsonb(a.value), a.time, a.note, list(a.evidence)) for a in chunk]
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(INSERT_ANSWER, rows)
        result.pushed += len(chunk)
        if acknowledged is not None:
            acknowledged(result.pushed)


def _push_evidence(conn: psycopg.Connection, records: list[dict[str, Any]],
                   result: SyncResult) -> None:
    """Evidence records and their files' hashes to the server, each record once."""
    known = {r[0] for r in conn.execute("SELECT id FROM evidence")}
    new = [r for r in records if r.get("id") and r["id"] not in known]
    if not new:
        return
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO evidence (id, site, question, captured, record) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [(r["id"], r["site"], r.get("question", ""), r.get("time", ""), Jsonb(r))
             for r in new])
        cur.executemany(
            "INSERT INTO evidence_files (evidence, path, sha256, bytes) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [(r["id"], f["path"], f["sha256"], f.get("bytes", 0)) for r in new
             for f in r.get("files", []) if FILE_HASH.match(str(f.get("sha256", "")))])
    result.evidence_pushed = len(new)


def _copy_files(root: Path, folder: Path, records: list[dict[str, Any]],
                result: SyncResult) -> None:
    """Each evidence file into the shared folder, named by its SHA-256, once. A file whose
    content no longer has its recorded hash (or that is gone) is not copied, and named."""
    from govaudit.evidence import sha256_file
    from govaudit.files import write_beside_with

    for record in records:
        for entry in record.get("files", []):
            sha = str(entry.get("sha256", ""))
            if not FILE_HASH.match(sha) or shared_path(folder, sha).exists():
                continue
            source = root / entry["path"]
            try:
                with source.open("rb") as handle:

                    def copy(out: BinaryIO, handle: BinaryIO = handle) -> None:
                        shutil.copyfileobj(handle, out)

                    tmp = write_beside_with(shared_path(folder, sha), copy)
            except OSError as exc:
                result.not_pushed.append(f"evidence file {entry['path']} was not copied to "
                                         f"{folder}: {exc.strerror or exc}")
                continue
            if sha256_file(tmp)[0] != sha:
                tmp.unlink()
                result.not_pushed.append(f"evidence file {entry['path']} no longer has the "
                                         "SHA-256 its record holds: not copied to "
                                         f"{folder} (govaudit evidence verify)")
                continue
            os.replace(tmp, shared_path(folder, sha))
            result.files_copied += 1


def server_evidence(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """The evidence records the connected role may see, as their workspaces stored them."""
    return [row[0] for row in conn.execute("SELECT record FROM evidence ORDER BY site, id")]


def _pull_file(root: Path, folder: Path, record: dict[str, Any],
               entry: dict[str, Any]) -> bool:
    """Copy one evidence file the workspace lacks from the shared folder to its place under
    the workspace, checked against its record's SHA-256 (True: copied). A file the shared
    folder lacks stays where it is; one whose content does not match is refused."""
    from govaudit.evidence import sha256_file
    from govaudit.files import write_beside_with

    sha, relative = str(entry.get("sha256", "")), str(entry.get("path", ""))
    evidence = (root / "evidence").resolve()
    target = (root / relative).resolve()
    if not FILE_HASH.match(sha) or not target.is_relative_to(evidence) or target.exists():
        return False
    source = shared_path(folder, sha)
    if not source.is_file():
        return False
    with source.open("rb") as handle:

        def copy(out: BinaryIO, handle: BinaryIO = handle) -> None:
            shutil.copyfileobj(handle, out)

        tmp = write_beside_with(target, copy)
    if sha256_file(tmp)[0] != sha:
        tmp.unlink()
        raise GovauditError(_(
            "{source}: the shared folder's copy of {path} (evidence {id}) does not have the "
            "SHA-256 its record holds ({sha256}): not copied, and the record not saved "
            "here").format(source=source, path=relative, id=record.get("id", ""), sha256=sha))
    os.replace(tmp, target)
    return True


def _pull_evidence(store: Store, records: list[dict[str, Any]], folder: Path | None,
                   result: SyncResult) -> None:
    """Save in the workspace the server's evidence records it lacks and, with a shared
    folder, copy the files it lacks. A refused file stops its record only; the first
    refusal is raised once the rest is saved."""
    from govaudit.model import Evidence

    have = {r.get("id") for r in store.evidence()}
    sites = {s.name for s in store.sites()}
    refused: GovauditError | None = None
    new: list[Evidence] = []
    for record in records:
        if not record.get("id") or record.get("site") not in sites:
            continue
        if folder is not None:
            try:
                for entry in record.get("files", []):
                    result.files_pulled += _pull_file(store.folder.root, folder, record, entry)
            except GovauditError as exc:
                refused = refused or exc
                continue
            except OSError as exc:
                result.not_pushed.append(_(
                    "evidence {id}: a file was not copied from {folder}: {error}").format(
                    id=record["id"], folder=folder, error=exc.strerror or exc))
        if record["id"] not in have:
            new.append(Evidence.from_dict(record))
    if new:
        store.add_evidence(new)
    result.evidence_pulled = len(new)
    if refused is not None:
        raise refused


def sync(store: Store, settings: ServerSettings, evaluator: str, *, batch: int = BATCH,
         acknowledged: Callable[[int], None] | None = None) -> SyncResult:
    """Sync the workspace's answers with the team server (see the module docstring).

    `evaluator` is the workspace's evaluator; `acknowledged(n)` is called after each
    pushed batch commits, with the number of versions pushed so far.
    """
    conn = connect(settings)
    result: SyncResult | None = None
    try:
        conn.autocommit = True
        check_current(conn, settings.described)
        who = member(conn)
        if who.evaluator and who.evaluator != evaluator and not who.lead:
            raise GovauditError(f"the server knows the role {who.role!r} as evaluator "
                                f"{who.evaluator!r}, but this workspace's evaluator is "
                                f"{evaluator!r}: sync from {who.evaluator}'s workspace, or "
                                "connect as the role of " + evaluator)
        result = SyncResult(who)
        local_sites = store.sites()
        if who.lead:
            result.sites_pushed = _push_sites(conn, local_sites)
        known = {s.name for s in local_sites}
        team_sites = server_sites(conn)
        missing = [s for s in team_sites if s.name not in known]
        if missing:
            store.add_sites(missing)
            result.sites_added = [s.name for s in missing]
        on_server = {s.name for s in team_sites}
        versions = server_versions(conn)
        local = _by_key(store.answers())
        _settle(store, versions, local, result)
        if result.pulled:
            local = _by_key(store.answers())
        push: list[Answer] = []
        outside: set[str] = set()
        others: set[str] = set()
        for key, (version, answer) in local.items():
            if key in versions and version in versions[key]:
                result.on_server += 1
            elif answer.site not in on_server:
                outside.add(answer.site)
            elif who.lead or answer.evaluator in (who.evaluator, PROBE_EVALUATOR):
                push.append(answer)
            else:
                others.add(answer.evaluator)
        if outside:
            names = sorted(outside)
            shown = listed(names)
            result.not_pushed.append(f"answers for {len(names)} site(s) not assigned to "
                                     f"{who.evaluator or who.role} on the server stay in "
                                     f"this workspace: {shown}")
        if others:
            result.not_pushed.append(f"answers by {', '.join(sorted(others))} stay in this "
                                     "workspace: an evaluator pushes only their own (each "
                                     "syncs their own workspace, or the lead pushes them)")
        _push(conn, push, batch, acknowledged, result)
        pushable = [r for r in store.evidence() if r.get("site") in on_server]
        _push_evidence(conn, pushable, result)
        if settings.files is not None:
            _copy_files(store.folder.root, settings.files, pushable, result)
        records = sync_records(conn, store, who.lead, on_server)
        result.reviews_pushed, result.reviews_pulled = (records.reviews_pushed,
                                                        records.reviews_pulled)
        result.adjudications_pushed, result.adjudications_pulled = (
            records.adjudications_pushed, records.adjudications_pulled)
        if records.kept_here:
            result.not_pushed.append(_(
                "{count} review(s) and adjudication(s) stay in this workspace: only the "
                "lead's sync pushes them").format(count=records.kept_here))
        result.log_pulled = pull_logs(conn, store)
        result.log_pushed = push_log(conn, store, evaluator, batch)
        _pull_evidence(store, server_evidence(conn), settings.files, result)
        return result
    except psycopg.Error as exc:
        detail = str(exc).strip().replace("\n", " ")
        done = (f"; {result.pushed} answer version(s) were pushed and are kept on the "
                "server" if result is not None else "")
        raise GovauditError(_(
            "sync with the team server ({described}) stopped: {detail}{done}; nothing saved in "
            "the workspace was lost").format(
            described=settings.described, detail=detail, done=done), hint="sync_again") from None
    finally:
        conn.close()
