"""checklist import: a table laid out like the published ones becomes a valid checklist."""

from __future__ import annotations

from pathlib import Path

import yaml
from openpyxl import Workbook

from govaudit.checklist import builtin_dir, load_checklist
from govaudit.checklist.table_import import import_table, split_points


def test_split_points():
    lead, points = split_points(
        "网站依申请公开功能建设情况： 1. 是否建设依申请公开栏目； 2. 是否提供在线申请功能。")
    assert lead == "网站依申请公开功能建设情况："
    assert points == ["是否建设依申请公开栏目", "是否提供在线申请功能"]
    # a figure inside a sentence is not a point
    assert split_points("是否实现每周至少更新1次。")[1] == []


def _seed_like_table(path: Path) -> None:
    """Like the seed: 权重 over 省/市/县, merged first-level cells, a page-break header."""
    book = Workbook()
    sheet = book.active
    sheet.append(["一级指标", "二级指标", "三级指标", "评估要点说明", "权重", None, None])
    sheet.append([None, None, None, None, "省", "市", "县"])
    sheet.merge_cells("E1:G1")
    rows = [
        ["信息发布", "政府信息公开", "法定主动公开",
         "网站主动公开情况： 1. 是否开设相关栏目/发布相关信息； 2. 栏目设置是否规范合理； "
         "3. 发布内容是否准确、及时、规范。", 20, 17, 19],
        [None, None, "依申请公开", "网站依申请公开功能建设情况： 1. 是否建设依申请公开栏目； "
         "2. 是否提供在线申请功能。", 1, 1, 1],
        ["一级指标", "二级指标", "三级指标", "评估要点说明", "权重", None, None],  # page break
        [None, "中心工作", "——", "网站对重点工作的情况： 1. 是否开设相关专题专栏；", 2, 2, 3],
        [None, None, None, "2. 信息丰富程度及信息更新情况。", None, None, None],  # continued
        ["数据开放", "开放平台", "——", "数据开放平台情况： 1. 是否建设统一数据开放平台； "
         "2. 利用开放数据实现的典型应用数量。", 4, 4, "—"],
        ["管理保障", "IPv6改造", "---", "是否完成 IPv6 改造。", 73, 76, 77],
        ["优秀创新案例 (加分项) (10)", "集约化建设", "---", "集约化的创新实践。", 10, 10, 10],
        [None, "一体化服务", "---", "一体化服务的创新实践。", None, None, None],
    ]
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("A3:A4")  # 信息发布 spans its rows
    sheet.merge_cells("B3:B4")
    sheet.merge_cells("E10:E11")
    book.save(path)


def test_import_seed_like_table(tmp_path: Path, cli):
    table = tmp_path / "指标.xlsx"
    _seed_like_table(table)
    data = import_table(table, "imported", "导入").data
    assert data["levels"] == ["province", "city", "county"]
    names = [t["name"] for t in data["indicators"]]
    assert names == ["信息发布", "数据开放", "管理保障", "优秀创新案例"]
    info = data["indicators"][0]
    assert [c["name"] for c in info["children"]] == ["政府信息公开", "中心工作"]
    disclosure = info["children"][0]["children"][0]
    assert disclosure["weights"] == {"province": 20, "city": 17, "county": 19}
    assert [q["type"] for q in disclosure["questions"]] == ["yes_no", "graded", "graded"]
    center = info["children"][1]
    assert "questions" in center  # 三级 "——": the 二级 is the leaf
    assert [q["text"] for q in center["questions"]] == [
        "是否开设相关专题专栏", "信息丰富程度及信息更新情况"]
    platform = data["indicators"][1]["children"][0]
    assert platform["weights"]["county"] is None
    assert platform["questions"][1]["type"] == "count"
    bonus = data["indicators"][3]
    assert bonus["bonus"] is True and bonus["total"] == 10
    assert [c["weights"]["city"] for c in bonus["children"]] == [10, 10]
    result = cli("checklist", "import", str(table), "-o", str(tmp_path / "out.yaml"),
                 "--id", "imported")
    assert result.exit_code == 0, result.output
    checklist = load_checklist(tmp_path / "out.yaml")
    assert len(checklist.indicators) == 7
    assert checklist.indicators[0].questions[0].id == "i1-1-1.q1"


def test_round_trip_of_the_builtin_local_checklist(tmp_path: Path):
    """Lay the built-in local checklist out as the seed's table, import it, compare."""
    original = load_checklist(builtin_dir() / "cstc-2020-local.yaml")
    book = Workbook()
    sheet = book.active
    sheet.append(["一级指标", "二级指标", "三级指标", "评估要点说明", "省", "市", "县"])
    previous: tuple[str, ...] = ()
    for indicator in original.indicators:
        path = list(indicator.path) + (["——"] if len(indicator.path) == 2 else [])
        shown = [p if (previous[: i + 1] != tuple(path[: i + 1])) else None
                 for i, p in enumerate(path)]
        top = shown[0]
        if top is not None and indicator.bonus:
            top = f"{top} (加分项, 10)"
        text = "\n".join([f"{n}. {q.text}；" for n, q in enumerate(indicator.questions, 1)])
        weights = ["—" if indicator.weights[lv] is None else indicator.weights[lv]
                   for lv in ("province", "city", "county")]
        sheet.append([top, shown[1], shown[2], f"评估：\n{text}", *weights])
        previous = tuple(path)
    table = tmp_path / "local.xlsx"
    book.save(table)
    data = import_table(table, "roundtrip", "round trip").data
    out = tmp_path / "roundtrip.yaml"
    from govaudit.checklist.table_import import to_yaml

    out.write_text(to_yaml(data), encoding="utf-8")
    yaml.safe_load(out.read_text(encoding="utf-8"))
    imported = load_checklist(out)
    assert len(imported.indicators) == len(original.indicators)
    for a, b in zip(original.indicators, imported.indicators, strict=True):
        assert a.path == b.path
        assert a.weights == b.weights
        assert [q.text for q in a.questions] == [q.text for q in b.questions]
        assert a.bonus == b.bonus


def test_import_warns_checks_the_total_splits_parenthesised_points_and_reads_the_title(
        tmp_path: Path, cli):
    book = Workbook()
    sheet = book.active
    sheet.append(["2021 County Index 县级政府网站指标", None, None, None, None])
    sheet.merge_cells("A1:E1")
    sheet.append(["一级指标", "二级指标", "三级指标", "评估要点说明", "权重"])
    sheet.append(["信息发布", "政府信息公开", "法定主动公开",
                  "主动公开情况：（1）是否开设栏目；（2）栏目设置是否规范。", 60])
    sheet.append([None, None, "依申请公开", "是否提供在线申请功能。", "十七"])
    sheet.append(["互动交流", "留言办理", "——", "是否公开留言。", 30])
    sheet.append(["合计", None, None, None, 100])
    table = tmp_path / "任务表.xlsx"
    book.save(table)
    imported = import_table(table)
    assert imported.title == "2021 County Index 县级政府网站指标"
    assert imported.data["id"] == "2021-county-index"  # from the title, not the file name
    assert imported.data["name"] == "2021 County Index 县级政府网站指标"
    disclosure = imported.data["indicators"][0]["children"][0]["children"][0]
    assert [q["text"] for q in disclosure["questions"]] == ["是否开设栏目", "栏目设置是否规范"]
    assert imported.warnings == [
        "任务表.xlsx row 4: weight '十七' is not a number; left out (not assessed)",
        "任务表.xlsx row 6: 合计 says 100, the weights above it add up to 90"]
    assert len(imported.data["indicators"]) == 2  # the 合计 row is not an indicator

    result = cli("checklist", "import", str(table), "-o", str(tmp_path / "out.yaml"))
    assert result.exit_code == 0, result.output
    assert "warning: 任务表.xlsx row 4: weight '十七' is not a number" in result.output
    assert "(2021-county-index, 2021 County Index 县级政府网站指标)" in result.output

    csv = tmp_path / "指标.csv"
    csv.write_text("一级指标,二级指标\n", encoding="utf-8")
    refused = cli("checklist", "import", str(csv))
    assert refused.exit_code == 1
    assert "an indicator table must be an .xlsx workbook (got .csv)" in refused.output


def test_weight_columns_take_every_level_spelling_a_site_list_takes(tmp_path: Path):
    """One level vocabulary: a weight column headed 省级政府, 地级市 or 区（县）, as a site
    list may name the level, is that level's column."""
    table = tmp_path / "指标.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["一级指标", "二级指标", "三级指标", "评估要点说明", "权重", None, None,
                  None])
    sheet.append([None, None, None, None, "省级政府", "地级市", "区（县）", "门户网站"])
    sheet.append(["信息发布", "政府信息公开", "法定主动公开", "是否开设相关栏目。",
                  100, 100, 100, 100])
    book.save(table)
    data = import_table(table, "spellings", "spellings").data
    assert data["levels"] == ["province", "city", "county", "portal"]
