"""Evidence under attack: inert HTML snapshots, a verify that trusts nothing, a careful attach."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from archive_helpers import edit_store_record
from PIL import Image

from govaudit import Audit
from govaudit.evidence import attach, new_evidence, new_run_id, verify, write_manifest
from govaudit.model import Evidence, EvidenceFile
from govaudit.report.build import site_page_name
from govaudit.store import Site, Store
from govaudit.workspace import Workspace
from tests.conftest import run_cli

SITE = "成都市"
MARK = "govaudit-test-script-ran"


# -- servers ---------------------------------------------------------------------------------


class _Logged(http.server.BaseHTTPRequestHandler):
    """Records every request; subclasses say what to answer."""

    log: list[str]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        type(self).log.append(self.path)
        status, ctype, body = self.answer()
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def answer(self) -> tuple[int, str, bytes]:
        return 204, "", b""


def _serve(handler: type[_Logged]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class BeaconHandler(_Logged):
    """A second server that only counts requests: 204, so a refresh to it stays on the page."""

    log: list[str] = []


def hostile_page(beacon: str) -> str:
    """A page whose scripts leave a mark each time they run, in every common way."""
    return f"""<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="refresh" content="0;url={beacon}/refresh">
<title>政府门户</title>
<link rel="stylesheet" href="/style.css">
<link rel="dns-prefetch" href="{beacon}/">
<script>
  document.title += " +script";
  console.log("{MARK}");
  fetch("{beacon}/fetch").catch(() => {{}});
</script>
</head>
<body onload="document.title += ' +onload'; new Image().src = '{beacon}/onload'">
<h1>政府信息公开</h1>
<p>依申请公开　政策解读</p>
<img src="/green.png" width="20" height="20" onerror="fetch('{beacon}/onerror')">
<a id="js" href=" java&#x09;script:document.title += ' +jsurl'">点我</a>
<iframe srcdoc="<script>parent.document.title += ' +srcdoc'; fetch('{beacon}/srcdoc')</script>">
</iframe>
<svg><a href="javascript:fetch('{beacon}/svg')"><text y="20">svg</text></a></svg>
<script>
  document.body.insertAdjacentHTML("beforeend", "<p id='added'>脚本添加的内容</p>");
</script>
</body></html>"""


class SiteHandler(_Logged):
    log: list[str] = []
    beacon = ""

    def answer(self) -> tuple[int, str, bytes]:
        path = self.path.split("?")[0]
        if path == "/style.css":
            return 200, "text/css", b"h1 { color: rgb(200, 0, 0); }"
        if path == "/green.png":
            return 200, "image/png", png_bytes("green")
        if path == "/":
            return 200, "text/html; charset=utf-8", hostile_page(self.beacon).encode()
        return 404, "text/plain", b"not found"


@pytest.fixture
def beacon() -> Iterator[str]:
    BeaconHandler.log = []
    yield from _serve(BeaconHandler)


@pytest.fixture
def hostile_site(beacon: str) -> Iterator[str]:
    SiteHandler.log = []
    SiteHandler.beacon = beacon
    yield from _serve(SiteHandler)


def png_bytes(colour: str, size: tuple[int, int] = (60, 40), **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG", **save)
    return out.getvalue()


def jpeg_bytes(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), colour).save(out, "JPEG")
    return out.getvalue()


# -- point 6: HTML snapshots are inert ---------------------------------------------------------


def test_html_snapshot_runs_no_script_and_makes_no_request(make_workspace, hostile_site: str,
                                                           beacon: str) -> None:
    from playwright.sync_api import sync_playwright
    from selectolax.lexbor import LexborHTMLParser

    from govaudit.browser import find_browser, launch_args
    from govaudit.capture import CaptureOptions, Target, run_captures

    ws = make_workspace(sites=[(SITE, f"{hostile_site}/", "city")])
    result = run_captures(ws, Store(ws), [Target(SITE, f"{hostile_site}/")],
                          CaptureOptions(timeout_s=15, allow_private=True), concurrency=1)
    [record] = result.records
    assert record.error == "", record.error
    html_entry = next(f for f in record.files if f.kind == "html")
    assert html_entry.inert is True
    snapshot = ws.root / html_entry.path
    data = snapshot.read_bytes()
    assert hashlib.sha256(data).hexdigest() == html_entry.sha256
    assert html_entry.bytes == len(data)
    [stored] = [r for r in Store(ws).evidence() if r["id"] == record.id]
    assert next(f for f in stored["files"] if f["kind"] == "html")["inert"] is True

    tree = LexborHTMLParser(data.decode("utf-8"))
    captured_title = tree.css_first("title").text()
    assert "+script" in captured_title and "+onload" in captured_title  # they ran live
    first = tree.head.child
    while first is not None and not first.is_element_node:
        first = first.next
    assert first is not None and first.tag == "meta"
    assert first.attributes["http-equiv"].lower() == "content-security-policy"
    policy = first.attributes["content"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert tree.css("script, meta[http-equiv=refresh], link") == []
    for node in tree.root.traverse():
        if node.is_element_node:
            for name, value in node.attributes.items():
                assert not name.lower().startswith("on"), (node.tag, name)
                assert "script:" not in (value or "").replace("\t", "").lower(), (node.tag, name)

    BeaconHandler.log.clear()
    SiteHandler.log.clear()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_browser().path, args=launch_args())
        try:
            page = browser.new_page()
            console: list[str] = []
            requests: list[str] = []
            page.on("console", lambda m: console.append(m.text))
            page.on("pageerror", lambda e: console.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(snapshot.resolve().as_uri(), wait_until="load")
            page.click("#js")
            # an onload handler or a refresh would act right after "load"; give them the chance
            page.wait_for_timeout(1500)
            assert page.url == snapshot.resolve().as_uri()
            assert page.title() == captured_title
            text = page.inner_text("body")
            assert "政府信息公开" in text and "依申请公开" in text
            assert "脚本添加的内容" in text  # the page as it was shown, scripts' work included
            color = page.evaluate("getComputedStyle(document.querySelector('h1')).color")
            assert color == "rgb(200, 0, 0)"  # the site's stylesheet, kept inside the file
        finally:
            browser.close()
    assert BeaconHandler.log == []
    assert SiteHandler.log == []
    assert [u for u in requests if not u.startswith(("file:", "data:", "about:"))] == []
    assert not [m for m in console if MARK in m]


# -- point 11: verify compares the store, the manifests and the files ---------------------------


@pytest.fixture
def attached(make_workspace, tmp_path: Path) -> tuple[Workspace, Evidence]:
    """A workspace with two attached PNGs (two records, two manifests), verified clean."""
    ws = make_workspace(sites=[(SITE, "https://www.chengdu.gov.cn/", "city")])
    shot = tmp_path / "shot.png"
    shot.write_bytes(png_bytes("navy"))
    record = attach(ws, ws.checklist, Store(ws), SITE, "a1.q1", shot)
    shot.write_bytes(png_bytes("teal"))
    attach(ws, ws.checklist, Store(ws), SITE, "a2.q1", shot)
    assert verify(ws, Store(ws)).ok
    return ws, record


def _store_files(ws: Workspace) -> list[Path]:
    return sorted((ws.data_dir / "evidence").glob("*.json"))


def _edit_store_record(ws: Workspace, evidence_id: str, change: Any) -> None:
    edit_store_record(ws.data_dir, evidence_id, change)


def _verify_cli(ws: Workspace) -> tuple[int, dict[str, Any], str]:
    done = run_cli("evidence", "verify", "--json", cwd=ws.root)
    text = run_cli("evidence", "verify", cwd=ws.root)
    assert "Traceback" not in done.stderr + text.stderr
    assert text.returncode == done.returncode
    return done.returncode, json.loads(done.stdout), text.stdout


def test_verify_fails_when_a_file_and_its_store_hash_are_both_replaced(attached) -> None:
    ws, record = attached
    entry = record.files[0]
    other = png_bytes("red")
    (ws.root / entry.path).write_bytes(other)

    def swap(doc: dict[str, Any]) -> None:
        doc["files"][0]["sha256"] = hashlib.sha256(other).hexdigest()
        doc["files"][0]["bytes"] = len(other)

    _edit_store_record(ws, record.id, swap)
    code, data, text = _verify_cli(ws)
    assert code == 1
    [problem] = data["problems"]
    assert problem["path"] == entry.path and problem["record"] == record.id
    assert problem["expected"] == entry.sha256  # the manifest's hash
    assert problem["actual"] == hashlib.sha256(other).hexdigest()
    assert record.id in text


@pytest.mark.parametrize("which", ["json", "json and sha256"])
def test_verify_fails_when_a_manifest_is_deleted(attached, which: str) -> None:
    ws, record = attached
    manifest = ws.evidence_dir / f"manifest-{record.run}.json"
    manifest.unlink()
    if which != "json":
        manifest.with_name(manifest.name + ".sha256").unlink()
    code, data, _ = _verify_cli(ws)
    assert code == 1
    assert any(p["record"] == record.id or p["path"].endswith(manifest.name)
               for p in data["problems"])


def test_verify_fails_when_the_store_records_are_deleted(attached) -> None:
    ws, record = attached
    for path in _store_files(ws):
        path.unlink()
    (ws.data_dir / "evidence").rmdir()
    code, data, text = _verify_cli(ws)
    assert code == 1
    assert {p["record"] for p in data["problems"]} >= {record.id}
    assert "not in the store" in text


def test_verify_fails_when_evidence_files_have_no_record_at_all(attached) -> None:
    ws, _ = attached
    for path in [*_store_files(ws), *ws.evidence_dir.glob("manifest-*")]:
        path.unlink()
    code, data, _ = _verify_cli(ws)
    assert code == 1
    assert len(data["problems"]) == 2
    assert {p["problem"] for p in data["problems"]} == {"not recorded"}


def _plant(ws: Workspace, path: str, target: Path) -> Evidence:
    """A record naming `path` with the hash of `target`, in the store and in a manifest."""
    digest = hashlib.sha256(target.read_bytes()).hexdigest() if target.is_file() else "0" * 64
    record = replace(new_evidence(run=new_run_id(), site=SITE, question="a1.q1"),
                     files=(EvidenceFile("png", path, digest, 3),))
    Store(ws).add_evidence([record])
    write_manifest(ws, record.run, [record])
    return record


def test_verify_refuses_paths_outside_the_workspace_and_reads_nothing(attached,
                                                                      tmp_path: Path) -> None:
    ws, _ = attached
    depth = len(ws.root.resolve().parts) - 1
    hostname = Path("/etc/hostname")
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2\n", encoding="utf-8")
    pipe = tmp_path / "pipe.png"
    os.mkfifo(pipe)  # opening it for reading would hang: verify must not even try
    (ws.evidence_dir / SITE).mkdir(exist_ok=True)
    link = ws.evidence_dir / SITE / "link.png"
    link.symlink_to(secret)
    planted = [
        _plant(ws, "../" * depth + "etc/hostname", hostname),
        _plant(ws, "../secret.txt", secret),
        _plant(ws, "../pipe.png", pipe),
        _plant(ws, str(secret), secret),
        _plant(ws, f"evidence/{SITE}/link.png", secret),
    ]
    code, data, text = _verify_cli(ws)
    assert code == 1
    outside = {p["record"]: p for p in data["problems"] if p["problem"] == "outside the workspace"}
    assert set(outside) == {r.id for r in planted}
    assert all(p["actual"] == "" for p in outside.values())  # nothing was hashed
    assert "outside the workspace" in text
    assert len(data["problems"]) == len(planted)


def _same_size_pngs() -> tuple[bytes, bytes]:
    """Two different PNGs of exactly the same size (uncompressed, same dimensions)."""
    first, second = (png_bytes(c, (90, 70), compress_level=0) for c in ("navy", "orange"))
    assert len(first) == len(second) and first != second
    return first, second


def test_report_thumbnail_follows_the_content_not_size_and_mtime(make_workspace,
                                                                 tmp_path: Path) -> None:
    ws = make_workspace(sites=[(SITE, "https://www.chengdu.gov.cn/", "city")])
    first, second = _same_size_pngs()
    shot = tmp_path / "shot.png"
    shot.write_bytes(first)
    record = attach(ws, ws.checklist, Store(ws), SITE, "a1.q1", shot)
    path = ws.root / record.files[0].path
    page = Audit(ws).report().parent / "sites" / site_page_name(SITE)
    old_sha, new_sha = (hashlib.sha256(d).hexdigest() for d in (first, second))
    assert f"thumbs/{old_sha}.jpg" in page.read_text(encoding="utf-8")

    # the file is replaced by another of the same size and time, its record updated with it
    before = path.stat()
    path.write_bytes(second)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    def swap(doc: dict[str, Any]) -> None:
        doc["files"][0]["sha256"] = new_sha

    _edit_store_record(ws, record.id, swap)
    html = Audit(ws).report().parent.joinpath("sites", site_page_name(SITE)).read_text("utf-8")
    assert f"thumbs/{new_sha}.jpg" in html and f"thumbs/{old_sha}.jpg" not in html
    assert "changed since capture" not in html
    thumb = Image.open(page.parent.parent / "thumbs" / f"{new_sha}.jpg").convert("RGB")
    assert thumb.getpixel((5, 5))[0] > 200  # orange, not navy

    # and replaced again, the record left as it was: reported, not shown as if it matched
    path.write_bytes(first)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    html = Audit(ws).report().parent.joinpath("sites", site_page_name(SITE)).read_text("utf-8")
    assert "changed since capture" in html
    assert f"thumbs/{old_sha}.jpg" not in html


# -- point 12: attach takes only real, regular files of the type they claim ----------------------


@pytest.fixture
def ws_one(make_workspace) -> Workspace:
    return make_workspace(sites=[(SITE, "https://www.chengdu.gov.cn/", "city")])


def _refused(ws: Workspace, source: Path, message: str, cwd: Path | None = None) -> None:
    done = run_cli("evidence", "attach", SITE, "a1.q1", str(source), "-w", str(ws.root),
                   cwd=cwd or ws.root)
    assert done.returncode == 1, done.stdout
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert Store(ws).evidence() == []
    left = [p for p in ws.evidence_dir.rglob("*")] if ws.evidence_dir.exists() else []
    assert left == []


def test_attach_refuses_a_symlink(ws_one: Workspace, tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "shadow"
    secret.parent.mkdir()
    secret.write_text("root:$6$salt$hash:19000:0:99999:7:::\n", encoding="utf-8")
    link = tmp_path / "shot.png"
    link.symlink_to(secret)
    _refused(ws_one, link, "symbolic link")
    real = tmp_path / "outside" / "real.png"
    real.write_bytes(png_bytes("navy"))
    link2 = tmp_path / "real-link.png"
    link2.symlink_to(real)
    _refused(ws_one, link2, "symbolic link")


def test_attach_refuses_a_path_that_leads_out_of_what_was_named(ws_one: Workspace,
                                                                tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "shot.png").write_bytes(png_bytes("red"))
    shots = tmp_path / "shots"
    shots.mkdir()
    (shots / "shot.png").write_bytes(png_bytes("navy"))
    # a folder holding a link to /etc/passwd: the folder is not a file, the link is refused
    (shots / "passwd.png").symlink_to("/etc/passwd")
    _refused(ws_one, shots, "not a regular file (a folder)")
    _refused(ws_one, shots / "passwd.png", "symbolic link")
    # shots/away/../shot.png names shots/shot.png but opens outside/shot.png
    (shots / "away").symlink_to(outside / "deep")
    _refused(ws_one, shots / "away" / ".." / "shot.png", "leads to another file")
    _refused(ws_one, Path("shots/away/../shot.png"), "leads to another file", cwd=tmp_path)
    # a linked folder in the path typed: the file is not inside the folder named
    (shots / "linked").symlink_to(outside)
    _refused(ws_one, Path("shots/linked/shot.png"), "is a symbolic link", cwd=tmp_path)
    # the same file by a plain path, and '..' without links, are taken
    for name in ("shots/shot.png", "shots/../shots/shot.png"):
        done = run_cli("evidence", "attach", SITE, "a1.q1", name, "-w", str(ws_one.root),
                       cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert [r["title"] for r in Store(ws_one).evidence()] == ["shot.png", "shot.png"]


def test_attach_refuses_what_is_not_a_regular_file(ws_one: Workspace, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    _refused(ws_one, fifo, "not a regular file")  # and it does not hang on the pipe
    folder = tmp_path / "folder.png"
    folder.mkdir()
    _refused(ws_one, folder, "not a regular file")
    _refused(ws_one, Path("/dev/null"), "not a regular file")


@pytest.mark.parametrize(("name", "data", "message"), [
    ("notes.png", "这不是图片\n".encode(), "not a PNG image"),
    ("photo.png", jpeg_bytes("navy"), "not a PNG image"),
    ("broken.png", png_bytes("navy")[:60], "not a PNG image"),
    ("photo.jpg", png_bytes("navy"), "not a JPEG image"),
    ("anim.gif", b"GIF89a" + b"\x00" * 20, "not a GIF image"),
    ("page.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "not a WEBP image"),
    ("report.pdf", b"<html>not a pdf</html>", "not a PDF document"),
    ("page.html", png_bytes("navy"), "not an HTML page (text): it is a PNG image"),
    ("page.mhtml", bytes(range(256)) * 8, "not an MHTML page (text)"),
    ("empty.png", b"", "is empty"),
])
def test_attach_refuses_a_file_that_is_not_what_its_name_says(ws_one: Workspace, tmp_path: Path,
                                                              name: str, data: bytes,
                                                              message: str) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    _refused(ws_one, source, message)


def test_attach_accepts_real_images_documents_and_pages(ws_one: Workspace,
                                                        tmp_path: Path) -> None:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "green").save(out, "WEBP")
    files = {
        "shot.png": png_bytes("navy"), "photo.jpg": jpeg_bytes("red"),
        "photo.JPEG": jpeg_bytes("blue"), "page.webp": out.getvalue(),
        "report.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n",
        "page.html": "<!doctype html><title>某市</title><p>政务公开</p>".encode("gbk"),
        "notes.txt": "任何文本".encode(),
    }
    for name, data in files.items():
        source = tmp_path / name
        source.write_bytes(data)
        record = attach(ws_one, ws_one.checklist, Store(ws_one), SITE, "a1.q1", source)
        copied = ws_one.root / record.files[0].path
        assert copied.read_bytes() == data
    assert len(Store(ws_one).evidence()) == len(files)
    assert verify(ws_one, Store(ws_one)).ok
    assert run_cli("evidence", "verify", cwd=ws_one.root).returncode == 0


def test_verify_counts_records_files_and_manifests(attached) -> None:
    ws, _ = attached
    result = verify(ws, Store(ws))
    assert (result.records, result.files, result.manifests) == (2, 2, 2)
    Store(ws).add_sites([Site("武侯区", "https://wh.gov.cn/", "county")])
    assert verify(ws, Store(ws)).ok


@pytest.mark.parametrize("hostile", [
    '<noscript><meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/"></noscript>',
    '<template shadowrootmode="open"><script>alert(1)</script></template>',
    '<svg><set attributeName="href" to="javascript:alert(1)"/><script>alert(2)</script></svg>',
    '<svg><animate attributeName="href" values="#;JaVaScRiPt:alert(1)"/></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<form action="javascript:alert(1)"><button formaction="vbscript:x">go</button></form>',
    '<object data="http://127.0.0.1:9/x.swf"><embed src="http://127.0.0.1:9/y"></object>',
    '<base href="http://127.0.0.1:9/"><a ping="http://127.0.0.1:9/" href="/x">x</a>',
    '<frameset><frame src="http://127.0.0.1:9/"></frameset>',
    '<div ONMOUSEOVER="alert(1)" xml:onclick="alert(2)">x</div>',
])
def test_inert_rendering_of_hostile_markup(hostile: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    from govaudit.inert_html import render_inert

    out = render_inert(f"<!doctype html><html><head><meta charset=gbk></head><body>{hostile}"
                       "<p>正文</p></body></html>").decode("utf-8")
    lowered = out.lower()
    for word in ("<script", "javascript:", "vbscript:", "refresh", "<object", "<embed",
                 "<base", "ping=", "shadowrootmode", "onmouseover", "onclick"):
        assert word not in lowered, (word, out)
    tree = LexborHTMLParser(out)
    assert [m.attributes.get("charset") for m in tree.css("meta[charset]")] == ["utf-8"]
    assert "http://127.0.0.1:9/" not in str(tree.css_first("frame") or "")


def test_inert_rendering_keeps_stylesheets_that_cannot_break_out() -> None:
    from selectolax.lexbor import LexborHTMLParser

    from govaudit.inert_html import render_inert

    page = ('<html><head><link rel="stylesheet" href="a.css" media="print">'
            '<link rel="stylesheet" href="gone.css"></head><body><p>x</p></body></html>')
    out = render_inert(page, {"a.css": "p{color:red}</style><script>alert(1)</script>"})
    tree = LexborHTMLParser(out.decode("utf-8"))
    [style] = tree.css("style")
    assert style.attributes["media"] == "print"
    assert "alert(1)" in style.text() and tree.css("script, link") == []


def test_verify_accepts_timestamps_and_signatures_beside_what_they_cover(attached) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from govaudit.archive.signing import SIG_SUFFIX, sign_file
    from govaudit.archive.timestamps import CHAIN_SUFFIX, NOT_TIMESTAMPED_SUFFIX, TOKEN_SUFFIX

    companions = (TOKEN_SUFFIX, CHAIN_SUFFIX, NOT_TIMESTAMPED_SUFFIX, SIG_SUFFIX)
    ws, record = attached
    key = Ed25519PrivateKey.generate()
    manifest = ws.evidence_dir / f"manifest-{record.run}.json"
    sign_file(manifest, key, "张三")
    sign_file(ws.root / record.files[0].path, key, "张三")
    (ws.evidence_dir / f"{manifest.name}.not-timestamped").write_text("TSA down\n")
    problems = verify(ws, Store(ws)).problems
    assert [p.problem for p in problems] == ["not recorded"] * 3  # without them
    assert verify(ws, Store(ws), companions).ok
    stray = ws.evidence_dir / SITE / "gone.png.sig"
    stray.write_text("{}")
    assert [(p.path, p.problem) for p in verify(ws, Store(ws), companions).problems] == [
        (f"evidence/{SITE}/gone.png.sig", "not recorded")]


# -- hostile page content in the report and the workbook -----------------------------------------

RTL = "\u202eexe.jpg\u2066隔离\u2069\u202a\u202b\u202c\u202d\u2067\u2068"


def payload(beacon: str) -> str:
    return (f"<script>fetch('{beacon}/script')</script>\"><img src=x "
            f"onerror=\"fetch('{beacon}/img')\">{{{{7*7}}}}{RTL}")


class ContentHandler(_Logged):
    """A page whose title and text are markup, a template and text-direction overrides."""

    log: list[str] = []
    beacon = ""

    def answer(self) -> tuple[int, str, bytes]:
        text = payload(self.beacon)
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        page = (f'<!doctype html><html><head><meta charset="utf-8"><title>{text}</title>'
                f"</head><body><h1>{escaped}</h1><footer>主办单位：{{{{7*7}}}}{RTL}人民政府 "
                "网站标识码：5101000001</footer></body></html>")
        return 200, "text/html; charset=utf-8", page.encode()


def _shown(text: str) -> str:
    """What the report and the workbook show for `text`: the controls as [U+XXXX]."""
    for char in sorted(set(RTL) - set("exe.jpg隔离")):
        text = text.replace(char, f"[U+{ord(char):04X}]")
    return text


def test_hostile_page_text_is_inert_in_the_report_and_the_workbook(make_workspace,
                                                                   beacon: str) -> None:
    import openpyxl
    from playwright.sync_api import sync_playwright

    from govaudit.browser import find_browser, launch_args

    ContentHandler.log = []
    ContentHandler.beacon = beacon
    server = _serve(ContentHandler)
    site_url = next(server)
    try:
        ws = make_workspace(sites=[(SITE, f"{site_url}/", "city")])
        # the evaluator pastes the page's title into a note: it reaches the workbook
        for args in (("answer", SITE, "a1.q1", "no", "--note", payload(beacon)),
                     ("evidence", "--timeout", "15", "--allow-private"),
                     ("check", "--probe", "marks", "--timeout", "10", "--allow-private"),
                     ("report",), ("export",)):
            done = run_cli(*args, cwd=ws.root)
            assert done.returncode == 0 and "Traceback" not in done.stderr, (args, done.stderr)
    finally:
        next(server, None)
    [record] = Store(ws).evidence()
    assert record["title"] == payload(beacon)  # the store keeps what the page said
    title = _shown(payload(beacon))
    BeaconHandler.log.clear()
    report = ws.root / "exports" / "report"
    pages = [report / "index.html", report / "sites" / site_page_name(SITE)]
    requests: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_browser().path, args=launch_args())
        try:
            for path in pages:
                page = browser.new_page()
                page.on("request", lambda r: requests.append(r.url))
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.goto(path.resolve().as_uri(), wait_until="load")
                page.wait_for_timeout(500)  # an onerror fires once the image has failed
                assert page.evaluate("document.scripts.length") == 1  # only the report's own
                assert page.locator("img[src='x'], img[onerror]").count() == 0
                text = page.inner_text("body")
                assert not any(char in text for char in RTL[:1] + "\u2066\u2069\u202a")
                if path.name != "index.html":
                    assert page.locator("figure .ev-title").first.text_content() == title
                    assert "{{7*7}}" in page.locator("table.marks").inner_text()
                    assert "[U+202E]exe.jpg" in page.locator("table.marks").inner_text()
                    note = page.locator("tr[data-question='a1.q1'] td.note")
                    assert note.text_content() == title
                assert dialogs == []
                assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
                page.close()
        finally:
            browser.close()
    assert BeaconHandler.log == []

    [book] = (ws.root / "exports").glob("*.xlsx")
    cells = [cell for sheet in openpyxl.load_workbook(book).worksheets
             for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = [str(c.value) for c in cells]
    assert title in texts
    assert not [t for t in texts if any(char in t for char in "\u202a\u202b\u202c\u202d\u202e"
                                        "\u2066\u2067\u2068\u2069")]
    assert not [t for t in texts if t.startswith(("=", "+", "@"))]
