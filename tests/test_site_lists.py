"""Site lists as teams keep them: Chinese level names, URLs as typed, new-media accounts,
re-imports that show their diff, editing and removing sites."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import Workbook

import govaudit
from govaudit.store import Store

TITLE = "2026年度政府网站检查任务分配表（张三）"


def _list(path: Path, rows: list[list[object]], merge_level: list[str] = (),
          sheet: str = "任务") -> Path:
    """A real-shaped list: merged title, two header rows with a merged group, 级别 merged down."""
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append([TITLE])
    ws.merge_cells("A1:F1")
    ws.append(["序号", "单位名称", "网址/域名", "行政级别", "联系人", None])
    ws.append([None, None, None, None, "姓名", "电话"])
    for col in "ABCD":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("E2:F2")
    for number, row in enumerate(rows, 1):
        ws.append([number, *row, "李四", "028-1"])
    for cells in merge_level:
        ws.merge_cells(cells)
    book.save(path)
    return path


def _sites(ws) -> dict[str, govaudit.Site]:
    return {s.name: s for s in Store(ws).sites()}


def _imported(make_workspace, cli, tmp_path: Path, checklist: str,
              rows: list[list[object]], **layout: object) -> tuple[object, Path, str]:
    """A workspace with the list imported: (workspace, the list, the output on one line)."""
    ws = make_workspace(checklist=checklist)
    path = _list(tmp_path / "a.xlsx", rows, **layout)
    result = cli("sites", "import", str(path), cwd=ws.root)
    assert result.exit_code == 0, result.output
    return ws, path, " ".join(result.output.split())


def test_chinese_level_names_and_ranking_groups(make_workspace, cli, tmp_path: Path):
    ws, _, _ = _imported(make_workspace, cli, tmp_path, "cstc-2020-local", [
        ["四川省", "http://www.sc.gov.cn/", "省"],
        ["广西壮族自治区", "http://www.gxzf.gov.cn/", "自治区"],
        ["重庆市", "http://www.cq.gov.cn/", "直辖市"],
        ["成都市", "http://www.chengdu.gov.cn/", "副省级"],
        ["宁波市", "http://www.ningbo.gov.cn/", "计划单列市"],
        ["西宁市", "http://www.xining.gov.cn/", "省会"],
        ["绵阳市", "http://www.my.gov.cn/", "地级市"],
        ["甘孜藏族自治州", "http://www.gzz.gov.cn/", "自治州"],
        ["锡林郭勒盟", "http://www.xlgl.gov.cn/", "盟"],
        ["郫都区", "http://www.pidu.gov.cn/", "区"],
        ["都江堰市", "http://www.djy.gov.cn/", "县级市"],
        ["鄂托克旗", "http://www.etk.gov.cn/", "旗"],
        ["大邑县", "http://www.dayi.gov.cn/", None],
    ], merge_level=["D15:D16"])  # 旗 covers 鄂托克旗 and 大邑县: only the top cell holds it
    sites = _sites(ws)
    levels = {n: s.level for n, s in sites.items()}
    assert levels == {"四川省": "province", "广西壮族自治区": "province", "重庆市": "province",
                      "成都市": "city", "宁波市": "city", "西宁市": "city", "绵阳市": "city",
                      "甘孜藏族自治州": "city", "锡林郭勒盟": "city", "郫都区": "county",
                      "都江堰市": "county", "鄂托克旗": "county", "大邑县": "county"}
    checklist = ws.checklist
    groups = {n: checklist.group_for(s.level, s.group) for n, s in sites.items()}
    assert groups["成都市"] == "副省级城市" and groups["西宁市"] == "省会城市"
    assert groups["宁波市"] == "计划单列市"
    assert groups["绵阳市"] == groups["甘孜藏族自治州"] == "地市"
    assert groups["四川省"] == "省级" and groups["鄂托克旗"] == "区县"
    scores = {s.site: s.group for s in govaudit.Audit.open(ws.root).score()}
    assert scores["成都市"] == "副省级城市" and scores["绵阳市"] == "地市"


def test_single_level_checklist_keeps_the_category_as_group(make_workspace, cli,
                                                             tmp_path: Path):
    ws, _, _ = _imported(make_workspace, cli, tmp_path, "cstc-2020-digital-gov",
                         [["四川省", "http://www.sc.gov.cn/", "省级"],
                          ["成都市", "http://www.chengdu.gov.cn/", "重点城市"]])
    sites = _sites(ws)
    assert sites["成都市"].level == "default" and sites["成都市"].group == "重点城市"
    assert ws.checklist.group_for(sites["四川省"].level, sites["四川省"].group) == "省级"


def test_rejected_level_lists_accepted_names_with_file_sheet_row(make_workspace, cli,
                                                                 tmp_path: Path):
    ws = make_workspace(checklist="cstc-2020-local")
    path = _list(tmp_path / "a.xlsx", [["成都市", "http://www.chengdu.gov.cn/", "市"],
                                       ["某某镇", "http://www.zhen.gov.cn/", "乡镇"],
                                       ["某某村", "http://www.cun.gov.cn/", "村"],
                                       ["某某街道", "ftp://www.jd.gov.cn/", "区"]])
    result = cli("sites", "import", str(path), cwd=ws.root)
    assert result.exit_code == 1
    # the accepted names are said once, after the rows, not on every row
    assert result.output.count("自治区") == 1, result.output
    assert "row 6: level '村' is not a level of cstc-2020-local" in result.output
    assert "row 7:" in result.output and "ftp" in result.output
    out = " ".join(result.output.split())
    assert "a.xlsx" in out and "sheet 任务 row 5: level '乡镇' is not a level of cstc-2020-local" \
        in out
    assert "province (省, 省级" in out and "自治区" in out and "county (县" in out
    assert "地级市" in out and "Traceback" not in out
    assert Store(ws).sites() == []


def test_urls_typed_without_scheme_are_completed_with_a_note(make_workspace, cli,
                                                             tmp_path: Path):
    ws, path, out = _imported(make_workspace, cli, tmp_path, "cstc-2020-local",
                              [["成都市", "www.chengdu.gov.cn", "市"],
                               ["绵阳市", "www.my.gov.cn/index.html", "市"],
                               ["郫都区", "http://www.pidu.gov.cn/", "区"]])
    sites = _sites(ws)
    assert sites["成都市"].url == "http://www.chengdu.gov.cn/"
    assert sites["绵阳市"].url == "http://www.my.gov.cn/index.html"
    assert ("sheet 任务 row 4: site 成都市: URL 'www.chengdu.gov.cn' read as "
            "http://www.chengdu.gov.cn/") in out
    assert "郫都区: URL" not in out
    # the library returns the same notes as data
    plan = govaudit.Audit.open(ws.root).sites.import_file(path, apply=False)
    assert len(plan.notes) == 2 and not plan.has_changes


def test_sites_add_completes_a_url_typed_without_scheme_and_says_so(make_workspace, cli):
    ws = make_workspace(checklist="cstc-2020-local")
    for name, typed, stored in [("青山县", "localhost:18013", "http://localhost:18013/"),
                                ("绿水县", "127.0.0.1:18013", "http://127.0.0.1:18013/"),
                                ("白云区", "www.x.gov.cn:8080/index.html",
                                 "http://www.x.gov.cn:8080/index.html"),
                                ("黄河区", "[::1]:18013", "http://[::1]:18013/")]:
        result = cli("sites", "add", name, typed, "--level", "县", cwd=ws.root)
        assert result.exit_code == 0, result.output
        assert f"note: URL {typed!r} read as {stored}" in result.output
        assert _sites(ws)[name].url == stored
    plain = cli("sites", "add", "长江区", "http://www.cj.gov.cn/", "--level", "县", cwd=ws.root)
    assert plain.exit_code == 0 and "note:" not in plain.output
    # the library says the same, when asked for notes
    notes: list[str] = []
    site = govaudit.Audit.open(ws.root).sites.add("珠江区", "localhost", "县", notes=notes)
    assert site.url == "http://localhost/"
    assert notes == ["URL 'localhost' read as http://localhost/"]


def test_a_full_width_colon_in_a_url_is_named(make_workspace, cli):
    ws = make_workspace(checklist="cstc-2020-local")
    for typed, char in [("http：//www.x.gov.cn/", "："), ("http://www.x.gov.cn：8080/", "："),
                        ("www．x.gov.cn", "．")]:
        result = cli("sites", "add", "青山县", typed, "--level", "县", cwd=ws.root)
        assert result.exit_code == 1, result.output
        out = " ".join(result.output.split())
        assert f"full-width {char!r}" in out, out
        assert "type the ASCII" in out and "Traceback" not in out
    assert _sites(ws) == {}
    # a new-media account's identifier may hold one; a web address typed wrong may not
    ws = make_workspace(checklist="cstc-2020-newmedia", name="nm")
    assert cli("sites", "add", "成都发布", "weixin：成都发布", "--level", "微信",
               cwd=ws.root).exit_code == 0
    wrong = cli("sites", "add", "四川发布", "https：//weibo.com/scfb", "--level", "微博",
                cwd=ws.root)
    assert wrong.exit_code == 1 and "full-width" in wrong.output
    numeric = cli("sites", "add", "某某发布", "weibo:2656274875", "--level", "微博", cwd=ws.root)
    assert numeric.exit_code == 0 and _sites(ws)["某某发布"].url == "weibo:2656274875"


def test_a_long_list_without_schemes_is_summed_up_in_a_line(make_workspace, cli,
                                                             tmp_path: Path):
    ws = make_workspace(checklist="cstc-2020-local")
    rows = [[f"第{n}县", f"www.x{n}.gov.cn", "县"] for n in range(150)]
    path = _list(tmp_path / "a.xlsx", rows)
    result = cli("sites", "import", str(path), cwd=ws.root)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2, result.output
    assert lines[0].startswith("note: 150 URLs typed without a scheme were read with http://")
    assert "row 4: site 第0县: URL 'www.x0.gov.cn' read as http://www.x0.gov.cn/" in lines[0]
    assert "--verbose" in lines[0]
    assert "150 added" in lines[1]
    assert len(_sites(ws)) == 150
    # --verbose: every completed URL and every site added, one line each
    again = make_workspace(checklist="cstc-2020-local", name="again")
    verbose = cli("sites", "import", str(path), "--verbose", cwd=again.root)
    assert verbose.exit_code == 0, verbose.output
    out = verbose.output
    assert out.count("note: sheet 任务 row") == 150 and out.count("\n+ ") == 150
    assert "+ 第149县 (county) http://www.x149.gov.cn/" in out


def test_a_list_without_a_level_column_says_so_once(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(checklist="cstc-2020-local")
    path = tmp_path / "sites.csv"
    path.write_text("名称,网址\n" + "".join(f"第{n}县,http://www.x{n}.gov.cn/\n"
                                           for n in range(20)), encoding="utf-8")
    result = cli("sites", "import", str(path), cwd=ws.root)
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "no level" in out and out.count("no level") == 1, out
    assert "no level column" in out and "级别" in out and "row 2" not in out
    assert "county (县" in out  # what a level may be called
    assert _sites(ws) == {}
    # a one-level checklist needs no level column
    single = make_workspace(checklist="cstc-2020-digital-gov", name="single")
    assert cli("sites", "import", str(path), cwd=single.root).exit_code == 0


def test_new_media_accounts_without_url(make_workspace, cli, tmp_path: Path):
    ws, _, _ = _imported(make_workspace, cli, tmp_path, "cstc-2020-newmedia",
                         [["成都发布", "weixin:成都发布", "微信"],
                          ["天府市民云", "天府市民云", "App"],
                          ["四川发布", "https://weibo.com/scfb", "微博"]])
    sites = _sites(ws)
    assert (sites["成都发布"].level, sites["成都发布"].url) == ("wechat", "weixin:成都发布")
    assert (sites["天府市民云"].level, sites["天府市民云"].url) == ("app", "天府市民云")
    listed = cli("sites", "list", "--json", cwd=ws.root)
    assert "weixin:成都发布" in listed.output

    checked = cli("check", "--site", "成都发布", "--site", "天府市民云", cwd=ws.root)
    out = " ".join(checked.output.split())
    assert "Traceback" not in out
    assert "site 成都发布 has no http(s) address (weixin:成都发布)" in out
    assert "govaudit evidence attach" in out
    assert Store(ws).probe_results("成都发布") == {}

    captured = cli("evidence", "--site", "成都发布", cwd=ws.root)
    out = " ".join(captured.output.split())
    assert captured.exit_code == 0, captured.output
    assert "skipped: site 成都发布 has no http(s) address" in out
    assert "Nothing to capture with the browser" in out

    monitored = cli("monitor", "tick", "--site", "天府市民云", cwd=ws.root)
    out = " ".join(monitored.output.split())
    assert "skipped: site 天府市民云 has no http(s) address (天府市民云)" in out
    assert "Traceback" not in out


def test_a_non_http_url_is_still_refused_for_websites(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(checklist="cstc-2020-local")
    path = _list(tmp_path / "a.xlsx", [["成都市", "weixin:成都发布", "市"]])
    result = cli("sites", "import", str(path), cwd=ws.root)
    assert result.exit_code == 1
    assert "sheet 任务 row 4: URL 'weixin:成都发布' is not http(s)" in result.output


def test_reimport_shows_the_diff_and_applies_it_only_with_yes(make_workspace, cli,
                                                              tmp_path: Path):
    ws = make_workspace(checklist="cstc-2020-local")
    first = _list(tmp_path / "v1.xlsx", [["成都市", "http://www.chengdu.gov.cn/", "市"],
                                         ["绵阳市", "http://www.my.gov.cn/", "市"],
                                         ["郫都区", "http://www.pidu.gov.cn/", "区"]])
    assert cli("sites", "import", str(first), cwd=ws.root).exit_code == 0
    second = _list(tmp_path / "v2.xlsx", [["成都市", "https://www.chengdu.gov.cn/", "副省级"],
                                          ["绵阳市", "http://www.my.gov.cn/", "市"],
                                          ["德阳市", "www.deyang.gov.cn", "市"]])
    before = _sites(ws)
    shown = cli("sites", "import", str(second), cwd=ws.root)
    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert "+ 德阳市 (city) http://www.deyang.gov.cn/" in out
    assert "~ 成都市: url http://www.chengdu.gov.cn/ -> https://www.chengdu.gov.cn/, " \
        "group - -> 副省级城市" in out
    assert "? 郫都区: in the workspace, not in" in out
    assert "1 added, 1 changed, 1 unchanged, 1 missing from the file" in out
    assert "--yes" in out
    assert _sites(ws) == before

    applied = cli("sites", "import", str(second), "--yes", cwd=ws.root)
    assert applied.exit_code == 0, applied.output
    sites = _sites(ws)
    assert sites["成都市"].url == "https://www.chengdu.gov.cn/"
    assert sites["成都市"].group == "副省级城市"
    assert set(sites) == {"成都市", "绵阳市", "郫都区", "德阳市"}  # missing ones stay

    again = cli("sites", "import", str(second), cwd=ws.root)
    assert "Nothing to change (0 added, 0 changed, 3 unchanged" in again.output


def test_sites_edit(make_workspace, cli):
    ws = make_workspace(checklist="cstc-2020-local",
                        sites=[("成都市", "http://www.chengdu.gov.cn/", "city")])
    result = cli("sites", "edit", "成都市", "--url", "www.cd.gov.cn", "--group", "副省级城市",
                 cwd=ws.root)
    assert result.exit_code == 0, result.output
    site = _sites(ws)["成都市"]
    assert (site.url, site.level, site.group) == ("http://www.cd.gov.cn/", "city", "副省级城市")
    assert "group - -> 副省级城市" in result.output
    result = cli("sites", "edit", "成都市", "--level", "省", cwd=ws.root)
    assert result.exit_code == 0 and _sites(ws)["成都市"].level == "province"
    bad = cli("sites", "edit", "成都市", "--level", "乡", cwd=ws.root)
    assert bad.exit_code == 1 and "accepted: province (省" in bad.output
    unknown = cli("sites", "edit", "无此站", "--url", "http://x.gov.cn/", cwd=ws.root)
    assert unknown.exit_code == 1 and "unknown site '无此站'" in unknown.output


def test_sites_remove_keeps_answers_in_an_archive(make_workspace, cli):
    ws = make_workspace(sites=[("成都市", "http://www.chengdu.gov.cn/", "city"),
                               ("郫都区", "http://www.pidu.gov.cn/", "county")])
    qid = ws.checklist.questions[0].id
    assert cli("answer", "成都市", qid, "yes", cwd=ws.root).exit_code == 0
    refused = cli("sites", "remove", "成都市", cwd=ws.root)
    assert refused.exit_code == 1 and "has 1 answer(s)" in refused.output
    assert "--with-answers" in refused.output and "成都市" in _sites(ws)

    assert cli("sites", "remove", "郫都区", cwd=ws.root).exit_code == 0
    assert "郫都区" not in _sites(ws)

    removed = cli("sites", "remove", "成都市", "--with-answers", cwd=ws.root)
    assert removed.exit_code == 0, removed.output
    assert _sites(ws) == {} and Store(ws).answers() == []
    [archive] = (ws.data_dir / "removed").glob("*.json")
    assert str(archive) in " ".join(removed.output.split()).replace(" ", "") or \
        archive.name in removed.output.replace("\n", "")
    kept = json.loads(archive.read_text(encoding="utf-8"))
    assert kept["site"]["name"] == "成都市"
    assert [(a["question"], a["value"]) for a in kept["answers"]] == [(qid, "yes")]


def test_import_of_a_workbook_adds_sites_only_with_add_sites(make_workspace, cli,
                                                              tmp_path: Path):
    ws = make_workspace(sites=[("成都市", "http://www.chengdu.gov.cn/", "city"),
                               ("绵阳市", "http://www.my.gov.cn/", "city")])
    qid = ws.checklist.questions[0].id
    assert cli("answer", "成都市", qid, "yes", cwd=ws.root).exit_code == 0
    assert cli("answer", "绵阳市", qid, "no", cwd=ws.root).exit_code == 0
    book = tmp_path / "me.xlsx"
    assert cli("export", "-o", str(book), cwd=ws.root).exit_code == 0
    lead = make_workspace(name="lead", sites=[("成都市", "http://www.chengdu.gov.cn/", "city")])
    refused = cli("import", str(book), cwd=lead.root)
    assert refused.exit_code == 1
    out = " ".join(refused.output.split())
    assert "1 site(s) not in this workspace: 绵阳市 (city) http://www.my.gov.cn/" in out
    assert "--add-sites" in out
    assert Store(lead).answers() == [] and list(_sites(lead)) == ["成都市"]
    added = cli("import", str(book), "--add-sites", cwd=lead.root)
    assert added.exit_code == 0, added.output
    assert set(_sites(lead)) == {"成都市", "绵阳市"} and len(Store(lead).answers()) == 2


def test_a_workbook_of_a_single_level_checklist_comes_back_with_its_level(
        make_workspace, cli, tmp_path: Path):
    """The workbook shows the `default` level as 默认; importing it reads 默认 back."""
    ws = make_workspace(checklist="cstc-2020-digital-gov",
                        sites=[("成都市", "http://www.chengdu.gov.cn/", "default")])
    qid = next(q.id for q in ws.checklist.questions if q.type == "yes_no")
    assert cli("answer", "成都市", qid, "yes", cwd=ws.root).exit_code == 0
    book = tmp_path / "me.xlsx"
    assert cli("export", "-o", str(book), cwd=ws.root).exit_code == 0
    lead = make_workspace(checklist="cstc-2020-digital-gov", name="lead")
    added = cli("import", str(book), "--add-sites", cwd=lead.root)
    assert added.exit_code == 0, added.output
    assert _sites(lead)["成都市"].level == "default" and len(Store(lead).answers()) == 1


def test_a_site_may_be_given_the_default_level_by_its_chinese_name(make_workspace, cli):
    ws = make_workspace(checklist="cstc-2020-digital-gov")
    added = cli("sites", "add", "成都市", "http://www.chengdu.gov.cn/", "-l", "默认",
                cwd=ws.root)
    assert added.exit_code == 0, added.output
    assert _sites(ws)["成都市"].level == "default"


def test_every_level_label_the_workbook_shows_is_a_name_the_site_validator_reads():
    from govaudit.checklist.levels import LEVEL_NAMES, level_label

    assert all(level_label(level) in LEVEL_NAMES[level] for level in LEVEL_NAMES)
