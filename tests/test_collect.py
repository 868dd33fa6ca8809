"""The core of collect: the question plan, skip logic, resume point, saves and the summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from govaudit import Audit, Evidence
from govaudit.collect import CollectSession, page_urls, plan_sessions, select_indicators
from govaudit.errors import GovauditError
from govaudit.probes.registry import probe_result
from govaudit.scoring import scorer
from govaudit.store import PageRecord, Store

FIXTURE = Path(__file__).parent / "fixtures" / "collect.yaml"
SITES = [("成都市", "http://cd.example/", "city"), ("郫都区", "http://pidu.example", "county")]


@pytest.fixture
def ws(make_workspace):
    return make_workspace(FIXTURE, sites=SITES)


def session_for(ws, name: str = "成都市", **kwargs) -> CollectSession:
    store = Store(ws)
    return CollectSession(ws.checklist, ws, store, scorer(ws.checklist, ws.settlement),
                                            store.site(name), **kwargs)


def ids(session: CollectSession) -> list[str]:
    return [item.question.id for item in session.items]


def test_plan_follows_level_and_indicator_choice(ws):
    city, county = session_for(ws), session_for(ws, "郫都区")
    assert ids(city) == ["disclosure.q1", "disclosure.q2", "disclosure.q3", "disclosure.q4",
                         "ipv6.q1", "ipv6.q2", "innovation.q1"]
    # ipv6.q2 is asked only at city level; innovation has no county weight
    assert ids(county) == ids(city)[:5]
    # a first-level id selects every leaf below it
    only = select_indicators(ws.checklist, ["service"])
    assert [i.id for i in only] == ["ipv6"]
    assert ids(session_for(ws, indicators=only)) == ["ipv6.q1", "ipv6.q2"]
    with pytest.raises(GovauditError, match="unknown indicator 'ipv7'.*did you mean ipv6"):
        select_indicators(ws.checklist, ["ipv7"])


def test_skip_logic_hides_and_shows_the_follow_up(ws):
    session = session_for(ws)
    q1, q2, q3 = 0, 1, 2
    assert session.state(q2) is None  # undecided until q1 is answered
    assert session.start() == q1
    assert session.next_index(q1) == q3  # q2 waits for q1
    session.answer(q1, "否")
    assert session.state(q2) is False and session.next_index(q1) == q3
    assert session.progress(q3) == (2, 6)  # q2 left the count
    saved = session.answer(q1, "是", "专栏在首页底部")
    assert saved.changed and saved.previous == "no"
    assert session.next_index(q1) == q2 and session.progress(q3) == (3, 7)
    assert session.previous_index(q3) == q2


def test_hidden_answer_stops_counting_in_the_score(ws):
    session = session_for(ws)
    session.answer(0, "yes")
    session.answer(1, "差")  # 0 of q2's points
    session.answer(2, "3")
    low = session.summary().score.total
    session.answer(0, "no")  # q2 is hidden now: its 差 no longer weighs
    hidden = session.summary().score.total
    assert Store(ws).answers("成都市")[1].value == "差"  # kept, not deleted
    # q1 no (0 of 1) + q3 3/3 (1 of 1) -> 6 × 1/2; with q2 shown it was 6 × 2/3
    assert low == pytest.approx(6 * 2 / 3)
    assert hidden == pytest.approx(6 * 1 / 2)


def test_resume_at_first_unanswered_and_redo_from_the_start(ws):
    session = session_for(ws)
    session.answer(0, "yes")
    session.answer(1, "好")
    session.skip(2)
    session.answer(3, "专栏齐全")
    again = session_for(ws)
    # three answered, one of them after the resume point
    assert again.start() == 2 and again.answered_count() == 3
    assert again.next_index(2) == 4  # q4 is answered: the normal walk passes it
    redo = session_for(ws, redo=True)
    assert redo.start() == 0 and redo.next_index(2) == 3
    assert redo.default(1) == "好"


def test_answers_keep_history_and_the_summary_counts(ws):
    session = session_for(ws)
    session.answer(0, "yes")
    session.answer(1, "中", "内容一般")
    session.answer(2, "na", "无此栏目")
    session.skip(3)
    session.answer(4, "无法判断")
    session.answer(1, "好")  # changed: 中 -> 好, and its note is gone
    session.skip(5)
    summary = session.summary()
    assert (summary.answered, summary.changed, summary.skipped, summary.unknown,
            summary.notes) == (4, 1, 2, 1, 1)
    assert summary.remaining == 3 and summary.questions == 7
    assert summary.score is not None and summary.score.answered == 3  # unknown is not scored
    [q2] = [a for a in Store(ws).answers("成都市") if a.question == "disclosure.q2"]
    assert q2.value == "好" and q2.history[-1]["value"] == "中"
    assert q2.history[-1]["note"] == "内容一般"


IPV6_RESULT = {"probe": "ipv6", "host": "cd.example", "aaaa": ["2001:db8::1"], "has_aaaa": True,
               "reachable": True, "status": 200, "error": "", "site": "成都市",
               "time": "2026-11-22T08:00:00Z"}


def test_probe_suggestions_preselect_but_never_count_as_answered(ws):
    store = Store(ws)
    store.save_probe_results("成都市", [probe_result(IPV6_RESULT)])
    session = session_for(ws)
    hint = session.hint(4)
    assert hint is not None and (hint.value, hint.probe) == ("yes", "ipv6")
    assert "2001:db8::1" in hint.detail
    assert session.hint(0) is None and session.default(4) == "yes"
    # a stored probe answer (check --apply) is a suggestion, not an answer
    store.save_answer("成都市", "ipv6.q2", "ipv6", "no", "probe", note="ipv6: no AAAA")
    session = session_for(ws, indicators=select_indicators(ws.checklist, ["ipv6"]))
    assert session.start() == 0 and session.next_index(0) == 1
    assert session.hint(1).value == "no" and session.current(1) is None
    session.answer(0, "no")  # a person disagrees with the probe: theirs stands
    assert session.current(0).value == "no" and session.default(0) == "no"


def test_bad_values_name_the_question(ws):
    session = session_for(ws)
    with pytest.raises(GovauditError, match="disclosure.q3.*whole number"):
        session.answer(2, "十二")
    assert Store(ws).answers("成都市") == []


def test_evidence_links_now_or_with_the_next_answer(ws):
    session = session_for(ws)
    record = {"id": "ev-000000000001", "run": "20261122T081500Z-ab12", "site": "成都市",
              "indicator": "disclosure", "question": "disclosure.q1",
              "requested_url": "http://cd.example/open/", "final_url": "http://cd.example/open/",
              "files": [], "error": ""}
    session.add_evidence(0, Evidence.from_dict(record))  # not answered yet: waits for it
    saved = session.answer(0, "yes")
    assert saved.answer.evidence == ["ev-000000000001"]
    session.add_evidence(0, Evidence.from_dict({**record, "id": "ev-000000000002"}))  # at once
    [answer] = Store(ws).answers("成都市")
    assert answer.evidence == ["ev-000000000001", "ev-000000000002"] and answer.history == []
    assert session.summary().evidence == 2
    pages = Store(ws).pages("成都市")
    assert [(p.url, p.question) for p in pages] == [("http://cd.example/open/", "disclosure.q1")]


def test_page_urls_resolve_and_include_recorded_ones(ws):
    store = Store(ws)
    site = store.site("郫都区")
    indicator = ws.checklist.indicator("disclosure")
    store.record_page(PageRecord("郫都区", "http://pidu.example/list.html", "disclosure",
                                 "disclosure.q3"))
    store.record_page(PageRecord("成都市", "http://cd.example/other", "disclosure", ""))
    urls = page_urls(site, indicator, store.pages())
    assert urls == ["http://pidu.example/open/", "http://pidu.example/list.html"]
    session = session_for(ws, "郫都区")
    assert session.urls(0) == [*urls, "http://pidu.example"]


def test_plan_sessions_reports_sites_with_nothing_to_ask(ws, make_workspace):
    store = Store(ws)
    score = scorer(ws.checklist, ws.settlement)
    plan = plan_sessions(ws.checklist, ws, store, score, store.select(None), ["innovation"])
    assert [s.site.name for s in plan.sessions] == ["成都市"]
    assert [s.name for s in plan.not_assessed] == ["郫都区"]
    plan = plan_sessions(ws.checklist, ws, store, score, store.select(None), None)
    assert [s.site.name for s in plan.sessions] == ["成都市", "郫都区"]
    with pytest.raises(GovauditError, match="unknown site 'nowhere'"):
        Audit(ws).collect(["nowhere"])
    empty = make_workspace(FIXTURE, name="empty")
    with pytest.raises(GovauditError, match="no sites in this workspace"):
        Audit(empty).collect()
