"""How the monitor reaches its PostgreSQL server: a libpq service name, or libpq's environment.

No password is ever kept in a workspace: `[server] service = "NAME"` in govaudit.toml names
an entry of the libpq service file (PGSERVICEFILE, else ~/.pg_service.conf); the password
comes from ~/.pgpass (PGPASSFILE) or PGPASSWORD. Without a service, libpq's variables
(PGHOST, PGPORT, PGDATABASE, PGUSER, …) say it all. This reads only `service` of the
`[server]` table, the setting the team server uses too.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import psycopg

from govaudit.errors import GovauditError
from govaudit.i18n import _

CONNECT_TIMEOUT = 10  # seconds, unless PGCONNECT_TIMEOUT or the service says otherwise
LIBPQ_VARIABLES = ("PGSERVICE", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER")
SCHEMA = "govaudit_monitor"


@dataclass(frozen=True)
class ServerSettings:
    """Where the monitoring server is: a libpq service name ("": the environment)."""

    service: str = ""

    @property
    def described(self) -> str:
        """How the connection is chosen, for messages."""
        if self.service:
            return _("libpq service {name!r}").format(name=self.service)
        given = [v for v in LIBPQ_VARIABLES if os.environ.get(v)]
        return _("the environment ({variables})").format(variables=", ".join(given) or "-")

    @classmethod
    def from_config(cls, path: Path) -> ServerSettings:
        """govaudit.toml's [server] service (none: the environment)."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise GovauditError(_("{path}: cannot read it ({error})").format(
                path=path, error=exc)) from None
        table = data.get("server", {})
        if not isinstance(table, dict):
            raise GovauditError(_("{path}: [server] must be a table").format(path=path))
        if "password" in table:
            raise GovauditError(_("{path}: [server] must not hold a password: keep it in "
                                  "~/.pgpass (or PGPASSWORD) and name a libpq service"
                                  ).format(path=path))
        service = table.get("service", "")
        if not isinstance(service, str):
            raise GovauditError(_("{path}: [server] service must be text").format(path=path))
        return cls(service.strip())


def conninfo(settings: ServerSettings) -> str:
    """The libpq connection string: the service (or nothing: the environment), a timeout,
    and the monitor's schema first on the search path."""
    if not settings.service and not any(os.environ.get(v) for v in LIBPQ_VARIABLES):
        raise GovauditError(_("no monitoring server is set: name a libpq service in "
                              "govaudit.toml ([server] service = \"NAME\"), or set PGHOST, "
                              "PGDATABASE and PGUSER (see docs/monitor-server.md)"))
    params: dict[str, str | int] = {"application_name": "govaudit-monitor",
                                    "options": f"-c search_path={SCHEMA}"}
    if settings.service:
        params["service"] = settings.service
    if not os.environ.get("PGCONNECT_TIMEOUT"):
        params["connect_timeout"] = CONNECT_TIMEOUT
    return psycopg.conninfo.make_conninfo("", **params)


def unreachable(settings: ServerSettings, exc: psycopg.Error) -> GovauditError:
    detail = str(exc).strip().replace("\n", " ")
    return GovauditError(_("cannot reach the monitoring server through {how}: {detail}").format(
        how=settings.described, detail=detail))


def connect(settings: ServerSettings, *, autocommit: bool = False) -> psycopg.Connection:
    """A connection to the monitoring server; GovauditError says why none could be made."""
    try:
        return psycopg.connect(conninfo(settings), autocommit=autocommit)
    except psycopg.Error as exc:
        raise unreachable(settings, exc) from None


async def connect_async(settings: ServerSettings, *, autocommit: bool = False
                        ) -> psycopg.AsyncConnection:
    """The same, for a worker's event loop."""
    try:
        return await psycopg.AsyncConnection.connect(conninfo(settings), autocommit=autocommit)
    except psycopg.Error as exc:
        raise unreachable(settings, exc) from None
