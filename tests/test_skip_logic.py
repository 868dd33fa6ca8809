"""Skip logic is one rule everywhere: answer, answer --file, collect, scoring and the report."""

from __future__ import annotations

from pathlib import Path

from govaudit.scoring import scorer
from govaudit.store import Store

SITES = [("成都市", "https://www.chengdu.gov.cn", "city")]


def test_answer_refuses_a_skipped_question(make_workspace, cli):
    ws = make_workspace(sites=SITES)
    assert cli("answer", "成都市", "a1.q1", "no", cwd=ws.root).exit_code == 0
    result = cli("answer", "成都市", "a1.q2", "好", cwd=ws.root)
    assert result.exit_code == 1
    assert "question a1.q2 is skipped for 成都市" in result.output
    assert "q1 == yes" in result.output and "a1.q1" in result.output
    assert "answered '否'" in result.output
    assert "Traceback" not in result.output
    assert [a.question for a in Store(ws).answers()] == ["a1.q1"]
    # once the answer it depends on holds, the question is asked
    assert cli("answer", "成都市", "a1.q1", "yes", cwd=ws.root).exit_code == 0
    assert cli("answer", "成都市", "a1.q2", "好", cwd=ws.root).exit_code == 0


def test_answer_allows_a_question_whose_condition_is_still_open(make_workspace, cli):
    ws = make_workspace(sites=SITES)
    assert cli("answer", "成都市", "a1.q2", "中", cwd=ws.root).exit_code == 0


def test_answer_file_checks_skip_logic_with_its_own_rows(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    bad = tmp_path / "answers.csv"
    bad.write_text("site,question,value\n成都市,a1.q2,好\n成都市,a1.q1,no\n", encoding="utf-8")
    result = cli("answer", "--file", str(bad), cwd=ws.root)
    assert result.exit_code == 1
    assert "row 2: question a1.q2 is skipped for 成都市" in result.output
    assert Store(ws).answers() == []
    # against the stored answers too
    assert cli("answer", "成都市", "a1.q1", "no", cwd=ws.root).exit_code == 0
    later = tmp_path / "later.csv"
    later.write_text("site,question,value\n成都市,a1.q2,好\n", encoding="utf-8")
    result = cli("answer", "--file", str(later), cwd=ws.root)
    assert result.exit_code == 1 and "row 2: question a1.q2 is skipped" in result.output
    # a file that changes the answer it depends on is fine
    both = tmp_path / "both.csv"
    both.write_text("site,question,value\n成都市,a1.q2,好\n成都市,a1.q1,yes\n", encoding="utf-8")
    assert cli("answer", "--file", str(both), cwd=ws.root).exit_code == 0


def test_collect_uses_the_scoring_skip_logic(make_workspace):
    import govaudit.collect as collect
    from govaudit.scoring import asked

    assert not hasattr(collect, "shown_state")
    ws = make_workspace(sites=SITES)
    store = Store(ws)
    session = collect.CollectSession(ws.checklist, ws, store, scorer(ws.checklist, ws.settlement),
                                                       store.site("成都市"))
    q2 = next(i for i, item in enumerate(session.items) if item.question.id == "a1.q2")
    assert session.state(q2) is None
    assert asked(session.items[q2].question, "city", {"a1.q1": "no"}) is False
