"""Checklist validation: every problem reported with file:line."""

from __future__ import annotations

from pathlib import Path

from govaudit.checklist import load_checklist, validate_checklist

BAD = """\
id: bad
name: 坏
version: "1"
levels: [city, county]
totals: {main: 10}
indicators:
  - id: a
    name: 甲
    total: {city: 10}
    children:
      - id: a1
        name: 甲一
        weights: {city: 6, county: x}
        questions:
          - {id: q1, type: yes_no, text: 是否有}
          - {id: q2, type: graded, text: 好坏, choices: [好, 中, 差], relevant: q1 == yes}
          - {id: q3, type: count, text: 数量, relevant: q9 == yes}
      - id: a1
        name: 甲二
        weights: {city: 3, village: 1}
        colour: red
        questions:
          - {id: q1, type: maybe, text: 是否}
"""


def test_every_problem_with_its_line(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    problems = validate_checklist(path)
    text = "\n".join(problems)
    assert f"{path}:13: indicator a1: weight at county is not numeric: 'x'" in text
    assert f"{path}:17: question a1.q3: relevant 'q9 == yes' names an unknown question" in text
    assert f"{path}:18: duplicate indicator id 'a1' (first at line 11)" in text
    assert f"{path}:20: indicator a1: weight for unknown level 'village'" in text
    assert f"{path}:21: unknown key 'colour' in an indicator" in text
    assert f"{path}:23: question a1.q1: unknown type 'maybe'" in text
    assert f"{path}:9: indicator a: weights at city sum to" in text
    assert f"{path}:5: main weights at city sum to 9, declared total is 10" in text
    # sorted by line
    lines = [int(p.split(":")[1]) for p in problems]
    assert lines == sorted(lines)


def test_malformed_yaml(tmp_path: Path, cli):
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\nname: [unclosed\nlevels: [a]\n", encoding="utf-8")
    problems = validate_checklist(path)
    assert len(problems) == 1 and problems[0].startswith(f"{path}:")
    assert "malformed YAML" in problems[0]
    result = cli("checklist", "validate", str(path))
    assert result.exit_code == 1
    assert "malformed YAML" in result.output


def test_validate_command(tmp_path: Path, cli, mini_checklist: Path):
    ok = cli("checklist", "validate", str(mini_checklist))
    assert ok.exit_code == 0, ok.output
    assert "valid" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD, encoding="utf-8")
    result = cli("checklist", "validate", str(bad))
    assert result.exit_code == 1
    assert "unknown key 'colour'" in result.output
    assert "Traceback" not in result.output


def test_relevant_must_fit_and_come_first(tmp_path: Path):
    path = tmp_path / "rel.yaml"
    path.write_text("""\
id: rel
name: r
version: "1"
levels: [default]
indicators:
  - id: a
    name: 甲
    weights: 1
    questions:
      - {id: q1, type: yes_no, text: 是否, relevant: q2 == yes}
      - {id: q2, type: yes_no, text: 是否, relevant: q1 == maybe}
""", encoding="utf-8")
    text = "\n".join(validate_checklist(path))
    assert ":10: question a.q1: relevant must name an earlier question" in text
    assert ":11: question a.q2: relevant value 'maybe' does not fit a.q1" in text


def test_show_json(cli, mini_checklist: Path):
    import json

    result = cli("checklist", "show", str(mini_checklist), "--json")
    data = json.loads(result.output)
    assert data["id"] == "mini" and data["levels"] == ["city", "county"]
    assert data["grades"][0] == {"name": "卓越", "min": 95, "max": 100}
    a1 = data["indicators"][0]
    assert a1["path"] == ["甲", "甲一"] and a1["weights"] == {"city": 6, "county": 5}
    assert a1["questions"][1]["choices"][1] == {"label": "中", "fraction": 0.5}
    assert data["indicators"][2]["bonus"] is True
    assert load_checklist(mini_checklist).bonus_cap == 5


def test_show_level_filters_the_table_and_the_json(cli, tmp_path: Path):
    import json

    everything = json.loads(cli("checklist", "show", "cstc-2020-local", "--json").output)
    county = json.loads(cli("checklist", "show", "cstc-2020-local", "--level", "county",
                            "--json").output)
    ids = {i["id"] for i in everything["indicators"]}
    county_ids = {i["id"] for i in county["indicators"]}
    assert county_ids < ids  # some indicators are not assessed at county level
    assert all(i["weights"]["county"] is not None for i in county["indicators"])
    assert all(i["weights"]["county"] is None for i in everything["indicators"]
               if i["id"] not in county_ids)
    # ids the user must type back are wrapped, never cut with an ellipsis
    from tests.conftest import run_cli

    table = run_cli("checklist", "show", "cstc-2020-local", "--level", "county",
                    cwd=tmp_path, env={"COLUMNS": "70"}).stdout
    question_cells = [line.split("│")[4] for line in table.splitlines() if line.count("│") == 6]
    assert "".join(c.strip() for c in question_cells[:2]) == "statutory-disclosure.q1"
    assert not any("…" in c for c in question_cells)
    wrong = cli("checklist", "show", "cstc-2020-local", "--level", "town")
    assert wrong.exit_code == 2
    assert "--level 'town' is not a level of cstc-2020-local (levels: province, city, " \
           "county)" in wrong.output


def test_unknown_checklist_name(cli, tmp_path: Path):
    result = cli("checklist", "show", "no-such-list")
    assert result.exit_code == 1
    assert "unknown checklist 'no-such-list'" in result.output
    result = cli("init", str(tmp_path / "w"), "--checklist", "nope", "--evaluator", "x")
    assert result.exit_code == 1
    assert not (tmp_path / "w").exists()


def test_an_indicator_table_points_to_checklist_import(tmp_path: Path, cli):
    from openpyxl import Workbook

    table = tmp_path / "指标表.xlsx"
    book = Workbook()
    book.active.append(["一级指标", "二级指标", "三级指标", "评估要点说明", "权重"])
    book.save(table)
    result = cli("checklist", "validate", str(table))
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "Excel workbook" in out and "not UTF-8" not in out
    assert f"govaudit checklist import {table}" in out
    started = cli("init", str(tmp_path / "ws"), "--checklist", str(table), "--evaluator", "张三")
    assert started.exit_code == 1
    assert "govaudit checklist import" in started.output
    assert not (tmp_path / "ws").exists()
