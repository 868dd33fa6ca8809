"""Typed probe results: stored rows (also old ones) load, and round-trip unchanged."""

from __future__ import annotations

from govaudit.model import FailedProbe
from govaudit.probes.checks.features import FeaturesResult
from govaudit.probes.checks.links import LinksResult
from govaudit.probes.checks.marks import MarksResult
from govaudit.probes.registry import probe_result


def test_old_rows_without_newer_fields_load():
    links = probe_result({"probe": "links", "site": "甲市", "checked": 12, "url": "x",
                          "broken": [{"url": "https://a/old.html", "status": 404,
                                      "found_on": "https://a/", "text": "旧栏目"}]})
    assert isinstance(links, LinksResult)
    assert (links.broken_count, links.unchecked_count, links.broken[0].error) == (1, 0, "")
    marks = probe_result({"probe": "marks", "icp": "京ICP备05070218号-1", "conac": False,
                          "where": {}})
    assert isinstance(marks, MarksResult)
    assert (marks.value("icp"), marks.value("conac"), marks.details) == (
        "京ICP备05070218号-1", None, {})
    failed = probe_result({"failed": True, "error": "home page unusable: HTTP 503"}, "marks")
    assert failed == FailedProbe(name="marks", error="home page unusable: HTTP 503")
    assert failed.summary() == "failed: home page unusable: HTTP 503"


def test_rows_round_trip():
    row = {"probe": "features", "site": "甲市", "time": "t",
           "search": {"found": True, "match": "link", "source": "rendered"},
           "page": {"url": "https://a/"}}
    features = probe_result(row)
    assert isinstance(features, FeaturesResult) and features.hint("search").found
    assert not features.hint("login").found
    assert features.to_dict() == row
    marks_row = {"probe": "marks", "site": "甲市", "time": "t", "site_code": "bm12345678",
                 "icp": None, "police": None, "conac": True, "conac_url": "https://x.conac.cn/",
                 "sponsor": None, "organizer": None, "sitemap": None,
                 "where": {"site_code": "footer", "conac": "page"},
                 "details": {"site_code": {"value": "bm12345678", "where": "footer",
                                           "found_as": "text", "noscript": False,
                                           "source": "static", "valid": True,
                                           "format": "ministry"},
                             "conac": {"value": "https://x.conac.cn/", "where": "page",
                                       "found_as": "script", "noscript": False,
                                       "source": "rendered"}},
                 "source": "static+rendered", "page": {}}
    marks = probe_result(marks_row)
    assert marks.to_dict() == marks_row
    assert "党政机关网站标识: https://x.conac.cn/ (written by script)" in marks.summary()


def test_freshness_says_which_time_zone_it_counts_in():
    fresh = probe_result({"probe": "freshness", "latest": "2026-11-20", "days": 12,
                          "source": "https://a/news/", "today": "2026-12-02"})
    assert fresh.summary() == ("newest 2026-11-20 (12 day(s) ago, counted in China time, "
                               "UTC+8) on https://a/news/")
    [(label, text, late)] = fresh.facts()
    assert (label, late) == ("栏目更新", False) and "按北京时间，12 天前" in text
