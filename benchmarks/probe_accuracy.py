"""Accuracy of the page model on the labelled corpus (tests/corpus): precision and recall.

Serves the corpus on 127.0.0.1 (tests/corpus/server.py), fetches every labelled page as the
probes fetch (probes.fetch.Fetcher) and, unless --no-browser, renders it in Chromium and runs
CAPTURE_SCRIPT, so that each page is a govaudit.page.Page with its rendered DOM and frames.
Then, against labels.yaml:

- marks: per (page, mark), a mark present with the labelled value; the static page's marks,
  then those only the rendered page shows (as check merges them);
- dates: per page, its newest publication date (Page.newest); per list, the newest date of
  each dated list (the multiset of the page's lists' newest dates);
- columns: per home page, the links find_columns reads as columns (those labelled "either"
  are not scored); column states: per labelled column, column_state of the page it lands on
  (its newest date; and whether it is empty);
- features: per (home page, feature), features_present over find_features, the verdicts of
  the matched links taken from the corpus server;
- dead links: per (site, URL), link_verdict over every link of the site's pages (a, img,
  script, link, iframe, as the link checker reads them), each requested from the corpus server
  as the probes request it (with the default address policy: the site's own origin may be
  private, no other); dead = broken or soft 404. Links that could not be judged must be
  neither dead nor counted;
- availability: per home page, answer_outcome: opened, down, or challenge (a browser decides).

Then what `check` stores and what the monitor stores and answers, run for real over the same
corpus (tests/corpus_run.py: `govaudit.Audit.check` with "today" the corpus's 2026-12-05, and a
`Monitor` whose clock stands at noon that day), scored the same way fact by fact: check's
marks, features, home page newest date, columns and column states, dead links of the home page
and availability; the monitor's home page newest date, columns and column states, dead links
(of the home and column pages it read) and availability.

Prints one line per fact: TP, FP, FN, precision, recall; with --misses, what was missed.

Run: .venv/bin/python benchmarks/probe_accuracy.py [--corpus tests/corpus] [--no-browser]
     [--misses]  (--no-browser: the model on the pages as fetched only, no check or monitor run)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govaudit.netpolicy import AddressPolicy
from govaudit.page import CAPTURE_SCRIPT, Capture, Page
from govaudit.page.challenges import Outcome, answer_outcome
from govaudit.page.columns import column_state, find_columns
from govaudit.page.dom import Dom, link_target
from govaudit.page.features import features_present, find_features
from govaudit.page.links import find_targets
from govaudit.page.verdicts import LinkVerdict, link_verdict
from govaudit.probes.fetch import Fetcher, FetchLimits
from govaudit.probes.marks import find_marks

REPO = Path(__file__).resolve().parent.parent
MARKS = ("site_code", "icp", "police", "conac", "sponsor", "organizer", "sitemap")
RENDER_TIMEOUT = 20.0  # seconds to load one page in Chromium
AVAILABILITY = {"up": Outcome.OPENED, "down": Outcome.DOWN,
                "challenge-then-up": Outcome.CHALLENGE}


@dataclass
class Score:
    """True and false positives and false negatives of one fact, with what went wrong."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, expected: Any, found: Any, what: str) -> None:
        """One unit: `expected`/`found` are values, None or False when absent."""
        present, predicted = expected not in (None, False), found not in (None, False)
        if present and predicted and expected == found:
            self.tp += 1
            return
        if predicted:
            self.fp += 1
        if present:
            self.fn += 1
        if present or predicted:
            self.misses.append(f"{what}: labelled {expected!r}, found {found!r}")

    def line(self, name: str) -> str:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return (f"{name:<30} TP {self.tp:5}  FP {self.fp:4}  FN {self.fn:4}  "
                f"precision {precision:.3f}  recall {recall:.3f}")


def multiset(score: Score, expected: Iterable[Any], found: Iterable[Any], what: str) -> None:
    """Matching values one to one (the newest dates of a page's lists)."""
    want, got = Counter(v for v in expected if v is not None), Counter(
        v for v in found if v is not None)
    both = want & got
    score.tp += sum(both.values())
    score.fp += sum((got - both).values())
    score.fn += sum((want - both).values())
    if want != got:
        score.misses.append(f"{what}: labelled {sorted(want.elements())}, "
                            f"found {sorted(got.elements())}")


async def render(browser: Any, url: str) -> Capture | None:
    """The page as Chromium shows it (through the challenge, which reloads), captured."""
    from playwright.async_api import Error as PlaywrightError

    context = await browser.new_context()
    try:
        page = await context.new_page()
        try:
            await page.goto(url, wait_until="load", timeout=RENDER_TIMEOUT * 1000)
        except PlaywrightError:
            return None
        for _ in range(4):  # a challenge reloads the page once its cookie is set
            with contextlib.suppress(PlaywrightError):
                await page.wait_for_load_state("networkidle", timeout=3000)
            try:
                return Capture.from_script(await page.evaluate(CAPTURE_SCRIPT))
            except PlaywrightError:
                await asyncio.sleep(0.3)
        return None
    finally:
        await context.close()


class Run:
    def __init__(self, corpus: Any, server: Any, browser: Any | None) -> None:
        self.corpus, self.server, self.browser = corpus, server, browser
        self.fetcher = Fetcher(FetchLimits(deadline=10.0, connect_timeout=5.0))
        self.pages: dict[str, Page] = {}
        self.answers: dict[str, Any] = {}
        self.verdicts: dict[tuple[str, str], LinkVerdict] = {}
        self.slots = asyncio.Semaphore(2)  # pages rendered at once

    def url(self, target: str) -> str:
        absolute = self.server.url(target)
        return link_target(absolute, absolute, "utf-8")[0] or absolute

    async def page(self, path: str) -> Page:
        if path not in self.pages:
            url = self.server.url(path)
            answer = await self.fetcher.page(url)
            capture = None
            if self.browser is not None:
                async with self.slots:
                    capture = await render(self.browser, url)
            self.answers[path] = answer
            self.pages[path] = Page(answer.html or "", answer.final_url or url,
                                    capture=capture, today=self.corpus.today,
                                    encoding=answer.encoding or "utf-8")
        return self.pages[path]

    async def verdict(self, site: str, url: str) -> LinkVerdict:
        key = (site, url)
        if key not in self.verdicts:
            policy = AddressPolicy([self.server.url(self.corpus.site(site).home)])
            answer = await self.fetcher.page(url, policy=policy)
            self.verdicts[key] = link_verdict(answer.status, answer.error, answer.html)
        return self.verdicts[key]


def marks_of(*docs: Dom | None) -> dict[str, Any]:
    """The marks a reader sees: the static page's, then those only the rendered page shows.
    A site code found only in `<meta name=SiteIDCode>` is not shown on the page."""
    found: dict[str, Any] = {}
    for marks in (find_marks(doc) if doc is not None else None for doc in docs):
        for key in MARKS if marks else ():
            assert marks is not None
            shown = marks["details"].get(key, {}).get("found_as") != "meta"
            if not found.get(key) and marks.get(key) and shown:
                found[key] = marks[key]
    return found


async def measure(run: Run) -> dict[str, Score]:
    corpus = run.corpus
    scores = {name: Score() for name in (
        "marks", "dates: page newest", "dates: list newest", "columns", "column states",
        "columns: empty", "features", "dead links", "availability")}
    await asyncio.gather(*(run.page(p.path) for p in corpus.pages))
    dead_found: dict[str, dict[str, LinkVerdict]] = {}
    for labelled in corpus.pages:
        page = run.pages[labelled.path]
        where = labelled.path
        found_marks = marks_of(page.static, page.rendered)
        for key in MARKS:
            expected = getattr(labelled.marks, key)
            value = found_marks.get(key)
            if key == "sitemap" and expected:
                expected = run.url(expected)
                value = link_target(value, value, "utf-8")[0] if value else None
            scores["marks"].add(expected, value, f"{where} {key}")
        scores["dates: page newest"].add(labelled.newest.date, page.newest, where)
        multiset(scores["dates: list newest"], (x.newest for x in labelled.lists),
                 (x.newest for x in page.lists), where)
        urls = set(find_targets(page.static, page.rendered, *page.frames).checkable)
        site_dead = dead_found.setdefault(labelled.site, {})
        verdicts = await asyncio.gather(*(run.verdict(labelled.site, u) for u in urls))
        for link, verdict in zip(urls, verdicts, strict=True):
            if verdict.dead:
                site_dead[link] = verdict
        if labelled.kind != "home":
            continue
        site = corpus.site(labelled.site)
        columns = {c.url for c in find_columns(page, run.server.url(site.home))}
        either = {run.url(c.url) for c in labelled.columns_either}
        for column in labelled.columns:
            url = run.url(column.url)
            scores["columns"].add(url, url if url in columns else None, f"{where} {column.name}")
            state = column_state(await run.page(column.page))
            scores["column states"].add(column.newest, state.newest,
                                        f"{column.page} newest")
            scores["columns: empty"].add(column.empty, state.empty, f"{column.page} empty")
        labelled_urls = {run.url(c.url) for c in labelled.columns}
        for extra in columns - labelled_urls - either:
            scores["columns"].add(None, extra, f"{where} not a column")
        matches = find_features(page)
        checked = {m.url: await run.verdict(labelled.site, m.url) for ms in matches.values()
                   for m in ms if m.url}
        present = features_present(matches, checked)
        assert labelled.features is not None
        for name, expected in labelled.features.as_dict().items():
            scores["features"].add(expected, present[name], f"{where} {name}")
        answer = run.answers[labelled.path]
        outcome = answer_outcome(answer.status, answer.error, answer.html).outcome
        expected_outcome = AVAILABILITY[labelled.availability or "up"]
        scores["availability"].add(expected_outcome, outcome, where)
    for site in corpus.sites:
        labelled_dead: set[str] = set()
        for labelled in corpus.pages:
            if labelled.site == site.id:
                labelled_dead.update(run.url(u) for u in labelled.links.dead)
        found_dead = set(dead_found.get(site.id, {}))
        for link in sorted(labelled_dead | found_dead):
            scores["dead links"].add(link if link in labelled_dead else None,
                                     link if link in found_dead else None, f"{site.id} {link}")
    return scores


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


def _sets(score: Score, expected: set[str], found: set[str], where: str) -> None:
    for item in sorted(expected | found):
        score.add(item if item in expected else None, item if item in found else None,
                  f"{where} {item}")


def measure_runs(done: Any) -> dict[str, Score]:
    """What `check` stored and what the monitor stored and answered, against the labels."""
    corpus = done.corpus
    scores = {f"{who}: {fact}": Score() for who, facts in (
        ("check", ("marks", "home newest", "columns", "column states", "columns: empty",
                   "features", "dead links", "availability")),
        ("monitor", ("home newest", "columns", "column states", "columns: empty",
                     "dead links", "availability"))) for fact in facts}
    for site in corpus.sites:
        home = corpus.page(site.home_page)
        probes = done.check[site.name]
        visit = done.visits[site.name]
        where = site.home_page
        up = "down" if home.availability == "down" else "up"
        scores["check: availability"].add(
            up, "down" if probes["availability"]["failures"] else "up", where)
        scores["monitor: availability"].add(up, "up" if visit["ok"] else "down", where)
        scores["monitor: home newest"].add(home.newest.date, _date(visit["newest_date"]), where)
        marks = probes["marks"]
        features = probes["features"]
        if marks.get("failed"):
            continue
        for key in MARKS:
            expected = getattr(home.marks, key)
            shown = (marks.get("details") or {}).get(key, {}).get("found_as") != "meta"
            value = marks.get(key) if shown else None
            if key == "sitemap" and expected:
                expected = done.url(expected)
                value = link_target(value, value, "utf-8")[0] if value else None
            scores["check: marks"].add(expected, value, f"{where} {key}")
        assert home.features is not None
        for name, expected in home.features.as_dict().items():
            scores["check: features"].add(expected, features[name]["found"], f"{where} {name}")
        pages = probes["freshness"]["pages"]
        scores["check: home newest"].add(home.newest.date, _date(pages[0]["latest"]), where)
        labelled = {done.url(c.url): c for c in home.columns}
        either = {done.url(c.url) for c in home.columns_either} - set(labelled)
        for who, found in (("check", {p["url"]: (p.get("latest"), p.get("empty", False))
                                      for p in pages[1:]}),
                           ("monitor", {u: (c["newest_date"], bool(c["empty"]))
                                        for u, c in done.columns.get(site.name, {}).items()})):
            _sets(scores[f"{who}: columns"], set(labelled), set(found) - either, where)
            for url, column in labelled.items():
                newest, empty = found.get(url, (None, False))
                scores[f"{who}: column states"].add(column.newest, _date(newest),
                                                    f"{column.page} newest")
                scores[f"{who}: columns: empty"].add(column.empty, empty, f"{column.page} empty")
        dead = {row["url"] for row in probes["links"]["broken"]}
        _sets(scores["check: dead links"], {done.url(u) for u in home.links.dead}, dead, where)
        read = {site.home_page, *(c.page for c in home.columns if done.url(c.url) in
                                  done.columns.get(site.name, {}))}
        expected = {done.url(u) for p in corpus.pages if p.path in read for u in p.links.dead}
        found = {d["url"] for d in done.findings[site.name]["dead_links"]["samples"]}
        _sets(scores["monitor: dead links"], expected, found, site.id)
    return scores


async def main_async(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(args.corpus.resolve().parent))
    from corpus.expect import load
    from corpus.server import corpus_server

    corpus = load(args.corpus / "labels.yaml")
    with corpus_server() as server:
        browser = None
        pw = None
        if not args.no_browser:
            from playwright.async_api import async_playwright

            from govaudit.browser import launch_browser

            pw = await async_playwright().start()
            browser = await launch_browser(pw)
        try:
            run = Run(corpus, server, browser)
            async with run.fetcher:
                scores = await measure(run)
        finally:
            if browser is not None:
                await browser.close()
            if pw is not None:
                await pw.stop()
    rendered = "static and rendered" if browser is not None else "static only"
    print(f"corpus: {len(corpus.pages)} pages, {len(corpus.sites)} sites ({rendered})")
    _print(scores, args.misses)
    if args.no_browser:
        return
    import tempfile

    from corpus_run import run_corpus

    with tempfile.TemporaryDirectory() as folder, run_corpus(Path(folder)) as done:
        runs = measure_runs(done)
    print("what check stores and the monitor stores and answers (run over the corpus):")
    _print(runs, args.misses)


def _print(scores: dict[str, Score], misses: bool) -> None:
    for name, score in scores.items():
        print(score.line(name))
        if misses:
            for miss in score.misses:
                print(f"    {miss}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "tests" / "corpus",
                        help="the corpus folder (labels.yaml, server.py, sites/)")
    parser.add_argument("--no-browser", action="store_true",
                        help="read the pages as fetched only (no rendered DOM, no frames)")
    parser.add_argument("--misses", action="store_true", help="list what each fact missed")
    args = parser.parse_args()
    if not (args.corpus / "labels.yaml").is_file():
        raise SystemExit(f"{args.corpus}: no labelled corpus there (labels.yaml); "
                         "pass --corpus PATH")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
