"""The date rule: every format sites write, short dates' years, clocks, titles, and days."""

from __future__ import annotations

from datetime import date

import pytest

from govaudit.page.dates import (
    age_days,
    find_dates,
    is_stale,
    publication_date,
    title_date,
    url_dates,
)
from govaudit.probes.html import normalise_text

TODAY = date(2026, 12, 5)


def dates(text: str) -> list[date]:
    return [m.value for m in find_dates(normalise_text(text), TODAY)]


@pytest.mark.parametrize(("text", "value"), [
    ("2026-11-20", date(2026, 11, 20)),
    ("2026/11/20", date(2026, 11, 20)),
    ("2026.11.20", date(2026, 11, 20)),
    ("2026年11月20日", date(2026, 11, 20)),
    ("2026年11月18", date(2026, 11, 18)),  # no 日
    ("2026 年 3 月 5 日", date(2026, 3, 5)),
    ("2026-3-5", date(2026, 3, 5)),
    ("２０２６－１１－２０", date(2026, 11, 20)),  # full-width, folded by NFKC
    ("2026-11-20 09:30:00", date(2026, 11, 20)),
    ("2026-11-20T09:30:00+08:00", date(2026, 11, 20)),
    ("[11-20]", date(2026, 11, 20)),
    ("(11-20)", date(2026, 11, 20)),
    ("（11-20）", date(2026, 11, 20)),
    ("【11-20】", date(2026, 11, 20)),
    ("[11月20日]", date(2026, 11, 20)),
    ("[2026-11-20]", date(2026, 11, 20)),
    ("11-20", date(2026, 11, 20)),  # alone in its cell or span
    ("11/20", date(2026, 11, 20)),
    ("11月20日", date(2026, 11, 20)),
    ("发布日期：2026-11-20", date(2026, 11, 20)),
    ("发布时间: 2026-11-20 浏览次数: 12", date(2026, 11, 20)),
])
def test_every_format_sites_write(text, value):
    assert dates(text) == [value]


def test_a_short_date_takes_the_latest_year_not_in_the_future():
    assert dates("[12-05]") == [date(2026, 12, 5)]  # today
    assert dates("[12-06]") == [date(2025, 12, 6)]  # tomorrow: last year's
    assert dates("[01-02]") == [date(2026, 1, 2)]
    assert dates("[02-29]") == [date(2024, 2, 29)]  # the latest leap year


def test_what_is_not_a_publication_date():
    assert dates("2027-01-01") == []  # later than today: a deadline, a typo
    assert dates("2026-02-30") == []  # impossible
    assert dates("2026年11月") == []  # a month
    assert dates("第12-3号文件") == []  # a bare month-day inside words
    assert dates("共 11-20 人") == []
    assert dates("1-5") == []  # bare month-day forms are written with two digits
    assert dates("电话 0817-2223344") == []
    assert dates("今天是2026年12月5日") == []  # the page clock
    assert dates("今天是：2026-12-05") == []
    assert dates("当前时间 2026-12-05 10:30") == []
    assert dates("2026年12月5日 星期六") == []  # a clock: followed by its weekday
    assert dates("2026-12-05 周六") == []


def test_a_date_standing_alone_is_delimited_one_inside_words_is_not():
    found = find_dates("关于2026年12月1日起调整城区公交线路的通知", TODAY)
    assert [(m.value, m.delimited) for m in found] == [(date(2026, 12, 1), False)]
    assert [m.delimited for m in find_dates("(2026-11-20)", TODAY)] == [True]
    assert [m.delimited for m in find_dates("会议 2026-11-20", TODAY)] == [True]


@pytest.mark.parametrize(("title", "value"), [
    ("县政府常务会议研究部署 2026-11-20", date(2026, 11, 20)),
    ("县政府常务会议研究部署2026-11-20", date(2026, 11, 20)),
    ("县政府常务会议研究部署 [11-20]", date(2026, 11, 20)),
    ("[11-20] 县政府常务会议研究部署", date(2026, 11, 20)),
    ("2026-11-20 县政府常务会议研究部署", date(2026, 11, 20)),
    ("关于2026年12月1日起调整城区公交线路的通知", None),
    ("2026年11月20日全县安全生产会议召开", None),  # it opens the title, no separator
    ("云溪县2026年秋季征兵工作圆满完成", None),
])
def test_a_date_in_a_title_counts_only_at_its_ends(title, value):
    assert title_date(normalise_text(title), TODAY) == value


def test_a_date_outside_the_title_wins_over_one_inside():
    title = "关于2026年12月1日起调整城区公交线路的通知"
    assert publication_date(["2026-11-15"], title, TODAY) == date(2026, 11, 15)
    assert publication_date([], title, TODAY) is None
    assert publication_date(["·", "浏览 12"], "会议召开 2026-11-20", TODAY) == date(2026, 11, 20)
    # two dates outside the title (成文, 发布): the newest not in the future
    assert publication_date(["2026-11-18", "2026-11-20", "2027-01-31"], "通知",
                            TODAY) == date(2026, 11, 20)
    # a date inside running text outside the title is no date either
    assert publication_date(["本办法自2026年12月1日起施行"], "办法", TODAY) is None


def test_a_short_dates_year_comes_from_the_items_url_where_the_cms_wrote_it():
    assert url_dates("/ghjh/202506/18/1880.html") == [date(2025, 6, 18)]
    assert url_dates("/zwdt/202611/t20261120_1021.html") == [date(2026, 11, 20)]
    assert url_dates("/xzdt/2026-12/02/1193.html") == [date(2026, 12, 2)]
    assert url_dates("/art/2025/6/18/art_1_2.html") == [date(2025, 6, 18)]
    assert url_dates("/content/123456789.html") == []
    assert publication_date(["06-18"], "规划", TODAY, "/ghjh/202506/18/1880.html") == date(
        2025, 6, 18)
    assert publication_date(["06-18"], "规划", TODAY, "/ghjh/1880.html") == date(2026, 6, 18)
    # another month and day in the URL, or a full date on the page: the URL says nothing
    assert publication_date(["06-18"], "规划", TODAY, "/202506/19/1.html") == date(2026, 6, 18)
    assert publication_date(["2026-06-18"], "规划", TODAY, "/202506/18/1.html") == date(
        2026, 6, 18)


def test_days_are_calendar_days_and_a_limit_of_n_days_holds_n_days():
    assert age_days(date(2026, 12, 5), TODAY) == 0
    assert age_days(date(2026, 12, 4), TODAY) == 1
    assert age_days(date(2026, 11, 21), TODAY) == 14
    assert not is_stale(age_days(date(2026, 11, 21), TODAY), 14)  # exactly 14 days: within
    assert is_stale(age_days(date(2026, 11, 20), TODAY), 14)  # 15 days: stale
    assert not is_stale(10, 10) and is_stale(10.5, 10)
