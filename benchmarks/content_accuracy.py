"""Precision and recall of each content check over the labelled corpus (tests/content_corpus).

Names, words and personal data run over the static pages (and the attachments they link);
hidden links run in a real Chromium over the pages served on 127.0.0.1; messages are read
with the built-in template families and judged on 2026-03-02.

Last, the false alarms of the name check where nothing is wrong: 1,000 made-up names (a
surname and two characters of real words) over a million characters of real words
(pypinyin's phrase dictionary, in random order); every near miss found there is one.

    .venv/bin/python benchmarks/content_accuracy.py
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import random
import sys
import threading
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govaudit.content.chars import LOOK_ALIKE, one_component_more  # noqa: E402
from govaudit.content.checker import ContentChecker  # noqa: E402
from govaudit.content.hidden_links import COLLECT_LINK_FACTS, hidden_links  # noqa: E402
from govaudit.content.messages import read_messages, reply_report  # noqa: E402
from govaudit.content.model import ListEntry, ListRef, PageText, TextBlock  # noqa: E402
from govaudit.content.names import (  # noqa: E402
    NameCheck,
    NameList,
    NearMiss,
    Person,
)
from govaudit.content.settings import ContentSettings  # noqa: E402
from tests.content_helpers import CORPUS, EXAMPLES, ON, corpus_findings, label  # noqa: E402

CHECKS = ("names", "words", "personal", "hidden", "messages")


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


def false_alarms(names: int = 1000, blocks: int = 3000) -> str:
    from pypinyin.phrases_dict import phrases_dict

    rng = random.Random(5)
    words = sorted(phrases_dict)
    chars = [c for w in words for c in w]
    ref = ListRef("made-up", "names", "made-up", ON, ON)
    people = sorted({rng.choice("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张")
                     + "".join(rng.choices(chars, k=2)) for _ in range(names)})
    check = NameCheck([NameList(ref, tuple(Person(p, ("副市长",), n, ListEntry(ref, p, n))
                                           for n, p in enumerate(people, 1)), (), (), ())])
    text = tuple(TextBlock("".join(rng.choices(words, k=120))) for _ in range(blocks))
    near = [f for f in check.check(PageText("http://127.0.0.1/words", text))
            if isinstance(f, NearMiss)]
    parts = sum(1 for f in near if any(
        h == LOOK_ALIKE and (one_component_more(a, e) or one_component_more(e, a))
        for a, e, h in f.changes))
    size = sum(len(b.text) for b in text)
    return (f"names where nothing is wrong: {len(people):,} made-up people over "
            f"{size:,} characters of dictionary words: {len(near)} near misses, all false "
            f"alarms ({parts} with a character a component more or less)")


def main() -> None:
    labels = yaml.safe_load((CORPUS / "labels.yaml").read_text(encoding="utf-8"))
    settings = ContentSettings(names=(EXAMPLES / "names.yaml",),
                               words=(EXAMPLES / "words.yaml",),
                               confusions=(EXAMPLES / "confusions.txt",))
    checker = ContentChecker(settings, ON)
    found: dict[str, Counter[tuple[str, str]]] = {}
    for name in labels:
        html, results = corpus_findings(checker, name)
        keys: Counter[tuple[str, str]] = Counter(k for f in results if (k := label(f)))
        report = reply_report(read_messages(html, f"http://127.0.0.1/{name}"), ON)
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
    print(false_alarms())


if __name__ == "__main__":
    main()
