"""The database stopped in the middle of a sync: no acknowledged answer is lost, and the
next sync completes the push."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from pg_cluster import throwaway_cluster
from server_helpers import make_team

from govaudit import Answer, Audit, GovauditError

MINI = Path(__file__).parent / "fixtures" / "mini.yaml"
ANSWERS = 3000


@pytest.fixture(scope="module")
def own_cluster():
    """A cluster of this module's own: its tests stop it."""
    with throwaway_cluster() as server:
        yield server


def _workspace(folder: Path) -> Audit:
    audit = Audit.create(folder, checklist=str(MINI), evaluator="王五")
    for n in range(30):
        audit.sites.add(f"市{n:02d}", f"http://s{n}.gov.cn/", "city")
    audit.store.save_answers([
        Answer(f"市{n % 30:02d}", f"a1.q{n // 30}", "a1", n % 7, "王五",
               "2026-12-01T08:00:00+00:00") for n in range(ANSWERS)])
    return audit


def _count(server, dbname: str) -> int:
    with psycopg.connect(server.conninfo(dbname=dbname)) as conn:
        return conn.execute("SELECT count(*) FROM answers").fetchone()[0]


@pytest.mark.parametrize("mode", ["immediate", "fast"])
def test_the_server_stopped_mid_sync_loses_no_acknowledged_answer(own_cluster, monkeypatch,
                                                                  tmp_path, mode):
    team = make_team(own_cluster, monkeypatch)
    team.add("王五", lead=True)
    team.use_member("王五")
    audit = _workspace(tmp_path / "lead")
    acknowledged: list[int] = []

    def stop_after_five_batches(pushed: int) -> None:
        acknowledged.append(pushed)
        if len(acknowledged) == 5:
            own_cluster.cluster.stop(mode)  # a crash (immediate) or an orderly stop

    with pytest.raises(GovauditError) as stopped:
        audit.sync(batch=100, acknowledged=stop_after_five_batches)
    assert "500 answer version(s) were pushed and are kept" in str(stopped.value)
    assert stopped.value.hint == "sync_again"  # the CLI says: run 'govaudit sync' again
    assert len(audit.answers()) == ANSWERS  # the workspace lost nothing

    own_cluster.cluster.start()
    assert _count(own_cluster, team.dbname) == acknowledged[-1] == 500
    again = audit.sync(batch=100)
    assert (again.pushed, again.on_server) == (ANSWERS - 500, 500)
    assert _count(own_cluster, team.dbname) == ANSWERS
    assert audit.sync().pushed == 0
