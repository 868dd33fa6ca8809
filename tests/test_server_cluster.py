"""The throwaway PostgreSQL cluster the server tests run on (tests/pg_cluster.py)."""

from __future__ import annotations

import psycopg
import pytest


def test_the_session_cluster_answers_on_its_socket_and_only_there_without_password(postgres):
    with psycopg.connect(postgres.conninfo()) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()[0]
        listen = conn.execute("SHOW listen_addresses").fetchone()[0]
    assert int(version) >= 150000
    assert listen == "127.0.0.1"
    # over TCP a role needs its password (scram-sha-256)
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(postgres.conninfo(tcp=True), connect_timeout=5)


def test_a_throwaway_cluster_is_stopped_and_removed_on_exit():
    from pg_cluster import throwaway_cluster

    with throwaway_cluster() as server:
        assert server.cluster.running()
        conninfo = server.conninfo()
    assert not server.root.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(conninfo, connect_timeout=5)
