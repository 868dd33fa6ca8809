"""The built-in checklists: faithful sums, every leaf asked, loadable from a wheel."""

from __future__ import annotations

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
    autos = {q.auto for q in checklist.questions if q.auto}
    assert {"marks.icp", "marks.police", "marks.site_code", "ipv6", "links"} <= autos


def test_builtins_load_from_installed_wheel(tmp_path: Path):
    """Build the wheel and load every built-in checklist from it, not from the checkout."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("govaudit-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "govaudit/checklists/cstc-2020-local.yaml" in names
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


def test_same_seed_text_same_question_everywhere():
    """A question text shared by two built-in checklists has one type, scale and skip rule."""
    seen: dict[str, list[tuple[str, str, tuple]]] = {}
    for name in builtin_names():
        checklist = load_checklist(builtin_dir() / f"{name}.yaml")
        for q in checklist.questions:
            shape = (q.type, tuple((c.label, c.fraction) for c in q.choices),
                     _skip_rule(checklist, q))
            seen.setdefault(q.text, []).append((name, q.id, shape))
    shared = {text: found for text, found in seen.items() if len({n for n, _, _ in found}) > 1}
    assert len(shared) > 20  # the 2020 tables share most of their wording
    differing = {text: found for text, found in shared.items()
                 if len({shape for _, _, shape in found}) > 1}
    assert not differing, "\n".join(
        f"{text}\n" + "\n".join(f"    {n} {qid}: {shape}" for n, qid, shape in found)
        for text, found in differing.items())


def test_digital_gov_one_thing_is_the_seeds_yes_no():
    checklist = load_checklist(builtin_dir() / "cstc-2020-digital-gov.yaml")
    q1 = checklist.question("one-thing-services.q1")
    assert (q1.type, q1.text) == ("yes_no", "是否提供“一件事”专题服务")
    counts = [q for q in checklist.indicator("one-thing-services").questions
              if q.type == "count"]
    assert len(counts) == 1 and counts[0].relevant.question == q1.id
