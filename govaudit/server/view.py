"""The team server's answers, sites, reviews and adjudications read as a workspace store,
for `score --server` and `report --server`: the lead's live view of the team's progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govaudit.i18n import _
from govaudit.model import Adjudication, Answer, Review, Site
from govaudit.server.connection import ServerSettings, connect
from govaudit.server.reviews import server_adjudications, server_reviews
from govaudit.server.schema import check_current
from govaudit.server.sync import server_evidence, server_sites, settled_answers
from govaudit.store import Store, StoreFolder


class ServerView(Store):
    """A workspace's store whose answers and sites are the server's (as the connected role
    may see them; sites only in the workspace are kept). Evidence is the server's records
    beside the workspace's, their files found in the workspace or in the shared folder
    (`[server] files`); pages and probe results are the workspace's. For reading: score
    and report."""

    def __init__(self, folder: StoreFolder, answers: list[Answer], sites: list[Site],
                 reviews: list[Review] | None = None,
                 adjudications: list[Adjudication] | None = None,
                 evidence: list[dict[str, Any]] | None = None,
                 shared_files: Path | None = None) -> None:
        super().__init__(folder)
        self._answers = answers
        self._sites = sites
        self._reviews = reviews or []
        self._adjudications = adjudications or []
        self._evidence = evidence or []
        self.shared_files = shared_files

    @classmethod
    def read(cls, local: Store, settings: ServerSettings) -> ServerView:
        """The server's answers and sites over the workspace's store `local`."""
        import psycopg

        from govaudit.errors import GovauditError

        with connect(settings) as conn:
            try:
                check_current(conn, settings.described)
                answers, sites = settled_answers(conn), server_sites(conn)
                reviews, adjudications = server_reviews(conn), server_adjudications(conn)
                evidence = server_evidence(conn)
            except psycopg.Error as exc:
                raise GovauditError(_("reading the team server ({described}): {strip}").format(
                    described=settings.described, strip=str(exc).strip())) from None
        on_server = {s.name for s in sites}
        return cls(local.folder, answers,
                   [*sites, *(s for s in local.sites() if s.name not in on_server)],
                   reviews, adjudications, evidence, settings.files)

    def answers(self, site: str | None = None, *, everyone: bool = False) -> list[Answer]:
        """The server's answers as the role may see them (`everyone`: the same, the server
        decides what a role sees)."""
        return [a for a in self._answers if site is None or a.site == site]

    def sites(self) -> list[Site]:
        return list(self._sites)

    def reviews(self, site: str | None = None) -> list[Review]:
        return [r for r in self._reviews if site is None or r.site == site]

    def adjudications(self, site: str | None = None) -> list[Adjudication]:
        """The server's adjudications (as the role may see them): scoring from the server
        settles with these, as scoring here settles with the workspace's."""
        return [a for a in self._adjudications if site is None or a.site == site]

    def evidence(self, site: str | None = None) -> list[dict[str, Any]]:
        """The workspace's evidence records and the server's it lacks."""
        here = super().evidence(site)
        known = {r.get("id") for r in here}
        return [*here, *(r for r in self._evidence if (site is None or r.get("site") == site)
                         and r.get("id") not in known)]
