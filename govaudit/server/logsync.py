"""The audit log between a workspace and the team server.

A workspace's log is one hash chain (govaudit.auditlog); on the server it is kept whole as
a chain, named by the hash of its first entry, of the member whose workspace it is. A sync
pushes the entries the server lacks, in order, in batches, each batch one transaction; the
server checks each as it arrives (0004_sync_reviews_and_log.sql): its hash over its
content, its link to the entry before it, no entry it holds replaced by another. An entry
the server holds is sent again when its content no longer matches its hash, for the server
to refuse; one it holds that the workspace's log no longer has is named before anything is
sent. A removed or altered entry ends the sync with one message naming the evaluator and
the entry; the batches before it stay on the server, and nothing in the workspace is lost.

Pulled, the chains of others (the lead: everyone's; an evaluator: their own other
workspaces') are kept apart from the workspace's own log, each in
`data/team-log/CHAIN/` as a log of its own (entries and head), so that `AuditLog.verify`
walks it as it walks the workspace's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from govaudit.auditlog import GENESIS, AuditLog, canonical
from govaudit.errors import GovauditError
from govaudit.i18n import N_, _
from govaudit.model import LogEntry
from govaudit.store import Store

TEAM_LOG = "team-log"
OWNER_FILE = "evaluator.txt"
REFUSED = "GA001"  # the SQLSTATE of the server's refusal of an entry
WHY = {
    "changed": N_("was changed: its hash does not match its content"),
    "differs": N_("differs from the entry the server holds in its place (it was changed "
                  "after it was pushed)"),
    "missing": N_("follows an entry that is not in the log (it was removed)"),
    "unlinked": N_("does not follow the entry before it (an entry between them was removed, "
                   "or the one before it was changed)"),
    "malformed": N_("is not a log entry"),
}


@dataclass(frozen=True)
class PulledLog:
    """The chain of another workspace, as pulled from the server."""

    chain: str
    evaluator: str
    log: AuditLog


def _raw_entries(log: AuditLog) -> list[dict[str, Any]]:
    """Each line of the log as it is (a line that is no JSON object: an empty one, for the
    server to refuse)."""
    if not log.path.is_file():
        return []
    out = []
    with log.path.open("rb") as handle:
        for raw in handle:
            try:
                data = json.loads(raw)
            except ValueError:
                data = None
            out.append(data if isinstance(data, dict) else {})
    return out


def _first_entry(log: AuditLog) -> dict[str, Any] | None:
    if not log.path.is_file():
        return None
    with log.path.open("rb") as handle:
        try:
            data = json.loads(handle.readline() or b"null")
        except ValueError:
            return {}
    return data if isinstance(data, dict) else None


def chain_of(first: dict[str, Any]) -> str:
    """The chain's name: the hash of its first entry (what the second one names, when the
    first is gone)."""
    if first.get("seq") == 1 or first.get("prev") == GENESIS:
        return str(first.get("hash", ""))
    return str(first.get("prev", ""))


def body(entry: LogEntry | dict[str, Any]) -> str:
    """The text the entry's hash is taken over: every field but the hash, canonical JSON."""
    fields = dict(entry) if isinstance(entry, dict) else entry.to_dict()
    fields.pop("hash", None)
    return canonical(fields).decode("utf-8")


def push_log(conn: psycopg.Connection, store: Store, evaluator: str, batch: int) -> int:
    """Push the entries of the workspace's log that the server lacks; how many."""
    entries = _raw_entries(store.log)
    if not entries:
        return 0
    chain = chain_of(entries[0])
    held: dict[int, str] = dict(conn.execute("SELECT seq, hash FROM audit_log WHERE chain = %s",
                                             (chain,)).fetchall())
    # an entry the server holds is sent again when its content no longer has its hash,
    # for the server to refuse it
    new: list[tuple[Any, ...]] = []
    for entry in entries:
        text, seq, hash_ = body(entry), entry.get("seq"), entry.get("hash")
        if (held.get(seq) != hash_  # type: ignore[arg-type]
                or hashlib.sha256(text.encode("utf-8")).hexdigest() != hash_):
            new.append((chain, evaluator, seq if isinstance(seq, int) else 0, hash_, text,
                        entry.get("prev", "")))
    gone = sorted(set(held) - {e.get("seq") for e in entries})
    if gone:
        raise GovauditError(_(
            "the audit log of {evaluator} lacks entry {seq}, which the team server holds: it "
            "was removed from the workspace's log; the server keeps it, and nothing was "
            "pushed").format(evaluator=evaluator, seq=gone[0]), hint="log_verify")
    pushed = 0
    for start in range(0, len(new), batch):
        rows = new[start:start + batch]
        try:
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO audit_log (chain, evaluator, seq, hash, body, prev_hash, "
                    "logged, actor, action) VALUES (%s, %s, %s, %s, %s, %s, '', '', '') "
                    "ON CONFLICT DO NOTHING", rows)
        except psycopg.Error as exc:
            if exc.sqlstate != REFUSED or exc.diag is None:
                raise
            why = WHY.get(exc.diag.message_detail or "", WHY["malformed"])
            raise GovauditError(_(
                "the team server refused the audit log of {evaluator}: entry {seq} {why}; "
                "the {pushed} entries before it are kept on the server, nothing there was "
                "replaced, and nothing saved in the workspace was lost").format(
                evaluator=evaluator, seq=exc.diag.message_hint or "?", why=_(why),
                pushed=len(held) + pushed), hint="log_verify") from None
        pushed += len(rows)
    return pushed


def team_log_dir(store: Store) -> Path:
    return store.root / TEAM_LOG


def pulled_logs(store: Store) -> list[PulledLog]:
    """The chains pulled into this workspace, by evaluator then chain."""
    folder = team_log_dir(store)
    found = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        owner = path / OWNER_FILE
        if path.is_dir() and owner.is_file():
            found.append(PulledLog(path.name, owner.read_text(encoding="utf-8").strip(),
                                   AuditLog(path)))
    return sorted(found, key=lambda p: (p.evaluator, p.chain))


def pull_logs(conn: psycopg.Connection, store: Store) -> int:
    """Append to each pulled chain the entries of it the server has and it lacks (the
    workspace's own chain is not pulled); how many."""
    first = _first_entry(store.log)
    mine = chain_of(first) if first else ""
    heads = conn.execute("SELECT chain, evaluator, max(seq) FROM audit_log WHERE chain <> '' "
                         "GROUP BY chain, evaluator ORDER BY chain").fetchall()
    pulled = 0
    for chain, evaluator, last in heads:
        if chain == mine:
            continue
        log = AuditLog(team_log_dir(store) / chain)
        have, _hash = log.last()
        if have >= last:
            continue
        rows = conn.execute("SELECT body, hash FROM audit_log WHERE chain = %s AND seq > %s "
                            "ORDER BY seq", (chain, have)).fetchall()
        entries = [LogEntry.from_dict({**json.loads(text), "hash": hash_})
                   for text, hash_ in rows]
        with store.lock():
            log.folder.mkdir(parents=True, exist_ok=True)
            (log.folder / OWNER_FILE).write_text(evaluator + "\n", encoding="utf-8")
            log.append(entries)
        pulled += len(entries)
    return pulled
