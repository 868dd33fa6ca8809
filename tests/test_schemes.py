"""Scoring schemes in the checklist format: validation of their arithmetic with file:line,
the review weighing, provincial tables imported; ranking groups as published; 不适用
indicators shown within their weight; bands in 行政区划 order; `checklist show --level`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

import govaudit
from govaudit.checklist import builtin_dir, load_checklist, validate_checklist
from govaudit.scoring import score_sites
from govaudit.store import Answer, Site

FIXTURES = Path(__file__).parent / "fixtures"
DEDUCTION = FIXTURES / "deduction.yaml"
TIME = "2026-11-01T00:00:00+00:00"


def _variant(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if needle in line)


@pytest.mark.parametrize("old,new,at,message", [
    ("factor: 4/3", "factor: 5/4", "factor: 5/4",
     "scaled factor 1.25 at portal: the skipped items hold 25 of 100 points, so the rest is "
     "scaled by 100/75 = 1.33333"),
    ("weights: 75", "weights: 70", "totals:",
     "the deduction items' points at portal sum to 95, declared total is 100"),
    ("bonus_above: 80", "bonus_above: 50", "bonus_above:",
     "bonus_above 50 is below pass_line 60: a failing site would earn bonus"),
    ("pass_line: 60", "pass_line: 120", "pass_line:",
     "pass_line 120 must lie between 0 and totals main 100"),
    ("text: 未开设栏目, deduct: 5}", "text: 未开设栏目}", "未开设栏目",
     "question info.q2: a deduction question needs 'deduct'"),
    ("{id: q1, type: yes_no, text: 站点无法访问}", "{id: q1, type: graded, text: 站点无法访问, "
     "choices: [好, 差]}", "type: graded",
     "question down.q1: a veto item asks yes_no or count or text questions"),
    ("text: 站点无法访问}", "text: 站点无法访问, veto_at: 2}", "veto_at: 2",
     "question down.q1: 'veto_at' needs a count question"),
    ("text: 集约化, add: 5}", "text: 集约化, deduct: 5}", "text: 集约化",
     "question bonus.q1: 'deduct' belongs to the deduction items of a deduction scheme"),
    ("skip: [service]", "skip: [info, service]", "skip:",
     "scaled: the skipped items hold 100 of 100 points at portal: nothing is left"),
    ("when: scope.q1 == no", "when: bonus.q1 == no", "when:",
     "scaled: bonus.q1 must come before the questions it skips (service.q1)"),
    ("totals: {main: 100, bonus: 10}", "totals: {bonus: 10}", "totals:",
     "a deduction scheme needs totals: {main: N}"),
    ("pass_line: 60", "pass_line: 60\ngrades: {preset: cstc-1999}", "preset",
     "grades preset 'cstc-1999' is not one of cstc-2019, cstc-2023, cstc-2024"),
    ("pass_line: 60", "pass_line: 60\nreview: {weight: 1.5}", "review:",
     "review weight 1.5 must lie between 0 and 1"),
    ("      - {id: q2, type: yes_no, text: 无障碍, add: 10}",
     "      - {id: q2, type: yes_no, text: 无障碍, add: 10}\n"
     "      - {id: q3, type: count, text: 栏目数}",
     "q3, type: count", "question bonus.q3: a count in a bonus item needs 'add'"),
])
def test_the_arithmetic_is_validated_with_file_and_line(tmp_path: Path, old: str, new: str,
                                                         at: str, message: str):
    path = _variant(tmp_path, DEDUCTION, old, new)
    problems = validate_checklist(path)
    expected = f"{path}:{_line(path, at)}: "
    assert any(p.startswith(expected) and message in p for p in problems), problems


@pytest.mark.parametrize("old,new,message", [
    ("bonus_cap: 10", "bonus_cap: 10\npass_line: 60", "'pass_line' belongs to a deduction scheme"),
    ("    name: 甲\n", "    name: 甲\n    part: veto\n",
     "indicator a: part 'veto' must be one of main, bonus in a weighted checklist"),
    ("text: 是否公开}", "text: 是否公开, deduct: 2}",
     "question b.q2: 'deduct' belongs to the deduction items of a deduction scheme"),
    ("bonus_cap: 10", "bonus_cap: 10\nb: 1\n", "unknown key 'b' in the checklist"),
])
def test_deduction_keys_are_refused_in_a_weighted_checklist(tmp_path: Path, old: str, new: str,
                                                            message: str):
    problems = validate_checklist(_variant(tmp_path, FIXTURES / "scoring.yaml", old, new))
    assert any(message in p for p in problems), problems


def test_the_weighted_worked_example_of_the_docs():
    """docs/checklist-format.md: 25 + 45 + 7 = 77, 良好."""
    checklist = load_checklist(FIXTURES / "scoring.yaml")
    sites = [Site("甲市", "http://a.example", "city"), Site("乙市", "http://b.example", "city")]
    answers = (_answers("甲市", {"a.q1": "yes", "a.q2": "中", "a.q3": "no", "b.q1": 4,
                                "b.q2": "yes", "c1.q1": "良好"})
               + _answers("乙市", {"b.q1": 8}))
    score = score_sites(checklist, sites, answers).site("甲市")
    assert score is not None
    assert (score.indicators["a"], score.indicators["b"], score.bonus) == (25, 45, 7)
    assert (score.total, score.grade) == (77, "良好")


def _answers(site: str, values: dict[str, object]) -> list[Answer]:
    return [Answer(site, q, q.split(".")[0], v, "张三", TIME)  # type: ignore[arg-type]
            for q, v in values.items()]


def test_question_caps_item_caps_and_the_bonus_rule():
    checklist = load_checklist(DEDUCTION)
    sites = [Site("甲", "http://a.example", "portal"), Site("乙", "http://b.example", "portal"),
             Site("丙", "http://c.example", "department")]
    answers = (_answers("甲", {"scope.q1": "yes", "info.q1": 14, "bonus.q1": "yes",
                              "bonus.q2": "yes"})
               # 14 typos at 1 each, capped at the question's 10: 90; bonus 5 + 10 = 15, cap 10
               + _answers("乙", {"scope.q1": "no", "info.q1": 3, "info.q2": "yes"})
               # (75 − 8) × 4/3 = 89.33; no bonus answered
               + _answers("丙", {"scope.q1": "yes", "empty.q1": 4, "service.q1": "yes"}))
    scores = {s.site: s for s in score_sites(checklist, sites, answers)}
    assert (scores["甲"].part2, scores["甲"].bonus, scores["甲"].total) == (90, 10, 100)
    assert scores["甲"].problems[0].capped and scores["甲"].problems[0].deducted == 10
    assert scores["乙"].part2 == pytest.approx((75 - 8) * 4 / 3)
    assert scores["丙"].verdict == "合格" and scores["丙"].total == 95  # 4 empty: no veto


def test_a_vetoed_site_may_show_the_schemes_score(tmp_path: Path):
    """肇庆's county accounts: "即判定为不合格(59分)"."""
    path = _variant(tmp_path, DEDUCTION, "pass_line: 60", "pass_line: 60\nveto_score: 59")
    score = score_sites(load_checklist(path), [Site("甲", "http://a.example", "portal")],
                        _answers("甲", {"down.q1": "yes"})).sites[0]
    assert (score.verdict, score.total, score.reason) == ("不合格", 59, "单项否决：站点无法访问")


def test_a_provincial_scheme_weighs_the_review(tmp_path: Path):
    """宣城 2019: 工作考核 (扣分100 + 加分20 above 80) 70%, 专业评价 30%."""
    audit = govaudit.Audit.create(tmp_path / "ws", checklist="examples/xuancheng-2019",
                                  evaluator="张三")
    checklist = audit.checklist
    assert checklist.review_weight == 0.3 and checklist.full_marks == 100
    sites = [Site("宣州区", "http://a.example", "county"),
             Site("市某局", "http://b.example", "department")]
    answers = (_answers("宣州区", {"items.q1": 8, "bonus-points.q1": 15, "expert.q1": 80})
               + _answers("市某局", {"items.q1": 25, "bonus-points.q1": 15, "expert.q1": 90}))
    scores = {s.site: s for s in score_sites(checklist, sites, answers)}
    # 0.7 × (92 + 15) + 0.3 × 80; 75 earns no bonus: 0.7 × 75 + 0.3 × 90
    assert scores["宣州区"].total == pytest.approx(0.7 * 107 + 0.3 * 80)
    assert scores["市某局"].total == pytest.approx(0.7 * 75 + 0.3 * 90)
    assert scores["市某局"].bonus == 0


def test_a_provincial_table_is_imported(tmp_path: Path, cli):
    book = Workbook()
    sheet = book.active
    for row in [
        ["某市2020年度政府网站考评指标"],
        ["类别", "一级指标", "二级指标", "评分细则", "分值"],
        ["单项否决", "站点无法访问", "",
         "监测1周，超过（含）15秒网站仍打不开的次数累计占比超过（含）5%。", ""],
        ["单项否决", "栏目不更新", "",
         "1.空白栏目数量超过（含）5个。2.应更新但长期未更新的栏目数量超过（含）10个。", ""],
        ["扣分指标", "发布解读", "概况信息",
         "1.未开设概况信息栏目的，扣5分；2.机构职能信息不准确，每发现一处扣1分，最高扣3分。", 20],
        ["扣分指标", "功能设计", "链接可用性", "每发现一个不可用链接扣1分，扣完为止。", 80],
        ["加分指标", "创新发展", "",
         "1.网站迁移至集约化平台的，加5分；2.开设无障碍浏览的，加5分。", 10],
        ["说明：扣分指标得分低于60分的判定为不合格；高于80分的进入加分环节。"],
    ]:
        sheet.append(row)
    book.save(tmp_path / "指标.xlsx")
    out = tmp_path / "scheme.yaml"
    result = cli("checklist", "import", str(tmp_path / "指标.xlsx"), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert validate_checklist(out) == []
    checklist = load_checklist(out)
    assert (checklist.scheme, checklist.full_marks, checklist.pass_line,
            checklist.bonus_above, checklist.bonus_cap) == ("deduction", 100, 60, 80, 10)
    asked = {(q.text[:8], q.type, q.deduct, q.cap, q.veto_at, q.add) for q in checklist.questions}
    assert ("空白栏目数量超过", "count", None, None, 5, None) in asked
    assert ("未开设概况信息栏", "yes_no", 5, None, None, None) in asked
    assert ("机构职能信息不准", "count", 1, 3, None, None) in asked
    assert ("每发现一个不可用", "count", 1, None, None, None) in asked
    assert ("网站迁移至集约化", "yes_no", None, None, None, 5) in asked


# -- ranking groups as published ----------------------------------------------------------

def _site_answers(checklist, site: str, yes: int) -> list[Answer]:  # type: ignore[no-untyped-def]
    """`yes` of the checklist's first yes/no questions answered yes, the others no."""
    questions = [q for q in checklist.questions if q.type == "yes_no" and q.relevant is None]
    return [Answer(site, q.id, q.indicator_id, "yes" if n < yes else "no", "张三", TIME)
            for n, q in enumerate(questions[:10])]


def test_a_site_ranks_in_each_of_its_groups():
    """Seed 003 ranks 成都 among the 副省级城市 and among the 省会城市; 副省级 and 副省级城市
    are one group."""
    checklist = load_checklist(builtin_dir() / "cstc-2020-local.yaml")
    sites = [Site("青岛市", "http://a.example", "city", group="副省级城市"),
             Site("成都市", "http://b.example", "city", group="副省级、省会城市"),
             Site("广州市", "http://c.example", "city", group="副省级城市，省会"),
             Site("长沙市", "http://d.example", "city", group="省会城市")]
    answers = [a for name, yes in (("青岛市", 9), ("成都市", 6), ("广州市", 3), ("长沙市", 8))
               for a in _site_answers(checklist, name, yes)]
    scores = {s.site: s for s in score_sites(checklist, sites, answers)}
    assert {n: dict(s.ranks) for n, s in scores.items()} == {
        "青岛市": {"副省级城市": 1}, "成都市": {"副省级城市": 2, "省会城市": 2},
        "广州市": {"副省级城市": 3, "省会城市": 3}, "长沙市": {"省会城市": 1}}
    assert scores["成都市"].groups == ("副省级城市", "省会城市")


def test_score_lists_a_site_in_each_group_and_unknown_groups_warn(tmp_path: Path, cli):
    audit = govaudit.Audit.create(tmp_path / "ws", checklist="cstc-2020-local", evaluator="张三")
    for name, group in (("成都市", "副省级、省会"), ("武汉市", "副省级城市、省会城市"),
                        ("某县", "重点县")):
        result = cli("sites", "add", name, "http://127.0.0.1:9/", "--level", "市" if name
                     != "某县" else "县", "--group", group, "-w", str(audit.root))
        assert result.exit_code == 0, result.output
    assert "warning: group '重点县' (某县) is not a ranking group of cstc-2020-local" in \
        result.output
    chinese = cli("--lang", "zh", "sites", "add", "某区", "http://127.0.0.1:9/", "--level", "县",
                  "--group", "重点县", "-w", str(audit.root))
    assert chinese.exit_code == 0, chinese.output
    # a warning in the interface's language, said as a warning (not as a note)
    assert "警告：分组 '重点县'（某区）不是 cstc-2020-local 的排名分组" in chinese.output
    assert "注意：" not in chinese.output
    assert audit.sites.get("成都市").group == "副省级城市、省会城市"
    out = cli("score", "-w", str(audit.root)).output
    assert out.count("成都市") == 2 and out.count("武汉市") == 2
    assert "Ranking group '重点县' is not one of cstc-2020-local's" in out
    data = json.loads(cli("score", "--json", "-w", str(audit.root)).output)
    chengdu = next(s for s in data["sites"] if s["site"] == "成都市")
    assert chengdu["ranks"] == {"副省级城市": 1, "省会城市": 1}


def test_a_city_in_the_digital_government_checklist_is_not_ranked_as_a_province(
        tmp_path: Path, cli):
    audit = govaudit.Audit.create(tmp_path / "ws", checklist="cstc-2020-digital-gov",
                                  evaluator="张三")
    cli("sites", "add", "某省", "http://127.0.0.1:9/a", "--level", "省", "-w", str(audit.root))
    result = cli("sites", "add", "某市", "http://127.0.0.1:9/b", "--level", "市",
                 "-w", str(audit.root))
    assert "warning: group '地市'" in result.output
    groups = {s.site: s.group for s in audit.score()}
    assert groups == {"某省": "省级", "某市": "地市"}


# -- an indicator all 不适用 ---------------------------------------------------------------

def _full_marks(checklist, site: str) -> list[Answer]:  # type: ignore[no-untyped-def]
    out = []
    for q in checklist.questions:
        value: object = {"yes_no": "yes", "count": 5, "text": "x"}.get(
            q.type, q.choices[0].label if q.choices else "yes")
        out.append(Answer(site, q.id, q.indicator_id, value, "张三", TIME))  # type: ignore[arg-type]
    return out


def test_an_indicator_all_na_stays_within_its_weight_and_the_leaves_add_up(tmp_path: Path):
    """Before, with 开放平台 (4 points) all 不适用, the Summary showed 信息发布 34.38 of its 33
    (33 × 100/96): the first-level scores were rescaled, the leaves not."""
    ws_path = tmp_path / "ws"
    audit = govaudit.Audit.create(ws_path, checklist="cstc-2020-local", evaluator="张三")
    audit.sites.add("某省", "http://127.0.0.1:9/", "province")
    checklist = audit.checklist
    na = checklist.indicator("open-data-platform")
    assert na is not None
    answers = [a if a.indicator != na.id else Answer(a.site, a.question, a.indicator, "na",
                                                      a.evaluator, a.time)
               for a in _full_marks(checklist, "某省")
               if not checklist.indicator(a.indicator).bonus]
    for a in answers[:3]:
        assert a.value in ("yes", "好", 5) or a.indicator == na.id
    audit.store.save_answers(answers)
    # one question of 办事服务 short of full marks, so that the rate is below 1
    first = next(q for q in checklist.questions if q.type == "yes_no" and q.relevant is None
                 and checklist.indicator(q.indicator_id).top == "online-services")
    audit.answer("某省", first.id, "no")
    score = audit.score().site("某省")
    assert score is not None and score.rescaled == ("open-data-platform",)
    weights = {t.id: sum(i.weight("province") or 0 for i in checklist.indicators
                         if i.top == t.id) for t in checklist.tops if not t.bonus}
    for top, weight in weights.items():
        assert score.tops[top] <= weight + 1e-9, (top, score.tops[top], weight)
    leaves = sum(v or 0 for i, v in score.indicators.items()
                 if not checklist.indicator(i).bonus)
    assert leaves == pytest.approx(score.total - (score.bonus or 0))
    assert 0 < score.indicators[na.id] < na.weight("province")
    book = load_workbook(audit.export().path, read_only=True)
    rows = list(book["Summary"].iter_rows(values_only=True))
    ids = list(rows[1])
    assert rows[2][ids.index("top.info-release")] == 33  # full marks, not 34.38


# -- bands in 行政区划 order, presets, checklist show --level --------------------------------

def test_band_presets_and_publishing_by_band(tmp_path: Path, cli):
    text = (FIXTURES / "scoring.yaml").read_text(encoding="utf-8")
    path = tmp_path / "bands.yaml"
    path.write_text(text.replace("indicators:\n", "grades: {preset: cstc-2023}\n"
                                 "publish: bands\nindicators:\n", 1), encoding="utf-8")
    checklist = load_checklist(path)
    assert [g.name for g in checklist.grades] == ["卓越", "优秀", "良好", "发展", "准备"]
    assert "ccidegov.cn" in checklist.grades_source
    audit = govaudit.Audit.create(tmp_path / "ws", checklist=str(path), evaluator="张三")
    for name, region in (("广东省", "440000"), ("某市", ""), ("北京市", "110000"),
                         ("四川省", "510000")):
        audit.sites.add(name, "http://127.0.0.1:9/", "city", region=region)
        for q, v in {"a.q1": "yes", "a.q2": "好", "a.q3": "yes", "b.q1": 8,
                     "b.q2": "yes"}.items():
            audit.answer(name, q, v)
    audit.answer("四川省", "b.q2", "no")  # 40 + 60 × (1 + 0) / 2 = 70: 发展
    bands = {name: [s.site for s in scores] for name, _, scores in audit.score().by_band()}
    assert bands["卓越"] == ["北京市", "广东省", "某市"]  # codes first, then the list's order
    assert bands["发展"] == ["四川省"] and bands["优秀"] == []
    out = cli("score", "-w", str(audit.root)).output
    assert out.index("北京市") < out.index("广东省") < out.index("某市") < out.index("四川省")
    assert "rank" not in out.splitlines()[2]
    page = audit.report().read_text(encoding="utf-8")
    assert "按等级公布" in page and page.index("北京市、广东省、某市") > 0
    ranked = cli("score", "--publish", "ranks", "-w", str(audit.root)).output
    assert "rank" in ranked
    refused = cli("score", "--publish", "order", "-w", str(audit.root))
    assert refused.exit_code == 2 and "use ranks or bands" in refused.output


def test_checklist_show_level_lists_only_the_questions_asked_there(cli):
    """comment-replies.q1 (留言回复是否及时) is not asked of 政务微博."""
    out = cli("checklist", "show", "cstc-2020-newmedia", "--level", "weibo").output
    assert "comment-replies.q2" in out and "comment-replies.q1" not in out
    data = json.loads(cli("checklist", "show", "cstc-2020-newmedia", "--level", "weibo",
                          "--json").output)
    reply = next(i for i in data["indicators"] if i["id"] == "comment-replies")
    assert [q["id"] for q in reply["questions"]] == ["comment-replies.q2"]
    wechat = cli("checklist", "show", "cstc-2020-newmedia", "--level", "wechat").output
    assert "comment-replies.q1" in wechat


def test_importing_a_list_names_the_groups_the_checklist_does_not_know(tmp_path: Path, cli):
    audit = govaudit.Audit.create(tmp_path / "ws", checklist="cstc-2020-local", evaluator="张三")
    (tmp_path / "sites.csv").write_text(
        "名称,网址,级别,分组\n成都市,http://127.0.0.1:9/a,市,副省级、省会城市\n"
        "某县,http://127.0.0.1:9/b,县,重点县\n某区,http://127.0.0.1:9/c,县,重点县\n",
        encoding="utf-8")
    result = cli("sites", "import", str(tmp_path / "sites.csv"), "-w", str(audit.root))
    assert result.exit_code == 0, result.output
    assert result.output.count("warning: group") == 1
    assert "group '重点县' (某县, 某区) is not a ranking group of cstc-2020-local" in result.output
    assert audit.sites.get("成都市").group == "副省级城市、省会城市"
