"""URLs and times as people read them: IRI form and China time, one helper each."""

from __future__ import annotations

import datetime as dt

from govaudit.chinatime import china_date, china_time
from govaudit.urls import readable_url, readable_urls

ENCODED = "https://www.example.gov.cn/xxgk/%E9%A2%84%E7%AE%97%E5%85%AC%E5%BC%80.xls"


def test_chinese_file_names_are_shown_decoded() -> None:
    assert readable_url(ENCODED) == "https://www.example.gov.cn/xxgk/预算公开.xls"
    assert readable_urls(f"链接失效：{ENCODED}，共 1 处") == (
        "链接失效：https://www.example.gov.cn/xxgk/预算公开.xls，共 1 处")


def test_what_would_change_the_url_stays_escaped() -> None:
    # ASCII escapes keep their meaning; bidi controls, wide spaces and bad UTF-8 stay visible
    assert readable_url("http://a.cn/a%2Fb%20c?q=%3F") == "http://a.cn/a%2Fb%20c?q=%3F"
    assert readable_url("http://a.cn/%E2%80%AEfdp.exe") == "http://a.cn/%E2%80%AEfdp.exe"
    assert readable_url("http://a.cn/%E3%80%80x") == "http://a.cn/%E3%80%80x"
    assert readable_url("http://a.cn/%E9%A2") == "http://a.cn/%E9%A2"
    assert readable_url("http://xn--fiqs8s.cn/") == "http://中国.cn/"
    assert readable_url(readable_url(ENCODED)) == readable_url(ENCODED)


def test_times_are_shown_in_china_time_with_the_zone() -> None:
    assert china_time("2026-12-05T14:45:00.123+00:00") == "2026-12-05 22:45 (UTC+8)"
    assert china_time("2026-12-05T14:45:07Z", seconds=True) == "2026-12-05 22:45:07 (UTC+8)"
    assert china_time(dt.datetime(2026, 12, 5, 16, 30)) == "2026-12-06 00:30 (UTC+8)"  # naive: UTC
    assert china_time("not a time") == "not a time" and china_time(None) == ""
    assert china_date("2026-12-05T16:30:00+00:00") == "2026-12-06"
