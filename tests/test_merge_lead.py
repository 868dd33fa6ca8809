"""export merge and import as a team lead uses them: hand edits, what is settled, what the
counts mean, updating the team's own workbook, a renamed Summary sheet."""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import Workbook, load_workbook

from govaudit.checklist import load_checklist
from govaudit.store import Answer, Site, Store
from govaudit.workbook.content import answers_content, cell_time, china_cell
from govaudit.workbook.export import write_workbook
from govaudit.workbook.reading import read_sheets

FIXTURE = Path(__file__).parent / "fixtures" / "mini.yaml"
CHECKLIST = load_checklist(FIXTURE)
SITES = [("成都市", "https://cd.example.cn", "city"), ("郫都区", "http://pd.example.cn", "county")]
T1, T2 = "2026-11-20T08:00:00.000+00:00", "2026-11-21T08:00:00.000+00:00"


def _rows(sheets: dict, name: str) -> list[dict]:
    ids = sheets[name][1]
    return [dict(zip(ids, row, strict=False)) for row in sheets[name][2:]
            if any(c not in ("", None) for c in row)]


def _edit(path: Path, edits: dict[tuple[str, str], dict[str, str]]) -> None:
    """Change cells of Answers rows by (site, question), as a person does in Excel."""
    book = load_workbook(path)
    sheet = book["Answers"]
    ids = [c.value for c in sheet[2]]
    for row in range(3, sheet.max_row + 1):
        key = (sheet.cell(row, ids.index("site") + 1).value,
               sheet.cell(row, ids.index("question") + 1).value)
        for column, value in edits.get(key, {}).items():
            sheet.cell(row, ids.index(column) + 1).value = value
    book.save(path)


def _file(folder: Path, name: str, answers: list[Answer],
          sites: list[Site] | None = None) -> Path:
    sites = sites or [Site(n, u, lv) for n, u, lv in SITES]
    return write_workbook(answers_content(CHECKLIST, sites, answers), folder / name)


# -- hand edits: merge and import take them alike ----------------------------------------


def test_merge_and_import_take_a_hand_edit_either_way(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    store = Store(ws)
    store.save_answer("成都市", "a1.q1", "a1", "yes", "张三", time=T1)
    store.save_answer("成都市", "a2.q1", "a2", "no", "张三", time=T1)
    store.save_answer("郫都区", "a2.q1", "a2", "yes", "张三", time=T1)
    original = tmp_path / "张三.xlsx"
    assert cli("export", "-o", str(original), cwd=ws.root).exit_code == 0
    edited = tmp_path / "张三-改.xlsx"
    shutil.copy(original, edited)
    # the Chinese column changed, the time left alone: yes → 否 and no → 是
    _edit(edited, {("成都市", "a1.q1"): {"value_label": "否"},
                   ("成都市", "a2.q1"): {"value_label": "是"},
                   # the value column changed instead
                   ("郫都区", "a2.q1"): {"value": "no"}})
    merged = {}
    for order in ((original, edited), (edited, original)):
        out = tmp_path / f"team-{order[0].stem}.xlsx"
        result = cli("export", "merge", *map(str, order), "-o", str(out), cwd=ws.root)
        assert result.exit_code == 0, result.output
        merged[order] = {(r["site"], r["question"]): (r["value"], _utc(r["time"]))
                         for r in _rows(read_sheets(out), "Answers")}
    assert merged[(original, edited)] == merged[(edited, original)]
    taken = merged[(original, edited)]
    assert {k: v for k, (v, _t) in taken.items()} == {
        ("成都市", "a1.q1"): "no", ("成都市", "a2.q1"): "yes", ("郫都区", "a2.q1"): "no"}
    # the edits are later than the answers they changed, so re-merging keeps them
    assert all(time > T1 for _v, time in taken.values())
    again = tmp_path / "again.xlsx"
    assert cli("export", "merge", str(tmp_path / "team-张三.xlsx"), str(original), "-o",
               str(again), cwd=ws.root).exit_code == 0
    assert {(r["site"], r["question"]): (r["value"], _utc(r["time"]))
            for r in _rows(read_sheets(again), "Answers")} == taken

    result = cli("import", str(edited), cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert "3 updated" in result.output
    imported = {(a.site, a.question): (a.value, a.time) for a in Store(ws).answers()}
    assert imported == taken  # one result, value and time, from merge and from import


def _utc(shown: object) -> str | None:
    """A time of the workbook (China time) as stored."""
    return cell_time(china_cell(shown))


# -- settlements that are said ---------------------------------------------------------


def test_a_ranking_group_disagreement_is_an_error(cli, tmp_path: Path):
    answer = Answer("成都市", "a1.q1", "a1", "yes", "张三", T1)
    first = _file(tmp_path, "张三.xlsx", [answer],
                  [Site("成都市", "https://cd.example.cn", "city", group="副省级城市")])
    second = _file(tmp_path, "李四.xlsx", [answer.replace(evaluator="李四")],
                   [Site("成都市", "https://cd.example.cn", "city", group="省会城市")])
    out = tmp_path / "team.xlsx"
    result = cli("export", "merge", str(first), str(second), "-o", str(out), "--checklist",
                 str(FIXTURE), cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert "成都市" in result.output and "副省级城市" in result.output
    assert "省会城市" in result.output and "李四.xlsx" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_a_site_without_answers_is_named_with_its_file(cli, tmp_path: Path):
    first = _file(tmp_path, "张三.xlsx", [Answer("成都市", "a1.q1", "a1", "yes", "张三", T1)])
    second = _file(tmp_path, "李四.xlsx", [Answer("成都市", "a1.q1", "a1", "yes", "李四", T1)],
                   [Site("成都市", "https://cd.example.cn", "city")])
    out = tmp_path / "team.xlsx"
    result = cli("export", "merge", str(first), str(second), "-o", str(out), "--checklist",
                 str(FIXTURE), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    warning = [line for line in result.output.splitlines() if "no answer" in line]
    assert len(warning) == 1 and "郫都区 (Summary of 张三.xlsx)" in warning[0]
    assert "成都市" not in warning[0]


# -- counts that explain themselves ------------------------------------------------------


def test_the_conflict_table_says_how_many_more_and_where(cli, tmp_path: Path):
    evaluators = [f"评估人{i:02d}" for i in range(25)]
    early = _file(tmp_path, "早.xlsx", [Answer("成都市", "a1.q1", "a1", "yes", who, T1)
                                       for who in evaluators])
    late = _file(tmp_path, "晚.xlsx", [Answer("成都市", "a1.q1", "a1", "no", who, T2)
                                      for who in evaluators])
    out = tmp_path / "team.xlsx"
    result = cli("export", "merge", str(early), str(late), "-o", str(out), "--checklist",
                 str(FIXTURE), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "25 same-evaluator conflict(s)" in result.output
    assert "… and 5 more conflict(s)" in result.output
    assert f"Conflicts sheet of {out}" in result.output
    table = result.output.split("same-evaluator conflict(s)")[1].split("… and 5 more")[0]
    assert [w for w in evaluators if w in table] == evaluators[:20]


def test_disagreements_with_unknown_are_told_apart_from_agreements_count(cli, tmp_path: Path):
    zhang = _file(tmp_path, "张三.xlsx", [Answer("成都市", "a1.q1", "a1", "yes", "张三", T1),
                                          Answer("成都市", "a2.q1", "a2", "yes", "张三", T1),
                                          Answer("郫都区", "a2.q1", "a2", "yes", "张三", T1)])
    li = _file(tmp_path, "李四.xlsx", [Answer("成都市", "a1.q1", "a1", "unknown", "李四", T1),
                                        Answer("成都市", "a2.q1", "a2", "no", "李四", T1),
                                        Answer("郫都区", "a2.q1", "a2", "no", "李四", T1)])
    out = tmp_path / "team.xlsx"
    result = cli("export", "merge", str(zhang), str(li), "-o", str(out), "--checklist",
                 str(FIXTURE), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "3 question(s) where evaluators disagree" in text
    assert "in 1 of them an evaluator answered unknown" in text
    assert "it counts the other 2" in text
    overall = _rows(read_sheets(out), "Agreement")[0]
    assert overall["disagreements"] == 2  # the figure the message adds up to


# -- export merge --into -----------------------------------------------------------------


def test_merge_into_updates_the_team_workbook_in_place(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    team = tmp_path / "团队汇总.xlsx"
    book = Workbook()
    book.active.title = "说明"
    book["说明"]["A1"] = "团队汇总表"
    book.save(team)
    zhang_early = _file(tmp_path, "张三-早.xlsx",
                        [Answer("成都市", "a1.q1", "a1", "yes", "张三", T1)])
    zhang = _file(tmp_path, "张三.xlsx", [Answer("成都市", "a1.q1", "a1", "no", "张三", T2)])
    li = _file(tmp_path, "李四.xlsx", [Answer("成都市", "a1.q1", "a1", "yes", "李四", T1)])

    result = cli("export", "merge", str(zhang_early), str(zhang), str(li), "--into", str(team),
                 cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert "Conflicts" in result.output and "Kept the workbook's own sheets: 说明" in result.output
    sheets = read_sheets(team)
    assert {"说明", "Summary", "Answers", "Conflicts", "Agreement", "About"} <= set(sheets)
    assert sheets["说明"][0][0] == "团队汇总表"
    assert len(_rows(sheets, "Conflicts")) == 4  # 张三's two candidates, the disagreement's two
    assert _rows(sheets, "Agreement")[0]["units"] == 1
    assert any("成都市" in map(str, row) for row in sheets["Agreement"])

    # a later merge without conflicts replaces the stale Conflicts and Agreement
    result = cli("export", "merge", str(zhang), "--into", str(team), cwd=ws.root)
    assert result.exit_code == 0, result.output
    sheets = read_sheets(team)
    assert sheets["说明"][0][0] == "团队汇总表"
    assert _rows(sheets, "Conflicts") == []
    assert not any("成都市" in map(str, row) for row in sheets["Agreement"])
    assert [(r["evaluator"], r["value"]) for r in _rows(sheets, "Answers")] == [("张三", "no")]
    assert len(list(tmp_path.glob("团队汇总.backup-*.xlsx"))) == 2

    # one of -o and --into
    both = cli("export", "merge", str(zhang), "--into", str(team), "-o",
               str(tmp_path / "x.xlsx"), cwd=ws.root)
    neither = cli("export", "merge", str(zhang), cwd=ws.root)
    assert both.exit_code == neither.exit_code == 2
    assert "--into" in neither.output and "Traceback" not in neither.output


# -- a renamed Summary sheet -------------------------------------------------------------


def test_a_renamed_summary_sheet_is_one_message(make_workspace, cli, tmp_path: Path):
    teammate = make_workspace(sites=SITES, name="teammate")
    store = Store(teammate)
    for site, _url, _level in SITES:
        for qid in ("a1.q1", "a2.q1"):
            store.save_answer(site, qid, qid.split(".")[0], "yes", "李四", time=T1)
    book = tmp_path / "李四.xlsx"
    assert cli("export", "-o", str(book), cwd=teammate.root).exit_code == 0
    workbook = load_workbook(book)
    workbook["Summary"].title = "汇总"
    workbook.save(book)

    lead = make_workspace(name="lead")  # no sites yet: they come from the Summary
    for args in (("import", str(book), "--add-sites"),
                 ("export", "merge", str(book), "-o", str(tmp_path / "team.xlsx"))):
        result = cli(*args, cwd=lead.root)
        assert result.exit_code == 1, result.output
        assert "unknown site" not in result.output and "Traceback" not in result.output
        text = " ".join(result.output.split())
        assert text.count("no sheet named Summary") == 1
        assert str(book) in text and "汇总" in text and "成都市, 郫都区" in text
    assert Store(lead).answers() == [] and Store(lead).sites() == []
    assert not (tmp_path / "team.xlsx").exists()
