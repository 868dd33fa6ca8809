"""Reviews and adjudications between a workspace and the team server.

Both are histories: every review and adjudication is kept, and one rule picks the one that
holds (govaudit.review: for a review, the newest of the answer's version; for a question,
the newest adjudication), the rule `export merge` applies. So a sync settles them by
carrying every record both ways: each is stored on the server once, under the SHA-256 of
its content but its version (two workspaces' copies of one review are one record), and a
workspace keeps those it lacks. Only the lead's sync pushes them (the database refuses
anyone else's); an evaluator pulls the reviews of their own answers and the adjudications
of their assigned sites.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from govaudit.auditlog import canonical
from govaudit.model import Adjudication, Review
from govaudit.store import Store

SERVER_REVIEWS = ("SELECT site, question, evaluator, state, reviewer, changed, answer_time, "
                  "note, version FROM review_states ORDER BY changed, record")
SERVER_ADJUDICATIONS = ("SELECT site, question, value, adjudicator, decided, reason, answers, "
                        "version FROM adjudications ORDER BY decided, record")
INSERT_REVIEW = ("INSERT INTO review_states (record, site, question, evaluator, state, "
                 "reviewer, changed, answer_time, note, version) "
                 "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING")
INSERT_ADJUDICATION = ("INSERT INTO adjudications (record, site, question, value, adjudicator, "
                       "decided, reason, answers, version) "
                       "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING")


def record_id(item: Review | Adjudication) -> str:
    """The server's key of a review or adjudication: SHA-256 of its content but its version."""
    fields = {k: v for k, v in item.to_dict().items() if k != "version"}
    return hashlib.sha256(canonical(fields)).hexdigest()


@dataclass
class RecordsMoved:
    """What a sync did with reviews and adjudications."""

    reviews_pushed: int = 0
    reviews_pulled: int = 0
    adjudications_pushed: int = 0
    adjudications_pulled: int = 0
    kept_here: int = 0  # the workspace's records only the lead's sync may push


def server_reviews(conn: psycopg.Connection) -> list[Review]:
    """Every review the connected role may see."""
    return [Review(site, question, evaluator, state, reviewer, changed, answer_time, note,
                   version)
            for site, question, evaluator, state, reviewer, changed, answer_time, note, version
            in conn.execute(SERVER_REVIEWS)]


def server_adjudications(conn: psycopg.Connection) -> list[Adjudication]:
    """Every adjudication the connected role may see."""
    return [Adjudication.from_dict({"site": site, "question": question, "value": value,
                                    "adjudicator": adjudicator, "time": decided,
                                    "reason": reason, "values": answers, "version": version})
            for site, question, value, adjudicator, decided, reason, answers, version
            in conn.execute(SERVER_ADJUDICATIONS)]


def _review_row(review: Review) -> tuple[Any, ...]:
    return (record_id(review), review.site, review.question, review.evaluator, review.state,
            review.reviewer, review.time, review.answer_time, review.reason, review.version)


def _adjudication_row(item: Adjudication) -> tuple[Any, ...]:
    return (record_id(item), item.site, item.question, Jsonb(item.value), item.adjudicator,
            item.time, item.reason, Jsonb([list(v) for v in item.values]), item.version)


def _missing(records: Iterable[Review | Adjudication], have: set[str]) -> list[Any]:
    """The records whose key is not in `have`, each once."""
    out: dict[str, Any] = {}
    for record in records:
        key = record_id(record)
        if key not in have:
            out.setdefault(key, record)
    return list(out.values())


def sync_records(conn: psycopg.Connection, store: Store, lead: bool,
                 on_server: set[str]) -> RecordsMoved:
    """Pull the reviews and adjudications the workspace lacks; with `lead`, push those the
    server lacks (of the sites on the server)."""
    moved = RecordsMoved()
    remote_reviews, remote_adjudications = server_reviews(conn), server_adjudications(conn)
    local_reviews, local_adjudications = store.reviews(), store.adjudications()
    new_reviews = _missing(remote_reviews, {record_id(r) for r in local_reviews})
    if new_reviews:
        moved.reviews_pulled = len(store.save_reviews(new_reviews, action="sync"))
    new_adjudications = _missing(remote_adjudications,
                                 {record_id(a) for a in local_adjudications})
    if new_adjudications:
        moved.adjudications_pulled = len(store.save_adjudications(new_adjudications,
                                                                  action="sync"))
    push_reviews = [r for r in _missing(local_reviews, {record_id(r) for r in remote_reviews})
                    if r.site in on_server]
    push_adjudications = [a for a in _missing(local_adjudications,
                                              {record_id(a) for a in remote_adjudications})
                          if a.site in on_server]
    if not lead:
        moved.kept_here = len(push_reviews) + len(push_adjudications)
        return moved
    with conn.transaction(), conn.cursor() as cur:
        if push_reviews:
            cur.executemany(INSERT_REVIEW, [_review_row(r) for r in push_reviews])
        if push_adjudications:
            cur.executemany(INSERT_ADJUDICATION,
                            [_adjudication_row(a) for a in push_adjudications])
    moved.reviews_pushed, moved.adjudications_pushed = len(push_reviews), len(push_adjudications)
    return moved
