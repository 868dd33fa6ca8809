"""The content and conformance checks as probes: `check` runs them over sites served on
127.0.0.1 with the workspace's lists, records typed rows with their evidence, suggests answers
to the 2019 inspection's veto and deduction questions in the problem sense (a person confirms
with --apply), and the report and the workbook list every check. Bad input ends in a recorded
row with its reason while the batch goes on."""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from govaudit import Audit
from govaudit.model import PageRef
from govaudit.page.dates import today_in_china
from govaudit.probes.check_rows import ChecksResult
from govaudit.store import Store
from tests.content_helpers import id_number

TODAY = today_in_china()
VALID = f"valid_from: {TODAY - timedelta(days=30)}\nvalid_until: {TODAY + timedelta(days=300)}\n"
OLD = TODAY - timedelta(days=150)  # a message asked this long ago is past the 3-month line

NAMES = f"""kind: names
title: 示例市领导名单（测试）
{VALID}people:
  - name: 张三丰
    titles: [示例市委书记, 市委书记]
institutions:
  - 示例市人民政府办公室
"""
WORDS = f"# kind: words\n# title: 测试词表\n# {VALID.replace(chr(10), chr(10) + '# ')}" \
        "category: 错别字\n按装\t错别字\t安装\n"


def page(body: str, title: str = "示例市人民政府", meta: str = "") -> bytes:
    return (f"<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>{title}</title>"
            f"{meta}</head><body><header><nav><a href='/news.html'>政务动态</a></nav></header>"
            f"<main>{body}</main><footer>网站标识码：1234000001 主办单位：示例市人民政府办公室"
            "</footer></body></html>").encode()


def xlsx(*rows: tuple[str, ...]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HOME = page(f"""<p>示例市委书记张三风主持召开会议。</p><p>请按装最新版本。</p>
<ul><li><a href='/a1.html'>关于开展测试工作的通知</a><span>{TODAY}</span></li></ul>
<p><a href='/files/名单.xlsx'>名单.xlsx</a></p>""",
            meta="<meta name='SiteName' content='示例市人民政府'>")
MESSAGES = page(f"""<table><tr><th>标题</th><th>留言时间</th><th>状态</th></tr>
<tr><td>路灯坏了</td><td>{OLD}</td><td>未回复</td></tr>
<tr><td>公交线路</td><td>{TODAY}</td><td>已回复</td></tr></table>""")


Routes = dict[str, tuple[int, str, bytes] | Callable[[http.server.BaseHTTPRequestHandler], None]]


def site_server(serve: Callable[..., int], routes: Routes) -> str:
    """Serve `routes` (path -> (status, content type, body), or a function writing the answer)
    on 127.0.0.1; returns the site's URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            from urllib.parse import unquote

            answer = routes.get(unquote(self.path.split("?")[0]))
            if callable(answer):
                answer(self)
                return
            status, kind, body = answer or (404, "text/html", b"not found")
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return f"http://127.0.0.1:{serve(Handler)}/"


HTML = "text/html; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workspace(make_workspace: Callable[..., object], sites: list[tuple[str, str, str]],
              lists: dict[str, bytes] | None = None, content: str = "") -> Audit:
    ws = make_workspace("gov-2019-website", sites=sites)
    root = ws.root  # type: ignore[attr-defined]
    for name, data in (lists or {}).items():
        (root / "lists").mkdir(exist_ok=True)
        (root / "lists" / name).write_bytes(data)
    if content:
        with (root / "govaudit.toml").open("a", encoding="utf-8") as handle:
            handle.write(f"\n[content]\n{content}\n")
    return Audit.open(root)


def rows_of(audit: Audit, site: str, probe: str) -> ChecksResult:
    result = Store(audit.workspace).probe_results(site)[probe]
    assert isinstance(result, ChecksResult), result
    return result


def test_check_runs_the_content_and_conformance_probes_with_the_team_lists(
        serve, make_workspace, cli):
    url = site_server(serve, {
        "/": (200, HTML, HOME), "/news.html": (200, HTML, MESSAGES),
        "/files/名单.xlsx": (200, XLSX, xlsx(("姓名", "身份证号"), ("甲", id_number())))})
    audit = workspace(make_workspace, [("示例市", url, "portal")],
                      {"names.yaml": NAMES.encode(), "words.txt": WORDS.encode()},
                      'names = ["lists/names.yaml"]\nwords = ["lists/words.txt"]')
    root = audit.workspace.root
    Store(audit.workspace).record_page(PageRef("示例市", url + "news.html"))
    done = cli("check", "--probe", "content", "--probe", "conformance", "--allow-private",
               "--json", cwd=root)
    assert done.exit_code == 0, done.output
    content = rows_of(audit, "示例市", "content")
    names = [r for r in content.rows if r.check == "names"]
    assert [(r.result, r.entry, r.list_file.endswith("names.yaml")) for r in names] == [
        ("problem", "张三丰", True)]
    near = names[0]
    assert near.url == url and "main" in near.path and "张三风主持" in near.context
    assert near.list_validity == f"{TODAY - timedelta(days=30)}..{TODAY + timedelta(days=300)}"
    personal = [r for r in content.rows if r.check == "personal" and r.is_problem]
    assert [r.url for r in personal] == [url + "files/名单.xlsx"]
    assert "row 2" in personal[0].path and id_number() not in personal[0].detail
    [late] = [r for r in content.rows if r.check == "messages"]
    assert late.result == "problem" and "路灯坏了" in late.context
    assert url + "news.html" == late.url
    hidden = {r.check: r for r in content.rows if r.result == "not checked"}
    assert "needs the browser" in hidden["hidden-links"].detail
    conformance = rows_of(audit, "示例市", "conformance")
    checks = {r.check: r for r in conformance.rows}
    assert checks["domain"].result == "problem" and "not under .gov.cn" in checks["domain"].detail
    assert checks["metadata"].result == "problem" and "SiteDomain missing" in \
        checks["metadata"].detail
    assert checks["https.certificate"].result == "problem"
    assert checks["ipv6"].result == "not checked"

    # the suggestions, in the problem sense, confirmed by --apply from the stored results
    applied = cli("check", "--apply", "--probe", "content", "--probe", "conformance",
                  "--allow-private", cwd=root)
    assert applied.exit_code == 0, applied.output
    answers = {a.question: a for a in Store(audit.workspace).answers("示例市")}
    assert (answers["security.q1"].value, answers["security.q3"].value,
            answers["interaction-poor.q2"].value) == ("yes", "yes", "yes")
    assert answers["security.q1"].note.startswith("content.names: 1 name or title error")
    assert "security.q4" not in answers  # 暗链 not checked without the browser: no answer
    score = audit.score().site("示例市")
    assert score.verdict == "不合格" and "安全、泄密事故等严重问题" in score.vetoes

    # the report's 合规检测 and the workbook's Checks sheet list every check
    assert cli("report", cwd=root).exit_code == 0
    html = next((root / "exports" / "report" / "sites").glob("*.html")).read_text("utf-8")
    section = html[html.index('id="conformance"'):]
    section = section[:section.index("</table>")]
    assert section.count("<tr class=") == len(content.rows) + len(conformance.rows)
    assert 'data-check="names" data-result="problem"' in section and "名单条目 张三丰" in section
    assert '<td title="names">名单人员</td>' in section  # the check by its name, its id on hover
    assert cli("export", cwd=root).exit_code == 0
    book = load_workbook(next((root / "exports").glob("*.xlsx")), read_only=True)
    sheet = list(book["Checks"].iter_rows(values_only=True))
    ids = list(sheet[1])
    rows = [dict(zip(ids, r, strict=True)) for r in sheet[2:]]
    assert len(rows) == len(content.rows) + len(conformance.rows)
    [named] = [r for r in rows if r["check_id"] == "names"]
    # the check and its result by their names, as the report shows them
    assert (named["check"], named["result"], named["entry"], named["url"]) == (
        "名单人员", "发现问题", "张三丰", url)


def test_a_workspace_without_lists_records_not_checked_and_suggests_nothing(
        serve, make_workspace):
    url = site_server(serve, {"/": (200, HTML, HOME)})
    audit = workspace(make_workspace, [("示例市", url, "portal")])
    run = audit.check(probes=["content"], options=_private())
    assert not run.errors
    rows = {r.check: r for r in rows_of(audit, "示例市", "content").rows}
    assert rows["names"].result == rows["words"].result == "not checked"
    assert "no list" in rows["names"].detail and "no list" in rows["words"].detail
    assert rows["attachments"].result == "could not judge"  # 名单.xlsx is not served here
    assert "not downloaded: HTTP 404" in rows["attachments"].detail
    # no list, no browser, no 留言 list: nothing to say to 严重表述错误, 反动…内容, 暗链, 互动
    assert audit.apply_suggestions() == 0
    assert Store(audit.workspace).answers("示例市") == []


def _private():
    from govaudit.probes.options import CheckOptions

    return CheckOptions(allow_private=True, link_timeout=5)


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * 300_000_000)
    return buffer.getvalue()


def _encrypted_docx() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    files = Path(__file__).parent / "content_corpus" / "files"
    with (files / "notice-plain.docx").open("rb") as handle:
        OOXMLFile(handle).encrypt("示例密码", out)
    return out.getvalue()


def _huge(handler: http.server.BaseHTTPRequestHandler) -> None:
    """A 500 MB attachment by its Content-Length; the body is never asked for."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/pdf")
    handler.send_header("Content-Length", str(500_000_000))
    handler.end_headers()
    with contextlib.suppress(OSError):  # the reader hangs up once it has read enough
        handler.wfile.write(b"%PDF-1.4\n" + b"0" * 65536)


def test_bad_input_ends_in_recorded_rows_with_their_reasons_and_the_batch_goes_on(
        serve, make_workspace, zip_bomb):
    links = "".join(f"<a href='/files/{n}'>{n}</a>" for n in (
        "bomb.docx", "secret.docx", "broken.xlsx", "huge.pdf"))
    bad = site_server(serve, {
        "/": (200, HTML, page(f"<p>附件：{links}</p>")),
        "/files/bomb.docx": (200, "application/octet-stream", zip_bomb),
        "/files/secret.docx": (200, "application/octet-stream", _encrypted_docx()),
        "/files/broken.xlsx": (200, XLSX, b"PK\x03\x04 this is no workbook"),
        "/files/huge.pdf": _huge,
        "/long.html": (200, HTML, page("<p>" + "政" * 1_000_000 + "</p>"))})
    good = site_server(serve, {"/": (200, HTML, HOME)})
    audit = workspace(
        make_workspace, [("坏输入", bad, "portal"), ("示例市", good, "portal")],
        {"names.yaml": NAMES.encode(), "undated.yaml": "kind: names\npeople: [张三丰]\n".encode(),
         "gbk.txt": (f"# {VALID.replace(chr(10), chr(10) + '# ')}测试词\n").encode("gbk")},
        'names = ["lists/names.yaml", "lists/undated.yaml"]\nwords = ["lists/gbk.txt"]')
    Store(audit.workspace).record_page(PageRef("坏输入", bad + "long.html"))
    run = audit.check(probes=["content"], options=_private())
    assert not run.errors  # nothing failed: each bad input is a row of its own
    rows = rows_of(audit, "坏输入", "content").rows
    reasons = {r.detail.split(":")[0]: r for r in rows if r.result == "could not judge"}
    assert "zip bomb" in reasons["bomb.docx"].detail
    assert "encrypted" in reasons["secret.docx"].detail
    assert "not a Word or Excel file" in reasons["broken.xlsx"].detail  # a corrupt file
    assert "500 MB" in reasons["huge.pdf"].detail and reasons["huge.pdf"].check == "attachments"
    lists = [r.detail for r in rows if r.result == "could not judge" and r.check in
             ("names", "words")]
    assert any("undated.yaml: no valid_from or valid_until" in d for d in lists)
    assert any("gbk.txt: not UTF-8 text" in d for d in lists)
    [cut] = [r for r in rows if r.check == "text"]
    assert cut.result == "could not judge" and "only the first 500,000 were checked" in cut.detail
    # the dated name list was still used, and the next site was checked as usual
    good_rows = rows_of(audit, "示例市", "content").rows
    assert [r.entry for r in good_rows if r.check == "names" and r.is_problem] == ["张三丰"]
    assert json.dumps(run.to_dict(), ensure_ascii=False)


def test_render_finds_a_hidden_link_with_a_marked_element_screenshot(serve, make_workspace):
    """In Chromium (--render): a link in the text's own colour on its background, to a
    gambling host, is a 暗链 with its place, text and a screenshot of the spot marked; it
    answers yes to the 挂马/篡改 veto question."""
    url = site_server(serve, {"/": (200, HTML, page(
        "<p>正文<a href='http://casino.example.com/' style='color:#fff'>博彩娱乐</a></p>"))})
    audit = workspace(make_workspace, [("示例市", url, "portal")])
    from dataclasses import replace

    run = audit.check(probes=["content"], options=replace(_private(), render=True))
    assert not run.errors
    [hidden] = [r for r in rows_of(audit, "示例市", "content").rows
                if r.check == "hidden-links"]
    assert hidden.result == "problem" and "casino.example.com" in hidden.detail
    assert hidden.context == "博彩娱乐" and "p" in hidden.path
    shot = Path(hidden.screenshot)
    assert shot.is_file() and shot.is_relative_to(audit.workspace.evidence_dir)
    from PIL import Image

    with Image.open(shot) as image:  # the red frame drawn around the spot
        colours = image.convert("RGB").getcolors(1 << 20) or []
        assert (238, 0, 0) in {colour for _, colour in colours}
    audit.apply_suggestions()
    answers = {a.question: a.value for a in Store(audit.workspace).answers("示例市")}
    assert answers["security.q4"] == "yes"


def test_render_runs_accessibility_and_agefriendly_with_marked_screenshots(
        serve, make_workspace):
    """In Chromium: an image without alt text is an axe violation placed at its GB/T level,
    with the element framed in a screenshot; zoom blocked by the viewport fails 适老化."""
    meta = "<meta name='viewport' content='width=device-width, user-scalable=no'>"
    body = ("<p>这是一段足够长的正文，用来测量行距是否符合适老化的要求，并且包含多个句子。</p>"
            "<img src='/x.png' width='80' height='40'>")
    url = site_server(serve, {"/": (200, HTML, page(body, meta=meta))})
    audit = workspace(make_workspace, [("示例市", url, "portal")])
    from dataclasses import replace

    run = audit.check(probes=["conformance"], options=replace(_private(), render=True))
    assert not run.errors
    rows = rows_of(audit, "示例市", "conformance").rows
    [alt] = [r for r in rows if r.check == "accessibility" and "image-alt" in r.detail]
    assert alt.result == "problem" and "img" in alt.path
    assert Path(alt.screenshot).is_file()
    [zoom] = [r for r in rows if r.check == "zoom"]
    assert zoom.result == "problem" and "user-scalable=no" in zoom.detail
    assert {r.check for r in rows if r.result == "not checked"} == {"search", "ipv6"}


def test_render_words_the_agefriendly_findings_in_the_interfaces_language(
        serve, make_workspace):
    """Under the Chinese interface the 适老化 rows say what was found in Chinese: the
    viewport as written, the navigation's Tab count, the line spacing, the floating window."""
    from dataclasses import replace

    from govaudit.i18n import set_language
    from tests.english import data_words, english_words

    meta = "<meta name='viewport' content='width=device-width'>"
    body = ("<nav><a href='/a'>首页</a><a href='/b'>信息公开</a></nav>"
            "<p style='line-height:1'>这是一段足够长的正文，用来测量行距是否符合适老化的要求，"
            "并且包含多个句子，行距过小。</p>")
    url = site_server(serve, {"/": (200, HTML, page(body, meta=meta))})
    audit = workspace(make_workspace, [("示例市", url, "portal")])
    set_language("zh")
    try:
        audit.check(probes=["conformance"], options=replace(_private(), render=True))
    finally:
        set_language(None)
    rows = {r.check: r for r in rows_of(audit, "示例市", "conformance").rows
            if r.check in ("zoom", "line-spacing", "floating", "keyboard", "font-control")}
    assert len(rows) == 5, rows
    assert rows["floating"].detail == "无弹窗或浮动窗口"
    assert rows["font-control"].detail == "无可用的字号调节"
    details = "\n".join(r.detail for r in rows.values())
    assert english_words(details, data=data_words([meta])) == [], details


ID = id_number()
MOBILE = "13812345678"
# the 身份证 number is written by a script into the footer: the HTML as served never holds it
FOOTER_SCRIPT = ("<script>document.getElementById('contact').textContent = '联系人身份证号码：' + "
                 f"['{ID[:6]}', '{ID[6:14]}', '{ID[14:]}'].join('');</script>")
RENDERED_HOME = (
    "<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>示例市人民政府</title>"
    "</head><body><main><p>示例市委书记张三风（电话" + MOBILE + "）主持召开会议。</p>"
    "<p>" + MOBILE + "号码咨询后转分机，请按装最新版本。</p><p><a href='/gbk.html'>通知</a></p>"
    "</main>"
    "<footer><p>主办单位：示例市人民政府办公室</p><div id='contact'></div></footer>"
    + FOOTER_SCRIPT + "</body></html>").encode()
GBK_PAGE = (
    "<!doctype html><html><head><meta charset='gbk'><title>通知</title></head><body>"
    "<div class='article'><p>市委书记张三风在会上讲话。</p>"
    "<p>正文<a href='http://casino.invalid/' style='color:#fff'>博彩娱乐</a></p></div>"
    "</body></html>").encode("gbk")


def _rendered_site(serve: Callable[..., int]) -> str:
    return site_server(serve, {"/": (200, HTML, RENDERED_HOME),
                               "/gbk.html": (200, "text/html; charset=gbk", GBK_PAGE)})


def _rendered_workspace(make_workspace: Callable[..., object], url: str) -> Audit:
    audit = workspace(make_workspace, [("示例市", url, "portal")],
                      {"names.yaml": NAMES.encode(), "words.txt": WORDS.encode()},
                      'names = ["lists/names.yaml"]\nwords = ["lists/words.txt"]')
    Store(audit.workspace).record_page(PageRef("示例市", url + "gbk.html"))
    return audit


def _stored_bytes(root: Path) -> list[tuple[Path, bytes]]:
    """Every file under `root` as bytes, the members of a zip (xlsx) each on its own."""
    out = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data[:2] == b"PK":
            with contextlib.suppress(zipfile.BadZipFile), zipfile.ZipFile(path) as archive:
                out += [(path / name, archive.read(name)) for name in archive.namelist()]
                continue
        out.append((path, data))
    return out


def _no_full_number(root: Path) -> None:
    for path, data in _stored_bytes(root):
        for number in (ID, MOBILE):
            assert number.encode() not in data, f"{number} stored whole in {path}"


def _colours(shot: str) -> set[tuple[int, int, int]]:
    from PIL import Image

    with Image.open(shot) as image:
        return {colour for _, colour in image.convert("RGB").getcolors(1 << 20) or []}


def test_render_locates_every_text_finding_with_a_marked_screenshot(
        serve, make_workspace, cli):
    """With --render each name, word and personal-data finding is found again in the page
    Chromium shows (a footer a script wrote, a GBK page) and shot with its spot framed in
    red, a personal number's masked digits covered; a hidden link on an inner page too; and
    no full personal number is kept anywhere in the workspace, the report or the workbook."""
    from dataclasses import replace

    from govaudit.capture.marked import COVER

    url = _rendered_site(serve)
    audit = _rendered_workspace(make_workspace, url)
    run = audit.check(probes=["content"], options=replace(_private(), render=True))
    assert not run.errors
    rows = rows_of(audit, "示例市", "content").rows
    found = {(r.check, r.url): r for r in rows if r.is_problem}
    gbk = url + "gbk.html"
    assert set(found) >= {("names", url), ("words", url), ("personal", url), ("names", gbk),
                          ("hidden-links", gbk)}
    personal = [r for r in rows if r.check == "personal" and r.is_problem]
    assert sorted(r.detail for r in personal) == [
        f"手机号 not de-identified: {MOBILE[:3]}****{MOBILE[-4:]}"] * 2 + [
        f"身份证号 not de-identified: {ID[:6]}********{ID[-4:]}"]
    [footer] = [r for r in personal if "身份证" in r.detail]
    assert footer.path == "div#contact" and f"{ID[:6]}********{ID[-4:]}" in footer.context
    for row in [*personal, found["names", url], found["words", url], found["names", gbk],
                found["hidden-links", gbk]]:
        assert Path(row.screenshot).is_file(), row
        assert Path(row.screenshot).is_relative_to(audit.workspace.evidence_dir)
        assert (238, 0, 0) in _colours(row.screenshot), row  # the red frame
        assert "framed in red" in row.shot_note, row
    for row in personal:  # the masked digits are covered in the shot as well
        assert COVER in _colours(row.screenshot) and "covered" in row.shot_note
    assert COVER not in _colours(found["names", url].screenshot)
    assert "found at its DOM path" in found["names", gbk].shot_note
    # the contexts of a name and a word hold the mobile number: masked there too, whole or
    # cut at the context's edge (38****5678, not 3812345678)
    assert found["names", url].context == \
        f"示例市委书记张三风（电话{MOBILE[:3]}****{MOBILE[-4:]}）主持召开会"
    assert found["words", url].context.startswith("38****5678号码")
    assert cli("report", cwd=audit.workspace.root).exit_code == 0
    assert cli("export", cwd=audit.workspace.root).exit_code == 0
    _no_full_number(audit.workspace.root)


def test_without_render_each_finding_says_it_has_no_screenshot_and_every_page_is_checked(
        serve, make_workspace):
    """Read as served, a finding has no screenshot and its row says so; a script's footer is
    not read. Links only crawlers get and outbound links are checked on every page read,
    not only the home page."""
    def inner(handler: http.server.BaseHTTPRequestHandler) -> None:
        spam = "<a href='http://spam.invalid/'>娱乐</a>" \
            if "Baiduspider" in handler.headers.get("User-Agent", "") else ""
        body = page(f"<p>友情链接：<a href='http://localhost:{port}/go'>合作网站</a>{spam}</p>")
        handler.send_response(200)
        handler.send_header("Content-Type", HTML)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    class Away(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            moved = self.server.server_address[0] == "127.0.0.1"  # type: ignore[index]
            self.send_response(302 if moved else 200)
            if moved:  # to another domain
                self.send_header("Location", f"http://127.0.0.2:{elsewhere}/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_HEAD = do_GET  # noqa: N815

    elsewhere = serve(Away, "127.0.0.2")
    port = serve(Away)
    url = site_server(serve, {"/": (200, HTML, RENDERED_HOME),
                              "/gbk.html": (200, "text/html; charset=gbk", GBK_PAGE),
                              "/inner.html": inner})
    audit = _rendered_workspace(make_workspace, url)
    Store(audit.workspace).record_page(PageRef("示例市", url + "inner.html"))
    run = audit.check(probes=["content"], options=_private())
    assert not run.errors
    rows = rows_of(audit, "示例市", "content").rows
    text = [r for r in rows if r.check in ("names", "words", "personal") and r.is_problem]
    assert {(r.check, r.url) for r in text} == {("names", url), ("words", url),
                                                ("personal", url), ("names", url + "gbk.html")}
    assert len([r for r in text if r.check == "personal"]) == 2  # the mobile, twice
    assert all(not r.screenshot and r.shot_note.startswith("no screenshot: read from the "
                                                           "HTML as served") for r in text)
    assert not any("身份证" in r.detail for r in text)  # the script's footer is not read
    inner_url = url + "inner.html"
    [cloaked] = [r for r in rows if r.check == "cloaking" and r.is_problem]
    assert cloaked.url == inner_url and "1 off-domain link(s) shown only to crawlers" in \
        cloaked.detail
    outbound = {r.detail: r for r in rows if r.check == "outbound" and r.is_problem}
    away = (f"http://localhost:{port}/go redirects off its domain to "
            f"http://127.0.0.2:{elsewhere}/")
    assert outbound[away].url == inner_url
    assert any("casino.invalid" in d and outbound[d].url == url + "gbk.html"
               for d in outbound)
    _no_full_number(audit.workspace.root)
