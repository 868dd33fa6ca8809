"""Footers written by scripts, read without a browser: the marks probe reads the site's own
file that writes the footer (govaudit.page.includes)."""

from __future__ import annotations

from pathlib import Path

from govaudit.model import Site
from govaudit.page.dom import Dom
from govaudit.page.includes import footer_includes, written_html
from govaudit.probes.checks.marks import MarksResult
from govaudit.probes.run import CheckOptions, check_sites

ICP = "蜀ICP备05003205号-1"
# a dated list in the HTML: the page is read as fetched (a page listing nothing while a script
# stands in its main region would be rendered in a browser)
LIST = "<ul class='list'>" + "".join(
    f"<li><a href='/a/{day}.html'>关于2026年第{day}期工作简报的通知</a>"
    f"<span>2026-11-{day}</span></li>" for day in range(10, 16)) + "</ul>"
FOOTER_JS = (
    "// 页脚\n"
    "document.write('<div class=\"foot\">');\n"
    "document.write('<p><a href=\"/wzdt/\">网站地图</a></p>');\n"
    "var line = '主办单位：测试市人民政府办公厅　' + "
    "\"\\u627f\\u529e\\u5355\\u4f4d\\uff1a测试市大数据中心\";\n"
    "document.writeln('<p>' + line + '</p>');\n"
    f"document.write('<p>网站标识码：5101000001　<a href=\"https://beian.miit.gov.cn/\">{ICP}</a>"
    "　川公网安备 51010502000001号</p>');\n"
    "document.write(unescape(\"%3Cspan id='_ideConac'%3E%3C/span%3E%3Cscript "
    "src='https://dcs.conac.cn/js/23/000/0000/60000001/CA230000000600000010001.js'%3E"
    "%3C/script%3E\"));\n"
    "document.write('</' + 'div>');\n")


def page(footer: str) -> str:
    return ("<!doctype html><html><head><meta charset='utf-8'><title>测试市人民政府</title>"
            f"</head><body><div class='main'>{LIST}</div>{footer}</body></html>")


def test_the_html_a_script_writes_is_its_string_literals_escapes_undone():
    html = written_html(FOOTER_JS)
    assert "主办单位：测试市人民政府办公厅　承办单位：测试市大数据中心" in html
    assert "<script src='https://dcs.conac.cn/js/23/" in html  # unescape("%3C…")
    assert "页脚" not in html  # a comment is no string
    assert html.endswith("</div>")
    assert written_html("var a = '京ICP备05003205号'; console.log(a);") == ""  # writes nothing


def test_only_the_footers_own_scripts_and_fragments_of_the_site_are_read():
    dom = Dom(page("<div id='footer'><script src='/js/dibu.js'></script></div>"
                   "<script src='/js/jquery.js'></script>"
                   "<script src='https://cdn.example.com/footer.js'></script>"
                   "<script src='/js/bottom.js'></script>"
                   "<div class='copyright'></div>"
                   "<script>$('.copyright').load('/inc/copyright.html');"
                   "$('#news').load('/inc/news.html');</script>"
                   "<footer><script>document.write('主办单位：测试市人民政府办公厅')</script></footer>"),
              "http://127.0.0.1:8000/index.html")
    found = [(i.url, i.kind, bool(i.code)) for i in footer_includes(dom)]
    assert found == [("http://127.0.0.1:8000/js/dibu.js", "script", False),
                     ("http://127.0.0.1:8000/js/bottom.js", "script", False),
                     ("http://127.0.0.1:8000/inc/copyright.html", "html", False),
                     ("http://127.0.0.1:8000/index.html", "script", True)]


def check_marks(url: str) -> MarksResult:
    options = CheckOptions(probes=("marks",), samples=1, interval=0)
    result = check_sites([Site("测试市", url, "city")], options)[0].probes["marks"]
    assert isinstance(result, MarksResult), result
    return result


def test_check_reads_the_marks_of_a_footer_written_by_the_sites_script(tmp_path: Path,
                                                                        serve_dir):
    """The home page lists its notices in its HTML (nothing sends it to a browser) and its
    footer is an empty container holding the site's footer.js: the marks are read from the
    script, each saying so."""
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "footer.js").write_text(FOOTER_JS, encoding="utf-8")
    (tmp_path / "index.html").write_text(
        page("<div id='footer'><script src='/js/footer.js'></script></div>"), encoding="utf-8")
    base = serve_dir(tmp_path)
    marks = check_marks(f"{base}/")
    assert (marks.sponsor, marks.organizer, marks.site_code, marks.icp, marks.police) == (
        "测试市人民政府办公厅", "测试市大数据中心", "5101000001", ICP,
        "川公网安备 51010502000001号")
    assert marks.conac and marks.sitemap == f"{base}/wzdt/"
    assert marks.source == "static+script"
    icp = marks.details["icp"]
    assert (icp.source, icp.where, icp.script, icp.by_script) == (
        "script", "footer", f"{base}/js/footer.js", True)
    assert f"ICP备案号: {ICP} (written by script)" in marks.summary()


def test_a_fragment_loaded_into_the_footer_is_read_and_marks_in_the_html_stay_static(
        tmp_path: Path, serve_dir):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "foot.html").write_text(
        f"<p>主办单位：测试市人民政府办公厅</p><p>{ICP}</p>", encoding="utf-8")
    (tmp_path / "index.html").write_text(
        page("<div class='footer'><p>网站标识码：5101000001</p></div>"
             "<script>$('.footer').append('<i></i>'); $('#ft').load('/inc/foot.html');</script>"),
        encoding="utf-8")
    marks = check_marks(f"{serve_dir(tmp_path)}/")
    assert (marks.sponsor, marks.icp, marks.site_code) == (
        "测试市人民政府办公厅", ICP, "5101000001")
    assert marks.details["site_code"].source == "static"
    assert marks.details["icp"].source == "script"


def test_a_footer_script_that_is_missing_changes_nothing(tmp_path: Path, serve_dir):
    (tmp_path / "index.html").write_text(
        page("<div id='footer'><script src='/js/footer.js'></script></div>"), encoding="utf-8")
    marks = check_marks(f"{serve_dir(tmp_path)}/")
    assert (marks.icp, marks.sponsor, marks.source) == (None, None, "static")
