"""`govaudit sync` against a real PostgreSQL cluster, compared with a merge of real workbooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from server_helpers import MINI, SITES, Team, lead_and_two_evaluators

from govaudit import Audit, GovauditError
from govaudit.model import Evidence

T0 = "2026-12-01T08:00:00+00:00"
T1 = "2026-12-02T08:00:00+00:00"


def _save(audit: Audit, site: str, question: str, value: str | int, time: str,
          note: str = "") -> None:
    """An answer saved at a given time (the store's own call, as `answer` makes it)."""
    indicator = question.rpartition(".")[0]
    audit.store.save_answer(site, question, indicator, value, audit.evaluator, note,
                            time=time)


def _held(audit: Audit) -> set[tuple[str, str, str, object, str]]:
    return {(a.site, a.question, a.evaluator, a.value, a.note) for a in audit.answers()}


@pytest.fixture
def team(postgres, monkeypatch, tmp_path) -> Team:
    """A lead (王五) whose workspace has the sites, and two evaluators: 张三 assigned 成都市
    and 绵阳市, 李四 成都市 and 德阳市 (成都市 is assessed twice)."""
    team, _lead, pushed = lead_and_two_evaluators(postgres, monkeypatch, tmp_path)
    assert pushed == 3
    return team


def test_sync_settles_as_merge_settles_the_same_workbooks(team, tmp_path):
    """Two evaluators, one on two laptops (a same-evaluator conflict, and a tie on time);
    what the lead pulls is what a merge of their workbooks keeps."""
    zs1 = team.workspace(tmp_path / "zs1", "张三", [], MINI)
    zs2 = team.workspace(tmp_path / "zs2", "张三", [], MINI)
    ls = team.workspace(tmp_path / "ls", "李四", [], MINI)
    team.use_member("张三")
    first = zs1.sync()
    assert sorted(first.sites_added) == ["成都市", "绵阳市"]  # the assignments came down
    zs2.sync()
    team.use_member("李四")
    ls.sync()
    _save(zs1, "成都市", "a1.q1", "yes", T0, "首页有")
    _save(zs2, "成都市", "a1.q1", "no", T1, "复查：没有")  # later: it wins
    _save(zs1, "成都市", "a1.q3", 5, T0)
    _save(zs2, "成都市", "a1.q3", 7, T0)  # the same time: merge's tie-break decides
    _save(zs1, "绵阳市", "a2.q1", "yes", T0)
    _save(ls, "成都市", "a1.q1", "yes", T0)
    _save(ls, "德阳市", "b1.q1", "优", T1)
    # each laptop's workbook as it stands, merged as the lead would merge them
    paths = [zs1.export(tmp_path / "zs1.xlsx").path, zs2.export(tmp_path / "zs2.xlsx").path,
             ls.export(tmp_path / "ls.xlsx").path]
    merged = Audit.merge_files(paths, tmp_path / "team.xlsx", checklist=str(MINI))
    assert len(merged.conflicts) == 4  # two keys of 张三, two candidates each
    check = Audit.create(tmp_path / "check", checklist=str(MINI), evaluator="王五")
    check.import_workbook(merged.path, add_sites=True)

    team.use_member("张三")
    zs1.sync()
    zs2.sync()
    again = zs1.sync()  # zs1 now gets zs2's later answer and the tie's winner
    assert (again.pushed, again.pulled, again.conflicts) == (0, 2, 2)
    team.use_member("李四")
    ls.sync()
    lead = Audit.open(tmp_path / "lead")
    team.use_member("王五")
    pulled = lead.sync()
    assert (pulled.pulled, pulled.conflicts) == (5, 2)
    assert _held(lead) == _held(check)
    assert ("成都市", "a1.q1", "张三", "no", "复查：没有") in _held(lead)
    tie = {a.value for a in lead.answers("成都市") if a.question == "a1.q3"}
    assert tie == {7}  # the greatest value wins a tie, as in merge
    live = {s.site: s.total for s in lead.score(server=True).sites}
    assert live == {s.site: s.total for s in check.score().sites}


def test_sync_keeps_the_merge_rule_for_versions_only_the_server_holds(team, tmp_path):
    """Conflicting versions pushed from two laptops before either pulls: the server holds
    both, and every reader (pull, score --server) settles them as merge does."""
    from govaudit.workbook.merge import Preference, resolve_same_evaluator

    zs1 = team.workspace(tmp_path / "zs1", "张三", SITES[:2], MINI)
    zs2 = team.workspace(tmp_path / "zs2", "张三", SITES[:2], MINI)
    _save(zs1, "成都市", "a1.q1", "yes", T1, "甲")
    _save(zs2, "成都市", "a1.q1", "no", T1, "甲")  # a tie on time: "yes" > "no"
    team.use_member("张三")
    zs2.sync()
    result = zs1.sync()
    assert result.conflicts == 1
    chosen, _rows, _ = resolve_same_evaluator([*zs1.answers(), *zs2.answers()],
                                              Preference("latest"))
    [expected] = chosen
    assert expected.value == "yes"
    assert zs2.sync().pulled == 1
    assert {a.value for a in zs2.answers()} == {"yes"}
    # the earlier value is kept in the answer's history
    assert [h["value"] for h in zs2.answers()[0].history] == ["no"]


def test_sync_is_idempotent(team, tmp_path):
    zs = team.workspace(tmp_path / "zs", "张三", [], MINI)
    team.use_member("张三")
    zs.sync()
    _save(zs, "成都市", "a1.q1", "yes", T0)
    _save(zs, "绵阳市", "a1.q1", "no", T0)
    first = zs.sync()
    assert (first.pushed, first.pulled) == (2, 0)
    for _ in range(2):
        again = zs.sync()
        assert (again.pushed, again.on_server, again.pulled, again.sites_added) == (
            0, 2, 0, [])
    with team.connect() as owner:
        assert owner.execute("SELECT count(*) FROM answers").fetchone() == (2,)


def test_an_evaluators_sync_pushes_only_their_own_answers_on_their_sites(team, tmp_path):
    zs = team.workspace(tmp_path / "zs", "张三", SITES, MINI)
    _save(zs, "德阳市", "a1.q1", "yes", T0)  # not assigned to 张三
    zs.store.save_answer("成都市", "a1.q1", "a1", "no", "李四", time=T0)  # imported
    _save(zs, "成都市", "a1.q1", "yes", T0)
    team.use_member("张三")
    result = zs.sync()
    assert result.pushed == 1
    assert any("德阳市" in n for n in result.not_pushed)
    assert any("李四" in n for n in result.not_pushed)
    with team.connect() as owner:
        assert owner.execute("SELECT site, evaluator FROM answers").fetchall() == [
            ("成都市", "张三")]


def test_sync_refuses_a_workspace_of_another_evaluator(team, tmp_path):
    ls = team.workspace(tmp_path / "ls", "李四", [], MINI)
    team.use_member("张三")
    with pytest.raises(GovauditError, match="evaluator '张三', but this workspace's "
                       "evaluator is '李四'"):
        ls.sync()


def test_sync_from_the_cli_says_what_it_did(team, tmp_path, cli):
    zs = team.workspace(tmp_path / "zs", "张三", [], MINI)
    team.use_member("张三")
    result = cli("sync", "-w", str(zs.root))
    assert result.exit_code == 0, result.output
    assert "synced as 张三: 0 answer version(s) pushed" in result.output
    assert "2 site(s) assigned to you added here" in result.output
    cli("answer", "成都市", "a1.q1", "yes", "--note", "首页有依申请公开入口", "-w", str(zs.root))
    result = cli("sync", "-w", str(zs.root))
    assert "1 answer version(s) pushed" in result.output
    # the lead, without syncing: the server's answers, live
    team.use_member("王五")
    lead = Path(zs.root).parent / "lead"
    assert cli("score", "--json", "-w", str(lead)).output.count('"answered": 0') == 3
    score = cli("score", "--server", "--json", "-w", str(lead))
    assert score.exit_code == 0, score.output
    assert score.output.count('"answered": 0') == 2 and '"answered": 1' in score.output
    report = cli("report", "--server", "-o", str(tmp_path / "live"), "-w", str(lead))
    assert report.exit_code == 0, report.output
    pages = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "live").rglob("*.html"))
    assert "首页有依申请公开入口" in pages
    assert Audit.open(lead).answers() == []  # reading the server saved nothing here


def test_a_sync_without_a_server_set_says_how_to_set_one(tmp_path, monkeypatch, cli):
    for variable in ("PGSERVICE", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER"):
        monkeypatch.delenv(variable, raising=False)
    Audit.create(tmp_path / "ws", checklist=str(MINI), evaluator="张三")
    result = cli("sync", "-w", str(tmp_path / "ws"))
    assert result.exit_code == 1
    assert "no team server is set" in result.output and "[server] service" in result.output


def test_a_password_in_govaudit_toml_is_refused(tmp_path):
    audit = Audit.create(tmp_path / "ws", checklist=str(MINI), evaluator="张三")
    with audit.workspace.config_path.open("a", encoding="utf-8") as config:
        config.write('\n[server]\nservice = "govaudit"\npassword = "secret"\n')
    with pytest.raises(GovauditError, match=r"\[server\] must not hold a password"):
        audit.sync()


def _with_shared_folder(audit: Audit, shared: Path) -> None:
    with audit.workspace.config_path.open("a", encoding="utf-8") as config:
        config.write(f'\n[server]\nfiles = "{shared}"\n')


def _captured(audit: Audit, shot: Path, note: str = "") -> Evidence:
    """张三's answer to 成都市 a1.q1 with a red screenshot attached (saved at `shot`)."""
    from PIL import Image

    Image.new("RGB", (40, 30), "red").save(shot)
    _save(audit, "成都市", "a1.q1", "yes", T0, note)
    return audit.attach("成都市", "a1.q1", shot)


def test_sync_pushes_evidence_records_and_copies_files_by_hash(team, tmp_path):
    from PIL import Image

    shared = tmp_path / "shared"
    zs = team.workspace(tmp_path / "zs", "张三", [], MINI)
    _with_shared_folder(zs, shared)
    team.use_member("张三")
    zs.sync()
    shot = tmp_path / "shot.png"
    record = _captured(zs, shot)
    [entry] = record.files
    result = zs.sync()
    assert (result.evidence_pushed, result.files_copied) == (1, 1)
    copied = shared / entry.sha256[:2] / entry.sha256
    assert copied.read_bytes() == shot.read_bytes()
    with team.connect() as owner:
        assert owner.execute("SELECT e.site, f.sha256 FROM evidence e JOIN evidence_files f "
                             "ON f.evidence = e.id").fetchall() == [("成都市", entry.sha256)]
    again = zs.sync()
    assert (again.evidence_pushed, again.files_copied) == (0, 0)
    # a file changed after its capture is not copied, and named
    other = tmp_path / "other.png"
    Image.new("RGB", (40, 30), "blue").save(other)
    record = zs.attach("成都市", "a1.q1", other)
    (zs.root / record.files[0].path).write_bytes(b"changed")
    result = zs.sync()
    assert result.files_copied == 0
    assert any("no longer has the SHA-256" in n for n in result.not_pushed)
    changed = record.files[0].sha256
    assert not (shared / changed[:2] / changed).exists()


def test_server_commands_administer_the_team_as_its_owner(team, tmp_path, cli):
    team.use()  # the owner
    status = cli("server", "status", cwd=tmp_path)
    assert status.exit_code == 0, status.output
    cells = [[c for c in line.split() if c not in "│┃"] for line in status.output.splitlines()]
    rows = {c[0]: c[1:] for c in cells if c and c[0] in ("张三", "王五")}
    assert rows["张三"] == [team.roles["张三"], "2", "0"]
    assert rows["王五"] == [team.roles["王五"], "yes", "0", "0"]
    listed = json.loads(cli("server", "status", "--json", cwd=tmp_path).stdout)
    assert {m["name"]: (m["role"], m["lead"], m["sites"], m["answers"]) for m in listed
            if m["name"] in ("张三", "王五")} == {"张三": (team.roles["张三"], False, 2, 0),
                                                 "王五": (team.roles["王五"], True, 0, 0)}
    refused = cli("server", "assign", "张三", "成都市", "无此市", cwd=tmp_path)
    assert refused.exit_code == 1
    assert "site(s) not on the server: 无此市" in refused.output
    again = cli("server", "assign", "张三", "成都市", "德阳市", cwd=tmp_path)
    assert "1 site(s) newly assigned, 1 already" in again.output
    # a member is not the owner: adding members is refused in one message
    team.use_member("张三")
    denied = cli("server", "add-evaluator", "赵六", "--role", "zhaoliu", cwd=tmp_path)
    assert denied.exit_code == 1
    assert "adding a member needs the server's owner" in denied.output
    denied = cli("server", "assign", "张三", "德阳市", cwd=tmp_path)
    assert denied.exit_code == 1
    assert "permission denied for table assignments" in denied.output


def test_an_answer_saved_here_during_a_sync_is_not_replaced_by_an_older_one(team, tmp_path,
                                                                             monkeypatch):
    zs1 = team.workspace(tmp_path / "zs1", "张三", SITES[:2], MINI)
    zs2 = team.workspace(tmp_path / "zs2", "张三", SITES[:2], MINI)
    _save(zs1, "成都市", "a1.q1", "yes", T0)
    _save(zs2, "成都市", "a1.q1", "no", T1)
    team.use_member("张三")
    zs2.sync()
    read = zs1.store.answers

    def collect_saves_meanwhile(site=None):
        answers = read(site)
        if site is None and not getattr(collect_saves_meanwhile, "done", False):
            collect_saves_meanwhile.done = True  # type: ignore[attr-defined]
            _save(zs1, "成都市", "a1.q1", "na", "2026-12-03T08:00:00+00:00", "刚答")
        return answers

    monkeypatch.setattr(zs1.store, "answers", collect_saves_meanwhile)
    result = zs1.sync()
    assert result.pulled == 0
    assert [(a.value, a.note) for a in zs1.answers()] == [("na", "刚答")]
    zs1.sync()
    zs2.sync()
    assert [a.value for a in zs2.answers()] == ["na"]


def test_sync_pulls_evidence_the_role_may_see_and_its_files_by_hash(team, tmp_path, cli):
    """An evaluator's capture comes to the lead (record and file, checked by hash) and into
    the lead's report --server; another evaluator does not receive it; a second sync moves
    nothing."""
    shared = tmp_path / "shared"
    zs = team.workspace(tmp_path / "zs", "张三", [], MINI)
    ls = team.workspace(tmp_path / "ls", "李四", [], MINI)
    lead = Audit.open(tmp_path / "lead")
    for audit in (zs, ls, lead):
        _with_shared_folder(audit, shared)
    team.use_member("张三")
    zs.sync()
    shot = tmp_path / "shot.png"
    record = _captured(zs, shot, "首页有")
    [entry] = record.files
    assert zs.sync().files_copied == 1
    # the lead's live report shows the screenshot from the shared folder, before any pull
    team.use_member("王五")
    live = cli("report", "--server", "-o", str(tmp_path / "live"), "-w", str(lead.root))
    assert live.exit_code == 0, live.output
    page = (tmp_path / "live" / "sites" / "成都市.html").read_text(encoding="utf-8")
    assert record.id in page and "../thumbs/" in page
    assert "file missing" not in page
    assert any(p.read_bytes() == shot.read_bytes()
               for p in (tmp_path / "live" / "evidence").rglob("*") if p.is_file())

    pulled = cli("sync", "-w", str(lead.root))
    assert pulled.exit_code == 0, pulled.output
    assert ("1 evidence record(s) pulled, 1 file(s) copied from the shared folder into this "
            "workspace") in pulled.output
    assert [r.id for r in lead.store.evidence_records()] == [record.id]
    assert (lead.root / entry.path).read_bytes() == shot.read_bytes()
    again = lead.sync()
    assert (again.evidence_pulled, again.files_pulled, again.evidence_pushed,
            again.files_copied) == (0, 0, 0, 0)
    assert len(lead.store.evidence()) == 1
    # the lead's own report (not --server) now shows the pulled screenshot too
    lead.report(tmp_path / "own")
    own = (tmp_path / "own" / "sites" / "成都市.html").read_text(encoding="utf-8")
    assert record.id in own and "../thumbs/" in own

    # 李四 is assigned 成都市 too, but 张三's evidence is not 李四's to receive
    team.use_member("李四")
    other = ls.sync()
    assert (other.evidence_pulled, other.files_pulled) == (0, 0)
    assert ls.store.evidence() == []
    assert not (ls.root / entry.path).exists()
    # 张三's other laptop gets 张三's own capture
    zs2 = team.workspace(tmp_path / "zs2", "张三", [], MINI)
    _with_shared_folder(zs2, shared)
    team.use_member("张三")
    own = zs2.sync()
    assert (own.evidence_pulled, own.files_pulled) == (1, 1)
    assert (zs2.root / entry.path).read_bytes() == shot.read_bytes()


def test_a_tampered_file_in_the_shared_folder_is_refused_by_hash(team, tmp_path, cli):
    shared = tmp_path / "shared"
    zs = team.workspace(tmp_path / "zs", "张三", [], MINI)
    lead = Audit.open(tmp_path / "lead")
    for audit in (zs, lead):
        _with_shared_folder(audit, shared)
    team.use_member("张三")
    zs.sync()
    shot = tmp_path / "shot.png"
    record = _captured(zs, shot)
    [entry] = record.files
    zs.sync()
    (shared / entry.sha256[:2] / entry.sha256).write_bytes(b"not the screenshot")
    team.use_member("王五")
    with pytest.raises(GovauditError) as refused:
        lead.sync()
    message = str(refused.value)
    assert entry.path in message and record.id in message and "SHA-256" in message
    assert not (lead.root / entry.path).exists()
    assert lead.store.evidence() == []  # the record waits for a good file
    # what the sync saved before the refusal is kept: the answer came down
    assert [(a.site, a.value) for a in lead.answers()] == [("成都市", "yes")]
    assert [p for p in (lead.root / "evidence").rglob("*") if p.is_file()] == []  # no temp
    # from the command line: one message, no traceback
    refused_cli = cli("sync", "-w", str(lead.root))
    assert refused_cli.exit_code == 1
    assert record.id in refused_cli.output and "Traceback" not in refused_cli.output
    # the shared folder mended: the next sync pulls both
    (shared / entry.sha256[:2] / entry.sha256).write_bytes(shot.read_bytes())
    mended = lead.sync()
    assert (mended.evidence_pulled, mended.files_pulled) == (1, 1)
