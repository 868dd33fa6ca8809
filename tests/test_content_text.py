"""Sensitive words, personal data and the lists they come from."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govaudit.content.lists import ListProblem
from govaudit.content.model import PageText, TextBlock
from govaudit.content.personal import (
    PersonalDataCheck,
    _in_run,
    find,
    id_card_valid,
    luhn_valid,
    registration_check,
)
from govaudit.content.text import _GAPS, by_block, fold, fold_chars
from govaudit.content.words import WordMatcher, load_words
from tests.content_helpers import EXAMPLES, ON, card_number, id_number, registration_number


def _page(*texts: str) -> PageText:
    return PageText("http://127.0.0.1/p.html",
                    tuple(TextBlock(t, f"body > p:nth-child({i})") for i, t in enumerate(texts, 1)))


@pytest.fixture(scope="module")
def words() -> WordMatcher:
    return WordMatcher([load_words(EXAMPLES / "words.yaml", ON),
                        load_words(EXAMPLES / "words.txt", ON)])


def test_a_word_is_found_with_its_context_and_its_list(words: WordMatcher):
    [hit] = words.check(_page("今天发布的通知中含有测试词，请核实。"))
    assert (hit.word, hit.category) == ("测试词", "敏感词")
    assert hit.evidence.before.endswith("通知中含有") and hit.evidence.after.startswith("，请")
    assert hit.evidence.path == "body > p:nth-child(1)"
    assert hit.evidence.entry is not None
    assert hit.evidence.entry.list.valid_until == date(2026, 6, 30)


def test_spaces_zero_width_and_full_width_do_not_hide_a_word(words: WordMatcher):
    hits = words.check(_page("测 试词", "测\u200b试\u00ad词", "示例禁词", "ＡＢ示例\n禁词"))
    assert [h.word for h in hits] == ["测试词", "测试词", "示例禁词", "示例禁词"]
    assert hits[1].evidence.match == "测\u200b试\u00ad词"  # quoted as the page has it


def test_an_allowed_word_covers_the_listed_word_inside_it(words: WordMatcher):
    assert words.check(_page("这是一个非测试词语。")) == []


def test_a_wrong_form_names_the_right_one_and_a_word_on_two_lists_counts_once(
        words: WordMatcher):
    [hit] = words.check(_page("请按装最新版本"))
    assert (hit.category, hit.correct) == ("错别字", "安装")
    assert "should be 安装" in hit.reason


def test_a_list_in_gbk_is_refused_naming_its_encoding(tmp_path: Path):
    path = tmp_path / "words.txt"
    path.write_bytes("# valid_from: 2026-01-01\n# valid_until: 2026-12-31\n测试词\n按装\t错别字\n"
                     .encode("gbk"))
    with pytest.raises(ListProblem, match=r"words.txt: not UTF-8 text \(it looks like GB"):
        load_words(path, ON)


def test_a_list_without_dates_or_out_of_date_is_refused(tmp_path: Path):
    path = tmp_path / "words.yaml"
    path.write_text("kind: words\nwords: [测试词]\n", encoding="utf-8")
    with pytest.raises(ListProblem, match="no valid_from or valid_until"):
        load_words(path, ON)
    path.write_text("kind: words\nvalid_from: 2025-01-01\nvalid_until: 2025-12-31\n"
                    "words: [测试词]\n", encoding="utf-8")
    with pytest.raises(ListProblem, match="does not cover 2026-03-02"):
        load_words(path, ON)


def test_id_card_numbers_check_digit_birth_date_and_region():
    good = id_number()
    assert id_card_valid(good)
    assert id_card_valid(id_number("440305", "20000229", "001"))
    assert not id_card_valid(good[:-1] + ("0" if good[-1] != "0" else "1"))  # check digit
    assert not id_card_valid(id_number("990101"))  # no such province
    assert not id_card_valid(id_number(born="19900230"))  # no such day
    assert not id_card_valid(id_number(born="21000101"))  # not born yet
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")


def test_personal_data_is_found_and_quoted_masked():
    idn, card = id_number(), card_number()
    spaced = " ".join(card[i:i + 4] for i in range(0, len(card), 4))
    hits = PersonalDataCheck().check(_page(
        f"申请人张三丰，身份证号{idn}，手机13912345678，银行卡{card}。",
        f"卡号 {spaced} 已登记", "联系电话：+86 139-1234-5678"))
    assert [h.kind for h in hits] == ["id_card", "mobile", "bank_card", "bank_card", "mobile"]
    first = hits[0]
    assert first.masked == idn[:6] + "********" + idn[-4:]
    text = first.evidence.context + hits[1].evidence.context
    assert idn not in text and "13912345678" not in text and card not in text
    assert "139****5678" in text


def test_masked_values_and_ordinary_numbers_are_not_findings():
    idn = id_number()
    assert PersonalDataCheck().check(_page(
        f"身份证号{idn[:6]}********{idn[-4:]}", "手机139****5678", f"{idn[:10]}****{idn[-4:]}",
        "文号：示政发〔2026〕12号，邮编100010，电话010-12345678",
        f"编号{idn}7",  # a longer run of digits is not an 身份证 number
        "统计数据：20261231123456789", "订单号 9876543210123456")) == []


def test_first_generation_id_numbers_are_found_and_quoted_masked():
    old = "110101900307123"  # 15 digits: region, born 1990-03-07, serial; no check digit
    hits = PersonalDataCheck().check(_page(f"申请人身份证号{old}，已受理。",
                                           f"<td>{old[:6]}*****{old[-4:]}</td>",
                                           "110101900230123", "990101900307123",  # no day, region
                                           f"编号{old}7"))  # 16 digits: neither
    assert [(h.kind, h.masked) for h in hits] == [("id_card", "110101*****7123")]
    assert old not in hits[0].evidence.context
    assert id_card_valid(old) and not id_card_valid("110101900230123")


def test_other_15_digit_numbers_that_hold_a_date_are_not_id_numbers():
    number = registration_number("11010885121200")  # a 注册号 whose digits also read 1985-12-12
    assert id_card_valid(number)
    other = "110101900307123"
    assert not registration_check(other)
    check = PersonalDataCheck()
    assert check.check(_page(number, f"注册号：{number}", f"开户账号 {other}",
                             f"统一编号{other}")) == []
    [hit] = check.check(_page(f"身份证号码：{number}"))  # labelled: an 身份证 number after all
    assert hit.masked == number[:6] + "*****" + number[-4:]


def test_full_width_digits_are_read_as_digits():
    [hit] = PersonalDataCheck().check(_page("联系电话１３９１２３４５６７８。"))
    assert (hit.kind, hit.masked) == ("mobile", "１３９****５６７８")


_PIECES = [id_number(), id_number("350102", "19881111", "217"), "110101900307123",
           card_number(), "4111111111111111", "13912345678", "+86 139-1234-5678", "0086",
           "6222 0212 3456 7890 128", "010-12345678", " ", "\n", "-", "+", "X", "*", "a", "号",
           "身份证", "账号", "1", "3", "0", "86"]


@given(st.lists(st.sampled_from(_PIECES), max_size=12))
@settings(max_examples=300, deadline=None)
def test_reading_runs_of_digits_first_finds_what_reading_all_the_text_finds(pieces):
    text = "".join(pieces)
    everything = sorted(_in_run(fold_chars(text), 0, len(text), ON))
    assert list(find(text, ON)) == everything
    page = PersonalDataCheck(today=ON).check(_page(text, "首页", text))
    assert len(page) == 2 * len(everything)


def test_whitespace_and_invisible_characters_are_gaps():
    """The gap characters are spelled out; every character `\\s` matches is one of them."""
    space = re.compile(r"\s")
    missed = [hex(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000
              and space.match(chr(c)) and not _GAPS.match(chr(c))]
    assert missed == []
    assert fold("测 试\u200b词\u3000。").text == "测试词。"


def test_blocks_read_as_one_text_give_each_block_its_matches():
    def find_ab(text: str) -> list[tuple[int, int, int]]:
        return [(m.start(), m.end(), 0) for m in re.finditer("ab", text)]

    assert by_block(["xab", "", "ab", "b", "a"], find_ab) == {0: [(1, 3, 0)], 2: [(0, 2, 0)]}
    assert by_block([], find_ab) == {}
