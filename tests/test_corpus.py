"""The labelled page corpus itself (tests/corpus/): its pages, its server and its labels agree.

These check the corpus, not the probes: every page is labelled and parses, the server answers
every labelled URL and link as labelled, marks and dates stand where the labels say, the columns
lead to pages in the labelled state, every reported misfire has its page, and Chromium gets
through the challenge that stops httpx.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import socket
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx
import pytest
from corpus.expect import CASES, LABELS, MARKS, TODAY, Corpus, LabelError, Page, load
from corpus.server import (
    ANSWER_COOKIE,
    CHALLENGE_COOKIE,
    CLOSED_PORT_TOKEN,
    HTML_SUFFIXES,
    SITES,
    CorpusServer,
    corpus_server,
    solve,
)
from selectolax.lexbor import LexborHTMLParser

LINK_SOURCES = (("a", "href"), ("img", "src"), ("script", "src"), ("link", "href"),
                ("iframe", "src"), ("input", "src"))
CODECS = {"utf-8": "utf-8-sig", "gbk": "gbk", "gb18030": "gb18030", "ascii": "ascii"}
DATE_STYLES = {
    "iso": "{d:%Y-%m-%d}", "slash": "{d:%Y/%m/%d}", "dot": "{d:%Y.%m.%d}",
    "cn": "{d.year}年{d.month}月{d.day}日", "cn-no-day": "{d.year}年{d.month}月{d.day}",
    "md": "{d:%m-%d}", "bracket-md": "[{d:%m-%d}]", "paren-md": "({d:%m-%d})",
    "bracket-iso": "[{d:%Y-%m-%d}]",
}
META_CHARSET = re.compile(r"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)
URL_IN_JSON = re.compile(r'"(?:url|more)"\s*:\s*"([^"]+)"')


@cache
def labels() -> Corpus:
    return load()


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return labels()


@pytest.fixture(scope="module")
def server() -> Iterator[CorpusServer]:
    with corpus_server() as running:
        yield running


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """A client that runs no scripts, as the probes are."""
    with httpx.Client(timeout=10, trust_env=False) as http:
        yield http


@pytest.fixture(scope="module")
def passed(server: CorpusServer, client: httpx.Client) -> Iterator[httpx.Client]:
    """A client holding the cookies the challenge script sets, as a browser would after it."""
    first = client.get(server.url("/province-c/")).cookies[CHALLENGE_COOKIE]
    cookie = f"{CHALLENGE_COOKIE}={first}; {ANSWER_COOKIE}={solve(first)}"
    with httpx.Client(timeout=10, trust_env=False, headers={"Cookie": cookie}) as http:
        yield http


def text_of(page: Page) -> str:
    return page.file.read_bytes().decode(CODECS[page.charset])


def norm(text: str) -> str:
    """NFKC, no whitespace, no colons: how a mark's value is compared with the page."""
    return re.sub(r"[\s:]", "", unicodedata.normalize("NFKC", text))


@cache
def script_file(path: str) -> str:
    """A script or data file of the corpus (GBK sites' scripts are in the page's encoding)."""
    data = (SITES / path.lstrip("/")).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gbk")


class Source:
    """What a page holds, split as a reader meets it: static text, scripts, noscript, alts."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.html = text_of(page)
        tree = LexborHTMLParser(self.html)
        self.tree = tree
        scripts = [s.text() or "" for s in tree.css("script:not([src])")]
        scripts += [script_file(self.absolute_path(s.attributes.get("src") or ""))
                    for s in tree.css("script[src]") if self._own(s.attributes.get("src"))]
        self.scripts = unquote("\n".join(scripts))
        self.data = "\n".join(script_file(self.absolute_path(el.attributes.get("data-src") or ""))
                              for el in tree.css("[data-src]"))
        self.noscript = "\n".join(re.sub(r"<[^>]+>", " ", m) for m in re.findall(
            r"<noscript>(.*?)</noscript>", self.html, re.S))
        self.alts = "\n".join(img.attributes.get("alt") or "" for img in tree.css("img[alt]"))
        self.json = "\n".join(s.text() or "" for s in tree.css("script[type='application/json']"))
        for node in tree.css("script:not([src]), style, noscript, template"):
            node.decompose()
        self.static = tree.body.text(separator=" ") if tree.body is not None else ""

    def absolute_path(self, href: str) -> str:
        return urlsplit(urljoin(self.page.path, href)).path

    def _own(self, src: str | None) -> bool:
        return bool(src) and not urlsplit(src).netloc

    def links(self) -> set[str]:
        """Every link the page shows, static or written by its scripts, as labels spell them."""
        found: set[str] = set()
        original = LexborHTMLParser(self.html)
        for tag, name in LINK_SOURCES:
            for el in original.css(f"{tag}[{name}]"):
                found.add(el.attributes.get(name) or "")
        found.update(URL_IN_JSON.findall(self.html + self.data))
        found.update(re.findall(r"""(?:href|src)=['"]([^'"]+)['"]""", self.scripts))
        out = set()
        for raw in found:
            raw = raw.strip()
            if not raw or raw.startswith(("#", "javascript:", "mailto:")):
                continue
            out.add(urljoin(self.page.path, raw.replace("&amp;", "&")).split("#")[0])
        return out


@cache
def source(path: str) -> Source:
    return Source(labels().page(path))


# -- the pages and their labels ------------------------------------------------------------------


def test_every_html_page_is_labelled_once_and_every_label_has_its_page(corpus: Corpus):
    files = {p for p in SITES.rglob("*") if p.suffix in HTML_SUFFIXES}
    labelled = [page.file for page in corpus.pages]
    assert len(labelled) == len(set(labelled))
    assert set(labelled) - files == set(), "labels without a page"
    assert files - set(labelled) == set(), "pages without a label"


def test_the_corpus_is_at_least_80_pages_in_12_to_16_sites(corpus: Corpus):
    assert len(corpus.pages) >= 80
    assert 12 <= len(corpus.sites) <= 16
    for site in corpus.sites:
        kinds = [p.kind for p in corpus.pages if p.site == site.id]
        assert kinds.count("home") == 1, site.id
        assert kinds.count("column") >= 2 and kinds.count("article") >= 2, site.id
        assert corpus.page(site.home_page).kind == "home"
        assert site.home == f"/{site.id}/" and site.home_page.startswith(site.home)


def test_every_page_decodes_in_its_charset_and_parses(corpus: Corpus):
    for page in corpus.pages:
        text = page.file.read_bytes().decode(CODECS[page.charset])  # strict: raises if wrong
        meta = META_CHARSET.search(text[:2048])
        assert (meta.group(1) if meta else None) == page.charset_meta, page.path
        tree = LexborHTMLParser(text)
        assert tree.body is not None and tree.body.text(strip=True), page.path
        assert (tree.css_first("title") is not None) or page.kind == "other", page.path
        assert len(page.file.read_bytes()) < 12_000, page.path  # a few KB


def test_gbk_only_characters_stand_where_the_labels_say(corpus: Corpus):
    """gb2312 labels on GBK bytes, and a GB18030 four-byte character."""
    for page in corpus.with_shape("gb2312-with-gbk-chars") + corpus.with_shape("gbk-only-chars"):
        with pytest.raises(UnicodeDecodeError):
            page.file.read_bytes().decode("gb2312")
    assert corpus.with_shape("gb2312-with-gbk-chars") and corpus.with_shape("gb18030-four-byte")
    for page in corpus.with_shape("gb18030-four-byte"):
        with pytest.raises(UnicodeDecodeError):
            page.file.read_bytes().decode("gbk")


def test_a_label_that_breaks_the_schema_is_refused_with_its_page(tmp_path: Path):
    text = LABELS.read_text(encoding="utf-8")
    for right, wrong, said in (
            ("    kind: home\n", "    kind: homepage\n", "kind: 'homepage' is not one of"),
            ("    availability: up\n", "    availability: online\n", "'online' is not one of"),
            ("    status: 200\n", "    stauts: 200\n", "unknown key(s) ['stauts']"),
            ("cases: [beian-register", "cases: [beian-registry", "'beian-registry-not-login'")):
        broken = tmp_path / "labels.yaml"
        broken.write_text(text.replace(right, wrong, 1), encoding="utf-8")
        with pytest.raises(LabelError) as raised:
            load(broken)
        assert str(raised.value).startswith("page /county-a/: ") and said in str(raised.value)


# -- the server ----------------------------------------------------------------------------------


def test_every_page_is_served_with_its_labelled_status_and_charset(
        corpus: Corpus, server: CorpusServer, client: httpx.Client, passed: httpx.Client):
    for page in corpus.pages:
        answer = client.get(server.url(page.path))
        assert answer.status_code == page.status, page.path
        params = dict(p.strip().partition("=")[::2] for p in
                      answer.headers["content-type"].split(";")[1:])
        if page.challenge:
            assert answer.status_code == 412 and CHALLENGE_COOKIE in answer.cookies
            answer = passed.get(server.url(page.path))
            assert answer.status_code == 200, page.path
            params = dict(p.strip().partition("=")[::2] for p in
                          answer.headers["content-type"].split(";")[1:])
        assert params.get("charset") == page.charset_header, page.path
        sent = page.file.read_bytes().replace(CLOSED_PORT_TOKEN.encode(),
                                              str(server.closed_port).encode())
        assert answer.content == sent, page.path


def test_site_home_urls_land_on_their_home_pages(corpus: Corpus, server: CorpusServer,
                                                   client: httpx.Client):
    for site in corpus.sites:
        answer = client.get(server.url(site.home), follow_redirects=True)
        assert urlsplit(str(answer.url)).path == site.home_page, site.id
        home = corpus.page(site.home_page)
        expected = {"up": 200, "down": 503, "challenge-then-up": 412}[home.availability or ""]
        assert answer.status_code == expected == home.status, site.id


def test_the_server_starts_and_stops_cleanly():
    with corpus_server() as running:
        port = urlsplit(running.base).port
        assert httpx.get(running.url("/county-a/"), trust_env=False).status_code == 200
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def test_every_dead_link_answers_as_labelled(corpus: Corpus, server: CorpusServer,
                                             client: httpx.Client):
    dead = {url: status for page in corpus.pages for url, status in page.links.dead.items()}
    assert {404, 410, 500, 503, "soft-404"} <= set(dead.values())
    for url, status in dead.items():
        for method in ("GET", "HEAD"):
            answer = client.request(method, server.url(url), follow_redirects=True)
            if status == "soft-404":
                assert answer.status_code == 200, url
                assert method == "HEAD" or "页面不存在" in answer.text, url
            else:
                assert answer.status_code == status, (method, url)


def test_unjudgeable_links_fail_for_their_labelled_reason(corpus: Corpus, server: CorpusServer,
                                                          client: httpx.Client):
    reasons = {url: reason for page in corpus.pages
               for url, reason in page.links.unjudgeable.items()}
    assert {"dns", "refused", "private", "challenge", "external"} <= set(reasons.values())
    for url, reason in reasons.items():
        host = urlsplit(server.url(url)).hostname or ""
        if reason == "dns":
            assert host.endswith(".invalid"), url
            with pytest.raises(socket.gaierror):
                socket.getaddrinfo(host, 80)
        elif reason == "refused":
            assert CLOSED_PORT_TOKEN in url
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", server.closed_port), timeout=2).close()
        elif reason == "private":
            assert ipaddress.ip_address(host).is_private, url
        elif reason == "challenge":
            answer = client.get(server.url(url), follow_redirects=True)
            assert answer.status_code == 412 and "document" in answer.text, url
        else:
            assert url.startswith(("http://", "https://")) and not host.endswith(".invalid")
            with pytest.raises(ValueError):
                ipaddress.ip_address(host)


def test_every_other_link_on_every_page_works(corpus: Corpus, server: CorpusServer,
                                              client: httpx.Client, passed: httpx.Client):
    """A link the labels do not name as dead or unjudgeable answers 200 (after redirects)."""
    checked: dict[str, int] = {}
    for page in corpus.pages:
        labelled = set(page.links.dead) | set(page.links.unjudgeable)
        links = source(page.path).links()
        for url in labelled:  # every labelled link is on the page (or written by its scripts)
            assert url in links, f"{page.path}: labelled link {url} is not on the page"
        http = passed if page.challenge else client
        for url in sorted(links - labelled):
            assert url.startswith("/"), f"{page.path}: {url} is outside the corpus, unlabelled"
            if url not in checked:
                answer = http.get(server.url(url), follow_redirects=True)
                assert "页面不存在" not in answer.text, url
                checked[url] = answer.status_code
            assert checked[url] == 200, f"{page.path}: {url} answers {checked[url]}"
    assert len(checked) > 300


# -- what the labels say stands on the pages -----------------------------------------------------


def test_marks_stand_where_the_labels_say(corpus: Corpus):
    for page in corpus.pages:
        src = source(page.path)
        static, scripts = norm(src.static), norm(src.scripts)
        marks = page.marks
        for name in ("site_code", "icp", "police", "sponsor", "organizer"):
            value = getattr(marks, name)
            where = f"{page.path}: {name}"
            if value is None:
                continue
            if name in marks.as_image:
                assert norm(value) in norm(src.alts) and norm(value) not in static, where
            elif name in marks.by_script:
                assert norm(value) in scripts, where
                # a unit's name may stand elsewhere on the page; a number may not
                assert name in ("sponsor", "organizer") or norm(value) not in static, where
            else:
                assert norm(value) in static, where
            if name in marks.in_noscript:
                assert norm(value) in norm(src.noscript), where
        if marks.conac:
            found = ("conac.cn" in src.scripts or src.tree.css_first("script[src*='conac.cn']")
                     is not None) if "conac" in marks.by_script else any(
                "conac.cn" in (el.attributes.get("href") or "") for el in src.tree.css("a"))
            assert found, f"{page.path}: conac"
        if marks.sitemap:
            assert marks.sitemap in src.links(), f"{page.path}: sitemap"
        absent = {"site_code": ("标识码", "识别码"), "icp": ("ICP",),
                  "police": ("公网安备", "公安机关备案"), "sponsor": ("主办",),
                  "organizer": ("承办",), "sitemap": ("网站地图", "站点地图")}
        for name, words in absent.items():
            if getattr(marks, name) is None:
                for word in words:
                    assert word not in static + scripts + norm(src.alts), f"{page.path}: {word}"
        if not marks.conac:
            assert "conac" not in src.html + src.scripts, page.path
        assert set(MARKS) >= marks.by_script | marks.in_noscript | marks.as_image


def shown(date: dt.date, styles: tuple[str, ...], text: str) -> bool:
    return any(DATE_STYLES[s].format(d=date) in text for s in styles)


def frame_text(page: Page, corpus: Corpus) -> str:
    src = source(page.path)
    return "\n".join(source(src.absolute_path(f.attributes.get("src") or "")).static
                     for f in src.tree.css("iframe[src]"))


def test_dated_lists_show_their_newest_dates_where_the_labels_say(corpus: Corpus):
    for page in corpus.pages:
        src = source(page.path)
        texts = {"html": src.static, "script": src.data + src.html,
                 "iframe": frame_text(page, corpus)}
        for dated in page.lists:
            if dated.newest is not None:
                assert shown(dated.newest, dated.dates, texts[dated.source]), (page.path, dated)
                if dated.source != "html":
                    assert not shown(dated.newest, dated.dates, src.static), (page.path, dated)
        newest = [d for d in page.lists if d.newest == page.newest.date and d.newest]
        if page.kind == "article":
            assert not page.newest.rendered, page.path
            formats = ("iso", "slash", "dot", "cn")
            if page.newest.date:
                assert shown(page.newest.date, formats, src.static), page.path
            else:  # an undated article shows no date of this year
                assert not re.search(r"2026[-/.年]", src.static), page.path
        elif page.lists:
            assert page.newest.date == max((d.newest for d in page.lists if d.newest),
                                           default=None), page.path
            assert page.newest.rendered == (bool(newest) and all(
                d.source != "html" for d in newest)), page.path


def state(page: Page) -> dict[str, object]:
    items = sum(d.items for d in page.lists)
    return {"newest": page.newest.date, "empty": items == 0,
            "undated": items > 0 and not any(d.dated for d in page.lists),
            "rendered": page.newest.rendered}


def test_columns_lead_to_pages_in_their_labelled_state(corpus: Corpus, server: CorpusServer,
                                                       client: httpx.Client,
                                                       passed: httpx.Client):
    for home in corpus.homes():
        links = source(home.path).links()
        for nav in (*home.columns, *home.columns_either, *home.not_columns):
            assert nav.url.split("#")[0] in links, f"{home.path}: {nav.name} {nav.url}"
        for column in home.columns:
            http = passed if home.challenge else client
            answer = http.get(server.url(column.url), follow_redirects=True)
            assert answer.status_code == 200, column.url
            assert urlsplit(str(answer.url)).path == column.page, column.url
            page = corpus.page(column.page)
            assert page.kind == "column" and page.site == home.site
            assert {k: getattr(column, k) for k in ("newest", "empty", "undated", "rendered")} \
                == state(page), column.url
        names = [c.name for c in home.columns]
        assert not set(names) & {n.name for n in home.not_columns}, home.path


def test_column_states_cover_fresh_stale_empty_and_undated(corpus: Corpus):
    lines = {"news": 14, "notice": 180, "plan": 365}
    columns = [c for home in corpus.homes() for c in home.columns]
    ages = [(c, (TODAY - c.newest).days) for c in columns if c.newest and c.category in lines]
    assert any(age <= lines[c.category] for c, age in ages)
    assert any(age > lines[c.category] for c, age in ages)
    assert any(c.empty for c in columns) and any(c.undated for c in columns)


def test_home_pages_have_what_home_pages_are_labelled_with(corpus: Corpus):
    for home in corpus.homes():
        assert home.features is not None and home.availability is not None
        assert (home.availability == "challenge-then-up") == home.challenge == (home.status == 412)
        assert (home.availability == "down") == (home.status == 503)
    features = [home.features.as_dict() for home in corpus.homes() if home.features]
    for name in features[0]:
        assert {f[name] for f in features} == {True, False}, name


# -- the reported misfires -----------------------------------------------------------------------


def only(corpus: Corpus, tag: str, kind: str | None = None) -> tuple[Page, ...]:
    pages = corpus.with_case(tag)
    assert pages, f"no page for case {tag}"
    assert kind is None or all(p.kind == kind for p in pages), tag
    return pages


def dead_link_named(page: Page, words: str) -> bool:
    src = source(page.path)
    return any(words in (a.text() or "") and urljoin(page.path, a.attributes.get("href") or "")
               in page.links.dead for a in src.tree.css("a[href]"))


def test_every_reported_misfire_has_its_page(corpus: Corpus):
    assert {tag for page in corpus.pages for tag in page.cases} == set(CASES)


def test_each_case_page_shows_what_its_case_needs(corpus: Corpus):
    for page in only(corpus, "beian-register-not-login", "home"):
        links = source(page.path).links()
        assert any("beian.gov.cn/portal/registerSystemInfo" in url for url in links)
        assert page.features and not page.features.login
    for page in only(corpus, "dead-gov-info-link", "home"):
        assert dead_link_named(page, "政府信息公开年报") and page.features
        assert not page.features.gov_info
        assert [a for a in source(page.path).tree.css("a") if "政府信息公开" in a.text()] != []
    for page in only(corpus, "dead-accessibility-link", "home"):
        assert dead_link_named(page, "无障碍") and page.features and not page.features.accessibility
    for page in only(corpus, "dead-login-link", "home"):
        assert dead_link_named(page, "登录") and page.features and not page.features.login
    for page in only(corpus, "dns-not-dead"):
        assert "dns" in page.links.unjudgeable.values()
    for page in only(corpus, "challenge-link"):
        assert "challenge" in page.links.unjudgeable.values()
    for page in only(corpus, "mixed-short-dates"):
        assert any({"bracket-md", "cn-no-day"} <= set(d.dates) and d.newest == dt.date(2026, 11, 20)
                   for d in page.lists)
    for page in only(corpus, "home-14-days", "home"):
        assert page.age() == 14
    for page in only(corpus, "column-14-days", "column"):
        assert page.age() == 14
        homes = [c for h in corpus.homes() for c in h.columns if c.page == page.path]
        assert homes and all(c.category == "news" for c in homes)
    for page in only(corpus, "footer-contact-not-column", "home"):
        footer = source(page.path).tree.css_first(".footer, footer, #footer")
        assert footer is not None and "联系我们" in footer.text()
        assert "联系我们" in {n.name for n in page.not_columns}
    for tag, check in (("div-list", lambda d: d.shape == "div"),
                       ("p-list", lambda d: d.shape == "p"),
                       ("dd-list", lambda d: d.shape == "dl" and d.place == "dd"),
                       ("script-list", lambda d: d.source == "script"),
                       ("iframe-list", lambda d: d.source == "iframe")):
        for page in only(corpus, tag):
            assert any(check(d) and d.items > 0 for d in page.lists), (tag, page.path)
    for page in only(corpus, "date-in-title"):
        text = source(page.path).static
        assert "2026年12月1日" in text and page.newest.date
        assert page.newest.date < dt.date(2026, 12, 1)
    for page in only(corpus, "challenge-not-down", "home"):
        assert page.status == 412 and page.availability == "challenge-then-up"


# -- in a browser --------------------------------------------------------------------------------


def rendered_text(page) -> str:
    return "\n".join(frame.locator("body").inner_text() for frame in page.frames)


def test_chromium_gets_through_the_challenge_and_renders_what_the_labels_say(
        corpus: Corpus, server: CorpusServer, client: httpx.Client):
    """httpx gets the 412 challenge; Chromium runs its script and gets the page. Lists, footers
    and columns that scripts and frames show are there once rendered."""
    from playwright.sync_api import sync_playwright

    from govaudit.browser import BrowserNotFound, find_browser, launch_args

    try:
        browser_path = find_browser().path
    except BrowserNotFound as exc:
        pytest.skip(str(exc))
    challenged = corpus.page("/province-c/")
    stopped = client.get(server.url(challenged.path))
    assert stopped.status_code == 412 and "东澜省" not in stopped.text
    rendered = [p for p in corpus.pages if p.newest.rendered or (p.kind == "home" and (
        p.marks.by_script or "columns-by-script" in p.shapes))]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path, args=launch_args())
        try:
            tab = browser.new_page()
            tab.goto(server.url(challenged.path), wait_until="load", timeout=15_000)
            tab.wait_for_function("document.title === '东澜省人民政府'", timeout=10_000)
            assert tab.evaluate("document.cookie").count("jsc_") == 2
            assert dt.date(2026, 12, 4).isoformat() in rendered_text(tab)
            for page in rendered:
                tab.goto(server.url(page.path), wait_until="load", timeout=15_000)
                if any(d.source == "script" for d in page.lists):  # filled after load
                    tab.wait_for_selector("#ywList a, #app li a", timeout=5_000)
                text, html = rendered_text(tab), tab.content()
                for dated in page.lists:
                    if dated.newest:
                        assert shown(dated.newest, dated.dates, text), (page.path, dated.name)
                for name in page.marks.by_script - {"conac", "sitemap"}:
                    assert norm(getattr(page.marks, name)) in norm(text), (page.path, name)
                if "conac" in page.marks.by_script:
                    assert tab.locator("script[src*='conac.cn']").count() >= 1, page.path
                for column in page.columns:
                    assert tab.locator(f"a[href='{column.url}']").count() >= 1, column.url
                if any(d.source == "script" for d in page.lists):
                    items = sum(d.items for d in page.lists if d.source == "script")
                    links = tab.locator("#ywList a, #app li a").count()
                    assert links == items, page.path
                assert "页面不存在" not in html
        finally:
            browser.close()


def test_labelled_dates_are_on_or_before_today(corpus: Corpus):
    assert corpus.today == TODAY
    for page in corpus.pages:
        assert page.newest.date is None or page.newest.date <= TODAY, page.path
        assert all(d.newest is None or d.newest <= TODAY for d in page.lists), page.path


def test_json_data_of_script_lists_matches_the_labels(corpus: Corpus):
    for page in corpus.pages:
        for dated in page.lists:
            if dated.source != "script":
                continue
            src = source(page.path)
            raw = src.data or src.json
            data = json.loads(raw)
            rows = data["list"] if "list" in data else [
                item for block in data["blocks"] if block["name"] == dated.name
                for item in block["items"]]
            assert max(dt.date.fromisoformat(r["date"]) for r in rows) == dated.newest
            assert len(rows) >= dated.items, page.path
