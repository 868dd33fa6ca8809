"""Precision and recall of each conformance check over the labelled pages of
tests/conformance_corpus/ (labels.toml), in Chromium, served on 127.0.0.1.

A positive is a page that fails the rule; each check is scored on every page (a page labelled
for one failure must pass every other check). "Could not judge" counts as not failing.

The browser checks run one by one (`check_accessibility`, `check_floating`, ...) on a page of
their own each; with --together, as a capture runs them: `check_page` in a context prepared by
`prepare_context`; with --axe-colour, accessibility runs axe-core's own colour rules instead of
this package's one-pass ones. Besides accessibility as a whole, `link_colour` scores the rule
of links told apart by colour alone (WCAG 1.4.1) on its own.

    .venv/bin/python benchmarks/conformance_accuracy.py [--only NAME] [--together|--axe-colour]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import functools
import http.server
import sys
import threading
import time
import tomllib
from collections import defaultdict
from pathlib import Path

from playwright.async_api import async_playwright

from govaudit.browser import find_browser, launch_args
from govaudit.conformance.accessibility import check_accessibility
from govaudit.conformance.agefriendly import (
    check_floating,
    check_font_control,
    check_keyboard,
    check_line_spacing,
    check_zoom,
)
from govaudit.conformance.domain import check_domain
from govaudit.conformance.https import mixed_content_in_html
from govaudit.conformance.metadata import check_metadata, check_page_marks
from govaudit.conformance.page_checks import check_page, prepare_context
from govaudit.conformance.search import find_in_results
from govaudit.probes.html import Document
from govaudit.probes.marks import find_marks

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "conformance_corpus"
SITE_CODE = "5101000001"  # the code the corpus site is registered with
GOAL = 0.95
LINK_RULES = ("link-distinguishable", "link-in-text-block")  # one-pass, axe's


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


async def judge_page(browser, base: str, entry: dict, together: bool,
                     colour: str) -> dict[str, bool]:
    """check -> failed? for one page."""
    html = (CORPUS / "pages" / entry["file"]).read_text(encoding="utf-8")
    url = entry["url"]
    list_date = datetime.date.fromisoformat(entry["list_date"]) if entry["list_date"] else None
    doc = Document(html, url)
    marks = find_marks(doc)
    out = {
        "zoom": not check_zoom(html, url).passed,
        "metadata": not check_metadata(html, url, entry["type"],
                                       footer_site_code=entry["footer_site_code"] or None,
                                       list_date=list_date).passed,
        "marks": not check_page_marks(url, doc.footer_text, bool(marks["conac"]),
                                      SITE_CODE).passed,
        "mixed_content": not mixed_content_in_html(html, url).passed,
    }
    context = await browser.new_context()
    try:
        if together:
            await prepare_context(context)
        page = await context.new_page()
        await page.goto(f"{base}/pages/{entry['file']}", wait_until="load")
        if together:
            checks = await check_page(page, "二级")
            accessibility, line_spacing, floating, keyboard, font_control = (
                checks.accessibility, checks.line_spacing, checks.floating, checks.keyboard,
                checks.font_control)
            out["zoom_in_page"] = not checks.zoom.passed
        else:
            accessibility = await check_accessibility(page, "二级", contrast=colour)
            line_spacing = await check_line_spacing(page)
            floating = await check_floating(page)
            keyboard = await check_keyboard(page)
            font_control = await check_font_control(page)
        out["accessibility"] = not accessibility.passed
        out["link_colour"] = any(v.rule in LINK_RULES for v in accessibility.violations)
        out["line_spacing"] = line_spacing.passed is False
        out["floating"] = not floating.passed
        out["keyboard"] = keyboard.passed is False
        out["font_control"] = not font_control.passed
    finally:
        await context.close()
    return out


def score(rows: list[tuple[bool, bool]]) -> tuple[float, float, int, int]:
    tp = sum(1 for want, got in rows if want and got)
    fp = sum(1 for want, got in rows if not want and got)
    fn = sum(1 for want, got in rows if want and not got)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp + fn, len(rows) - tp - fn


async def main(only: str | None, together: bool, colour: str) -> int:
    labels = tomllib.loads((CORPUS / "labels.toml").read_text(encoding="utf-8"))
    handler = functools.partial(Quiet, directory=str(CORPUS))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    results: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    misses: list[str] = []
    started = time.perf_counter()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=find_browser().path,
                                           args=launch_args())
        for entry in labels["page"]:
            if only and only not in entry["file"]:
                continue
            got = await judge_page(browser, base, entry, together, colour)
            for check, failed in got.items():
                want = check.removesuffix("_in_page") in entry["fails"]
                results[check].append((want, failed))
                if want != failed:
                    misses.append(f"  {entry['file']}: {check} "
                                  f"{'missed' if want else 'false alarm'}")
        await browser.close()
    server.shutdown()
    for entry in labels["results"]:
        html = (CORPUS / "pages" / entry["file"]).read_text(encoding="utf-8")
        found = find_in_results(html, "http://www.test.gov.cn/search", entry["title"])[0]
        want = not entry["found"]  # positive: the search does not list the item
        results["search"].append((want, found is None))
        if want != (found is None):
            misses.append(f"  {entry['file']}: search {'missed' if want else 'false alarm'}")
    for entry in labels["domain"]:
        got = not check_domain(entry["url"], entry["level"], entry["portal"] or None).passed
        results["domain"].append((not entry["ok"], got))
        if got == entry["ok"]:
            misses.append(f"  {entry['url']}: domain")
    pages = len(labels["page"]) + len(labels["results"])
    print(f"conformance accuracy: {pages} labelled pages, {len(labels['domain'])} domains, "
          f"{time.perf_counter() - started:.0f} s"
          + (" (browser checks by check_page, together)" if together else "")
          + (" (axe-core's colour rules)" if colour == "axe" else ""))
    print(f"{'check':<15}{'precision':>10}{'recall':>8}{'failing':>9}{'passing':>9}")
    below = False
    for check in sorted(results):
        precision, recall, positives, negatives = score(results[check])
        below |= precision < GOAL or recall < GOAL
        print(f"{check:<15}{precision:>10.3f}{recall:>8.3f}{positives:>9}{negatives:>9}")
    if misses:
        print("misjudged:")
        print("\n".join(misses))
    return 1 if below else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="only the pages whose file name holds this")
    parser.add_argument("--together", action="store_true",
                        help="the browser checks by check_page in a prepared context")
    parser.add_argument("--axe-colour", action="store_true",
                        help="axe-core's colour rules instead of the one-pass ones")
    options = parser.parse_args()
    if options.together and options.axe_colour:
        parser.error("--together runs check_page, which has the one-pass colour rules")
    sys.exit(asyncio.run(main(options.only, options.together,
                              "axe" if options.axe_colour else "fast")))
