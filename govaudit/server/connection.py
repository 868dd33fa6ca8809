"""How govaudit reaches the team server: a libpq service name, or libpq's environment.

No password is ever kept in a workspace. `[server] service = "NAME"` in govaudit.toml names
an entry of the libpq service file (PGSERVICEFILE, else ~/.pg_service.conf), which says
host, port, dbname, user and sslmode; the password comes from ~/.pgpass (PGPASSFILE) or
PGPASSWORD. Without a service, libpq's variables (PGHOST, PGPORT, PGDATABASE, PGUSER,
PGSSLMODE, …) say it all. Everything libpq understands passes through unchanged: TLS
(sslmode=verify-full, sslrootcert, client certificates) included.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import psycopg

from govaudit.errors import GovauditError
from govaudit.i18n import _

CONNECT_TIMEOUT = 10  # seconds, unless PGCONNECT_TIMEOUT or the service says otherwise
LIBPQ_VARIABLES = ("PGSERVICE", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER")
SECRET_KEYS = ("password",)


@dataclass(frozen=True)
class ServerSettings:
    """Where the team server is: a libpq service name ("" for the environment), and the
    shared folder evidence files are copied to (None: files stay in each workspace)."""

    service: str = ""
    files: Path | None = None

    @property
    def described(self) -> str:
        """How the connection is chosen, for messages."""
        if self.service:
            return f"libpq service {self.service!r}"
        given = [v for v in LIBPQ_VARIABLES if os.environ.get(v)]
        return "the environment (" + ", ".join(given) + ")" if given else "the environment"

    @classmethod
    def from_config(cls, path: Path) -> ServerSettings:
        """govaudit.toml's [server] table (none: the environment, no shared folder)."""
        from govaudit.workspace import config_table

        table = config_table(path, "server")
        unknown = sorted(set(table) - {"service", "files"})
        if any(k in SECRET_KEYS for k in unknown):
            raise GovauditError(_(
                "{path}: [server] must not hold a password: keep it in ~/.pgpass (or PGPASSWORD) "
                "and name a libpq service").format(path=path))
        if unknown:
            raise GovauditError(_(
                "{path}: [server] {listed}: unknown setting(s) (use service and files)").format(
                path=path, listed=', '.join(unknown)))
        service, files = table.get("service", ""), table.get("files")
        if not isinstance(service, str) or (files is not None and not isinstance(files, str)):
            raise GovauditError(_("{path}: [server] service and files must be text").format(
                path=path))
        folder = None if files is None else path.parent / Path(files).expanduser()
        return cls(service.strip(), folder)


def connect(settings: ServerSettings, *, autocommit: bool = False) -> psycopg.Connection:
    """A connection to the team server; GovauditError says why none could be made."""
    if not settings.service and not any(os.environ.get(v) for v in LIBPQ_VARIABLES):
        raise GovauditError(_(
            "no team server is set: name a libpq service in govaudit.toml ([server] service = "
            '"NAME"), or set PGHOST, PGDATABASE and PGUSER (see docs/server.md)'),
            hint="service")
    params: dict[str, str | int] = {"application_name": "govaudit"}
    if settings.service:
        params["service"] = settings.service
    if not os.environ.get("PGCONNECT_TIMEOUT"):
        params["connect_timeout"] = CONNECT_TIMEOUT
    try:
        return psycopg.connect(psycopg.conninfo.make_conninfo("", **params),
                               autocommit=autocommit)
    except psycopg.Error as exc:
        detail = str(exc).strip().replace("\n", " ")
        raise GovauditError(_("cannot reach the team server through {described}: {detail}").format(
            described=settings.described, detail=detail)) from None
