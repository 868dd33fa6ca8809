"""The monitoring time series: one SQLite file (WAL) in the workspace's data/ folder.

Samples are only ever appended. A run's samples go to disk as they are made (`Batch`): a
sample is written at once when the last write is `WRITE_WITHIN` old, else with the others
of that moment at most `WRITE_WITHIN` later, so that a busy run commits a few times a
second and a kill at any moment loses only the visits in flight and those that finished in
the last `WRITE_WITHIN` seconds. Every URL is stored as `govaudit.urls.redact_url` leaves
it (no `user:password@`, no secret query values). Times are wall-clock UTC in
epoch seconds; a window is always read as [now - window, now], so that samples
dated after `now` (written before the clock was set back) are kept on disk but
left out of the window's figures and counted apart (`future`).
"""

from __future__ import annotations

import asyncio
import math
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Protocol

from govaudit.errors import GovauditError
from govaudit.i18n import _
from govaudit.urls import redact_url

FILE_NAME = "monitor.sqlite"
WRITE_WITHIN = 0.1  # seconds a finished visit waits at most before it is on disk
SCHEMA = """
CREATE TABLE IF NOT EXISTS visits(
    id INTEGER PRIMARY KEY, site TEXT NOT NULL, time REAL NOT NULL, ok INTEGER NOT NULL,
    status INTEGER, error TEXT NOT NULL DEFAULT '', elapsed_ms REAL, final_url TEXT NOT NULL
    DEFAULT '', bytes INTEGER, newest_date TEXT, fingerprint TEXT NOT NULL DEFAULT '',
    deep INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS visits_site_time ON visits(site, time, ok);
CREATE INDEX IF NOT EXISTS visits_deep ON visits(site, time) WHERE deep = 1;
CREATE TABLE IF NOT EXISTS columns(
    id INTEGER PRIMARY KEY, site TEXT NOT NULL, url TEXT NOT NULL, name TEXT NOT NULL,
    kind TEXT NOT NULL, newest_date TEXT, items INTEGER NOT NULL, dated INTEGER NOT NULL,
    empty INTEGER NOT NULL, ok INTEGER NOT NULL, error TEXT NOT NULL DEFAULT '',
    time REAL NOT NULL);
CREATE INDEX IF NOT EXISTS columns_site_url ON columns(site, url, time);
CREATE TABLE IF NOT EXISTS links(
    id INTEGER PRIMARY KEY, site TEXT NOT NULL, page TEXT NOT NULL, url TEXT NOT NULL,
    ok INTEGER NOT NULL, status INTEGER, error TEXT NOT NULL DEFAULT '', time REAL NOT NULL);
CREATE INDEX IF NOT EXISTS links_site_url ON links(site, url, time, ok);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS shots(
    id INTEGER PRIMARY KEY, site TEXT NOT NULL, visit INTEGER NOT NULL, time REAL NOT NULL,
    evidence TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS shots_site_time ON shots(site, time);
"""
# Columns added since the first version: (table, column, definition); a file written before
# gains them when opened (rows stored before read them at their default).
ADDED_COLUMNS = (
    ("visits", "outcome", "TEXT NOT NULL DEFAULT ''"),  # opened, down, challenge…
    ("visits", "redirects", "TEXT NOT NULL DEFAULT ''"),  # the addresses passed, " → "
    ("visits", "browser", "TEXT NOT NULL DEFAULT ''"),  # what a browser saw of a challenge
    ("links", "verdict", "TEXT NOT NULL DEFAULT ''"),  # govaudit.page.verdicts.LinkVerdict
    ("shots", "taken", "REAL"),  # when the screenshot was taken (epoch seconds)
    ("shots", "shows", "TEXT NOT NULL DEFAULT ''"),  # what it shows, in a few words
)


@dataclass(frozen=True)
class Visit:
    """One visit of a site's home page."""

    site: str
    time: float
    ok: bool
    status: int | None = None
    error: str = ""
    elapsed_ms: float | None = None
    final_url: str = ""
    bytes: int | None = None
    newest_date: str | None = None  # the newest date shown on the home page (ISO)
    fingerprint: str = ""  # what the home page lists, hashed: a change is an update
    deep: bool = False  # columns and links were sampled after this visit
    # opened, down, challenge (no browser decided: neither), challenge-passed (a browser got
    # the page), challenge-failed (it did not); "" in rows stored before: read from `ok`
    outcome: str = ""
    redirects: str = ""  # the addresses the visit passed through (HTTP and client-side)
    browser: str = ""  # what the browser that decided a challenge saw


# A visit answered by a challenge that no browser decided: neither opened nor failed.
UNDECIDED = "challenge"


@dataclass(frozen=True)
class ColumnSample:
    """One look at a column (栏目) page: its newest dated item and how many items it lists."""

    site: str
    url: str
    name: str
    kind: str
    newest_date: str | None
    items: int
    dated: int
    empty: bool
    ok: bool
    error: str
    time: float


@dataclass(frozen=True)
class LinkSample:
    """One check of a link found on a page of the site, with its verdict."""

    site: str
    page: str
    url: str
    ok: bool
    status: int | None
    error: str
    time: float
    verdict: str = ""  # govaudit.page.verdicts.LinkVerdict ("" in rows stored before it)


def _row(sample: Visit | ColumnSample | LinkSample) -> tuple[Any, ...]:
    """The sample's fields, every text but the site's name with its URLs redacted (a link
    found on a page may carry `user:password@`)."""
    # dataclasses.astuple deep-copies every field: too slow for 100,000s of samples
    values = []
    for name in sample.__dataclass_fields__:
        value = getattr(sample, name)
        values.append(redact_url(value) if isinstance(value, str) and name != "site"
                      else value)
    return tuple(values)


def _insert(table: str, cls: type) -> str:
    names = [f.name for f in fields(cls)]
    return (f"INSERT INTO {table}({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)})")


_VISIT_SQL = _insert("visits", Visit)
_COLUMN_SQL = _insert("columns", ColumnSample)
_LINK_SQL = _insert("links", LinkSample)


class SampleSink(Protocol):
    """Where a run's visits put their samples: the workspace's SQLite file (MonitorDB), or
    a worker's job, which commits them with the job's end (govaudit.fleet.worker)."""

    def add_batch(self, visits: list[tuple[Visit, Callable[[int], None]]],
                  columns: list[ColumnSample], links: list[LinkSample]) -> None: ...

    def last_deep(self, site: str, now: float) -> float | None: ...

    def streak_has_shot(self, site: str, when: float) -> bool: ...

    def add_shot(self, site: str, visit: int, time: float, evidence: str, error: str,
                 taken: float | None = None, shows: str = "") -> None: ...


class MonitorDB:
    """The samples of one workspace. Commands go through govaudit.monitor, never here."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0,
                                        check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a committed visit survives a killed process; only a power
            # cut can lose the last commits, and it never corrupts the file
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.executescript(SCHEMA)
            self._add_columns()
        except sqlite3.Error as exc:
            raise self._error(exc, "open") from None

    def _add_columns(self) -> None:
        """ADDED_COLUMNS that a file written before lacks."""
        for table, column, definition in ADDED_COLUMNS:
            have = {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    @classmethod
    def for_workspace(cls, data_dir: Path) -> MonitorDB:
        return cls(Path(data_dir) / FILE_NAME)

    def close(self) -> None:
        # closing checkpoints the WAL; on a full disk that fails, and the WAL stays (readable)
        with suppress(sqlite3.Error):
            self.conn.close()

    def __enter__(self) -> MonitorDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _error(self, exc: sqlite3.Error, doing: str) -> GovauditError:
        text = str(exc)
        hint = ""
        if isinstance(exc, sqlite3.OperationalError) and any(
                word in text for word in ("full", "disk I/O", "too large")):
            hint = (": the disk is full (or the file size limit is reached); the samples "
                    "already written are kept and readable. Free some space and start the "
                    "monitor again")
        return GovauditError(_(
            "{path}: cannot {doing} the monitoring samples ({text}){hint}").format(
            path=self.path, doing=doing, text=text, hint=hint))

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.conn.in_transaction:
                with suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
            raise self._error(exc, "write") from None

    # -- writing -------------------------------------------------------------------

    def add_visits(self, visits: Iterable[Visit]) -> None:
        with self._transaction() as conn:
            conn.executemany(_VISIT_SQL, map(_row, visits))

    def add_batch(self, visits: list[tuple[Visit, Callable[[int], None]]],
                  columns: list[ColumnSample], links: list[LinkSample]) -> None:
        """Visits (each id handed to its callback), columns and links in one transaction."""
        with self._transaction() as conn:
            for visit, took in visits:
                took(int(conn.execute(_VISIT_SQL, _row(visit)).lastrowid or 0))
            conn.executemany(_COLUMN_SQL, map(_row, columns))
            conn.executemany(_LINK_SQL, map(_row, links))

    def add_columns(self, samples: Iterable[ColumnSample]) -> None:
        with self._transaction() as conn:
            conn.executemany(_COLUMN_SQL, map(_row, samples))

    def add_links(self, samples: Iterable[LinkSample]) -> None:
        with self._transaction() as conn:
            conn.executemany(_LINK_SQL, map(_row, samples))

    def add_shot(self, site: str, visit: int, time: float, evidence: str, error: str,
                 taken: float | None = None, shows: str = "") -> None:
        """The screenshot taken after a failed visit (at `time`): its evidence id, or why
        there is none; when it was taken and what it shows."""
        with self._transaction() as conn:
            conn.execute("INSERT INTO shots(site, visit, time, evidence, error, taken, shows) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (site, visit, time, evidence, redact_url(error), taken,
                          redact_url(shows)))

    def streak_has_shot(self, site: str, when: float) -> bool:
        """Whether the failure streak `when` belongs to (since the site's last visit that
        opened) already has its screenshot."""
        rows = self.query(
            "SELECT 1 FROM shots WHERE site = ? AND time <= ? AND time > coalesce((SELECT "
            "max(time) FROM visits WHERE site = ? AND ok = 1 AND time <= ?), -1) LIMIT 1",
            (site, when, site, when))
        return bool(rows)

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def copy_to(self, target: Path) -> int:
        """Copy the samples into a new file at `target` with SQLite's backup API: every
        sample committed before the copy began, the WAL folded in, journal mode DELETE (the
        copy needs no -wal). Returns how many visits it holds."""
        try:
            copy = sqlite3.connect(target)
            try:
                self.conn.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
                return int(copy.execute("SELECT count(*) FROM visits").fetchone()[0])
            finally:
                copy.close()
        except sqlite3.Error as exc:
            raise self._error(exc, f"copy to {target}") from None

    # -- reading -------------------------------------------------------------------

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        try:
            cursor = self.conn.execute(sql, tuple(params))
            cursor.row_factory = sqlite3.Row
            return cursor.fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc, "read") from None

    def meta(self, key: str) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def last_deep(self, site: str, now: float) -> float | None:
        """When columns and links of `site` were last sampled (not after `now`)."""
        rows = self.query("SELECT max(time) AS t FROM visits WHERE site = ? AND deep = 1 "
                          "AND time <= ?", (site, now))
        return rows[0]["t"] if rows else None


class Batch:
    """Samples on their way to the store, inside a run's event loop.

    A sample is written at once when the last write is `every` seconds old; otherwise a
    timer writes it, with every other sample of that moment, `every` seconds after the
    last write. A failed timed write (a full disk) is raised at the run's next sample or
    `tick`, and its samples stay waiting.
    """

    def __init__(self, db: SampleSink, every: float = WRITE_WITHIN,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.every = every
        self.clock = clock
        self._written = -math.inf
        self._timer: asyncio.TimerHandle | None = None
        self._failed: GovauditError | None = None
        self.visits: list[tuple[Visit, Callable[[int], None]]] = []
        self.columns: list[ColumnSample] = []
        self.links: list[LinkSample] = []

    def visit(self, visit: Visit, took: Callable[[int], None]) -> None:
        self.visits.append((visit, took))
        self._soon()

    def samples(self, columns: list[ColumnSample], links: list[LinkSample]) -> None:
        self.columns += columns
        self.links += links
        self._soon()

    def _soon(self) -> None:
        self.tick()
        wait = self._written + self.every - self.clock()
        if wait <= 0:
            self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(wait, self._timed)

    def _timed(self) -> None:
        self._timer = None
        try:
            self.flush()
        except GovauditError as exc:
            self._failed = exc

    def tick(self) -> None:
        """Raise what a timed write met, so that the run stops on it."""
        if self._failed is not None:
            failed, self._failed = self._failed, None
            raise failed

    def flush(self) -> None:
        """Write every sample waiting, now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._written = self.clock()
        if not (self.visits or self.columns or self.links):
            return
        self.db.add_batch(self.visits, self.columns, self.links)
        self.visits, self.columns, self.links = [], [], []
        self._failed = None  # what a timed write could not write is written now
