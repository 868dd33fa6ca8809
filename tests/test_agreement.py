"""`check` and `monitor` read the same pages with the same rules, so they give the same answers.

Both run once, in process, over the labelled corpus served on 127.0.0.1 (tests/corpus), with
"today" the corpus's 2026-12-05: `govaudit.Audit.check` with CheckOptions.today, and a
`Monitor` whose clock stands at noon that day in China (the `corpus_run` fixture,
tests/corpus_run.py). For every site the shared facts must be the same in both, and as
labelled:

- the home page's newest date (a list drawn by a script, or inside a frame, read in Chromium
  by both);
- its columns, and each column page's state (newest date, items, empty);
- which links of the home page are dead, and which could not be judged;
- availability: the site that answers 503 is down in both; the site behind an anti-bot
  challenge is up in both, decided in Chromium.
"""

from __future__ import annotations

from typing import Any

from corpus_run import CorpusRun as Answers

DEAD = ("broken", "soft-404")


def _sites(answers: Answers) -> list[tuple[Any, Any]]:
    return [(site, answers.corpus.page(site.home_page)) for site in answers.corpus.sites]


def test_the_home_pages_newest_date(corpus_run: Answers):
    answers = corpus_run
    for site, home in _sites(answers):
        freshness = answers.check[site.name]["freshness"]
        visit = answers.visits[site.name]
        if home.availability == "down":
            assert freshness["failed"] and visit["newest_date"] is None, site.id
            continue
        checked = freshness["pages"][0]["latest"]
        assert checked == visit["newest_date"], site.id
        # as labelled, lists drawn by scripts or inside frames too (read in a browser)
        labelled = home.newest.date
        assert checked == (labelled.isoformat() if labelled else None), site.id


def test_columns_and_their_states(corpus_run: Answers):
    answers = corpus_run
    compared = 0
    for site, home in _sites(answers):
        if home.availability == "down":
            continue
        checked = {p["url"]: p for p in answers.check[site.name]["freshness"]["pages"][1:]}
        sampled = answers.columns.get(site.name, {})
        assert set(checked) == set(sampled), site.id
        for url, page in checked.items():
            sample = sampled[url]
            assert (page["latest"], page["items"], page["dates"], page.get("empty", False)) \
                == (sample["newest_date"], sample["items"], sample["dated"],
                    bool(sample["empty"])), (site.id, url)
            compared += 1
        # as labelled: the columns a reader finds, each in its labelled state (a list drawn by
        # a script, or inside a frame, read in a browser)
        labelled = {answers.url(c.url): c for c in home.columns}
        either = {answers.url(c.url) for c in home.columns_either} - set(labelled)
        found = set(checked) - either
        assert found == set(labelled), site.id
        for url, column in labelled.items():
            newest = column.newest.isoformat() if column.newest else None
            assert (checked[url]["latest"], checked[url].get("empty", False)) == (
                newest, column.empty), (site.id, url)
        for link in home.not_columns:  # a link to a column's address under another name aside
            url = answers.url(link.url)
            assert url in either or url in labelled or url not in checked, (site.id, link.name)
    assert compared >= 50


def test_dead_links_and_links_not_judged(corpus_run: Answers):
    answers = corpus_run
    for site, home in _sites(answers):
        if home.availability == "down":
            continue
        links = answers.check[site.name]["links"]
        dead = {row["url"] for row in links["broken"]}
        unjudged = {row["url"]: row["verdict"] for row in links["unchecked"]}
        on_home = [row for row in answers.links.get(site.name, [])
                   if row["page"] == answers.server.url(site.home)]
        private = [u for u, v in unjudged.items() if v == "private"]
        assert links["checked"] == len(on_home) + len(private), site.id  # the same links
        assert {row["url"] for row in on_home if row["verdict"] in DEAD} == dead, site.id
        # a private address is not requested by the monitor (nothing to store); the rest alike
        assert {row["url"]: row["verdict"] for row in on_home
                if row["verdict"] not in (*DEAD, "works")} == {
            url: verdict for url, verdict in unjudged.items() if verdict != "private"}, site.id
        # as labelled: dead is what answers 4xx/5xx or a soft 404; what could not be judged
        # (no DNS answer, a refused connection, a private address, a challenge) never is
        assert dead == {answers.url(u) for u in home.links.dead}, site.id
        for url in home.links.unjudgeable:
            assert answers.url(url) not in dead, (site.id, url)


def test_availability(corpus_run: Answers):
    answers = corpus_run
    for site, home in _sites(answers):
        availability = answers.check[site.name]["availability"]
        visit = answers.visits[site.name]
        down = availability["failures"] > 0
        assert down == (not visit["ok"]), site.id
        assert down == (home.availability == "down"), site.id
        challenged = home.availability == "challenge-then-up"
        assert (availability["challenged"] > 0) == challenged, site.id
        assert (visit["outcome"] == "challenge-passed") == challenged, site.id
