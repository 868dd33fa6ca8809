"""Passwords in site URLs never reach an output; private addresses are not followed.

The sites run on 127.0.0.1 (itself private): the site's own origin is allowed,
any other private origin (another port, another loopback address, `localhost`)
is what a redirect into an internal service looks like.
"""

from __future__ import annotations

import base64
import email
import http.server
import json
import socket
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from govaudit.store import Store
from tests.conftest import run_cli

SITE_PW = "Pw-Site-7x3Q"
IMPORT_PW = "Pw-Import-K2z9"
LINK_PW = "Pw-Link-secret2"
ADMIN_SECRET = "ADMIN-SECRET-9f3e"
ADMIN_ICP = "京ICP备99999999号"
FAST = ("--samples", "1", "--interval", "0", "--timeout", "10", "--link-timeout", "5")


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_HEAD(self) -> None:
        self.do_GET()


def test_redact_url_drops_userinfo_everywhere_in_a_text() -> None:
    from govaudit.urls import redact_url, split_credentials

    assert redact_url("http://u:p@h.gov.cn:8080/a?b=c#d") == "http://h.gov.cn:8080/a?b=c#d"
    assert redact_url("https://a:b@c@h/x") == "https://h/x"
    assert redact_url("redirect to http://u:p@h/ failed; see https://h2/@x") == \
        "redirect to http://h/ failed; see https://h2/@x"
    assert redact_url("mailto:a@b.cn") == "mailto:a@b.cn"
    assert split_credentials("http://u%40x:p%3A@h/") == ("http://h/", ("u@x", "p:"))
    assert split_credentials("http://h/") == ("http://h/", None)


@pytest.mark.parametrize(("text", "redacted"), [
    ("ws://h:9222/devtools/browser/x?token=SECRET", "ws://h:9222/devtools/browser/x?token=REDACTED"),
    ("ws://u:p@h/x?a=1&Access_Token=abc&keyword=税务&b=2#f",
     "ws://h/x?a=1&Access_Token=REDACTED&keyword=税务&b=2#f"),
    ("https://s3/x?X-Amz-Signature=ab12&X-Amz-Date=1", "https://s3/x?X-Amz-Signature=REDACTED&X-Amz-Date=1"),
    ("see http://h/?key=v1 and http://h/?monkey=1&sig=zz; done",
     "see http://h/?key=REDACTED and http://h/?monkey=1&sig=REDACTED; done"),
    ("http://h/?api_key=&password=p%20w&secret=s#top", "http://h/?api_key=&password=REDACTED&secret=REDACTED#top"),
    ("http://h/list?page=2&id=token", "http://h/list?page=2&id=token"),
])
def test_redact_url_hides_secret_query_values(text: str, redacted: str) -> None:
    from govaudit.urls import redact_url

    assert redact_url(text) == redacted


@pytest.mark.parametrize(("address", "private"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("10.0.0.5", True), ("172.16.0.1", True),
    ("192.168.1.1", True), ("169.254.169.254", True), ("100.64.0.1", True), ("0.0.0.0", True),
    ("::1", True), ("fc00::1", True), ("fd12:3456::1", True), ("fe80::1%eth0", True),
    ("::ffff:10.0.0.1", True), ("::ffff:7f00:1", True), ("::", True),
    ("8.8.8.8", False), ("114.114.114.114", False), ("2400:3200::1", False),
    ("::ffff:8.8.8.8", False),
])
def test_private_addresses(address: str, private: bool) -> None:
    from govaudit.netpolicy import is_private

    assert is_private(address) is private


# -- point 5: passwords in site URLs ------------------------------------------------------


@pytest.fixture
def auth_site(serve) -> str:
    """A site behind basic auth; its pages link with a password of their own."""
    accepted = {f"auditor:{SITE_PW}", f"second:{IMPORT_PW}", f"u2:{LINK_PW}"}

    class Handler(_Handler):
        def do_GET(self) -> None:
            given = self.headers.get("Authorization", "").removeprefix("Basic ")
            try:
                pair = base64.b64decode(given).decode()
            except ValueError:
                pair = ""
            if pair not in accepted:
                self.send(401, "login", {"WWW-Authenticate": 'Basic realm="gov"'})
                return
            port = self.server.server_address[1]
            if self.path in ("/", "/b/"):
                self.send(200, f"""<html><head><title>某市政府</title></head><body>
                    <a href="/about">关于</a>
                    <a href="http://u2:{LINK_PW}@127.0.0.1:{port}/x">内网</a>
                    <a href="http://u2:{LINK_PW}@127.0.0.1:{port}/gone">失效</a>
                    <p>2026-11-20</p><footer>2026-12-01</footer></body></html>""")
            elif self.path in ("/about", "/x"):
                self.send(200, "<html><body>ok</body></html>")
            else:
                self.send(404, "not found")

    return f"127.0.0.1:{serve(Handler)}"


def _mhtml_text(data: bytes) -> str:
    """Every part of an MHTML file, decoded (quoted-printable breaks long lines)."""
    message = email.message_from_bytes(data)
    parts = [str(message)]
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            parts.append(payload.decode("utf-8", "replace"))
    return "\n".join(parts)


def _texts(root: Path, skip: set[Path]) -> Iterator[tuple[Path, str]]:
    """(file, its text) for every file below `root`, xlsx members and MHTML parts decoded."""
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path in skip:
            continue
        yield path, str(path.relative_to(root))  # the name itself
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                for member in book.namelist():
                    yield path, book.read(member).decode("utf-8", "replace")
        elif path.suffix == ".mhtml":
            yield path, _mhtml_text(data)
        else:
            yield path, data.decode("utf-8", "replace")


def test_passwords_in_site_urls_never_reach_an_output(make_workspace, auth_site: str,
                                                     tmp_path: Path) -> None:
    ws = make_workspace()
    outputs = []
    added = run_cli("sites", "add", "甲市", f"http://auditor:{SITE_PW}@{auth_site}/",
                         "--level", "city", cwd=ws.root)
    assert added.returncode == 0, added.stderr
    listing = tmp_path / "sites.csv"
    listing.write_text(f"name,url,level\n乙县,http://second:{IMPORT_PW}@{auth_site}/b/,county\n",
                       encoding="utf-8")
    imported = run_cli("sites", "import", str(listing), "--yes", cwd=ws.root)
    assert imported.returncode == 0, imported.stderr
    listing.unlink()
    assert {s.name: s.url for s in Store(ws).sites()} == {
        "甲市": f"http://{auth_site}/", "乙县": f"http://{auth_site}/b/"}
    secrets = ws.data_dir / "credentials.json"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert json.loads(secrets.read_text(encoding="utf-8")) == {
        "甲市": {"username": "auditor", "password": SITE_PW},
        "乙县": {"username": "second", "password": IMPORT_PW}}

    for args in (("check", *FAST, "--json"), ("evidence", "--concurrency", "2"),
                 ("export",), ("report",), ("sites", "list", "--json")):
        done = run_cli(*args, cwd=ws.root)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        outputs.append(done.stdout + done.stderr)

    # the probes and the browser logged in
    store = Store(ws)
    for name in ("甲市", "乙县"):
        probes = store.probe_results(name)
        assert probes["availability"].status == 200
        assert probes["availability"].failures == 0
        assert probes["freshness"].latest == "2026-11-20"
        [record] = store.evidence(name)
        assert (record["status"], record["error"], record["title"]) == (200, "", "某市政府")
        # the link with a password of its own was checked with it, and is stored without it
        broken = probes["links"].broken
        assert [b.url for b in broken] == [f"http://{auth_site}/gone"]
        assert broken[0].status == 404

    seen = 0
    for path, text in _texts(ws.root, {secrets}):
        seen += 1
        for password in (SITE_PW, IMPORT_PW):
            assert password not in text, path
        # the captured page's own markup (HTML and MHTML snapshots) is kept as it was served
        if path.suffix not in (".html", ".mhtml") or "evidence" not in path.parts:
            assert LINK_PW not in text, path
    assert seen > 20
    for output in outputs:
        for password in (SITE_PW, IMPORT_PW, LINK_PW):
            assert password not in output


# -- point 7: private addresses -----------------------------------------------------------


@pytest.fixture
def admin(serve) -> dict[str, str]:
    """An internal admin page on other loopback origins: 127.0.0.1:P2, 127.0.0.2, localhost."""

    class Handler(_Handler):
        def do_GET(self) -> None:
            self.send(200, f"<html><head><title>{ADMIN_SECRET}</title></head><body>"
                           f"<p>{ADMIN_SECRET}</p><footer>{ADMIN_ICP}</footer></body></html>")

    port, other = serve(Handler), serve(Handler, "127.0.0.2")
    return {"port": f"http://127.0.0.1:{port}/admin",
            "address": f"http://127.0.0.2:{other}/admin",
            "localhost": f"http://localhost:{port}/admin"}


@pytest.fixture
def redirecting(serve, admin: dict[str, str]) -> str:
    """/to/KIND redirects to the admin page; /frame/KIND shows it in a frame, /hop/KIND in a
    frame through a redirect of the site's own; /img/KIND loads it as an image; /link/KIND
    links to it."""

    class Handler(_Handler):
        def do_GET(self) -> None:
            kind = self.path.rsplit("/", 1)[-1]
            if self.path.startswith("/to/"):
                self.send(302, "", {"Location": admin[kind]})
            elif self.path.startswith("/frame/"):
                self.send(200, f'<html><body><h1>首页</h1><iframe src="{admin[kind]}"></iframe>'
                               '<footer>蜀ICP备05003205号</footer></body></html>')
            elif self.path.startswith("/hop/"):
                self.send(200, f'<html><body><iframe src="/to/{kind}"></iframe></body></html>')
            elif self.path.startswith("/img/"):
                self.send(200, f'<html><body><img src="{admin[kind]}"></body></html>')
            elif self.path.startswith("/link/"):
                self.send(200, f'<html><body><a href="{admin[kind]}">后台</a>'
                               f'<a href="/to/{kind}">跳转</a></body></html>')
            else:
                self.send(404, "not found")

    return f"http://127.0.0.1:{serve(Handler)}"


def _workspace_with(make_workspace, base: str, kind: str, name: str):
    return make_workspace(name=name, sites=[
        ("跳转市", f"{base}/to/{kind}", "city"), ("框架市", f"{base}/frame/{kind}", "city"),
        ("链接市", f"{base}/link/{kind}", "city"), ("二跳市", f"{base}/hop/{kind}", "city"),
        ("图片市", f"{base}/img/{kind}", "city")])


def _leaks(root: Path) -> list[Path]:
    return sorted({path for path, text in _texts(root, set())
                   if ADMIN_SECRET in text or "99999999" in text})


@pytest.mark.parametrize("kind", ["port", "address", "localhost"])
def test_private_destinations_are_refused_by_probes_and_browser(make_workspace, admin,
                                                                redirecting: str,
                                                                kind: str) -> None:
    ws = _workspace_with(make_workspace, redirecting, kind, f"ws-{kind}")
    check = run_cli("check", *FAST, "--probe", "availability", "--probe", "links",
                         "--probe", "marks", cwd=ws.root)
    assert check.returncode == 0, check.stderr
    evidence = run_cli("evidence", "--json", "--concurrency", "2", cwd=ws.root)
    report = run_cli("report", cwd=ws.root)
    assert report.returncode == 0, report.stderr
    assert _leaks(ws.root) == []
    assert evidence.returncode == 1, evidence.stderr
    assert ADMIN_SECRET not in check.stdout + evidence.stdout

    target = admin[kind].removesuffix("/admin")
    host, port = target.removeprefix("http://").split(":")
    address = socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)[0][4][0]
    refused = f"redirect to a private address {address} ({target}) refused [netpolicy:private]"
    store = Store(ws)
    redirected = store.probe_results("跳转市")
    assert list(redirected["availability"].errors) == [refused]
    assert redirected["marks"].error.endswith(refused)
    linked = store.probe_results("链接市")["links"]
    assert not linked.broken  # a refused link was not checked: never "broken"
    links = {u.url: u.error for u in linked.unchecked}
    assert links == {admin[kind]: refused.replace("redirect to", "request to"),
                     f"{redirecting}/to/{kind}": refused}
    assert store.probe_results("框架市")["marks"].icp == "蜀ICP备05003205号"

    captures = {c["site"]: c for c in json.loads(evidence.stdout)["captures"]}
    # the navigation's redirect is failed before it is sent: nothing to capture
    # what is kept of the refused load is the browser's own error page, nothing of the target
    assert captures["跳转市"]["error"] == refused
    assert [f["kind"] for f in captures["跳转市"]["files"]] in ([], ["png"])
    # frames (and their redirects) are failed likewise: the page itself is captured
    for site in ("框架市", "二跳市", "链接市"):
        assert captures[site]["error"] == "" and len(captures[site]["files"]) == 3, site
    # an image from the private address is failed before it is sent: the page is kept, and
    # its record says what was blocked and why
    assert captures["图片市"]["error"] == "" and len(captures["图片市"]["files"]) == 3
    assert captures["图片市"]["blocked"] == [
        {"url": admin[kind], "what": "image",
         "reason": refused.replace("redirect to", "request to")}]
    assert [b["what"] for b in captures["框架市"]["blocked"]] == ["frame"]


def test_allow_private_follows_them(make_workspace, admin, redirecting: str) -> None:
    ws = _workspace_with(make_workspace, redirecting, "address", "ws-allowed")
    check = run_cli("check", *FAST, "--probe", "availability", "--probe", "marks",
                         "--allow-private", cwd=ws.root)
    assert check.returncode == 0, check.stderr
    store = Store(ws)
    assert store.probe_results("跳转市")["availability"].status == 200
    assert store.probe_results("跳转市")["marks"].icp == ADMIN_ICP
    evidence = run_cli("evidence", "--json", "--allow-private", "--site", "跳转市",
                            "--site", "框架市", "--site", "二跳市", cwd=ws.root)
    assert evidence.returncode == 0, evidence.stderr
    captures = {c["site"]: c for c in json.loads(evidence.stdout)["captures"]}
    assert captures["跳转市"]["title"] == ADMIN_SECRET
    for site in ("框架市", "二跳市"):
        [mhtml] = [f for f in captures[site]["files"] if f["kind"] == "mhtml"]
        assert ADMIN_SECRET in _mhtml_text((ws.root / mhtml["path"]).read_bytes())


def test_pages_asked_for_are_fetched_wherever_they_are(make_workspace, admin,
                                                      redirecting: str) -> None:
    """The policy is about where a site sends you: a page the evaluator names is captured."""
    ws = make_workspace(sites=[("内网市", f"{redirecting}/link/port", "city")])
    done = run_cli("evidence", "--json", "--url", admin["address"], "--site", "内网市",
                        cwd=ws.root)
    assert done.returncode == 0, done.stderr
    [capture] = json.loads(done.stdout)["captures"]
    assert capture["title"] == ADMIN_SECRET
