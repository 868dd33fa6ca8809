"""`govaudit check` end to end against the local test site."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_govaudit
from fixtures.probe_site import site_fixture

from govaudit.page.dates import today_in_china
from govaudit.probes.registry import probe_names
from govaudit.store import Store

FIXTURE = Path(__file__).parent / "fixtures" / "probes.yaml"
FAST = ("--samples", "1", "--interval", "0", "--timeout", "3", "--link-timeout", "3")


site = site_fixture(today_in_china(), drip_seconds=10)


@pytest.fixture
def ws(make_workspace, site):
    return make_workspace(FIXTURE, sites=[("测试市", site.url("/"), "city"),
                                          ("循环市", site.url("/loop/a"), "county")])


def test_check_json_and_stored(cli, ws, site):
    result = cli("check", "--json", "--allow-private", *FAST, "-w", str(ws.root))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["site"] for s in data["sites"]] == ["测试市", "循环市"]
    good, loop = data["sites"]
    assert good["url"] == site.url("/") and good["errors"] == []
    assert list(good["probes"]) == list(probe_names())  # every registered probe, in order
    links = good["probes"]["links"]
    assert links["checked"] == 26 and len(links["broken"]) == 6
    assert links["unchecked_count"] == 1  # the closed port
    assert {"url", "status", "error", "found_on", "text"} <= set(links["broken"][0])
    marks = good["probes"]["marks"]
    assert (marks["site_code"], marks["icp"], marks["police"], marks["conac"],
            marks["sponsor"], marks["sitemap"]) == (
        "5101000001", "蜀ICP备05003205号-1", "川公网安备 51010402000507号", True,
        "测试市人民政府办公厅", site.url("/sitemap.html"))
    # the home page's date is 20 days old; its 新闻动态 column (read as a column of its
    # navigation) has an item of 2 days ago
    freshness = good["probes"]["freshness"]
    assert (freshness["pages"][0]["days"], freshness["days"]) == (20, 2)
    assert freshness["source"] == site.url("/news/")
    assert good["probes"]["features"]["search"]["found"] is True
    # a redirect loop: every probe that needs the home page fails, with its reason
    assert [e["probe"] for e in loop["errors"]] == [
        p for p in probe_names() if p not in ("availability", "ipv6")]
    assert loop["probes"]["availability"]["failure_rate"] == 1.0
    assert "applied" not in data

    stored = Store(ws).probe_results("测试市")
    assert stored["marks"].icp == "蜀ICP备05003205号-1"
    assert stored["links"].broken_count == 6
    assert stored["availability"].site == "测试市"
    assert Store(ws).probe_results("循环市")["marks"].failed is True
    assert Store(ws).answers() == []  # suggestions are not answers until applied


def test_apply_keeps_the_persons_answer(cli, ws):
    answered = cli("answer", "测试市", "footer.icp", "no", "--note", "页脚没有", "-w", str(ws.root))
    assert answered.exit_code == 0, answered.output
    result = cli("check", "--site", "测试市", "--probe", "marks", "--probe", "links",
                 "--allow-private",
                 "--apply", *FAST, "-w", str(ws.root))
    assert result.exit_code == 0, result.output
    # sponsor, conac, code, police, sitemap, links yes/no and count; icp stays the person's
    assert "Saved 7 suggestion(s) as answers by 'probe'" in result.stdout
    answers = {(a.question, a.evaluator): a for a in Store(ws).answers("测试市")}
    assert answers[("footer.icp", "张三")].value == "no"
    assert ("footer.icp", "probe") not in answers
    assert answers[("footer.code", "probe")].value == "yes"
    assert answers[("daily.links", "probe")].value == "no"
    assert answers[("daily.broken", "probe")].value == 6
    assert "6 of 25 links broken" in answers[("daily.links", "probe")].note
    assert "1 more could not be checked from this machine (connection refused 1)" in \
        answers[("daily.links", "probe")].note
    again = cli("check", "--site", "测试市", "--probe", "marks", "--apply", "--json", *FAST,
                "-w", str(ws.root))
    assert json.loads(again.stdout)["applied"] == 0


def test_table_output(cli, ws, site):
    result = cli("check", "--site", "测试市", "--site", "循环市", "--probe", "links",
                 "--probe", "marks.icp", "--allow-private", *FAST, "-w", str(ws.root))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "26 checked, 6 broken" in out and "1 could not be checked from here" in out
    assert "蜀ICP备05003205号-1" in out
    assert "http://[::1" in out  # a URL with "[" is printed as text, not markup
    assert "循环跳转" in out and "connection refused" in out
    assert "1 link(s) whose host could not be reached from here" in out
    assert "2 probe(s) failed" in out and "循环市 links: home page" in out
    assert "govaudit check --apply" in out


@pytest.mark.parametrize(("args", "message"), [
    (("--probe", "speed"), "error: unknown probe 'speed' (probes: availability, links"),
    (("--probe", "marks.colour"), "error: unknown probe 'marks.colour'"),
    (("--site", "火星市"), "error: unknown site '火星市'"),
])
def test_bad_options(cli, ws, args, message):
    result = cli("check", *args, "-w", str(ws.root))
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_bad_option_value_is_a_usage_error(cli, ws):
    """The core names the setting (samples); the CLI names its option and exits 2."""
    result = cli("check", "--samples", "0", "-w", str(ws.root))
    assert result.exit_code == 2
    assert "error: --samples must be at least 1" in result.stderr
    assert "Traceback" not in result.output


def test_real_program(ws):
    # the console program from start-up: `python -m commands` in a process of its own
    done = run_govaudit("check", "--probe", "marks", "--probe", "ipv6", "--json", *FAST,
                        cwd=ws.root)
    assert done.returncode == 0, done.stderr
    sites = {s["site"]: s for s in json.loads(done.stdout)["sites"]}
    assert sites["测试市"]["probes"]["marks"]["icp"] == "蜀ICP备05003205号-1"
    assert sites["测试市"]["probes"]["ipv6"]["has_aaaa"] is False
