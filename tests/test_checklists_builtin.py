"""The built-in checklists: faithful sums, every leaf asked, loadable from a wheel."""

from __future__ import annotations

import difflib
import itertools
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from govaudit.checklist import builtin_dir, builtin_names, load_checklist

ROOT = Path(__file__).resolve().parents[1]
WEIGHTED = {
    "cstc-2020-local": ("province", "city", "county"),
    "cstc-2020-ministry": ("ministry",),
    "cstc-2020-newmedia": ("wechat", "app", "weibo"),
    "cstc-2020-digital-gov": ("default",),
}


def test_all_builtins_present():
    assert set(builtin_names()) >= {*WEIGHTED, "cstc-2021-digital-gov"}


def _leaves(nodes: list[dict], bonus: bool = False):
    for node in nodes:
        flag = bonus or bool(node.get("bonus"))
        if "children" in node:
            yield from _leaves(node["children"], flag)
        else:
            yield node, flag


def _weight(node: dict, level: str) -> float:
    weights = node.get("weights")
    value = weights.get(level) if isinstance(weights, dict) else weights
    return float(value) if isinstance(value, (int, float)) else 0.0


@pytest.mark.parametrize("name,levels", WEIGHTED.items())
def test_published_sums(name: str, levels: tuple[str, ...]):
    """Summed straight from the YAML, independently of the loader."""
    raw = yaml.safe_load((builtin_dir() / f"{name}.yaml").read_text(encoding="utf-8"))
    assert tuple(raw["levels"]) == levels
    leaves = list(_leaves(raw["indicators"]))
    for level in levels:
        main = sum(_weight(n, level) for n, bonus in leaves if not bonus)
        assert main == pytest.approx(100), (name, level, main)
        bonus_leaves = [n for n, bonus in leaves if bonus]
        if bonus_leaves:
            # one published bonus of 10 for the group; each case category can earn it all
            assert raw["bonus_cap"] == 10
            assert max(_weight(n, level) for n in bonus_leaves) == 10
    checklist = load_checklist(builtin_dir() / f"{name}.yaml")
    assert checklist.id == name
    for indicator in checklist.indicators:
        assert indicator.questions, indicator.id
        assert indicator.description or indicator.bonus, indicator.id


def test_local_checklist_known_weights():
    checklist = load_checklist(builtin_dir() / "cstc-2020-local.yaml")
    by_name = {i.name: i for i in checklist.indicators}
    assert by_name["法定主动公开"].weights == {"province": 20, "city": 17, "county": 19}
    # 数据开放 is not assessed for counties ("—" in the seed)
    assert by_name["开放平台"].weights["county"] is None
    assert checklist.indicator(by_name["开放平台"].id).assessed_at("county") is False
    q_types = {q.type for q in checklist.questions}
    assert {"yes_no", "graded", "count"} <= q_types


def test_unweighted_2021_checklist():
    checklist = load_checklist(builtin_dir() / "cstc-2021-digital-gov.yaml")
    assert checklist.unweighted
    assert all(all(w is None for w in i.weights.values()) for i in checklist.indicators)
    assert len(checklist.indicators) >= 40


def test_auto_probes_are_wired():
    checklist = load_checklist(builtin_dir() / "cstc-2020-local.yaml")
    autos = {key for q in checklist.questions for key in q.autos}
    assert {"marks.icp", "marks.police", "marks.site_code", "ipv6", "links"} <= autos


def test_builtins_load_from_installed_wheel(tmp_path: Path):
    """Build the wheel and load every built-in checklist from it, not from the checkout."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("govaudit-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "govaudit/checklists/cstc-2020-local.yaml" in names
    assert "govaudit/checklists/examples/xuancheng-2019.yaml" in names  # a provincial scheme
    assert "govaudit/commands/app.py" in names  # the CLI, under govaudit
    assert "govaudit/capture/js/scroll.js" in names  # the capture's in-page scripts
    assert not any(n.startswith("commands/") for n in names)
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    code = ("import govaudit.checklist as c, sys; d = c.builtin_dir(); "
            "print(d); "
            "print(len([c.load_checklist(d / (n + '.yaml')) for n in c.builtin_names()]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"},
                         check=True).stdout.split()
    assert out[0].startswith(str(unpacked))
    assert int(out[1]) == len(builtin_names())


def _skip_rule(checklist, question) -> tuple | None:
    """A question's skip logic: which question of its indicator it waits on, and for what."""
    condition = question.relevant
    if condition is None:
        return None
    target = checklist.question(condition.question)
    return (target.local_id if target.indicator_id == question.indicator_id else target.id,
            tuple(sorted(condition.values)), condition.negate)


def _shape(checklist, question) -> tuple:
    """What a question asks of the evaluator and earns: kind, points, scale, skip rule."""
    return (question.type, question.points,
            tuple((c.label, c.fraction) for c in question.choices),
            _skip_rule(checklist, question))


def _plain(text: str) -> str:
    """Seed text compared without spaces and punctuation."""
    return re.sub(r"[\s“”\"'「」，。；、：:,.;（）()]", "", text)


def _near(a: str, b: str, floor: float = 0.85) -> bool:
    """Two texts that differ in a word or two ("部门" for "辖区", "办事" for "查询")."""
    if a == b:
        return True
    if 2 * min(len(a), len(b)) / (len(a) + len(b)) < floor:
        return False
    match = difflib.SequenceMatcher(None, a, b)
    return match.quick_ratio() >= floor and match.ratio() >= floor


def _builtins():
    """The built-in CSTC checklists (the weighted scheme), whose questions come from the seeds'
    评估要点说明; the inspection checklists (deduction scheme) ask about problems found."""
    loaded = [(name, load_checklist(builtin_dir() / f"{name}.yaml")) for name in builtin_names()]
    return [(name, checklist) for name, checklist in loaded if not checklist.deduction]


def _section(heading: str) -> list[str]:
    """The bullets of a section of docs/checklist-format.md, each joined into one line."""
    text = (ROOT / "docs" / "checklist-format.md").read_text(encoding="utf-8")
    body = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    bullets: list[str] = []
    for line in body.splitlines():
        if line.startswith("- "):
            bullets.append(line[2:])
        elif line.startswith("  ") and bullets:
            bullets[-1] += " " + line.strip()
    return bullets


def _documented_differences() -> list[set[str]]:
    """The questions the docs say are asked differently on purpose, bullet by bullet."""
    return [set(re.findall(r"`(cstc-[\w-]+:[\w.-]+)`", bullet))
            for bullet in _section("Where the same seed text is asked differently")]


def _differing_pairs() -> list[tuple[str, str, tuple, tuple, str]]:
    """Questions of near-identical seed text (across and within the built-in checklists)
    whose kind, points, scale or skip rule differ."""
    asked = [(f"{name}:{q.id}", _plain(q.text), _shape(checklist, q), q.text)
             for name, checklist in _builtins() for q in checklist.questions
             if not checklist.indicator(q.indicator_id).bonus]
    return [(a, b, shape_a, shape_b, text_a)
            for (a, plain_a, shape_a, text_a), (b, plain_b, shape_b, _) in
            itertools.combinations(asked, 2)
            if shape_a != shape_b and _near(plain_a, plain_b)]


def test_same_seed_text_same_question_everywhere():
    """A seed point worded alike (in two checklists, or two indicators of one) is asked alike:
    one kind, one share of points, one scale, one skip rule; or the docs say why not."""
    shared: dict[str, set[str]] = {}
    for name, checklist in _builtins():
        for q in checklist.questions:
            shared.setdefault(q.text, set()).add(name)
    assert sum(len(names) > 1 for names in shared.values()) > 20  # the tables share wording
    documented = _documented_differences()
    differing = [pair for pair in _differing_pairs()
                 if not any({pair[0], pair[1]} <= group for group in documented)]
    assert not differing, "\n".join(f"{text}\n    {a}: {sa}\n    {b}: {sb}"
                                    for a, b, sa, sb, text in differing)


def test_documented_differences_still_differ():
    found = {frozenset(pair[:2]) for pair in _differing_pairs()}
    for group in _documented_differences():
        assert len(group) >= 2
        assert any(pair <= group for pair in found), f"{sorted(group)} are asked alike now"


def test_same_description_same_questions():
    """An indicator whose 评估要点说明 is the same text in two checklists has the same questions."""
    seen: dict[str, list[tuple[str, tuple]]] = {}
    for name, checklist in _builtins():
        for indicator in checklist.indicators:
            shape = tuple(_shape(checklist, q) for q in indicator.questions)
            seen.setdefault(_plain(indicator.description), []).append(
                (f"{name}:{indicator.id}", shape))
    differing = {text: found for text, found in seen.items()
                 if len({shape for _, shape in found}) > 1}
    assert not differing, "\n".join(f"{text[:40]}…\n" + "\n".join(
        f"    {where}: {shape}" for where, shape in found) for text, found in differing.items())


def test_no_yes_no_folds_in_a_judgement_of_timeliness_or_accuracy():
    """"是否开设…，信息发布是否及时" is a yes/no and a graded question, not one yes/no."""
    folded = [f"{name}:{q.id} {q.text}" for name, checklist in _builtins()
              for q in checklist.questions if q.type == "yes_no" and re.search("及时|准确", q.text)]
    assert folded == []


def test_a_point_asked_in_halves_keeps_its_points():
    """q1 and q1-timely (or q2 and q2-effect) are halves of one seed point: together 1."""
    for name, checklist in _builtins():
        for indicator in checklist.indicators:
            by_id = {q.local_id: q for q in indicator.questions}
            for local_id in by_id:
                if "-" not in local_id:
                    continue
                point = local_id.split("-", 1)[0]
                halves = [q for q in indicator.questions
                          if q.local_id == point or q.local_id.startswith(f"{point}-")]
                assert point in by_id, (name, indicator.id, local_id)
                assert sum(q.points for q in halves) == 1, (name, indicator.id, point)


def test_every_part_of_a_point_is_asked():
    """"典型应用数量及应用效果": the number (标杆法) and the effect (graded) are both asked."""
    checked = 0
    for name, checklist in _builtins():
        for indicator in checklist.indicators:
            if "典型应用数量及应用效果" not in indicator.description:
                continue
            kinds = {q.type for q in indicator.questions if "典型应用" in q.text}
            effect = [q for q in indicator.questions if "应用效果" in q.text]
            assert kinds == {"count", "graded"}, (name, indicator.id)
            assert [q.type for q in effect] == ["graded"], (name, indicator.id)
            checked += 1
    assert checked == 3  # digital government, ministry and local tables


def test_case_categories_have_only_the_expert_review():
    """A 优秀创新案例 category is judged by experts on the case submitted, nothing else."""
    for name, _ in _builtins():
        raw = yaml.safe_load((builtin_dir() / f"{name}.yaml").read_text(encoding="utf-8"))
        for leaf, bonus in _leaves(raw["indicators"]):
            if bonus:  # one graded question on the checklist's bonus_scale
                assert [(q["type"], "choices" in q) for q in leaf["questions"]] == \
                    [("graded", False)], (name, leaf["id"])


def test_readings_of_the_tables_are_documented():
    """A weight read from an ambiguous table carries '# reading:' in its YAML, and the docs
    say which reading was taken and why."""
    marked: set[tuple[str, str]] = set()
    for name in builtin_names():
        indicator = ""
        for line in (builtin_dir() / f"{name}.yaml").read_text(encoding="utf-8").splitlines():
            found = re.match(r"\s*name: (\S+)", line)
            if found:
                indicator = found.group(1)
            if "# reading:" in line:
                assert line.strip().startswith("weights:"), line
                marked.add((name, indicator))
    assert {("cstc-2020-ministry", "智能问答"), ("cstc-2020-ministry", "智能搜索"),
            ("cstc-2020-local", "智能问答")} <= marked
    bullets = _section("Readings of the published tables")
    for name, indicator in sorted(marked):
        assert any(f"`{name}`" in b and indicator in b for b in bullets), (name, indicator)


@pytest.mark.parametrize("name", ["cstc-2020-digital-gov", "cstc-2020-local"])
def test_one_thing_is_the_seeds_yes_no_and_a_count(name: str):
    """The 2021 解读 scores "提供多件“一件事”服务" by 标杆法: the same point in every table."""
    checklist = load_checklist(builtin_dir() / f"{name}.yaml")
    q1 = checklist.question("one-thing-services.q1")
    assert (q1.type, q1.text, q1.points) == ("yes_no", "是否提供“一件事”专题服务", 0.5)
    counts = [q for q in checklist.indicator("one-thing-services").questions
              if q.type == "count"]
    assert len(counts) == 1 and counts[0].relevant.question == q1.id
