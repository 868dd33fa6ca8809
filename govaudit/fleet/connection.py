"""How the monitor reaches its PostgreSQL server: the team server's settings
(govaudit.server.connection: govaudit.toml's `[server] service`, a libpq service name, or
libpq's environment; never a password in the workspace), with the monitor's own schema,
`govaudit_monitor`, first on the search path, and an asyncio connection for the workers.
"""

from __future__ import annotations

import os

import psycopg

from govaudit.errors import GovauditError
from govaudit.i18n import _
from govaudit.server.connection import CONNECT_TIMEOUT, LIBPQ_VARIABLES, ServerSettings

SCHEMA = "govaudit_monitor"

__all__ = ["SCHEMA", "ServerSettings", "connect", "connect_async", "conninfo"]


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
