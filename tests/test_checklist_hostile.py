"""Hostile checklist files: each is refused with one message naming the file and line.

Every file is built here. For the bombs, `checklist validate` and `init --checklist` run in a
subprocess under a 1 GB address-space limit and 10 s of CPU time (a minute of wall time at
most, for a busy machine), so a bomb ends the test, not the machine; the wrong values are
refused by the CLI in process.
"""

from __future__ import annotations

import re
import resource
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from govaudit.checklist import builtin_dir, builtin_names, load_checklist
from tests.conftest import FIXTURES, GOVAUDIT, run_cli

MINI = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
LIMIT_AS = 1 << 30


def _mini(old: str, new: str) -> Callable[[Path], None]:
    """A builder that writes mini.yaml with one line changed."""
    assert old in MINI

    def build(path: Path) -> None:
        path.write_text(MINI.replace(old, new, 1), encoding="utf-8")

    return build


def _alias_bomb(path: Path) -> None:
    """Billion laughs: nine levels of nine aliases, 9**9 strings once expanded."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    names = "abcdefghi"
    for previous, name in zip(names, names[1:], strict=False):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _deep(path: Path) -> None:
    path.write_text("id: deep\nindicators: " + "[" * 10_000 + "]" * 10_000 + "\n",
                    encoding="utf-8")


def _deep_mapping(path: Path) -> None:
    path.write_text("id: deep\nindicators: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n",
                    encoding="utf-8")


def _fifty_mb(path: Path) -> None:
    """A checklist padded with comment lines to 50 MB, written in chunks."""
    chunk = ("# " + "填充" * 30 + "\n") * 10_000
    with path.open("w", encoding="utf-8") as out:
        out.write(MINI)
        while out.tell() < 50 * 1024 * 1024:
            out.write(chunk)


def _many_nodes(path: Path) -> None:
    """Under the size limit, but 400,000 scalars to build."""
    path.write_text(MINI + "unweighted: [" + "0, " * 400_000 + "0]\n", encoding="utf-8")


def _not_utf8(path: Path) -> None:
    path.write_bytes(MINI.replace("name: 甲一", "name: \xff\xfe").encode("latin-1", "replace"))


def _grades(line: str) -> Callable[[Path], None]:
    return _mini("bonus_cap: 5\n", "bonus_cap: 5\ngrades:\n  - {name: 好, min: 50, max: 100}\n"
                 f"  {line}\n")


# name -> (builder, line of the refusal, a fragment of the message)
HOSTILE: dict[str, tuple[Callable[[Path], None], int, str]] = {
    "alias-bomb": (_alias_bomb, 5, "aliases"),
    "recursive-anchor": (_mini("indicators:\n", "indicators: &loop [*loop]\nold:\n"), 7,
                         "refers to itself"),
    "recursive-mapping": (_mini("bonus_cap: 5\n", "bonus_cap: 5\nsource: &s {a: *s}\n"), 7,
                          "refers to itself"),
    "deep-nesting": (_deep, 2, "nest"),
    "deep-mapping": (_deep_mapping, 2, "nested deeper"),
    "fifty-mb": (_fifty_mb, 0, "MB"),
    "many-nodes": (_many_nodes, 29, "nodes"),
    "totals-main-abc": (_mini("totals: {main: 10,", "totals: {main: abc,"), 5, "not numeric"),
    "total-lots": (_mini("total: 5", "total: lots"), 26, "not numeric"),
    "total-list": (_mini("total: 5", "total: [1, 2]"), 26, "not numeric"),
    "totals-inf": (_mini("totals: {main: 10,", "totals: {main: .inf,"), 5, "finite"),
    "weight-inf": (_mini("weights: {city: 6,", "weights: {city: .inf,"), 13, "finite"),
    "weight-nan": (_mini("weights: {city: 4,", "weights: {city: .nan,"), 20, "finite"),
    "weight-1e300": (_mini("weights: {city: 4,", "weights: {city: 1.0e+300,"), 20,
                     "out of range"),
    "weight-400-digits": (_mini("weights: {city: 4,", "weights: {city: " + "9" * 400 + ","),
                          20, "at most 100"),
    "weight-5000-digits": (_mini("weights: {city: 4,", "weights: {city: " + "9" * 5000 + ","),
                           20, "at most 100"),
    "weight-5000-hex-digits": (_mini("weights: {city: 4,", "weights: {city: 0x" + "f" * 5000
                                     + ","), 20, "at most 100"),
    "base-60-number": (_mini("weights: {city: 4,", "weights: {city: " + "1:" * 1_000_000
                             + "1,"), 20, "at most 100"),
    "points-nan": (_mini("text: 数量}", "text: 数量, points: .nan}"), 17, "finite"),
    "points-inf": (_mini("text: 数量}", "text: 数量, points: .inf}"), 17, "finite"),
    "bonus-cap-inf": (_mini("bonus_cap: 5", "bonus_cap: .inf"), 6, "finite"),
    "grade-nan": (_grades("- {name: 差, min: .nan, max: 50}"), 9, "finite"),
    "grade-abc": (_grades("- {name: 差, min: 0, max: abc}"), 9, "not numeric"),
    "fraction-nan": (_mini("choices: [优, 差]", "choices: [{label: 优, fraction: .nan}, "
                           "{label: 差, fraction: 0}]"), 28, "finite"),
    "bad-bool-tag": (_mini("bonus: true", "bonus: !!bool maybe"), 25, "cannot read"),
    "python-name-tag": (_mini('version: "1"', "version: !!python/name:os.system"), 3,
                        "cannot read"),
    "control-character": (_mini("name: 甲一", "name: 甲\x07一"), 12, "not allowed"),
    "not-utf8": (_not_utf8, 12, "UTF-8"),
}


# the files built to exhaust memory or time: read in a process of its own, under the limits;
# the others are wrong values, refused by the CLI in process
BOMBS = {"alias-bomb", "recursive-anchor", "recursive-mapping", "deep-nesting", "deep-mapping",
         "fifty-mb", "many-nodes", "weight-5000-digits", "weight-5000-hex-digits",
         "base-60-number"}


def _run(*args: str, cwd: Path, limited: bool = True) -> subprocess.CompletedProcess:
    if not limited:
        return run_cli(*args, cwd=cwd)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))
        resource.setrlimit(resource.RLIMIT_CPU, (10, 10))

    return subprocess.run([*GOVAUDIT, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, preexec_fn=limit)


def _assert_refused(result: subprocess.CompletedProcess, path: Path, line: int,
                    fragment: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-2000:]
    assert "Traceback" not in output, output[-2000:]
    assert output.count("error:") == 1, output[-2000:]
    where = re.escape(str(path)) + (f":{line}: " if line else r":\d+: ")
    assert re.search(where + ".*" + re.escape(fragment), output), output[-2000:]


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_checklist_is_refused(name: str, tmp_path: Path):
    build, line, fragment = HOSTILE[name]
    path = tmp_path / f"{name}.yaml"
    build(path)
    limited = name in BOMBS
    _assert_refused(_run("checklist", "validate", str(path), cwd=tmp_path, limited=limited),
                    path, line, fragment)
    _assert_refused(_run("init", "ws", "--checklist", str(path), "--evaluator", "x",
                         cwd=tmp_path, limited=limited), path, line, fragment)
    assert not (tmp_path / "ws").exists()


def test_python_tags_never_run(tmp_path: Path):
    marker = tmp_path / "ran"
    path = tmp_path / "apply.yaml"
    _mini('version: "1"', f'version: !!python/object/apply:os.system ["touch {marker}"]')(path)
    _assert_refused(_run("checklist", "validate", str(path), cwd=tmp_path), path, 3,
                    "must be text")
    assert not marker.exists()


def test_imported_table_with_infinite_weight_is_flagged(tmp_path: Path, cli):
    book = Workbook()
    sheet = book.active
    sheet.append(["一级指标", "二级指标", "三级指标", "评估要点说明", "权重"])
    sheet.append(["信息发布", "政府信息公开", "——", "是否开设相关栏目。", "inf"])
    sheet.append(["管理保障", "IPv6改造", "——", "是否完成 IPv6 改造。", "nan"])
    table = tmp_path / "table.xlsx"
    book.save(table)
    out = tmp_path / "table.yaml"
    result = cli("checklist", "import", str(table), "-o", str(out))
    assert f"{out}:" in result.output and "finite" in result.output, result.output
    problems = cli("checklist", "validate", str(out))
    assert problems.exit_code == 1
    assert "finite" in problems.output


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_checklists_still_load_and_validate(name: str, cli):
    path = builtin_dir() / f"{name}.yaml"
    checklist = load_checklist(path)
    assert checklist.indicators
    result = cli("checklist", "validate", str(path))
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
