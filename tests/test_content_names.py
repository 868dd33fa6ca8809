"""严重表述错误: near misses of listed names, wrong titles, names out of order."""

from __future__ import annotations

from pathlib import Path

import pytest

from govaudit.content.chars import (
    CONFUSION,
    HOMOPHONE,
    LOOK_ALIKE,
    common,
    confusable,
    similar,
)
from govaudit.content.lists import ListProblem
from govaudit.content.model import PageText, TextBlock
from govaudit.content.names import (
    ConfusionHit,
    NameCheck,
    NearMiss,
    OutOfOrder,
    WrongTitle,
    load_confusions,
    load_names,
)
from tests.content_helpers import EXAMPLES, ON


@pytest.fixture(scope="module")
def check() -> NameCheck:
    return NameCheck([load_names(EXAMPLES / "names.yaml", ON)],
                     load_confusions(EXAMPLES / "confusions.txt", ON))


def _run(check: NameCheck, *blocks: tuple[str, str] | str) -> list:
    page = PageText("http://127.0.0.1/news/1.html", tuple(
        TextBlock(b, "") if isinstance(b, str) else TextBlock(b[0], b[1]) for b in blocks))
    return check.check(page)


@pytest.mark.parametrize("found,expected,how", [
    ("技", "际", HOMOPHONE), ("工", "公", HOMOPHONE), ("已", "己", LOOK_ALIKE),
    ("末", "未", LOOK_ALIKE), ("戍", "戌", LOOK_ALIKE), ("冶", "治", LOOK_ALIKE),
    ("斤", "厅", LOOK_ALIKE), ("贝", "员", LOOK_ALIKE), ("员", "贝", LOOK_ALIKE),
    ("大", "天", LOOK_ALIKE), ("至", "室", LOOK_ALIKE), ("市", "场", ""), ("贝", "会", ""),
    ("一", "王", ""), ("人", "食", ""), ("水", "法", "")])  # a radical alone is not the character
def test_how_one_character_may_stand_for_another(found: str, expected: str, how: str):
    assert confusable(found, expected) == how


@pytest.mark.parametrize("expected", ["员", "丰", "厅"])
def test_the_characters_that_may_stand_for_one_are_all_listed(expected: str):
    """`similar` turns `confusable` round over GB 2312: the same relation, nothing left out."""
    assert similar(expected) == {ch: how for ch in common() if (how := confusable(ch, expected))}
    assert len(common()) == 6763


def test_a_character_written_without_one_of_its_components(check: NameCheck):
    [near] = _run(check, "示例市发展和改革委贝会召开专题会议。")
    assert isinstance(near, NearMiss)
    assert (near.found, near.expected) == ("示例市发展和改革委贝会", "示例市发展和改革委员会")
    assert near.changes == (("贝", "员", LOOK_ALIKE),)


def test_a_long_name_may_differ_in_two_characters_in_either_half(check: NameCheck):
    findings = _run(check, "示例市发展和该革委贝会", "示例市发展合改革委贝会",
                    "示例市法展和该革委贝会")  # three differ: not a near miss
    near = [f for f in findings if isinstance(f, NearMiss)]
    assert [(f.found, len(f.changes)) for f in near] == [("示例市发展和该革委贝会", 2),
                                                         ("示例市发展合改革委贝会", 2)]


def test_a_homophone_in_a_name_and_in_an_institution(check: NameCheck):
    findings = _run(check, ("市委书记张三风主持会议。", "div.article > p:nth-child(2)"),
                    "国务院办工厅印发通知")
    near = [f for f in findings if isinstance(f, NearMiss)]
    assert [(f.found, f.expected) for f in near] == [("张三风", "张三丰"),
                                                     ("国务院办工厅", "国务院办公厅")]
    assert near[0].changes == (("风", "丰", HOMOPHONE),)
    evidence = near[0].evidence
    assert evidence.path == "div.article > p:nth-child(2)" and evidence.match == "张三风"
    assert evidence.entry is not None and evidence.entry.list.validity == "2026-01-01..2026-12-31"


def test_a_look_alike_and_a_confusion_pair(check: NameCheck):
    findings = _run(check, "示例市发展和改革委员会、示例市人民政府办公室", "常务副市长王五常")
    assert [f for f in findings if isinstance(f, NearMiss)] == []
    findings = _run(check, "国务院办公斤发布", "要求认真部暑")
    near = [f for f in findings if isinstance(f, NearMiss)]
    assert [(f.found, f.changes[0][2]) for f in near] == [("国务院办公斤", LOOK_ALIKE)]
    assert [(f.wrong, f.right) for f in findings if isinstance(f, ConfusionHit)] == [
        ("部暑", "部署")]


def test_a_single_character_pair_of_the_team_is_a_confusion(tmp_path: Path):
    names = tmp_path / "names.yaml"
    names.write_text("kind: names\nvalid_from: 2026-01-01\nvalid_until: 2026-12-31\n"
                     "people:\n  - {name: 刘一手, titles: [区长]}\n", encoding="utf-8")
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("# valid_from: 2026-01-01\n# valid_until: 2026-12-31\n毛 手\n", "utf-8")
    found = _run(NameCheck([load_names(names, ON)], load_confusions(pairs, ON)), "区长刘一毛")
    assert [f.changes for f in found if isinstance(f, NearMiss)] == [
        (("毛", "手", CONFUSION),)]


def test_a_pair_of_single_characters_is_not_looked_for_outside_names(check: NameCheck):
    """confusions.txt pairs 己 and 已: each is right in most words."""
    assert _run(check, "自己的事情已经办好了") == []


def test_allowed_words_and_other_listed_names_are_not_near_misses(check: NameCheck):
    assert _run(check, "张三峰教授来访", "张三丰、李四光出席") == []


def test_a_wrong_title_beside_a_name(check: NameCheck):
    findings = _run(check, "副市长李四光主持会议", "张三丰市长讲话", "市委副书记、市长李四光出席")
    assert [(f.name, f.title) for f in findings if isinstance(f, WrongTitle)] == [
        ("李四光", "副市长"), ("张三丰", "市长")]


def test_names_out_of_order_inline_and_in_a_leaders_list(check: NameCheck):
    findings = _run(check, "出席会议的有市长李四光，市委书记张三丰、王五常。",
                    "李四光会见了张三丰。")
    [order] = [f for f in findings if isinstance(f, OutOfOrder)]
    assert order.found == ("李四光", "张三丰", "王五常")
    assert order.expected == ("张三丰", "李四光", "王五常")
    items = [("李四光 市长", "ul.leaders > li:nth-child(1)"),
             ("张三丰 市委书记", "ul.leaders > li:nth-child(2)"),
             ("赵六合 副市长", "ul.leaders > li:nth-child(3)")]
    [order] = [f for f in _run(check, *items) if isinstance(f, OutOfOrder)]
    assert order.found == ("李四光", "张三丰", "赵六合")
    in_order = [items[1], items[0], items[2]]
    assert [f for f in _run(check, *in_order) if isinstance(f, OutOfOrder)] == []
    # two lists are two lists, whatever their order between them
    apart = [items[0], ("张三丰 市委书记", "ul.other > li:nth-child(1)")]
    assert [f for f in _run(check, *apart) if isinstance(f, OutOfOrder)] == []


def test_a_two_character_name_needs_a_title_beside_a_near_miss(tmp_path: Path):
    names = tmp_path / "names.yaml"
    names.write_text("kind: names\nvalid_from: 2026-01-01\nvalid_until: 2026-12-31\n"
                     "people:\n  - {name: 王石, titles: [县长]}\n", encoding="utf-8")
    check = NameCheck([load_names(names, ON)])
    assert _run(check, "国王是这样说的") == []
    assert [f.found for f in _run(check, "县长王是调研") if isinstance(f, NearMiss)] == ["王是"]


def test_a_name_list_must_be_yaml_with_entries(tmp_path: Path):
    names = tmp_path / "names.yaml"
    names.write_text("kind: names\nvalid_from: 2026-01-01\nvalid_until: 2026-12-31\n",
                     encoding="utf-8")
    with pytest.raises(ListProblem, match="holds no people and no institutions"):
        load_names(names, ON)
    names.write_text("kind: names\npeople: [张三丰]\n", encoding="utf-8")
    with pytest.raises(ListProblem, match="no valid_from or valid_until"):
        load_names(names, ON)
