"""Precision and recall of each content check over the labelled corpus (tests/content_corpus).

Names, words and personal data run over the static pages (and the attachments they link);
hidden links run in a real Chromium over the pages served on 127.0.0.1; messages are read
with the built-in template families and judged on 2026-03-02.

    .venv/bin/python benchmarks/content_accuracy.py
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import re
import sys
import threading
from collections import Counter
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govaudit.content.attachments import Attachment  # noqa: E402
from govaudit.content.checker import ContentChecker  # noqa: E402
from govaudit.content.hidden_links import COLLECT_LINK_FACTS, hidden_links  # noqa: E402
from govaudit.content.html_blocks import page_text  # noqa: E402
from govaudit.content.messages import read_messages, reply_report  # noqa: E402
from govaudit.content.names import ConfusionHit, NearMiss, OutOfOrder, WrongTitle  # noqa: E402
from govaudit.content.personal import PersonalData  # noqa: E402
from govaudit.content.settings import ContentSettings  # noqa: E402
from govaudit.content.words import WordHit  # noqa: E402

CORPUS = ROOT / "tests" / "content_corpus"
EXAMPLES = ROOT / "docs" / "content-examples"
ON = date(2026, 3, 2)
CHECKS = ("names", "words", "personal", "hidden", "messages")


def _key(finding: object) -> tuple[str, str] | None:
    if isinstance(finding, NearMiss):
        return "names", finding.found
    if isinstance(finding, WrongTitle):
        return "names", finding.name
    if isinstance(finding, OutOfOrder):
        return "names", finding.found[0]
    if isinstance(finding, ConfusionHit):
        return "names", finding.wrong
    if isinstance(finding, WordHit):
        return "words", finding.word
    if isinstance(finding, PersonalData):
        return "personal", finding.kind
    return None


def _hidden(names: list[str]) -> dict[str, list[str]]:
    from playwright.async_api import async_playwright

    from govaudit.browser import launch_browser

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(CORPUS / "pages")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"

    async def run() -> dict[str, list[str]]:
        out = {}
        async with async_playwright() as pw:
            browser = await launch_browser(pw)
            page = await browser.new_page()
            for name in names:
                await page.goto(base + name)
                records = await page.evaluate(COLLECT_LINK_FACTS)
                out[name] = [h.url for h in hidden_links(records, base + name)]
            await browser.close()
        return out

    try:
        return asyncio.run(run())
    finally:
        server.shutdown()


def main() -> None:
    labels = yaml.safe_load((CORPUS / "labels.yaml").read_text(encoding="utf-8"))
    settings = ContentSettings(names=(EXAMPLES / "names.yaml",),
                               words=(EXAMPLES / "words.yaml",),
                               confusions=(EXAMPLES / "confusions.txt",))
    checker = ContentChecker(settings, ON)
    found: dict[str, Counter[tuple[str, str]]] = {}
    for name in labels:
        html = (CORPUS / "pages" / name).read_text(encoding="utf-8")
        url = f"http://127.0.0.1/{name}"
        results = checker.check_page(page_text(html, url))
        for href in re.findall(r'href="(\.\./files/[^"]+)"', html):
            path = (CORPUS / "pages" / href).resolve()
            results += checker.check_attachment(Attachment(path.name, path.read_bytes(), url))
        keys: Counter[tuple[str, str]] = Counter(k for f in results if (k := _key(f)))
        report = reply_report(read_messages(html, url), ON)
        keys.update(("messages", u.title) for u in report.over_line)
        found[name] = keys
    hidden_pages = [n for n in labels if "hidden" in labels[n]]
    for name, urls in _hidden(hidden_pages).items():
        found[name].update(("hidden", u) for u in urls)
    print(f"content checks over {len(labels)} labelled pages (tests/content_corpus)")
    print(f"{'check':<10} {'pages':>5} {'expected':>8} {'found':>6} {'precision':>9} "
          f"{'recall':>7}")
    for check in CHECKS:
        tp = fp = fn = pages = 0
        for name, expect in labels.items():
            if check not in expect:
                continue
            pages += 1
            want = Counter((check, k) for k in expect[check])
            got = Counter({k: v for k, v in found[name].items() if k[0] == check})
            tp += sum((want & got).values())
            fp += sum((got - want).values())
            fn += sum((want - got).values())
            for k in (got - want):
                print(f"  false positive {name}: {k[1]}")
            for k in (want - got):
                print(f"  missed {name}: {k[1]}")
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print(f"{check:<10} {pages:>5} {tp + fn:>8} {tp + fp:>6} {precision:>9.3f} "
              f"{recall:>7.3f}")


if __name__ == "__main__":
    main()
