"""The https probe, added through the registry alone: does the home page end on https://, and
does http:// lead there? Against real servers on 127.0.0.1 (a certificate made here)."""

from __future__ import annotations

import http.server
import json
import subprocess
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fixtures.probe_site import RunningSite, start_site

from govaudit import Audit
from govaudit.probes import fetch
from govaudit.probes.checks.https import HttpsResult, http_address
from govaudit.probes.registry import probe_result
from govaudit.report.build import site_page_name
from govaudit.store import Store

FIXTURE = Path(__file__).parent / "fixtures" / "probes.yaml"
TODAY = date(2026, 11, 22)
ARGS = ("check", "--probe", "https", "--apply", "--allow-private", "--json", "--timeout", "5")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (its IP address in subjectAltName, as TLS checks it)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"openssl could not make a test certificate ({exc})")
    return cert, key


@pytest.fixture(scope="module")
def sites(certificate: tuple[Path, Path]) -> Iterator[dict[str, str]]:
    """The test site over HTTPS, an http:// address that sends everyone there, and the
    test site over plain HTTP."""
    secure = start_site(TODAY, tls=certificate, drip_seconds=2)

    class Redirect(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            self.send_response(301)
            self.send_header("Location", secure.url(self.path))
            self.send_header("Content-Length", "0")
            self.end_headers()

    redirect = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    redirect.daemon_threads = True
    threading.Thread(target=redirect.serve_forever, daemon=True).start()
    plain: RunningSite = start_site(TODAY, drip_seconds=2)
    yield {"secure": secure.url("/"), "plain": plain.url("/"),
           "redirect": f"http://127.0.0.1:{redirect.server_address[1]}/"}
    for server in (secure, plain):
        server.stop()
    redirect.shutdown()
    redirect.server_close()


@pytest.fixture
def trust(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """trust(cert or None): the CA file this process verifies certificates with (None: the
    usual bundle); the TLS context, made once per process, is made again."""
    def use(cert: Path | None) -> None:
        if cert is None:
            monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        else:
            monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        fetch.ssl_context.cache_clear()

    yield use
    monkeypatch.undo()
    fetch.ssl_context.cache_clear()


def _answer(ws, site: str) -> tuple[str, str] | None:
    found = [(str(a.value), a.note) for a in Store(ws).answers(site) if a.question == "daily.https"]
    return found[0] if found else None


def test_https_answers_the_auto_key_of_a_checklist(cli, make_workspace, sites, certificate,
                                                   trust):
    trust(certificate[0])  # this machine trusts the test certificate
    ws = make_workspace(FIXTURE, sites=[("跳转市", sites["redirect"], "city"),
                                        ("明文市", sites["plain"], "city"),
                                        ("直连市", sites["secure"], "city")])
    done = cli(*ARGS, "-w", str(ws.root))
    assert done.exit_code == 0, done.output
    found = {s["site"]: s["probes"]["https"] for s in json.loads(done.stdout)["sites"]}
    secure, redirect = sites["secure"], sites["redirect"]

    assert (found["跳转市"]["https"], found["跳转市"]["redirects_to_https"]) == (True, True)
    assert _answer(ws, "跳转市") == (
        "yes", f"https: the home page ends on {secure}, and {redirect} leads to {secure}")

    assert (found["明文市"]["https"], found["明文市"]["redirects_to_https"]) == (False, False)
    assert _answer(ws, "明文市") == (
        "no", f"https: the home page ends on {sites['plain']}, not https://")

    # https:// asked directly; its http:// address (the same port) gives no answer: no
    # suggestion, the result says why
    direct = probe_result(found["直连市"])
    assert isinstance(direct, HttpsResult) and direct.https and not direct.tls_error
    assert direct.redirects_to_https is None and direct.http_error
    assert direct.http_url == http_address(secure) == secure.replace("https:", "http:")
    assert _answer(ws, "直连市") is None
    assert "gave no answer" in direct.summary()

    # the report lists the result among the checks
    index = Audit.open(ws.root).report()
    page = (index.parent / "sites" / site_page_name("跳转市")).read_text(encoding="utf-8")
    assert f"首页使用 HTTPS（{secure}）" in page


def test_a_certificate_this_machine_refuses_is_no_https(cli, make_workspace, sites, trust):
    trust(None)
    ws = make_workspace(FIXTURE, sites=[("跳转市", sites["redirect"], "city")])
    done = cli(*ARGS, "-w", str(ws.root))
    assert done.exit_code == 0, done.output
    [site] = json.loads(done.stdout)["sites"]
    assert site["probes"]["https"]["https"] is True and site["probes"]["https"]["tls_error"]
    value, note = _answer(ws, "跳转市") or ("", "")
    assert value == "no" and "but its certificate is refused" in note


def test_the_http_address_of_a_site():
    assert http_address("https://www.gov.cn/") == "http://www.gov.cn/"
    assert http_address("https://www.gov.cn:443/a?b=1#c") == "http://www.gov.cn/a?b=1"
    assert http_address("https://www.gov.cn:8443/") == "http://www.gov.cn:8443/"
    assert http_address("http://www.gov.cn/") == "http://www.gov.cn/"
