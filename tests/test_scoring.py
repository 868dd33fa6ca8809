"""Scoring computed by hand: na, skip logic, graded, counts by benchmark, bonus cap, ties."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govaudit.checklist import load_checklist
from govaudit.scoring import consolidate, dense_ranks, score_sites
from govaudit.store import Answer, Site

FIXTURE = Path(__file__).parent / "fixtures" / "scoring.yaml"

ANSWERS = {
    # site: {question: value}
    "甲市": {"a.q1": "yes", "a.q2": "中", "a.q3": "na", "b.q1": 8, "b.q2": "no",
             "c1.q1": "优秀", "c2.q1": "yes"},
    "乙市": {"a.q1": "no", "a.q2": "好", "a.q3": "yes", "b.q1": 4, "b.q2": "no",
             "c1.q1": "良好"},
    "丙市": {"a.q1": "yes", "a.q2": "差", "a.q3": "yes", "b.q1": 8, "b.q2": "na",
             "c1.q1": "na", "c2.q1": "no"},
    "丁市": {"a.q1": "yes", "a.q2": "差", "a.q3": "yes", "b.q1": 8, "b.q2": "na",
             "c1.q1": "na", "c2.q1": "no"},
    "戊县": {"a.q1": "yes", "a.q2": "好", "a.q3": "yes", "b.q1": 100, "b.q2": "yes",
             "c1.q1": "未申报", "c2.q1": "no"},
}
LEVELS = {"甲市": "city", "乙市": "city", "丙市": "city", "丁市": "city", "戊县": "county"}


def _answers() -> list[Answer]:
    return [Answer(site, q, q.split(".")[0], v, "张三", "2026-11-01T00:00:00+00:00")
            for site, values in ANSWERS.items() for q, v in values.items()]


def _report():
    sites = [Site(name, f"https://{n}.example", level) for n, (name, level)
             in enumerate(LEVELS.items())]
    return score_sites(load_checklist(FIXTURE), sites, _answers(), "张三")


def test_scores_by_hand():
    scores = {s.site: s for s in _report().sites}
    a = scores["甲市"]
    # a: q1 yes (2 points), q2 中 0.5, q3 na (dropped): 40 × 2.5/3
    assert a.indicators["a"] == pytest.approx(40 * 2.5 / 3)
    # b: count 8 of the best 8 among city sites = 1; q2 no: 60 × 1/2
    assert a.indicators["b"] == pytest.approx(30)
    # bonus 10 + 10 capped at 10
    assert a.bonus == pytest.approx(10)
    assert a.total == pytest.approx(40 * 2.5 / 3 + 30 + 10)
    assert a.grade == "发展" and a.complete

    b = scores["乙市"]
    # q1 no hides q3 (its answer no longer counts): (0×2 + 1×1)/3
    assert b.indicators["a"] == pytest.approx(40 / 3)
    assert b.indicators["b"] == pytest.approx(60 * (4 / 8) / 2)
    assert b.bonus == pytest.approx(7)
    assert b.total == pytest.approx(40 / 3 + 15 + 7)
    assert b.grade == "起步"
    assert not b.complete and b.answered == b.questions - 1  # c2 unanswered

    c = scores["丙市"]
    assert c.indicators["a"] == pytest.approx(40 * 3 / 4)
    assert c.indicators["b"] == pytest.approx(60)  # b.q2 na leaves only the count
    assert c.total == pytest.approx(90) and c.grade == "优秀"

    e = scores["戊县"]
    # the county's benchmark is its own best (100), not the city's
    assert e.indicators["b"] == pytest.approx(60)
    assert e.total == pytest.approx(100) and e.grade == "卓越"  # the top band includes 100


def test_dense_ranks_within_level():
    ranks = {s.site: s.rank for s in _report().sites}
    assert ranks == {"丙市": 1, "丁市": 1, "甲市": 2, "乙市": 3, "戊县": 1}
    assert dense_ranks([90, 85, 85, 80]) == [1, 2, 2, 3]


def test_person_beats_probe_and_own_evaluator_beats_teammate():
    common = dict(site="s", question="a.q1", indicator="a")
    probe = Answer(value="yes", evaluator="probe", time="2026-11-03T00:00:00+00:00", **common)
    mine = Answer(value="no", evaluator="张三", time="2026-11-01T00:00:00+00:00", **common)
    teammate = Answer(value="na", evaluator="李四", time="2026-11-02T00:00:00+00:00", **common)
    assert consolidate([probe, mine, teammate], "张三")[("s", "a.q1")] is mine
    assert consolidate([probe, teammate], "张三")[("s", "a.q1")] is teammate
    assert consolidate([probe], "张三")[("s", "a.q1")] is probe


def test_unweighted_checklist_reports_fractions(make_workspace, cli):
    ws = make_workspace(checklist="cstc-2021-digital-gov",
                        sites=[("某省", "https://gov.example", "default")])
    question = ws.checklist.indicators[0].questions[0]
    value = "yes" if question.type == "yes_no" else "1"
    assert cli("answer", "某省", question.id, value, cwd=ws.root).exit_code == 0
    data = json.loads(cli("score", "--json", cwd=ws.root).output)
    site = data["sites"][0]
    assert site["total"] is None and site["grade"] == "" and site["rank"] is None
    assert "need weights" in data["note"]
    first = ws.checklist.indicators[0]
    assert 0 < site["indicators"][first.id] <= 1
    table = cli("score", cwd=ws.root).output
    assert "publishes no weights" in table


def test_score_json_shape(make_workspace, cli):
    ws = make_workspace(checklist=FIXTURE, sites=[(n, f"https://{i}.example", lv) for i, (n, lv)
                                                  in enumerate(LEVELS.items())])
    from govaudit.store import Store

    Store(ws).save_answers(_answers())
    data = json.loads(cli("score", "--json", cwd=ws.root).output)
    assert data["checklist"] == "scoring"
    row = next(s for s in data["sites"] if s["site"] == "丙市")
    assert set(row) == {"site", "level", "total", "bonus", "grade", "rank", "answered",
                        "questions", "complete", "indicators", "group", "provisional",
                        "open_points"}
    assert row["total"] == 90 and row["rank"] == 1 and row["complete"] is True
    status = json.loads(cli("status", "--json", cwd=ws.root).output)
    row = next(s for s in status["sites"] if s["site"] == "乙市")
    assert {"site": "乙市", "level": "city", "answered": 5, "questions": 6}.items() <= row.items()


def test_totals_that_look_equal_rank_equal():
    """85.123 and 85.1249 both show as 85.12 (score, workbook, report): one place."""
    from govaudit.report.render import _number
    from govaudit.scoring import shown_total

    assert dense_ranks([85.123, 85.1249, 85.13, 84.0]) == [2, 2, 1, 3]
    assert shown_total(85.123) == shown_total(85.1249) == 85.12  # the workbook writes shown_total
    assert _number(85.123) == _number(85.1249) == "85.12"


def test_a_total_that_shows_as_85_gets_the_grade_from_85():
    """84.996 shows as 85.00 everywhere, so it is graded as 85 (优秀 ≥ 85), not 发展."""
    like_bing = {"a.q1": "yes", "a.q2": "差", "a.q3": "yes", "b.q2": "na", "c1.q1": "na",
                 "c2.q1": "no"}
    counts = {"近市": 916_600, "最佳市": 1_000_000}
    answers = [Answer(site, q, q.split(".")[0], v, "张三", "2026-11-01T00:00:00+00:00")
               for site, count in counts.items()
               for q, v in {**like_bing, "b.q1": count}.items()]
    sites = [Site(name, f"https://s{n}.example", "city") for n, name in enumerate(counts)]
    scores = {s.site: s for s in score_sites(load_checklist(FIXTURE), sites, answers,
                                             "张三").sites}
    near = scores["近市"]
    assert near.total == pytest.approx(30 + 60 * 0.9166)  # 84.996
    assert near.grade == "优秀"
