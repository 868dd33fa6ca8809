"""Throwaway PostgreSQL clusters for the tests: initdb in a temporary folder, a free port on
127.0.0.1, the unix socket in that folder; stopped and removed at the end."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from govaudit.errors import GovauditError
from govaudit.server.cluster import Cluster, free_port, postgres_bindir

SUPERUSER = "govaudit"


@dataclass
class Postgres:
    """A running throwaway cluster and how to reach it. Connections over the unix socket
    are trusted (any role, no password); over TCP a role needs its password."""

    cluster: Cluster
    root: Path

    @property
    def port(self) -> int:
        return self.cluster.port

    @property
    def socket_dir(self) -> Path:
        return self.cluster.socket_dir

    def conninfo(self, user: str = SUPERUSER, dbname: str = "postgres", *,
                 tcp: bool = False, **more: str) -> str:
        """A libpq connection string to this cluster."""
        host = "127.0.0.1" if tcp else str(self.socket_dir)
        parts = {"host": host, "port": str(self.port), "user": user, "dbname": dbname, **more}
        return " ".join(f"{k}='{v}'" for k, v in parts.items())

    def environ(self, user: str = SUPERUSER, dbname: str = "postgres") -> dict[str, str]:
        """The libpq environment (PGHOST, PGPORT, …) that reaches this cluster."""
        return {"PGHOST": str(self.socket_dir), "PGPORT": str(self.port), "PGUSER": user,
                "PGDATABASE": dbname}

    def create_database(self, name: str) -> str:
        """A new empty database; its name."""
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name


def require_postgres() -> None:
    """Skip, saying why, where PostgreSQL is missing and cannot be installed by `make test`
    (no apt-get); where apt-get is, a missing PostgreSQL is a failure of the set-up."""
    try:
        postgres_bindir()
    except GovauditError as exc:
        if shutil.which("apt-get"):
            raise
        pytest.skip(f"PostgreSQL is needed: {exc}")


@contextmanager
def throwaway_cluster(prefix: str = "govaudit-pg-") -> Iterator[Postgres]:
    """A cluster started in a new temporary folder; stopped and removed on exit."""
    require_postgres()
    root = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(root, 0o755)  # the postgres OS user (when we are root) works inside it
    cluster = Cluster(root / "data", free_port(), root / "socket", superuser=SUPERUSER)
    try:
        cluster.initdb(local_auth="trust", host_auth="scram-sha-256", sync=False)
        with (cluster.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("shared_buffers = 16MB\nmax_connections = 40\n")
        for attempt in range(3):
            try:
                cluster.start()
                break
            except GovauditError:
                if attempt == 2:  # the port was taken between choosing and starting
                    raise
                cluster.port = free_port()
                with (cluster.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
                    conf.write(f"port = {cluster.port}\n")
        yield Postgres(cluster, root)
    finally:
        try:
            cluster.stop("immediate")
        finally:
            shutil.rmtree(root, ignore_errors=True)
