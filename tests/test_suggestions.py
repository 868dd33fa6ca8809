"""Suggested answers from probe results, and applying them without overriding a person."""

from __future__ import annotations

from pathlib import Path

import pytest

from govaudit.checklist import load_checklist
from govaudit.model import ProbeResult
from govaudit.probes.registry import probe_result
from govaudit.scoring import consolidate, score_sites
from govaudit.store import Site, Store
from govaudit.suggestions import Suggestion, apply_suggestions, suggestions_for

FIXTURE = Path(__file__).parent / "fixtures" / "probes.yaml"
SITE = Site("测试市", "http://www.test.gov.cn/", "city")


def results(**changes: dict) -> dict[str, ProbeResult]:
    """Typed probe results of `rows(**changes)`."""
    return {name: probe_result(row, name) for name, row in rows(**changes).items()}


def rows(**changes: dict) -> dict[str, dict]:
    """Probe results shaped as `check` stores them; `changes` replace whole probes."""
    base = {
        "availability": {"probe": "availability", "samples": 3, "failures": 0, "status": 200,
                         "latency_median_ms": 42.0, "errors": []},
        "links": {"probe": "links", "checked": 40, "broken_count": 2, "broken": [
            {"url": "http://www.test.gov.cn/a.html", "status": 404, "error": "",
             "found_on": "http://www.test.gov.cn/", "text": "甲", "tag": "a"},
            {"url": "http://www.test.gov.cn/b.html", "status": None,
             "error": "connection refused", "found_on": "http://www.test.gov.cn/", "text": "乙",
             "tag": "a"}]},
        "ipv6": {"probe": "ipv6", "host": "www.test.gov.cn", "aaaa": ["240e::1"],
                 "has_aaaa": True, "reachable": True, "status": 200, "error": ""},
        "marks": {"probe": "marks", "site_code": "5101000001", "icp": "蜀ICP备05003205号-1",
                  "police": None, "conac": True, "conac_url": "https://bszs.conac.cn/x",
                  "sponsor": "测试市人民政府办公厅", "sitemap": None,
                  "where": {"site_code": "footer", "icp": "footer", "sponsor": "page"},
                  "page": {"url": "http://www.test.gov.cn/",
                           "final_url": "http://www.test.gov.cn/index.html"}},
        "freshness": {"probe": "freshness", "latest": "2026-11-20", "days": 2,
                      "source": "http://www.test.gov.cn/news/", "today": "2026-11-22"},
        "features": {"probe": "features",
                     "search": {"found": True, "match": '<form action="/s"> <input '
                                                        'type="search" name="q">'},
                     "login": {"found": False, "match": None},
                     "disclosure_request": {"found": True, "match": "link 「依申请公开」 → /ysq"},
                     "gov_info": {"found": False, "match": None},
                     "interpretation": {"found": False, "match": None},
                     "interaction": {"found": False, "match": None},
                     "accessibility": {"found": False, "match": None}},
    }
    base.update(changes)
    return base


@pytest.fixture(scope="module")
def checklist():
    return load_checklist(FIXTURE)


def test_suggestions_with_their_evidence(checklist):
    got = suggestions_for(checklist, SITE, results())
    values = {qid: (s.value, s.probe) for qid, s in got.items()}
    assert values == {
        "footer.sponsor": ("yes", "marks.sponsor"),
        "footer.conac": ("yes", "marks.conac"),
        "footer.code": ("yes", "marks.site_code"),
        "footer.icp": ("yes", "marks.icp"),
        "footer.police": ("no", "marks.police"),
        "footer.sitemap": ("no", "marks.sitemap"),
        "daily.up": ("yes", "availability"),
        "daily.links": ("no", "links"),
        "daily.broken": ("2", "links"),
        "daily.fresh": ("yes", "freshness"),
        "daily.fresh-note": (got["daily.fresh-note"].detail, "freshness"),
        "daily.v6": ("yes", "ipv6"),
        "service.search": ("yes", "features.search"),
        "service.ysq": ("yes", "features.disclosure_request"),
    }
    # graded questions, features not found in the HTML, county-only and manual questions: none
    details = {qid: s.detail for qid, s in got.items()}
    assert details["footer.icp"] == "ICP备案号 蜀ICP备05003205号-1 found in the footer"
    assert details["footer.sponsor"] == "主办单位 测试市人民政府办公厅 found on the home page"
    assert details["footer.police"] == ("no 公安机关备案号 found on "
                                        "http://www.test.gov.cn/index.html")
    assert details["footer.conac"] == "党政机关网站标识: badge linking to https://bszs.conac.cn/x"
    assert details["daily.links"] == (
        "2 of 40 links broken: http://www.test.gov.cn/a.html (404); "
        "http://www.test.gov.cn/b.html (connection refused)")
    assert details["daily.up"] == "3/3 requests answered HTTP 200, median 42.0 ms"
    assert details["daily.fresh"] == ("newest date 2026-11-20 on http://www.test.gov.cn/news/, "
                                      "2 day(s) before 2026-11-22")
    assert details["daily.v6"] == "www.test.gov.cn has AAAA 240e::1; HTTP 200 over IPv6"
    assert details["service.ysq"] == "依申请公开: link 「依申请公开」 → /ysq"
    assert all(isinstance(s, Suggestion) and s.question == qid for qid, s in got.items())


def test_bad_findings_suggest_no(checklist):
    got = suggestions_for(checklist, SITE, results(
        availability={"samples": 3, "failures": 1, "status": 200, "latency_median_ms": 9.0,
                      "errors": ["HTTP 503"]},
        links={"checked": 5, "broken": []},
        ipv6={"host": "www.test.gov.cn", "aaaa": [], "has_aaaa": False, "reachable": False,
              "error": "no AAAA record (Name or service not known)"},
        freshness={"latest": "2026-10-01", "days": 52, "source": "http://www.test.gov.cn/",
                   "today": "2026-11-22"}))
    assert (got["daily.up"].value, got["daily.up"].detail) == (
        "no", "1 of 3 requests failed (HTTP 503)")
    assert (got["daily.links"].value, got["daily.links"].detail) == ("yes", "all 5 links work")
    assert got["daily.broken"].value == "0"
    assert (got["daily.v6"].value, got["daily.v6"].detail) == (
        "no", "www.test.gov.cn: no AAAA record (Name or service not known)")
    assert got["daily.fresh"].value == "no"
    unreachable = suggestions_for(checklist, SITE, results(ipv6={
        "host": "h", "aaaa": ["240e::1"], "has_aaaa": True, "reachable": False,
        "error": "connect timeout"}))["daily.v6"]
    assert (unreachable.value, unreachable.detail) == (
        "no", "h has AAAA 240e::1 but no answer over IPv6 (connect timeout)")


def test_samples_not_judged_say_why_by_their_count_not_their_words():
    """A challenge no browser decided and a redirect not followed are both "could not
    judge"; which one is told by the result's counts, whatever language its errors are in."""
    from govaudit.probes import registry

    probe = registry.get("availability")
    assert probe is not None
    challenge = probe.suggest("availability", probe_result({
        "probe": "availability", "samples": 3, "refused": 3, "undecided": 3, "challenged": 3,
        "errors": ["防护验证页：由浏览器判断；未启动浏览器"]}))
    assert challenge is not None and challenge.good is None
    assert "met an anti-bot challenge that no browser decided" in challenge.detail
    refused = probe.suggest("availability", probe_result({
        "probe": "availability", "samples": 3, "refused": 3, "challenged": 1,
        "errors": ["a challenge page, then a redirect to a private address [netpolicy:private]"]}))
    assert refused is not None and "were not followed" in refused.detail


def test_no_suggestion_without_evidence(checklist):
    failed = {"failed": True, "error": "home page unusable: HTTP 503"}
    got = suggestions_for(checklist, SITE, results(marks=failed, features=failed,
                                                   freshness={"latest": None, "days": None}))
    assert not any(qid.startswith(("footer.", "service.")) for qid in got)
    assert "daily.fresh" not in got and "daily.fresh-note" not in got
    assert suggestions_for(checklist, SITE, {}) == {}
    county = suggestions_for(checklist, Site("县", "http://x/", "county"), results())
    assert county["service.county-only"].value == "yes"


def test_apply_never_replaces_a_person(make_workspace, checklist):
    ws = make_workspace(FIXTURE, sites=[("测试市", "http://www.test.gov.cn/", "city")])
    store = Store(ws)
    store.save_probe_results("测试市", list(results().values()))
    store.save_answer("测试市", "footer.police", "footer", "yes", "张三", note="看到了")
    assert apply_suggestions(store, ws.checklist, store.sites()) == 13
    answers = {(a.question, a.evaluator): a for a in store.answers("测试市")}
    assert answers[("footer.police", "张三")].value == "yes"
    assert ("footer.police", "probe") not in answers
    icp = answers[("footer.icp", "probe")]
    assert (icp.value, icp.note) == ("yes", "marks.icp: ICP备案号 蜀ICP备05003205号-1 found in "
                                            "the footer")
    assert answers[("daily.broken", "probe")].value == 2
    # unchanged results: nothing to save; a changed result updates the probe's answer
    assert apply_suggestions(store, ws.checklist, ["测试市"]) == 0
    store.save_probe_results("测试市", [probe_result({"probe": "links", "checked": 40,
                                                      "broken": []})])
    assert apply_suggestions(store, ws.checklist, ["测试市"]) == 2
    links = {a.question: a for a in store.answers("测试市") if a.evaluator == "probe"}
    assert (links["daily.links"].value, links["daily.links"].history[-1]["value"]) == ("yes",
                                                                                      "no")
    # the person's answer wins when answers are consolidated and scored
    store.save_answer("测试市", "daily.links", "daily", "no", "张三")
    chosen = consolidate(store.answers("测试市"), ws.evaluator)
    assert chosen[("测试市", "daily.links")].evaluator == "张三"
    assert chosen[("测试市", "footer.icp")].evaluator == "probe"
    assert apply_suggestions(store, ws.checklist, ["测试市"]) == 0
    report = score_sites(ws.checklist, store.sites(), store.answers(), ws.evaluator)
    # 12 scored questions answered by the probes (daily.links now by the person, the text
    # question not counted) + footer.police by the person
    assert report.sites[0].answered == 13


def test_mark_suggestions_say_how_the_mark_was_found(checklist):
    marks = rows()["marks"]
    got = suggestions_for(checklist, SITE, results(marks={
        **marks, "site_code": "51010000", "conac_url": "http://dcs.conac.cn/js/1.js",
        "where": {"site_code": "footer", "icp": "footer", "conac": "footer"},
        "details": {
            "site_code": {"value": "51010000", "where": "footer", "found_as": "text",
                          "noscript": False, "source": "static", "valid": False,
                          "format": None, "problem": "not 10 digits (local site) nor bm and 8 "
                                                     "digits (ministry)"},
            "icp": {"value": "蜀ICP备05003205号-1", "where": "footer", "found_as": "text",
                    "noscript": True, "source": "static"},
            "conac": {"value": "http://dcs.conac.cn/js/1.js", "where": "footer",
                      "found_as": "script", "noscript": False, "source": "static"}}}))
    assert (got["footer.code"].value, got["footer.code"].detail) == (
        "no", "网站标识码 51010000 found in the footer, but malformed: not 10 digits "
              "(local site) nor bm and 8 digits (ministry)")
    assert (got["footer.icp"].value, got["footer.icp"].detail) == (
        "yes", "ICP备案号 蜀ICP备05003205号-1 found in the footer (inside <noscript>: "
               "shown only without scripts)")
    assert (got["footer.conac"].value, got["footer.conac"].detail) == (
        "yes", "党政机关网站标识: written by the script http://dcs.conac.cn/js/1.js")


def test_links_that_could_not_be_checked_are_counted_apart(checklist):
    refused = {"url": "http://127.0.0.1:9/x", "status": None, "error": "connection refused",
               "found_on": "http://www.test.gov.cn/", "text": "甲", "tag": "a"}
    dns = {**refused, "url": "http://nonexistent.invalid/",
           "error": "DNS lookup failed (Name or service not known)"}
    missing = {**refused, "url": "http://www.test.gov.cn/a.html", "status": 404, "error": ""}
    got = suggestions_for(checklist, SITE, results(links={
        "checked": 10, "broken": [], "unchecked": [refused, dns]}))
    assert (got["daily.links"].value, got["daily.links"].detail) == (
        "yes", "all 8 links checked work; 2 more could not be checked from this machine "
               "(connection refused 1, DNS lookup failed 1)")
    got = suggestions_for(checklist, SITE, results(links={
        "checked": 10, "broken": [missing], "unchecked": [dns]}))
    assert (got["daily.links"].value, got["daily.broken"].value) == ("no", "1")
    assert got["daily.links"].detail == (
        "1 of 9 links broken: http://www.test.gov.cn/a.html (404); 1 more could not be "
        "checked from this machine (DNS lookup failed 1)")
    nothing = suggestions_for(checklist, SITE, results(links={
        "checked": 2, "broken": [], "unchecked": [refused, dns]}))
    assert "daily.links" not in nothing and "daily.broken" not in nothing


def _content(*rows: tuple[str, str]) -> ProbeResult:
    """A stored content result of (check, result) rows."""
    return probe_result({"probe": "content", "pages": ["http://www.test.gov.cn/"], "rows": [
        {"check": c, "result": r, "detail": f"{c} {r}", "url": "http://www.test.gov.cn/"}
        for c, r in rows]})


def test_personal_data_suggests_the_secrets_veto_only_when_found():
    """content.personal answers 泄露国家秘密 in the problem sense, and only with a finding:
    no personal number found does not say that nothing secret leaked."""
    gov = load_checklist(Path(__file__).parent.parent / "checklists" / "gov-2019-website.yaml")
    site = Site("测试市", "http://www.test.gov.cn/", "portal")
    found = suggestions_for(gov, site, {"content": _content(("personal", "problem"))})
    assert (found["security.q2"].value, found["security.q2"].probe) == ("yes",
                                                                        "content.personal")
    assert "personal number(s) not de-identified" in found["security.q2"].detail
    clean = suggestions_for(gov, site, {"content": _content(("personal", "pass"))})
    assert "security.q2" not in clean


def test_a_question_of_several_keys_is_not_good_when_one_is(checklist):
    """发布或链接…内容 reads listed words and outbound links; 链接有效性 (cstc-2020) the link
    checks and outbound links: one key not good makes the question's problem, all good
    make it good, a key that could not run leaves it unanswered."""
    root = Path(__file__).parent.parent / "checklists"
    gov = load_checklist(root / "gov-2019-website.yaml")
    site = Site("测试市", "http://www.test.gov.cn/", "portal")

    def q3(*rows: tuple[str, str]) -> tuple[str, str, str] | None:
        got = suggestions_for(gov, site, {"content": _content(*rows)}).get("security.q3")
        return (got.value, got.probe, got.detail) if got else None

    assert q3(("words", "pass"), ("outbound", "problem")) == (
        "yes", "content.outbound",
        "1 outbound link problem(s) found: outbound problem (http://www.test.gov.cn/)")
    assert q3(("words", "problem"), ("outbound", "problem"))[:2] == (
        "yes", "content.words, content.outbound")
    assert q3(("words", "pass"), ("outbound", "pass"))[:2] == (
        "no", "content.words, content.outbound")
    assert q3(("words", "pass"), ("outbound", "could not judge")) is None
    local = load_checklist(root / "cstc-2020-local.yaml")
    city = Site("测试市", "http://www.test.gov.cn/", "city")
    clean_links = results(links={"checked": 5, "broken": []})
    alone = suggestions_for(local, city, clean_links)["daily-operations.q2"]
    assert (alone.value, alone.probe) == ("yes", "links")  # no content result: links alone
    both = suggestions_for(local, city, {**clean_links, "content": _content(
        ("outbound", "problem"))})["daily-operations.q2"]
    assert (both.value, both.probe) == ("no", "content.outbound")
