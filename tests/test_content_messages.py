"""互动回应: three template families, a team's selectors, working days and the veto line."""

from __future__ import annotations

from datetime import date

from govaudit.content.messages import MessageSelectors, read_messages, reply_report
from govaudit.content.workdays import load_holidays
from tests.content_helpers import EXAMPLES, ON

TABLE = """<html><body><table class="lylb">
<tr><th>编号</th><th>标题</th><th>留言时间</th><th>回复时间</th><th>状态</th></tr>
<tr><td>1</td><td><a href="1.html">关于小区路灯维修的建议</a></td><td>2026-01-05</td>
    <td>2026-01-09</td><td>已回复</td></tr>
<tr><td>2</td><td><a href="2.html">咨询社保卡补办</a></td><td>2025-10-20</td><td></td>
    <td>办理中</td></tr>
<tr><td>3</td><td><a href="3.html">反映噪音扰民</a></td><td>2026-02-10</td><td>2026-02-26</td>
    <td>已办结</td></tr></table></body></html>"""

BADGES = """<html><body><ul class="mail-list">
<li><a href="/x/1">请问公积金提取流程</a><span class="badge">已回复</span>
    <span>2026/01/12</span><span>2026/01/14</span></li>
<li><a href="/x/2">道路积水问题</a><span class="badge gray">未回复</span>
    <span>2025/11/01</span></li>
<li><a href="/x/3">学校招生咨询</a><em>未回复</em><span>2026年2月20日</span></li>
</ul></body></html>"""

DETAIL = """<html><body><h1>关于公交线路调整的建议</h1>
<div class="info">来信人：张三 &nbsp; 来信时间：2025-09-01</div>
<div class="content">建议增加公交班次。</div>
<div class="reply"><p>回复单位：示例市交通运输局</p><p>回复时间：</p><p>回复内容：</p></div>
</body></html>"""

CUSTOM = """<html><body><div class="xf">
<div class="row"><b class="q">问：路灯不亮</b><i class="d1">提交 2025.10.02</i>
  <i class="st">待受理</i></div>
<div class="row"><b class="q">问：垃圾清运</b><i class="d1">提交 2026.01.03</i>
  <i class="st">已反馈</i><i class="d2">2026.01.05</i></div></div></body></html>"""


def test_a_table_list():
    found = read_messages(TABLE, "http://127.0.0.1/hdjl/list.html")
    assert [(m.title, m.asked, m.replied, m.answered) for m in found] == [
        ("关于小区路灯维修的建议", date(2026, 1, 5), date(2026, 1, 9), True),
        ("咨询社保卡补办", date(2025, 10, 20), None, False),
        ("反映噪音扰民", date(2026, 2, 10), date(2026, 2, 26), True)]
    assert found[1].path.endswith("tr:nth-child(3)") and found[1].family == "table"


def test_a_list_with_badges():
    found = read_messages(BADGES, "http://127.0.0.1/hdjl/")
    assert [(m.title, m.asked, m.replied, m.answered) for m in found] == [
        ("请问公积金提取流程", date(2026, 1, 12), date(2026, 1, 14), True),
        ("道路积水问题", date(2025, 11, 1), None, False),
        ("学校招生咨询", date(2026, 2, 20), None, False)]


def test_a_detail_page():
    [message] = read_messages(DETAIL, "http://127.0.0.1/hdjl/9.html")
    assert (message.title, message.asked, message.replied, message.answered) == (
        "关于公交线路调整的建议", date(2025, 9, 1), None, False)


def test_a_team_s_selectors():
    own = MessageSelectors("某CMS", item="div.xf > div.row", asked="i.d1", replied="i.d2",
                           state="i.st", title="b.q", answered=("已反馈",))
    found = read_messages(CUSTOM, "http://127.0.0.1/", [own])
    assert [(m.asked, m.replied, m.answered, m.family) for m in found] == [
        (date(2025, 10, 2), None, False, "某CMS"), (date(2026, 1, 3), date(2026, 1, 5), True,
                                                   "某CMS")]


def test_working_days_skip_weekends_and_holidays_and_count_make_up_days():
    calendar = load_holidays(EXAMPLES / "holidays.yaml", ON)
    assert calendar.working_days(date(2026, 1, 9), date(2026, 1, 12)) == 1  # Fri -> Mon
    # after 2026-02-13 (Fri) up to 02-23 (Mon): Sat 14 is a make-up day, 16-22 are off
    assert calendar.working_days(date(2026, 2, 13), date(2026, 2, 23)) == 2
    assert calendar.working_days(date(2026, 2, 12), date(2026, 2, 14)) == 2


def test_the_report_oldest_unanswered_reply_times_and_the_veto_line():
    calendar = load_holidays(EXAMPLES / "holidays.yaml", ON)
    messages = (read_messages(TABLE, "http://127.0.0.1/a") +
                read_messages(BADGES, "http://127.0.0.1/b"))
    report = reply_report(messages, date(2026, 3, 2), calendar)
    assert (report.messages, report.answered, report.unanswered) == (6, 3, 3)
    assert report.oldest_unanswered is not None
    assert report.oldest_unanswered.title == "咨询社保卡补办"
    assert report.oldest_days == (date(2026, 3, 2) - date(2025, 10, 20)).days
    assert [u.title for u in report.over_line] == ["咨询社保卡补办", "道路积水问题"]
    # 01-05 -> 01-09: 4 working days; 01-12 -> 01-14: 2; 02-10 -> 02-26: 8 (16-22 off)
    assert report.reply_days["4–5"] == 1 and report.reply_days["2–3"] == 1
    assert report.reply_days["6–10"] == 1
    assert report.calendar_covered  # every reply falls inside the calendar's 2026
    over = report.over_line[0]
    assert over.evidence.url == "http://127.0.0.1/a" and over.evidence.path.endswith(
        "tr:nth-child(3)")
