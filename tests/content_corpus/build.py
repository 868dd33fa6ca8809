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

from tests.content_helpers import id_number, registration_number  # noqa: E402

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

    # names in more shapes: 新闻列表, 领导分工 tables, 图片新闻 alt text, 文件 headers and 落款,
    # breadcrumbs, links with a title, leaders pages; each near miss a homophone, a
    # look-alike, a character with a component less (办公丁, 国务完) or a team pair
    def items(cls: str, rows: list[str]) -> str:
        return f'<ul class="{cls}">' + "".join(f"<li>{r}</li>" for r in rows) + "</ul>"

    def newslist(*titles: str) -> str:
        return page("要闻动态", items("news-list", [
            f'<a href="/art/{n}.html" target="_blank">{t}</a><span class="date">2026-03-0{n}'
            "</span>" for n, t in enumerate(titles, 1)]))

    def table(rows: list[list[str]], head: list[str]) -> str:
        cells = "".join(f"<th>{h}</th>" for h in head)
        body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
        return f'<table class="list" border="1"><tr>{cells}</tr>{body}</table>'

    division = [["张三丰", "市委书记", "主持市委全面工作"], ["李四光", "市长", "主持市政府全面工作"],
                ["王五常", "常务副市长", "负责市政府常务工作"], ["赵六合", "副市长", "负责农业农村工作"]]
    add("names-21.html", news("市委书记章三丰出席会议并讲话。"), names=["章三丰"])
    add("names-22.html", newslist("市长李思光调研春耕生产", "示例市召开安全生产工作会议"),
        names=["李思光"])
    add("names-23.html", page("领导分工", table(
        [division[0], division[1], ["王伍常", *division[2][1:]], division[3]],
        ["姓名", "职务", "分工"])), names=["王伍常"])
    add("names-24.html", page("图片新闻", '<div class="pic"><img src="4.jpg" '
        'alt="副市长赵陆合检查防汛工作"><p class="pic-title">副市长检查防汛工作</p></div>'),
        names=["赵陆合"])
    add("names-25.html", page("要闻", '<div class="article"><h1>照六合副市长督导安全生产</h1>'
        f"<p>{FILLER}</p></div>"), names=["照六合"])
    add("names-26.html", news("市长李四广在调研时强调，要抓好春季防火工作。"), names=["李四广"])
    add("names-27.html", news("副市长赵六含出席开幕式。"), names=["赵六含"])
    add("names-28.html", page("文件", '<div class="article"><h1>国务院办公斤关于印发《进一步优化'
        f"营商环境工作方案》的通知</h1><p>{FILLER}</p></div>"), names=["国务院办公斤"])
    add("names-29.html", page("文件", '<div class="crumb"><a href="/">首页</a> &gt; <a href="/zc/">'
        '政策文件</a> &gt; <span>国务完办公厅文件</span></div><div class="article">'
        f"<p>{FILLER}</p></div>"), names=["国务完办公厅"])
    add("names-30.html", page("通知", f'<div class="article"><p>{FILLER}</p><p style="text-align:'
        'right">示例市人民政付办公室<br>2026年3月1日</p></div>'), names=["示例市人民政付办公室"])
    add("names-31.html", page("政府信息公开目录", table(
        [["示政办发〔2026〕1号", "关于做好春节期间有关工作的通知", "示例市入民政府办公室",
          "2026-01-20"],
         ["示发改〔2026〕3号", "关于2026年重点项目的通知", "示例市发展和改革委员会", "2026-02-11"]],
        ["文号", "标题", "发布机构", "日期"])), names=["示例市入民政府办公室"])
    add("names-32.html", page("通知公告", '<ul class="news-list"><li><a href="/1.html" title="示例市'
        '人民攻府办公室关于春节放假的通知">示例市人民攻府办公室关于春节放假的通知</a></li></ul>'),
        names=["示例市人民攻府办公室", "示例市人民攻府办公室"])
    add("names-33.html", page("通知", f'<div class="article"><p>{FILLER}</p><div class="sign">'
        "示例市人民政府办公至</div></div>"), names=["示例市人民政府办公至"])
    add("names-34.html", newslist("示例市发展和改革安员会发布一季度经济运行情况",
                                  "示例市人民政府办公室关于清明节放假的通知"),
        names=["示例市发展和改革安员会"])
    add("names-35.html", page("机构职能", table([["负责全市国民经济和社会发展规划"]],
                                               ["示例市发展和政革委员会"])),
        names=["示例市发展和政革委员会"])
    add("names-36.html", news("示例市发展合改革委贝会召开专题会议。"), names=["示例市发展合改革委贝会"])
    add("names-37.html", page("通知", f'<div class="article"><p>{FILLER}</p><p>附件：<a href="#">'
        "示例市人民政府办公宝关于做好春节假期安排的通知</a></p></div>"), names=["示例市人民政府办公宝"])
    add("names-38.html", page("图片新闻", '<img src="5.jpg" alt="国务院办工厅督查组来我市督查">'),
        names=["国务院办工厅", "办工厅"])
    add("names-39.html", page("工作要求", items("req", ["各单位要认真部暑，抓好落实。",
                                                      "要加强值班值守。"])), names=["部暑"])
    # titles that are not the person's
    add("names-40.html", news("市委书记李四光主持召开常务会议。"), names=["李四光"])
    add("names-41.html", page("领导信息", items("leaders", [
        "张三丰 市委书记", "李四光 市长", "王五常 秘书长", "赵六合 副市长"])), names=["王五常"])
    add("names-42.html", page("图片新闻", '<img src="6.jpg" alt="市长赵六合调研乡村振兴工作">'),
        names=["赵六合"])
    add("names-43.html", page("领导活动", table([["2026-03-01", "副市长张三丰出席全市工作会议"]],
                                               ["日期", "活动"])), names=["张三丰"])
    add("names-44.html", news("王五常市长主持召开专题会议。"), names=["王五常"])
    # names out of the list's order
    add("names-45.html", news("出席会议的有王五常、李四光、张三丰。"), names=["王五常"])
    add("names-46.html", page("领导信息", '<table class="ld"><tr><td>赵六合 副市长</td></tr>'
        "<tr><td>张三丰 市委书记</td></tr></table>"), names=["赵六合"])
    add("names-47.html", page("领导信息", items("leaders", ["王五常 常务副市长", "张三丰 市委书记"])),
        names=["王五常"])
    add("names-48.html", page("图片新闻", '<img src="7.jpg" alt="市长李四光、市委书记张三丰等出席">'),
        names=["李四光"])
    # correct names where real pages write them: nothing to find
    add("names-49.html", page("领导之窗", "".join(
        f'<dl class="leader"><dt><img src="{n}.jpg" alt="{n}"></dt><dd><h3>{n}</h3>'
        f"<p>{t}</p><p>{d}。</p></dd></dl>" for n, t, d in division)), names=[])
    add("names-50.html", page("领导分工", table(division, ["姓名", "职务", "分工"])), names=[])
    add("names-51.html", news("市委书记张三丰，市委副书记、市长李四光，市委常委、常务副市长王五常，"
                              "副市长赵六合出席会议。"), names=[])
    add("names-52.html", page("图片新闻", '<img src="8.jpg" alt="市长李四光调研重点项目">'
        '<img src="9.jpg" alt="常务副市长王五常检查安全生产">'
        '<img src="10.jpg" alt="示例市发展和改革委员会召开座谈会">'), names=[])
    add("names-53.html", news("李四先生反映的问题已转办，王五等人参加了培训，"
                              "新成立的赵六合作社有社员30户。"), names=[])
    add("names-54.html", news("示例县人民政府办公室、示例市人民政府办公厅、国务院新闻办公室"
                              "联合开展调研。"), names=[])
    add("names-55.html", newslist("示例市发展和改革委员会办公室关于调整办公时间的通知",
                                  "示例市人民政府办公室主任接受专访"), names=[])
    add("names-56.html", page("通知公告", '<ul class="news-list">' + "".join(
        f'<li><a href="/{n}.html" title="{t}">{t}</a></li>' for n, t in enumerate([
            "国务院办公厅关于进一步优化政务服务的意见", "示例市人民政府办公室关于春节放假的通知",
            "示例市发展和改革委员会关于价格监测的通知"])) + "</ul>"), names=[])
    add("names-57.html", page("首页", f'<div class="article"><p>{FILLER}</p></div><div class='
        '"footer">主办：示例市人民政府办公室 承办：示例市大数据中心 联系我们</div>'), names=[])
    add("names-58.html", news("张家港市代表团来我市考察，王府井商户、李家村村民、赵庄镇干部"
                              "参加座谈，张三带领大家参观三丰村。"), names=[])
    add("names-59.html", news("张三丰、李四光、王五常、赵六合等同志出席会议。"), names=[])
    add("names-60.html", page("领导信息", items("leaders", [
        "张三丰 示例市委书记", "李四光 市委副书记、市长", "王五常 市委常委、常务副市长",
        "赵六合 副市长"])), names=[])
    add("names-61.html", news("我们要把自己的事情办好，各项工作已经部署到位。"), names=[])

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

    # 身份证 numbers of 15 digits (first generation), and other 15-digit numbers beside them
    firsts = ["110101580312123", "350102720929046"]
    registered = [registration_number(b) for b in ("11010885121200", "35010290061500")]
    add("personal-15.html", page("公示", table([["张三", firsts[0], "一等"], ["李四", firsts[1], "二等"]],
                                             ["姓名", "身份证号", "等级"])),
        personal=["id_card", "id_card"])
    add("personal-16.html", page("企业信息公示", table(
        [["示例市某某商贸有限公司", registered[0], "存续"], ["示例市某某科技有限公司", registered[1], "存续"]],
        ["企业名称", "注册号", "状态"])), personal=[])
    add("personal-17.html", news(f"开户银行：示例银行示例支行，开户账号：{firsts[0]}。"), personal=[])
    add("personal-18.html", page("公示", table([["张三", f"{firsts[0][:6]}*****{firsts[0][-4:]}"]],
                                             ["姓名", "身份证号"])), personal=[])
    add("personal-19.html", news(f"经核实，申请人身份证号码：{registered[0]}，材料齐全。"),
        personal=["id_card"])

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
