"""The misfires reported on `check` and `monitor`, each on the corpus page that reproduces it
(tests/corpus: `cases` in labels.yaml), through what `check` stores, what the monitor stores
and answers, and the suggestions made of them (the `corpus_run` fixture: both run once over
the corpus with "today" its 2026-12-05)."""

from __future__ import annotations

from typing import Any

from corpus_run import CorpusRun

from govaudit.probes import registry


def _home(run: CorpusRun, site_id: str) -> tuple[str, Any]:
    site = run.site(site_id)
    return site.name, run.corpus.page(site.home_page)


def _suggest(run: CorpusRun, site: str, probe: str, key: str) -> Any:
    """What the probe's registered suggestion rule says from the stored result."""
    found = registry.probe_result(run.check[site][probe])
    rule = registry.get(probe)
    assert rule is not None
    return rule.suggest(key, found)


def _column(run: CorpusRun, site: str, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A column as check stores it (freshness pages) and as the monitor samples it."""
    url = run.url(path)
    checked = {p["url"]: p for p in run.check[site]["freshness"].get("pages", [])[1:]}
    return checked.get(url, {}), run.columns.get(site, {}).get(url, {})


def test_the_beian_filing_link_is_no_login(corpus_run: CorpusRun):
    """county-a's 公安备案 link (beian.gov.cn …/registerSystemInfo…) read as a login before."""
    site, home = _home(corpus_run, "county-a")
    assert "beian-register-not-login" in home.cases and home.features.login is False
    assert corpus_run.check[site]["features"]["login"]["found"] is False
    assert _suggest(corpus_run, site, "features", "features.login") is None


def test_a_feature_whose_only_link_is_dead_is_not_suggested_present(corpus_run: CorpusRun):
    """无障碍 (county-a: /county-a/wza/ answers 404) and 政府信息公开 (dept-d: its only link, to
    the 年报, answers 404) were suggested yes, citing the dead link as evidence."""
    for site_id, key, dead in (("county-a", "accessibility", "/county-a/wza/"),
                               ("dept-d", "gov_info", "/dept-d/col/col1099/index.html")):
        site, home = _home(corpus_run, site_id)
        assert home.features.as_dict()[key] is False
        hint = corpus_run.check[site]["features"][key]
        assert hint["found"] is False, site_id
        found = _suggest(corpus_run, site, "features", f"features.{key}")
        assert found is not None and found.good is False, site_id
        assert found.urls == (corpus_run.url(dead),) and "HTTP 404" in found.detail, site_id


def test_a_host_that_does_not_resolve_is_no_dead_link_in_either(corpus_run: CorpusRun):
    """A link to a host with no DNS answer was "could not be checked" in check but a dead link
    in the monitor, so `monitor apply` answered 链接有效性 (daily-operations.q2) no."""
    site, home = _home(corpus_run, "city-k")
    assert "dns-not-dead" in home.cases
    dns = corpus_run.url(next(u for u, why in home.links.unjudgeable.items() if why == "dns"))
    assert dns not in {row["url"] for row in corpus_run.check[site]["links"]["broken"]}
    assert dns not in {d["url"] for d in corpus_run.findings[site]["dead_links"]["samples"]}
    [sample] = [row for row in corpus_run.links[site] if row["url"] == dns]
    assert (sample["ok"], sample.get("verdict")) == (0, "dns")
    # city-g's only failing link has no DNS answer: its links are all judged working
    site, home = _home(corpus_run, "city-g")
    assert not home.links.dead and "https://beian.miit.gov.cn/" in home.links.unjudgeable
    assert corpus_run.findings[site]["dead_links"]["level"] == "ok"
    assert corpus_run.monitored[site]["daily-operations.q2"][0] == "yes"
    [answer] = [a for a in corpus_run.workspace_answers(site)
                if a.question == "daily-operations.q2"]
    assert answer.value == "yes"


def test_bracketed_and_chinese_dates_on_one_list_are_read_by_one_rule(corpus_run: CorpusRun):
    """county-a's 政务动态 list dates items [11-20] and 2026年11月18: check read neither, the
    monitor read both by a rule of its own."""
    site, home = _home(corpus_run, "county-a")
    assert "mixed-short-dates" in home.cases and str(home.newest.date) == "2026-11-20"
    assert corpus_run.check[site]["freshness"]["pages"][0]["latest"] == "2026-11-20"
    assert corpus_run.visits[site]["newest_date"] == "2026-11-20"


def test_fourteen_days_is_within_a_fourteen_day_line_for_home_pages_and_columns(
        corpus_run: CorpusRun):
    """county-f's home page and its news column are each exactly 14 days old: the home page
    was a veto (≥ 14) while the column was fresh (> 14 is stale)."""
    site, home = _home(corpus_run, "county-f")
    assert home.age(corpus_run.corpus.today) == 14
    home_stale = corpus_run.findings[site]["home_stale"]
    assert home_stale["figures"]["days"] == 14 and home_stale["level"] != "veto"
    checked, sampled = _column(corpus_run, site, "/county-f/gzdt/")
    assert checked["days"] == 14 and sampled["newest_date"] == checked["latest"]
    stale = {s["url"] for s in corpus_run.findings[site]["columns_stale"]["samples"]}
    assert corpus_run.url("/county-f/gzdt/") not in stale
    found = _suggest(corpus_run, site, "freshness", "freshness")
    assert corpus_run.check[site]["freshness"]["pages"][0]["days"] == 14
    assert found.good is True


def test_a_footer_contact_link_is_no_empty_column(corpus_run: CorpusRun):
    """联系我们 in the footer (city-b, dept-l) was read as a column, and as an empty one."""
    for site_id in ("city-b", "dept-l"):
        site, home = _home(corpus_run, site_id)
        assert "footer-contact-not-column" in home.cases
        names = {c["name"] for c in corpus_run.columns.get(site, {}).values()}
        assert names and not any("联系" in name for name in names), site_id
        checked = [p for p in corpus_run.check[site]["freshness"]["pages"][1:]]
        assert checked and not any("联系" in p.get("column", "") for p in checked), site_id
        empty = [s for s in corpus_run.findings[site]["columns_stale"]["samples"]
                 if s["state"] == "empty"]
        assert not any("联系" in s["name"] for s in empty), site_id


def test_lists_of_divs_ps_dds_scripts_and_frames_are_not_empty(corpus_run: CorpusRun):
    """Column pages listing their items as div rows, p rows, dt/dd pairs, a list drawn by a
    script and a list inside an iframe were read as empty columns."""
    for site_id, path, case in (("county-f", "/county-f/xzdt/", "div-list"),
                                ("county-f", "/county-f/tzgg/", "p-list"),
                                ("dept-i", "/dept-i/zsks/", "dd-list"),
                                ("city-g", "/city-g/ywdt/", "script-list"),
                                ("city-g", "/city-g/tzgg/", "iframe-list")):
        site, _ = _home(corpus_run, site_id)
        page = corpus_run.corpus.page(path)
        assert case in page.cases
        checked, sampled = _column(corpus_run, site, path)
        labelled = str(page.newest.date)
        assert (sampled.get("empty"), sampled.get("newest_date")) == (0, labelled), path
        assert (checked.get("empty", False), checked.get("latest")) == (False, labelled), path


def test_a_date_inside_a_title_is_no_publication_date(corpus_run: CorpusRun):
    """关于2026年12月1日起…的通知, dated 2026-11-11, was dated 2026-12-01 (its title's date)."""
    site, home = _home(corpus_run, "county-a")
    page = corpus_run.corpus.page("/county-a/tzgg/")
    assert "date-in-title" in page.cases and str(page.newest.date) == "2026-11-11"
    checked, sampled = _column(corpus_run, site, "/county-a/tzgg/")
    assert sampled["newest_date"] == "2026-11-11"
    assert checked.get("latest") == "2026-11-11"
    assert corpus_run.visits[site]["newest_date"] == str(home.newest.date)
    assert corpus_run.check[site]["freshness"]["pages"][0]["latest"] == str(home.newest.date)


def test_an_anti_bot_challenge_is_not_the_site_being_down(corpus_run: CorpusRun):
    """province-c answers a client that runs no scripts with a 412 challenge page; a browser
    gets the page. Both counted it as down."""
    site, home = _home(corpus_run, "province-c")
    assert home.status == 412 and home.availability == "challenge-then-up"
    availability = corpus_run.check[site]["availability"]
    assert availability["failures"] == 0
    assert availability.get("challenged") == 1
    assert _suggest(corpus_run, site, "availability", "availability").good is True
    visit = corpus_run.visits[site]
    assert (visit["ok"], visit["status"], visit.get("outcome")) == (1, 412, "challenge-passed")
    unreachable = corpus_run.findings[site]["unreachable"]["figures"]
    assert (unreachable["failures"], unreachable.get("challenged")) == (0, 1)
