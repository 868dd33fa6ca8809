"""Writes the labelled pages of the content corpus (run once; pages and labels are committed).

Each page is in a shape real sites use (news text, leaders lists, tables, image alt text,
notices linking attachments, hidden-link injections, 留言 lists of three template families);
labels.yaml says what each check must find on it. Names and words are the made-up ones of
docs/content-examples.

    .venv/bin/python tests/content_corpus/build.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from tests.content_helpers import id_number  # noqa: E402

PAGES = HERE / "pages"
HEAD = '<!doctype html><html><head><meta charset="utf-8"><title>{t}</title>{s}</head><body>'
FILLER = ("为深入贯彻落实市委、市政府决策部署，进一步优化营商环境，推动高质量发展，"
          "现就有关事项通知如下。各单位要高度重视，精心组织，确保各项工作落到实处。")


def page(title: str, body: str, style: str = "") -> str:
    return HEAD.format(t=title, s=f"<style>{style}</style>" if style else "") + body + \
        "</body></html>"


def news(text: str) -> str:
    return page("示例市人民政府 要闻", f'<div class="header"><a href="/">首页</a></div>'
                f'<div class="article"><h1>要闻动态</h1><p>{FILLER}</p><p>{text}</p>'
                f'<p>{FILLER}</p></div><div class="footer">示例市人民政府办公室 主办</div>')


def build() -> dict[str, dict[str, list[str]]]:
    labels: dict[str, dict[str, list[str]]] = {}
    pages: dict[str, str] = {}

    def add(name: str, html: str, **expect: list[str]) -> None:
        pages[name] = html
        labels[name] = {k: v for k, v in expect.items()}

    # names: near misses, titles, order — in running text, tables, alt text, leaders lists
    add("names-01.html", news("市委书记张三风主持召开常委会议。"), names=["张三风"])
    add("names-02.html", news("国务院办工厅印发《关于进一步优化政务服务的意见》。"),
        names=["国务院办工厅", "办工厅"])
    add("names-03.html", news("示例市发展和改革委贝会召开专题会议。"), names=["示例市发展和改革委贝会"])
    add("names-04.html", news("副市长李四光调研重点项目建设。"), names=["李四光"])
    add("names-05.html", news("张三丰市长出席开幕式并致辞。"), names=["张三丰"])
    add("names-06.html", news("出席会议的有李四光、张三丰、王五常等同志。"), names=["李四光"])
    add("names-07.html", page("领导信息", '<ul class="leaders">' + "".join(
        f"<li>{n} {t}</li>" for n, t in [("李四光", "市长"), ("张三丰", "市委书记"),
                                       ("赵六合", "副市长")]) + "</ul>"), names=["李四光"])
    add("names-08.html", page("机构", '<table><tr><th>单位</th><th>电话</th></tr>'
        '<tr><td>示例市人民政府办工室</td><td>010-12345678</td></tr></table>'),
        names=["示例市人民政府办工室"])
    add("names-09.html", page("图片新闻", '<div class="pic"><img src="1.jpg" '
        'alt="市长李四光到示例市发展和改革委员会调研"><img src="2.jpg" alt="常务副市长王五长讲话"></div>'),
        names=["王五长"])
    add("names-10.html", news("赵六和副市长主持召开防汛工作会议。"), names=["赵六和"])
    add("names-11.html", news("市委书记张三丰、市长李四光出席会议。"), names=[])
    add("names-12.html", news("张三峰教授应邀作专题讲座。"), names=[])
    add("names-13.html", news("李四光会见了张三丰一行。"), names=[])
    add("names-14.html", page("领导信息", '<ul class="leaders">' + "".join(
        f"<li>{n} {t}</li>" for n, t in [("张三丰", "市委书记"), ("李四光", "市长"),
                                       ("王五常", "常务副市长")]) + "</ul>"), names=[])
    add("names-15.html", news("国务院办公厅印发通知，示例市人民政府办公室认真贯彻落实。"), names=[])
    add("names-16.html", news("三丰村举办丰收节，张三带领村民共庆丰收。"), names=[])
    add("names-17.html", news("市委常委、常务副市长王五常主持会议。"), names=[])
    add("names-18.html", page("图片新闻", '<img src="3.jpg" alt="副市长赵六合检查安全生产">'), names=[])
    add("names-19.html", news("要求各地认真部暑，抓好落实。"), names=["部暑"])
    add("names-20.html", news("市委书记张三丰，市委副书记、市长李四光，副市长赵六合出席。"), names=[])

    # words
    add("words-01.html", news("网页中出现测试词，应及时处理。"), words=["测试词"])
    add("words-02.html", news("请不要传播示 例 禁 词相关内容。"), words=["示例禁词"])
    add("words-03.html", news("测\u200b试词混在文字里。"), words=["测试词"])
    add("words-04.html", news("请按装最新版本的客户端。"), words=["按装"])
    add("words-05.html", page("表格", "<table><tr><td>既使</td><td>如此</td></tr></table>"),
        words=["既使"])
    add("words-06.html", news("这是一个非测试词语的例子。"), words=[])
    add("words-07.html", news("测试工作已经完成，词汇表另行发布。"), words=[])
    add("words-08.html", news("请安装最新版本，即使网络不佳。"), words=[])
    add("words-09.html", news(FILLER), words=[])
    add("words-10.html", page("图片", '<img src="a.jpg" alt="测试词">'), words=["测试词"])

    # personal data: page text and attachments
    idn = id_number("350102", "19881111", "217")
    add("personal-01.html", news(f"申请人身份证号{idn}，请于5日内领取。"), personal=["id_card"])
    add("personal-02.html", page("公示", "<table><tr><th>姓名</th><th>电话</th></tr>"
        "<tr><td>张三</td><td>13912345678</td></tr><tr><td>李四</td><td>18698765432</td>"
        "</tr></table>"), personal=["mobile", "mobile"])
    add("personal-03.html", news("银行卡号 6222 0212 3456 7890 128 已登记。"), personal=["bank_card"])
    add("personal-04.html", news(f"身份证号{idn[:6]}********{idn[-4:]}，手机139****5678。"),
        personal=[])
    add("personal-05.html", news("咨询电话：010-12345678，邮编100010，文号示政发〔2026〕12号。"),
        personal=[])
    for n, (name, kinds) in enumerate([
            ("list-plain.xlsx", ["id_card", "mobile"] * 3),
            ("list-plain.xls", ["id_card", "mobile"] * 3),
            ("notice-plain.pdf", ["id_card", "mobile"] * 3 + ["bank_card"]),
            ("notice-plain.docx", ["id_card", "mobile"] * 3 + ["bank_card"]),
            ("notice-plain.doc", ["id_card", "mobile"] * 3 + ["bank_card"]),
            ("list-masked.xlsx", []), ("list-masked.xls", []), ("notice-masked.pdf", []),
            ("notice-masked.doc", [])], 6):
        add(f"personal-{n:02d}.html", page("公示公告", f'<div class="article"><p>{FILLER}</p>'
            f'<p>附件：<a href="../files/{name}">公示名单</a></p></div>'), personal=kinds)

    # hidden links: one technique per page, and the shapes that hide for a moment only
    hidden = [("display:none", '<div style="display:none"><a href="http://bet1.example.com/">博彩</a></div>'),
              ("visibility", '<div style="visibility:hidden"><a href="http://bet2.example.com/">博彩</a></div>'),
              ("offscreen", '<div style="position:absolute;left:-5000px"><a href="http://bet3.example.com/">博彩</a></div>'),
              ("font", '<p style="font-size:0"><a href="http://bet4.example.com/">博彩</a></p>'),
              ("colour", '<p><a style="color:#fff" href="http://bet5.example.com/">博彩</a></p>'),
              ("marquee", '<marquee height="1" width="1"><a href="http://bet6.example.com/">博彩</a></marquee>'),
              ("zero", '<div style="height:0;overflow:hidden"><a href="http://bet7.example.com/">博彩</a></div>')]
    for n, (_, snippet) in enumerate(hidden, 1):
        url = snippet.split('href="')[1].split('"')[0]
        add(f"hidden-{n:02d}.html", page("首页", f"<p>{FILLER}</p>{snippet}"), hidden=[url])
    benign = [
        '<ul class="nav"><li><a href="/">首页</a><ul class="sub"><li><a href="http://partner.example.org/">合作</a></li></ul></li></ul>',
        '<div class="banner"><div class="item on"><a href="http://s1.example.com/">一</a></div><div class="item"><a href="http://s2.example.com/">二</a></div></div>',
        '<a class="skip" href="#c">跳到内容</a><div id="c">正文</div>',
        '<p><a href="http://www.example.com/">外部链接（可见）</a></p>',
        '<div style="display:none"><a href="http://www.gov.cn/">中国政府网</a></div>',
        '<div id="menu"><span>专题</span><div style="display:none"><a href="http://topic.example.net/">专题</a></div></div>']
    style = (".nav li ul{display:none}.nav li:hover ul{display:block}"
             ".banner .item{display:none}.banner .item.on{display:block}"
             "a.skip{position:absolute;left:-9999px}a.skip:focus{left:0}")
    for n, snippet in enumerate(benign, len(hidden) + 1):
        add(f"hidden-{n:02d}.html", page("首页", f"<p>{FILLER}</p>{snippet}", style), hidden=[])

    # 留言 lists of three template families (checked on 2026-03-02)
    table = ("<table><tr><th>标题</th><th>留言时间</th><th>回复时间</th><th>状态</th></tr>{}</table>")
    row = "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"
    add("messages-01.html", page("留言", table.format(
        row.format("咨询社保卡补办", "2025-10-20", "", "办理中") +
        row.format("路灯维修", "2026-01-05", "2026-01-09", "已回复"))), messages=["咨询社保卡补办"])
    add("messages-02.html", page("留言", table.format(
        row.format("噪音扰民", "2026-02-10", "2026-02-26", "已办结") +
        row.format("公交线路", "2026-01-20", "", "办理中"))), messages=[])
    li = '<li><a href="#">{}</a><span class="st">{}</span><span>{}</span></li>'
    add("messages-03.html", page("留言", "<ul class='mail'>" + li.format(
        "道路积水", "未回复", "2025/11/01") + li.format("招生咨询", "已回复", "2026/02/01") +
        "</ul>"), messages=["道路积水"])
    add("messages-04.html", page("留言", "<ul class='mail'>" + li.format(
        "公积金提取", "已回复", "2025/09/01") + li.format("物业纠纷", "未回复", "2026/02/20") +
        "</ul>"), messages=[])
    detail = ('<h1>{}</h1><div>来信时间：{}</div><div class="reply">回复时间：{}</div>')
    add("messages-05.html", page("信件", detail.format("关于公交班次的建议", "2025-09-01", "")),
        messages=["关于公交班次的建议"])
    add("messages-06.html", page("信件", detail.format("关于菜市场的建议", "2025-09-01",
                                                     "2025-09-10")), messages=[])
    add("messages-07.html", page("信件", detail.format("关于停车难的反映", "2026-01-15", "")),
        messages=[])
    add("messages-08.html", page("留言", table.format(
        row.format("供暖不热", "2025-11-20", "", "待回复") +
        row.format("小区绿化", "2025-11-25", "", "待处理"))), messages=["供暖不热", "小区绿化"])
    add("messages-09.html", page("留言", "<ul class='mail'>" + li.format(
        "噪声污染", "已办结", "2025/08/01") + "</ul>"), messages=[])

    PAGES.mkdir(exist_ok=True)
    for name, html in pages.items():
        (PAGES / name).write_text(html, encoding="utf-8")
    return labels


def main() -> None:
    labels = build()
    text = yaml.safe_dump(labels, allow_unicode=True, sort_keys=True)
    (HERE / "labels.yaml").write_text("# What each check must find on each page; written by "
                                      "build.py.\n" + text, encoding="utf-8")
    print(f"{len(labels)} pages")


if __name__ == "__main__":
    main()
