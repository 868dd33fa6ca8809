"""The monitor's schema on the server: this package's numbered migrations, applied by the
one runner (govaudit.migrations) in the schema `govaudit_monitor`, with a `schema_version`
table of its own there (the team server's migrations and version table are not touched).
Workers and the scheduler migrate when they connect.
"""

from __future__ import annotations

import psycopg

from govaudit.fleet.connection import SCHEMA
from govaudit.migrations import Migration, Migrations

MONITOR = Migrations("govaudit.fleet", SCHEMA, 0x6D_0E_17_01)

__all__ = ["MONITOR", "Migration", "applied_version", "migrate"]


def applied_version(conn: psycopg.Connection) -> int:
    """The last migration applied (0: none)."""
    return MONITOR.applied_version(conn)


def migrate(conn: psycopg.Connection) -> list[Migration]:
    """Apply the migrations the server has not had yet; those applied now."""
    return MONITOR.migrate(conn)
