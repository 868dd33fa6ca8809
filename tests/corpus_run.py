"""`check` and `monitor` run once over the labelled corpus (tests/corpus), as the tests of their
agreement and of the misfires read them (the `corpus_run` fixture of conftest.py).

The corpus is served on 127.0.0.1 (tests/corpus/server.py) to a workspace of the
cstc-2020-local checklist holding its 14 sites. `govaudit.Audit.check` runs every probe with
"today" the corpus's 2026-12-05; a `Monitor` whose clock stands at noon that day in China makes
one visit of every site, columns and links included, and its suggestions for the 日常运维
questions are saved as `monitor apply` saves them.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.expect import Corpus, load
from corpus.server import CorpusServer, corpus_server

from govaudit import Audit
from govaudit.model import Site
from govaudit.monitor import DEFAULT_WINDOW, Monitor, VisitOptions
from govaudit.monitor.db import FILE_NAME
from govaudit.page.dom import link_target
from govaudit.probes.fetch import FetchLimits
from govaudit.probes.links import LinkOptions
from govaudit.probes.run import CheckOptions
from govaudit.store import Store
from govaudit.suggestions import save_probe_answers
from govaudit.workspace import Workspace, init_workspace

NOON = dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.UTC).timestamp()  # 12:00 in China


@dataclass
class CorpusRun:
    corpus: Corpus
    server: CorpusServer
    workspace: Workspace
    check: dict[str, dict[str, Any]]  # site name -> probe -> stored row
    visits: dict[str, dict[str, Any]]  # site name -> its visit
    columns: dict[str, dict[str, dict[str, Any]]]  # site name -> column URL -> sample
    links: dict[str, list[dict[str, Any]]]  # site name -> link samples
    findings: dict[str, dict[str, Any]]  # site name -> rule -> finding
    monitored: dict[str, dict[str, tuple[str, str]]]  # site name -> question -> (value, note)

    def url(self, target: str) -> str:
        """A label's URL as the probes normalise it, on this server."""
        absolute = self.server.url(target)
        return link_target(absolute, absolute, "utf-8")[0] or absolute

    def site(self, site_id: str) -> Any:
        return self.corpus.site(site_id)

    def workspace_answers(self, site: str) -> list[Any]:
        """The answers saved for a site (those the monitor's suggestions saved)."""
        return Store(self.workspace).answers(site)


@contextmanager
def run_corpus(root: Path) -> Iterator[CorpusRun]:
    corpus = load()
    with corpus_server() as server:
        ws = init_workspace(root / "ws", "cstc-2020-local", "张三")
        Store(ws).add_sites([Site(s.name, server.url(s.home), s.level) for s in corpus.sites])
        audit = Audit.open(ws.root)
        run = audit.check(samples=1, options=CheckOptions(
            interval=0, today=corpus.today, link_timeout=5,
            limits=FetchLimits(deadline=8, connect_timeout=3), links=LinkOptions(backoff=0.05)))
        with Monitor(ws, Store(ws), ws.checklist, clock=lambda: NOON) as monitor:
            monitor.tick(options=VisitOptions(timeout=8, host_interval=0, columns_every=0,
                                              max_links=10_000))
            statuses = {s.site: s for s in monitor.status(DEFAULT_WINDOW)}
            suggested = monitor.suggestions(ws.checklist, DEFAULT_WINDOW)
        for site in Store(ws).sites():  # as `monitor apply` saves them
            save_probe_answers(audit.store, ws.checklist, site, suggested[site.name])
        with sqlite3.connect(ws.data_dir / FILE_NAME) as db:
            db.row_factory = sqlite3.Row
            visits = {r["site"]: dict(r) for r in db.execute("SELECT * FROM visits")}
            columns: dict[str, dict[str, dict[str, Any]]] = {}
            for row in db.execute("SELECT * FROM columns"):
                columns.setdefault(row["site"], {})[row["url"]] = dict(row)
            links: dict[str, list[dict[str, Any]]] = {}
            for row in db.execute("SELECT * FROM links"):
                links.setdefault(row["site"], []).append(dict(row))
        yield CorpusRun(corpus, server, ws, {s.site: s.to_dict()["probes"] for s in run.sites},
                        visits, columns, links,
                        {name: {f.rule: f.to_dict() for f in s.findings}
                         for name, s in statuses.items()}, suggested)
