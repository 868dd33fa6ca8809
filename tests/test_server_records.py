"""Reviews, adjudications and the audit log through `govaudit sync`, against a real
PostgreSQL cluster: round trips between workspaces, scoring from the server, and the
server's check of each workspace's hash chain."""

from __future__ import annotations

import json

import psycopg
import pytest
from server_helpers import MINI, SITES, Team, lead_and_two_evaluators

from govaudit import Audit, GovauditError
from tests.conftest import run_cli

T0 = "2026-12-01T08:00:00+00:00"


def _save(audit: Audit, site: str, question: str, value: str | int) -> None:
    indicator = question.rpartition(".")[0]
    audit.store.save_answer(site, question, indicator, value, audit.evaluator, time=T0)


@pytest.fixture
def team(postgres, monkeypatch, tmp_path) -> Team:
    """A lead (王五, sites pushed) and two evaluators who both assess 成都市 (张三 also
    绵阳市, 李四 also 德阳市), each with answers on the server; they disagree on 成都市
    a1.q1 and a2.q1."""
    team, lead, _pushed = lead_and_two_evaluators(postgres, monkeypatch, tmp_path)
    for name, values in (("张三", ("yes", "yes", 3)), ("李四", ("no", "no", 3))):
        audit = team.workspace(tmp_path / name, name, [], MINI)
        team.use_member(name)
        audit.sync()
        for question, value in zip(("a1.q1", "a2.q1", "a1.q3"), values, strict=True):
            _save(audit, "成都市", question, value)
        _save(audit, "绵阳市" if name == "张三" else "德阳市", "a1.q1", "yes")
        audit.sync()
    team.use_member("王五")
    lead.sync()
    return team


def _reviews(audit: Audit) -> set[tuple[str, ...]]:
    return {(r.site, r.question, r.evaluator, r.state, r.reviewer, r.reason)
            for r in audit.store.reviews()}


def test_reviews_and_adjudications_go_round_between_workspaces(team, tmp_path):
    lead = Audit.open(tmp_path / "lead")
    lead.review("成都市", "a1.q1", evaluator="张三", state="approved")
    lead.review("成都市", "a1.q1", evaluator="李四", state="returned", reason="截图不清")
    lead.adjudicate("成都市", "a1.q1", "yes", reason="首页可见入口")
    first = lead.sync()
    assert (first.reviews_pushed, first.adjudications_pushed) == (2, 1)
    # the lead's second laptop gets every one of them
    other = team.workspace(tmp_path / "lead2", "王五", [], MINI)
    pulled = other.sync()
    assert (pulled.reviews_pulled, pulled.adjudications_pulled) == (2, 1)
    assert _reviews(other) == _reviews(lead)
    assert [(a.site, a.question, a.value, a.reason) for a in other.adjudications()] == [
        ("成都市", "a1.q1", "yes", "首页可见入口")]
    # a later adjudication made there holds everywhere, as it would in a merge
    other.adjudicate("成都市", "a1.q1", "no", reason="入口在二级页面，复核后改判")
    assert other.sync().adjudications_pushed == 1
    again = lead.sync()
    assert (again.adjudications_pulled, again.reviews_pulled) == (1, 0)
    assert [a.value for a in lead.adjudications()] == ["no"]
    assert len(lead.store.adjudications()) == 2  # the history stays
    # each evaluator pulls the reviews of their own answers, and their sites' adjudications
    for name, state in (("张三", "approved"), ("李四", "returned")):
        team.use_member(name)
        audit = Audit.open(tmp_path / name)
        audit.sync()
        assert [(r.evaluator, r.state) for r in audit.store.reviews()] == [(name, state)]
        assert [a.value for a in audit.adjudications()] == ["no"]
    # nothing left to move: a second sync of each moves nothing
    team.use_member("王五")
    for audit in (lead, other):
        quiet = audit.sync()
        assert (quiet.reviews_pushed, quiet.reviews_pulled, quiet.adjudications_pushed,
                quiet.adjudications_pulled) == (0, 0, 0, 0)
    with team.connect() as owner:
        assert owner.execute("SELECT count(*) FROM review_states").fetchone() == (2,)
        assert owner.execute("SELECT count(*) FROM adjudications").fetchone() == (2,)


def test_an_evaluators_reviews_stay_in_their_workspace(team, tmp_path):
    zs = Audit.open(tmp_path / "张三")
    zs.review("成都市", "a1.q1", state="flagged", reason="自查")
    team.use_member("张三")
    result = zs.sync()
    assert result.reviews_pushed == 0
    assert any("only the lead's sync pushes them" in n for n in result.not_pushed)
    with team.connect() as owner:
        assert owner.execute("SELECT count(*) FROM review_states").fetchone() == (0,)


def test_scoring_from_the_server_agrees_with_local_scoring_to_the_cell(team, tmp_path):
    lead = Audit.open(tmp_path / "lead")
    unsettled = lead.score().site("成都市")
    lead.adjudicate("成都市", "a1.q1", "yes", reason="首页可见入口")
    lead.adjudicate("成都市", "a2.q1", "no", reason="未见")
    lead.sync()
    lead = Audit.open(tmp_path / "lead")
    local = lead.score()
    assert local.site("成都市").total != unsettled.total  # the adjudications count here
    # a workspace holding no adjudication (nor answer) scores from the server's
    fresh = team.workspace(tmp_path / "fresh", "王五", SITES, MINI)
    live, here = fresh.score(server=True).to_dict(), local.to_dict()
    for report in (live, here):
        report["sites"].sort(key=lambda s: s["site"])  # the server lists sites by name
    assert live == here
    assert fresh.store.adjudications() == [] and fresh.answers() == []


def _lines(audit: Audit) -> list[dict]:
    return [json.loads(line) for line in
            audit.store.log.path.read_text(encoding="utf-8").splitlines()]


def _write(audit: Audit, entries: list[dict]) -> None:
    audit.store.log.path.write_text(
        "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")


def _server_log(team: Team) -> list[tuple[str, int, str]]:
    with team.connect() as owner:
        return owner.execute("SELECT evaluator, seq, hash FROM audit_log ORDER BY evaluator, "
                             "chain, seq").fetchall()


def test_each_workspaces_audit_log_is_pushed_and_pulled_whole(team, tmp_path):
    held = _server_log(team)
    zs, ls = Audit.open(tmp_path / "张三"), Audit.open(tmp_path / "李四")
    for audit, name in ((zs, "张三"), (ls, "李四")):
        mine = [(name, e["seq"], e["hash"]) for e in _lines(audit)]
        assert [row for row in held if row[0] == name] == mine
    lead = Audit.open(tmp_path / "lead")
    logs = {p.evaluator: p for p in lead.team_logs()}
    assert set(logs) == {"张三", "李四"}
    for name, audit in (("张三", zs), ("李四", ls)):
        assert [e.hash for e in logs[name].log.entries()] == [e["hash"] for e in _lines(audit)]
        assert logs[name].log.verify().ok
    # the lead reads and walks them with the CLI too
    shown = json.loads(run_cli("log", "show", "--team", "--json", cwd=tmp_path / "lead").stdout)
    assert {e["hash"] for e in shown} == {e["hash"] for e in _lines(lead)} | {
        e["hash"] for audit in (zs, ls) for e in _lines(audit)}
    assert [e["time"] for e in shown] == sorted(e["time"] for e in shown)
    walked = run_cli("log", "verify", "--team", "--json", cwd=tmp_path / "lead")
    assert walked.returncode == 0, walked.stderr
    assert [(c.get("evaluator", ""), c["ok"]) for c in json.loads(walked.stdout)] == [
        ("", True), ("张三", True), ("李四", True)]
    pulled = logs["李四"].log.path
    lines = pulled.read_text(encoding="utf-8").splitlines()
    changed = json.loads(lines[0])
    changed["actor"] = "王五"  # an entry changed in the pulled copy
    pulled.write_text("\n".join([json.dumps(changed, ensure_ascii=False), *lines[1:]]) + "\n",
                      encoding="utf-8")
    walked = run_cli("--lang", "en", "log", "verify", "--team", cwd=tmp_path / "lead")
    assert walked.returncode == 1
    assert f"李四: {pulled}: broken at entry 1" in walked.stdout, walked.stdout
    # an evaluator sees their own chains only: 张三's second laptop pulls the first's
    zs2 = team.workspace(tmp_path / "zs2", "张三", [], MINI)
    team.use_member("张三")
    zs2.sync()
    assert [p.evaluator for p in zs2.team_logs()] == ["张三"]


def test_a_changed_entry_is_refused_naming_the_evaluator_and_the_entry(team, tmp_path):
    zs = Audit.open(tmp_path / "张三")
    before = _server_log(team)
    entries = _lines(zs)
    entries[1]["new"] = {"value": "no", "note": ""}  # the second answer, rewritten
    _write(zs, entries)
    _save(zs, "绵阳市", "a2.q1", "no")  # a new entry to push after it
    team.use_member("张三")
    with pytest.raises(GovauditError, match="refused the audit log of 张三: entry 2 was "
                       "changed: its hash does not match its content"):
        zs.sync()
    assert _server_log(team) == before  # the server's copy is whole, nothing was added
    # the entry altered and re-hashed (a forged chain) differs from the one the server holds
    from govaudit.auditlog import entry_hash
    from govaudit.model import LogEntry

    entries[1]["hash"] = entry_hash(LogEntry.from_dict(entries[1]))
    _write(zs, entries)
    with pytest.raises(GovauditError, match="audit log of 张三: entry 2 differs from the "
                       "entry the server holds"):
        zs.sync()
    assert _server_log(team) == before
    # an entry the server holds, removed here, is named; the server keeps it
    del entries[1]
    _write(zs, entries)
    with pytest.raises(GovauditError, match="the audit log of 张三 lacks entry 2, which the "
                       "team server holds"):
        zs.sync()
    assert _server_log(team) == before


def test_a_removed_entry_is_refused_and_what_was_pushed_stays(team, tmp_path, cli):
    ls = Audit.open(tmp_path / "李四")
    before = _server_log(team)
    pushed = len(_lines(ls))
    for question in ("a1.q2", "a1.q3"):
        _save(ls, "德阳市", question, "好" if question == "a1.q2" else 2)
    entries = _lines(ls)
    del entries[pushed]  # the first entry not yet on the server
    _write(ls, entries)
    team.use_member("李四")
    result = cli("sync", "-w", str(ls.root))
    assert result.exit_code == 1
    assert (f"refused the audit log of 李四: entry {pushed + 2} follows an entry that is not "
            "in the log") in result.output
    assert "Traceback" not in result.output
    assert _server_log(team) == before


def test_the_database_checks_the_chain_whoever_inserts(team, tmp_path):
    """Not the client: an entry inserted by hand is checked by the server the same way."""
    from govaudit.auditlog import GENESIS, Change, chained
    from govaudit.server.logsync import body

    [first, second] = chained([Change("answer", "save", "成都市"),
                               Change("answer", "save", "成都市")], "张三", (0, GENESIS))
    insert = ("INSERT INTO audit_log (chain, evaluator, seq, hash, body, prev_hash, logged, "
              "actor, action) VALUES (%s, %s, %s, %s, %s, '', '', '', '')")
    with team.connect(team.roles["张三"]) as conn:
        with pytest.raises(psycopg.Error, match="entry 2 follows entry 1, which is missing"):
            conn.execute(insert, (first.hash, "张三", 2, second.hash, body(second)))
        with pytest.raises(psycopg.Error, match="entry 1 was changed"):
            conn.execute(insert, (first.hash, "张三", 1, first.hash,
                                  body(first).replace("成都市", "绵阳市")))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(insert, (first.hash, "李四", 1, first.hash, body(first)))
        conn.execute(insert, (first.hash, "张三", 1, first.hash, body(first)))
        conn.execute(insert, (first.hash, "张三", 2, second.hash, body(second)))
        # the columns are read from the entry, not taken from the client
        assert conn.execute("SELECT seq, actor, action, site, prev_hash FROM audit_log WHERE "
                            "chain = %s ORDER BY seq", (first.hash,)).fetchall() == [
            (1, "张三", "save", "成都市", GENESIS), (2, "张三", "save", "成都市", first.hash)]
