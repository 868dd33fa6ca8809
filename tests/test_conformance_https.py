"""HTTPS against servers on 127.0.0.1 with certificates made here: a test root, an intermediate,
a good leaf, an expired one, one for another host, one sent without its intermediate."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conformance_helpers import PKI, make_cert, pem, serve_on, serve_tls, site

from govaudit.conformance.https import (
    RequestLog,
    check_certificate,
    check_hsts,
    check_redirect,
    mixed_content_from_requests,
    mixed_content_in_html,
    read_hsts,
)

PAGE = {"/": (200, {"Strict-Transport-Security": "max-age=31536000; includeSubDomains"},
              "<html><body>首页</body></html>")}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return PKI(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def servers():
    running: list = []
    yield running
    for server in running:
        server.shutdown()
        server.server_close()


def https_url(pki: PKI, servers: list, name: str, **leaf) -> str:
    cert, key = pki.leaf(name, **leaf)
    return f"https://127.0.0.1:{serve_tls(site(PAGE), cert, key, servers)}/"


def test_a_good_certificate(pki, servers):
    url = https_url(pki, servers, "good")
    found = check_certificate(url, ca_file=str(pki.ca_file))
    assert found.passed, found.problems
    assert found.chain == ("CN=good", "CN=govaudit test intermediate")
    assert 88 <= (found.days_left or 0) <= 90 and "127.0.0.1" in found.names
    # the same server, judged by certifi's bundle: complete as sent, but not trusted
    public = check_certificate(url)
    assert not public.trusted and not public.chain_complete and not public.passed


def test_expired_wrong_host_and_missing_intermediate(pki, servers):
    expired = check_certificate(https_url(pki, servers, "expired", days=(-400, -35)),
                                ca_file=str(pki.ca_file))
    assert not expired.in_date and expired.trusted and not expired.passed
    assert expired.days_left is not None and expired.days_left < -30
    assert "outside its validity" in expired.problems[0]
    wrong = check_certificate(https_url(pki, servers, "wrong", names=("www.other.gov.cn",)),
                              ca_file=str(pki.ca_file))
    assert not wrong.hostname_ok and wrong.trusted and wrong.in_date
    assert wrong.problems == ("not for 127.0.0.1 (it names www.other.gov.cn)",)
    alone = check_certificate(https_url(pki, servers, "alone", chain=False),
                              ca_file=str(pki.ca_file))
    assert alone.chain == ("CN=alone",)
    assert not alone.chain_complete and not alone.trusted and not alone.passed
    assert "the chain is incomplete" in alone.problems[0]
    # a trusted intermediate in the bundle completes the chain
    bundle = pki.folder / "with-intermediate.pem"
    bundle.write_bytes(pem(pki.root, pki.inter))
    assert check_certificate(alone.url, ca_file=str(bundle)).passed


def test_the_problems_are_worded_in_the_interfaces_language(pki, servers):
    """What a certificate's problems say reaches the report and the workbook: in Chinese under
    the Chinese interface, with the host and the dates as they are."""
    from govaudit.i18n import set_language
    from tests.english import english_words

    expired = https_url(pki, servers, "expired-zh", days=(-400, -35))
    wrong = https_url(pki, servers, "wrong-zh", names=("www.other.gov.cn",))
    alone = https_url(pki, servers, "alone-zh", chain=False)
    set_language("zh")
    try:
        problems = [p for url in (expired, wrong, alone)
                    for p in check_certificate(url, ca_file=str(pki.ca_file)).problems]
    finally:
        set_language(None)
    assert len(problems) == 3 and problems[1].startswith("证书不属于 127.0.0.1"), problems
    names = ("CN", "alone-zh")  # the subject of the certificate sent
    assert english_words("\n".join(problems), ids=names) == [], problems


def test_a_whole_chain_from_an_unknown_root(pki, servers, tmp_path: Path):
    root, root_key = make_cert("stranger root", ca=True, days=(-1, 365))
    leaf, key = make_cert("stranger", root_key, root, names=("127.0.0.1",))
    cert_file, key_file = tmp_path / "s.pem", tmp_path / "s.key"
    cert_file.write_bytes(pem(leaf, root))
    from conformance_helpers import key_pem

    key_file.write_bytes(key_pem(key))
    url = f"https://127.0.0.1:{serve_tls(site(PAGE), cert_file, key_file, servers)}/"
    found = check_certificate(url, ca_file=str(pki.ca_file))
    assert found.chain_complete and not found.trusted and not found.passed
    assert found.problems[0].startswith("not trusted")


def test_no_tls_at_all(servers):
    port = serve_on(site(PAGE), "127.0.0.1", 0, servers)
    found = check_certificate(f"https://127.0.0.1:{port}/", timeout=3)
    assert not found.passed and "no TLS connection" in found.error


def test_redirect_to_https_and_hsts(pki, servers):
    secure = https_url(pki, servers, "redirected")
    to_https = {"/": (301, {"Location": secure}, "moved")}
    http_port = serve_on(site(to_https), "127.0.0.1", 0, servers)
    found = asyncio.run(check_redirect(f"http://127.0.0.1:{http_port}/"))
    assert found.passed and [s for _, s in found.hops] == [301, 200]
    plain_port = serve_on(site(PAGE), "127.0.0.1", 0, servers)
    stays = asyncio.run(check_redirect(f"http://127.0.0.1:{plain_port}/"))
    assert not stays.passed and stays.final_url.startswith("http://")
    hsts = asyncio.run(check_hsts(secure))
    assert hsts.passed and hsts.max_age == 31536000 and hsts.include_subdomains
    assert not read_hsts(secure, {}).passed
    assert not read_hsts(secure, {"strict-transport-security": "max-age=0"}).passed
    assert not read_hsts(f"http://127.0.0.1:{plain_port}/",
                         {"Strict-Transport-Security": "max-age=600"}).passed


def test_mixed_content_from_html():
    html = ('<html><head><link rel="stylesheet" href="http://cdn.test.gov.cn/a.css">'
            '<link rel="canonical" href="http://www.test.gov.cn/"></head><body>'
            '<img src="http://img.test.gov.cn/1.png"><img src="/2.png">'
            '<img srcset="http://img.test.gov.cn/3.png 2x, /4.png 1x">'
            '<script src="//js.test.gov.cn/a.js"></script><a href="http://x.gov.cn/">链接</a>'
            "</body></html>")
    found = mixed_content_in_html(html, "https://www.test.gov.cn/")
    assert {(i.url, i.active) for i in found.items} == {
        ("http://cdn.test.gov.cn/a.css", True), ("http://img.test.gov.cn/1.png", False),
        ("http://img.test.gov.cn/3.png", False)}
    assert not found.passed
    assert mixed_content_in_html(html, "http://www.test.gov.cn/").passed


def test_mixed_content_seen_by_the_browser(pki, servers, in_page):
    http_port = serve_on(site({"/a.png": (200, {}, ""), "/a.js": (200, {}, "")}), "127.0.0.1",
                         0, servers)
    # 127.0.0.1 is a secure origin to Chromium: a name mapped onto it is not
    insecure = f"http://insecure.test:{http_port}"
    mapped = ("--host-resolver-rules=MAP insecure.test 127.0.0.1",)
    mixed = {"/": (200, {}, f'<html><body><img src="{insecure}/a.png">'
                            f'<script src="{insecure}/a.js"></script></body></html>'),
             "/clean": (200, {}, "<html><body><p>干净</p></body></html>")}
    cert, key = pki.leaf("mixed")
    base = f"https://127.0.0.1:{serve_tls(site(mixed), cert, key, servers)}"

    async def look(page, path: str):
        log = RequestLog(page)
        await page.goto(base + path, wait_until="load")
        return log.mixed_content(page.url)

    found = in_page(None, lambda page: look(page, "/"), args=mapped)
    urls = {i.url for i in found.items}
    assert f"{insecure}/a.js" in urls and not found.passed
    script = next(i for i in found.items if i.url.endswith("a.js"))
    assert script.active and script.blocked
    assert f"{insecure}/a.png" in urls  # shown, or upgraded: still asked for over http
    assert in_page(None, lambda page: look(page, "/clean")).passed
    plain = mixed_content_from_requests("https://www.test.gov.cn/",
                                        ["https://www.test.gov.cn/a.css",
                                         "http://img.test.gov.cn/1.png"])
    assert [i.url for i in plain.items] == ["http://img.test.gov.cn/1.png"]
