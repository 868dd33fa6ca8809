"""Ranking groups, provisional totals, all-na indicators, bonus rules and open top bands."""

from __future__ import annotations

from pathlib import Path

import pytest

from govaudit import Audit
from govaudit.checklist import load_checklist
from govaudit.scoring import score_sites
from govaudit.store import Answer, Site

FIXTURE = Path(__file__).parent / "fixtures" / "scoring.yaml"
TIME = "2026-11-01T00:00:00+00:00"
FULL = {"a.q1": "yes", "a.q2": "好", "a.q3": "yes", "b.q1": 8, "b.q2": "yes"}


def _variant(tmp_path: Path, extra: str) -> Path:
    """The scoring fixture with top-level settings added."""
    path = tmp_path / "variant.yaml"
    text = FIXTURE.read_text(encoding="utf-8")
    path.write_text(text.replace("indicators:\n", extra + "\nindicators:\n", 1),
                    encoding="utf-8")
    return path


def _score(checklist_path: Path, sites: list[Site], values: dict[str, dict[str, object]]):
    answers = [Answer(site, q, q.split(".")[0], v, "张三", TIME)  # type: ignore[arg-type]
               for site, by_q in values.items() for q, v in by_q.items()]
    report = score_sites(load_checklist(checklist_path), sites, answers, "张三")
    return {s.site: s for s in report.sites}


def test_ranks_and_benchmarks_within_the_ranking_group():
    """副省级城市 rank apart from the other cities; the best count is the group's own."""
    sites = [Site("青岛市", "http://a.example", "city", group="副省级城市"),
             Site("深圳市", "http://b.example", "city", group="副省级城市"),
             Site("成都市", "http://c.example", "city", group="副省级城市"),
             Site("绵阳市", "http://d.example", "city"),
             Site("德阳市", "http://e.example", "city")]
    values = {name: dict(FULL) for name in ("青岛市", "深圳市", "成都市", "绵阳市", "德阳市")}
    values["青岛市"]["b.q1"] = values["深圳市"]["b.q1"] = 20
    values["成都市"]["b.q1"] = 10
    values["绵阳市"]["b.q1"] = 4  # the best of its group: full marks
    values["德阳市"]["b.q1"] = 2
    scores = _score(FIXTURE, sites, values)
    assert {n: (s.group, s.rank) for n, s in scores.items()} == {
        "青岛市": ("副省级城市", 1), "深圳市": ("副省级城市", 1), "成都市": ("副省级城市", 2),
        "绵阳市": ("地市", 1), "德阳市": ("地市", 2)}
    assert scores["绵阳市"].indicators["b"] == pytest.approx(60)
    assert scores["成都市"].indicators["b"] == pytest.approx(60 * (10 / 20 + 1) / 2)


def test_declared_groups_and_their_order(tmp_path: Path):
    path = _variant(tmp_path, "groups:\n  - {name: 重点城市, levels: [city]}\n"
                              "  - {name: 县区, levels: [county]}")
    checklist = load_checklist(path)
    assert [g.name for g in checklist.groups] == ["重点城市", "县区"]
    assert checklist.group_for("city") == "重点城市"
    assert checklist.group_for("county", "") == "县区"
    assert checklist.group_for("city", "省会城市") == "省会城市"
    assert sorted(["县区", "其他", "重点城市"], key=checklist.group_order) == [
        "重点城市", "县区", "其他"]


@pytest.mark.parametrize("text,message", [
    ("groups:\n  - {name: 重点城市, levels: [town]}", "group 重点城市: unknown level 'town'"),
    ("groups:\n  - {name: 重点城市}", "group 重点城市: 'levels' must be a non-empty list"),
    ("groups:\n  - {name: 甲, levels: [city]}\n  - {name: 甲, levels: [county]}",
     "group '甲' is listed twice"),
    ("groups:\n  - {name: 甲, levels: [city], order: 1}", "unknown key 'order' in a group"),
    ("bonus_rule: biggest", "bonus_rule 'biggest' must be one of sum_capped, best_case"),
    ("na_indicator: drop", "na_indicator 'drop' must be one of rescale, zero"),
    ("above_100: round", "above_100 'round' must be one of as_is, cap"),
    ("bonus_scale: [{label: 好}]", "'bonus_scale' must list at least two {label, points}"),
])
def test_new_settings_are_validated_with_lines(tmp_path: Path, text: str, message: str):
    from govaudit.checklist import validate_checklist

    problems = validate_checklist(_variant(tmp_path, text))
    assert any(message in p for p in problems), problems
    assert all(p.startswith(f"{tmp_path / 'variant.yaml'}:") and p.split(":")[1].isdigit()
               for p in problems), problems


def test_unanswered_questions_make_a_provisional_total_with_open_points():
    sites = [Site("甲市", "http://a.example", "city"), Site("乙市", "http://b.example", "city")]
    values = {"甲市": {**FULL, "c1.q1": "优秀", "c2.q1": "yes"},
              "乙市": {"a.q1": "yes", "a.q2": "unknown", "a.q3": "yes", "b.q1": 8}}
    scores = _score(FIXTURE, sites, values)
    done, open_ = scores["甲市"], scores["乙市"]
    assert not done.provisional and done.open_points == pytest.approx(0)
    assert open_.provisional
    # a: q1 and q3 earned 3 of 4 points, q2 unknown (1 point of 40 × 1/4 = 10 open);
    # b: q2 unanswered: 30 open; the bonus categories: 10 (capped) open
    assert open_.total == pytest.approx(30 + 30)
    assert open_.open_points == pytest.approx(10 + 30 + 10)
    assert open_.to_dict()["provisional"] is True


def test_pending_condition_counts_as_open():
    """q3 waits on q1: while q1 is open, the whole indicator is open."""
    scores = _score(FIXTURE, [Site("甲市", "http://a.example", "city")],
                    {"甲市": {"a.q2": "好", "b.q1": 8, "b.q2": "yes", "c1.q1": "优秀"}})
    site = scores["甲市"]
    assert site.total == pytest.approx(40 * 1 / 3 + 60 + 10)
    assert site.open_points == pytest.approx(40 * 2 / 3)  # q1 (2 points) and q3 once asked


def test_all_na_indicator_leaves_the_base(tmp_path: Path):
    sites = [Site("甲市", "http://a.example", "city")]
    values = {"甲市": {"a.q1": "yes", "a.q2": "好", "a.q3": "yes",
                      "b.q1": "na", "b.q2": "na", "c1.q1": "未申报", "c2.q1": "no"}}
    rescaled = _score(FIXTURE, sites, values)["甲市"]
    # a earns its 40 of the 40 assessed: 100 on the 100-point scale; b, all 不适用, is shown
    # at that rate, within its weight, and the leaves add up to the total
    assert rescaled.total == pytest.approx(100) and rescaled.grade == "卓越"
    assert rescaled.tops["a"] == pytest.approx(40)
    assert rescaled.indicators["b"] == pytest.approx(60) and rescaled.rescaled == ("b",)
    zero = _score(_variant(tmp_path, "na_indicator: zero"), sites, values)["甲市"]
    assert zero.total == pytest.approx(40) and zero.grade == "起步"


def test_bonus_rules(tmp_path: Path):
    sites = [Site("甲市", "http://a.example", "city")]
    values = {"甲市": {**FULL, "c1.q1": "良好", "c2.q1": "yes"}}
    summed = _score(_variant(tmp_path, "bonus_rule: sum_capped\nbonus_cap: 10"),
                    sites, values)["甲市"]
    assert summed.bonus == pytest.approx(10)  # 7 + 10, capped at 10
    best = _score(_variant(tmp_path, "bonus_rule: best_case"), sites,
                  {"甲市": {**FULL, "c1.q1": "良好", "c2.q1": "no"}})["甲市"]
    assert best.bonus == pytest.approx(7)
    wide = tmp_path / "wide.yaml"
    wide.write_text(FIXTURE.read_text(encoding="utf-8").replace("bonus_cap: 10", "bonus_cap: 20")
                    .replace("totals: {main: 100, bonus: 10}\n", "")
                    .replace("indicators:\n", "bonus_rule: best_case\nindicators:\n", 1),
                    encoding="utf-8")
    only_best = _score(wide, sites, values)["甲市"]
    assert only_best.bonus == pytest.approx(10)  # the best case, not 17


def test_validation_and_scoring_share_the_bonus_rule(tmp_path: Path):
    """totals: bonus is checked by the rule scoring uses: under best_case with a cap of 20,
    the two 10-point categories reach 10 (the best one), not 20 (their sum)."""
    from govaudit.checklist import validate_checklist

    def variant(declared: int) -> Path:
        path = tmp_path / f"best-{declared}.yaml"
        path.write_text(FIXTURE.read_text(encoding="utf-8")
                        .replace("bonus_cap: 10", "bonus_cap: 20")
                        .replace("bonus: 10}", f"bonus: {declared}}}")
                        .replace("indicators:\n", "bonus_rule: best_case\nindicators:\n", 1),
                        encoding="utf-8")
        return path

    reachable = variant(10)
    assert validate_checklist(reachable) == []
    site = _score(reachable, [Site("甲市", "http://a.example", "city")],
                  {"甲市": {**FULL, "c1.q1": "优秀", "c2.q1": "yes"}})["甲市"]
    assert site.bonus == pytest.approx(10)
    problems = validate_checklist(variant(20))
    assert any("the bonus at city reaches 10, declared total is 20" in p for p in problems), \
        problems


def test_bonus_scale_is_data(tmp_path: Path):
    """Bonus questions without their own choices use the checklist's expert scale."""
    text = FIXTURE.read_text(encoding="utf-8").replace(
        """            choices:
              - {label: 优秀, fraction: 1}
              - {label: 良好, fraction: 0.7}
              - {label: 未申报, fraction: 0}
""", "").replace("indicators:\n", "bonus_scale:\n  - {label: 特别突出, points: 10}\n"
                 "  - {label: 突出, points: 8}\n  - {label: 一般, points: 5}\n"
                 "  - {label: 未申报, points: 0}\nindicators:\n", 1)
    path = tmp_path / "scale.yaml"
    path.write_text(text, encoding="utf-8")
    checklist = load_checklist(path)
    assert [(c.label, c.fraction) for c in checklist.question("c1.q1").choices] == [
        ("特别突出", 1.0), ("突出", 0.8), ("一般", 0.5), ("未申报", 0.0)]
    site = _score(path, [Site("甲市", "http://a.example", "city")],
                  {"甲市": {**FULL, "c1.q1": "突出", "c2.q1": "no"}})["甲市"]
    assert site.bonus == pytest.approx(8)


def test_total_above_100_and_the_open_top_band(tmp_path: Path):
    sites = [Site("甲市", "http://a.example", "city")]
    values = {"甲市": {**FULL, "c1.q1": "良好", "c2.q1": "no"}}
    as_is = _score(FIXTURE, sites, values)["甲市"]
    assert as_is.total == pytest.approx(107) and as_is.grade == "卓越"
    capped = _score(_variant(tmp_path, "above_100: cap"), sites, values)["甲市"]
    assert capped.total == pytest.approx(100) and capped.grade == "卓越"
    checklist = load_checklist(FIXTURE)
    assert [label for _, label in checklist.grade_labels()] == [
        "≥ 95", "[85, 95)", "[75, 85)", "[60, 75)", "[0, 60)"]


def test_grades_with_source_and_an_open_top(tmp_path: Path):
    path = _variant(tmp_path, "grades:\n  source: 2019数字政府服务能力评估结果\n  bands:\n"
                              "    - {name: 卓越, min: 95}\n    - {name: 其他, min: 0, max: 95}")
    checklist = load_checklist(path)
    assert checklist.grades_source == "2019数字政府服务能力评估结果"
    assert checklist.grade_for(101.5) == "卓越" and checklist.grade_for(94.9) == "其他"
    assert checklist.to_dict()["grades"][0]["max"] is None


def _group_workspace(tmp_path: Path):
    """A workspace where 甲市 (副省级城市) is complete with 107 and 乙市 is provisional."""
    from govaudit.store import Store
    from govaudit.workspace import init_workspace

    ws = init_workspace(tmp_path / "ws", str(FIXTURE), "张三")
    store = Store(ws)
    store.add_sites([Site("甲市", "http://a.example", "city", group="副省级城市"),
                     Site("乙市", "http://b.example", "city")])
    values = {"甲市": {**FULL, "c1.q1": "良好", "c2.q1": "no"},
              "乙市": {"a.q1": "no", "a.q2": "好", "a.q3": "yes", "b.q1": 8}}
    store.save_answers([Answer(site, q, q.split(".")[0], v, "张三", TIME)  # type: ignore[arg-type]
                        for site, by_q in values.items() for q, v in by_q.items()])
    return ws


def test_score_and_status_show_group_and_provisional(tmp_path: Path, cli):
    import json

    ws = _group_workspace(tmp_path)
    table = cli("score", cwd=ws.root).output
    assert "副省级城市" in table and "地市" in table
    assert "provisional" in table and "open" in table
    assert "卓越 ≥ 95" in table and "shown as it is" in table
    data = json.loads(cli("score", "--json", cwd=ws.root).output)
    rows = {s["site"]: s for s in data["sites"]}
    assert rows["甲市"]["group"] == "副省级城市" and rows["甲市"]["rank"] == 1
    assert rows["乙市"]["group"] == "地市" and rows["乙市"]["rank"] == 1
    assert rows["乙市"]["provisional"] is True and rows["乙市"]["open_points"] == pytest.approx(40)
    status = cli("status", cwd=ws.root).output
    assert "provisional" in status and "副省级城市" in status
    rows = {s["site"]: s for s in json.loads(cli("status", "--json", cwd=ws.root).output)["sites"]}
    assert rows["乙市"]["provisional"] is True and rows["甲市"]["provisional"] is False


def test_report_shows_group_provisional_open_top_band_and_skipped(tmp_path: Path):

    ws = _group_workspace(tmp_path)
    index = Audit(ws).report()
    html = index.read_text(encoding="utf-8")
    assert "[95, 100)" not in html and "≥ 95" in html
    assert "107" in html and "副省级城市" in html and "暂定" in html
    page = (index.parent / "sites").glob("*.html")
    pages = {p.name: p.read_text(encoding="utf-8") for p in page}
    second = next(text for text in pages.values() if "乙市" in text and "<h1>乙市" in text)
    assert "待答 40" in second and "排名（地市）" in second
    # a.q3's stored answer no longer counts once a.q1 is no: shown as skipped
    assert "跳过" in second


def test_workbook_summary_shows_the_ranking_group(tmp_path: Path):
    import openpyxl


    ws = _group_workspace(tmp_path)
    book = openpyxl.load_workbook(Audit(ws).export(tmp_path / "out.xlsx"))
    rows = list(book["Summary"].iter_rows(values_only=True))
    header = next(r for r in rows if r and "排名分组" in r)
    column = header.index("排名分组")
    groups = {r[0]: r[column] for r in rows[rows.index(header) + 1:] if r and r[0]}
    assert {k: v for k, v in groups.items() if k in ("甲市", "乙市")} == {
        "甲市": "副省级城市", "乙市": "地市"}
