"""Where the time of `check_page` goes, on the pages of benchmarks/conformance_cost.py.

Each page is opened in a context prepared for the checks and given its full-page screenshot,
as a capture does, then checked by `check_page` with each of its steps timed (the calls into
the page it makes, the wait for the second look at the floating windows, the Tab presses, the
font-size control). Then, on the same page, each part of the facts pass and the in-page
replacements of axe rules are timed alone, and axe-core is run once more with its
`performanceTimer`, which measures every rule (`rule_<id>` in the page's performance entries).

    .venv/bin/python benchmarks/conformance_profile.py [--rounds 3] [--tiny 4] [--top 15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from conformance_cost import VIEWPORT, build_portals, copy_tiny, describe, screenshot
from evidence_bench import serve
from playwright.async_api import async_playwright

from govaudit.browser import find_browser, launch_args
from govaudit.conformance import accessibility, agefriendly, page_checks
from govaudit.conformance.scripts import script

# axe.run with every rule timed: its per-rule measures, and the run as a whole.
AXE_TIMED = """async (options) => {
  const axe = window.__govauditAxe;
  performance.clearMarks(); performance.clearMeasures();
  const started = performance.now();
  await axe.run(document, { ...options, performanceTimer: true });
  const total = performance.now() - started;
  const rules = {};
  for (const m of performance.getEntriesByType("measure")) {
    if (/^rule_[^#]+$/.test(m.name)) rules[m.name.slice(5)] = m.duration;
  }
  return { total, rules };
}"""

# Parts of the facts pass and the in-page rule replacements, each alone: name -> (script, arg)
PARTS: dict[str, tuple[str, Any]] = {
    "facts: floating look": (script(*agefriendly.FACT_SCRIPTS), {"floating": True}),
    "facts: viewport (zoom)": (script(*agefriendly.FACT_SCRIPTS), {"viewport": True}),
    "facts: main text (line spacing)": (script(*agefriendly.FACT_SCRIPTS), {
        "text": True, "minChars": agefriendly.MAIN_TEXT_MIN_CHARS,
        "limit": agefriendly.MAX_BLOCKS}),
    "facts: navigation": (script(*agefriendly.FACT_SCRIPTS), {"nav": None}),
    "facts: font controls": (script(*agefriendly.FACT_SCRIPTS), {"controls": True}),
    "one-pass text contrast": (script("contrast", "colours"), {"limit": accessibility.MAX_NODES}),
    "one-pass links in text": (script("links", "colours"), {"limit": accessibility.MAX_NODES}),
}


def timed(name: str, function: Callable[..., Awaitable[Any]],
          spent: dict[str, float]) -> Callable[..., Awaitable[Any]]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await function(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
    return wrapper


async def profile_page(page: Any, url: str, cdp: Any) -> tuple[dict[str, float], dict]:
    """The steps of one capture + check_page, and the axe rules' times (ms)."""
    steps: dict[str, float] = {}
    started = time.perf_counter()
    await page.goto(url, wait_until="load")
    steps["capture: open"] = time.perf_counter() - started
    started = time.perf_counter()
    await screenshot(page, cdp)
    steps["capture: screenshot"] = time.perf_counter() - started
    original = {name: getattr(page_checks, name) for name in
                ("read_facts", "facts_and_accessibility", "tab_to_navigation",
                 "try_font_control")}
    sleep = asyncio.sleep

    async def wait(delay: float, *rest: Any) -> Any:
        return await timed("check: wait for the second look", sleep, steps)(delay, *rest)

    page_checks.read_facts = timed(  # type: ignore[assignment]
        "check: second look + Tab start", original["read_facts"], steps)
    page_checks.facts_and_accessibility = timed(  # type: ignore[assignment]
        "check: facts pass + axe + one-pass rules", original["facts_and_accessibility"], steps)
    page_checks.tab_to_navigation = timed(  # type: ignore[assignment]
        "check: Tab presses", original["tab_to_navigation"], steps)
    page_checks.try_font_control = timed(  # type: ignore[assignment]
        "check: font-size control", original["try_font_control"], steps)
    page_checks.asyncio.sleep = wait  # type: ignore[attr-defined]
    try:
        started = time.perf_counter()
        await page_checks.check_page(page)
        steps["check: total"] = time.perf_counter() - started
    finally:
        page_checks.asyncio.sleep = sleep  # type: ignore[attr-defined]
        for name, function in original.items():
            setattr(page_checks, name, function)
    for name, (source, arg) in PARTS.items():
        started = time.perf_counter()
        await page.evaluate(source, arg)
        steps[name] = time.perf_counter() - started
    options = accessibility.axe_options(("一级", "二级"))
    axe = await page.evaluate(AXE_TIMED, options)
    steps["axe.run alone (in page)"] = axe["total"] / 1000
    return steps, axe["rules"]


async def main(rounds: int, tiny: int, top: int) -> int:
    folder = Path(tempfile.mkdtemp(prefix="conformance-profile-"))
    try:
        mixes = {"portal": build_portals(folder), "tiny": copy_tiny(folder, tiny)}
        sizes = {path: describe((folder / path).read_text(encoding="utf-8"))
                 for sites in mixes.values() for _, paths in sites for path in paths}
        server, base = serve(folder)
        steps: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        rules: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=find_browser().path,
                                               args=launch_args())
            for r in range(rounds + 1):  # the first round warms up, not counted
                for sites in mixes.values():
                    for _, paths in sites:
                        context = await browser.new_context(viewport=VIEWPORT)
                        await page_checks.prepare_context(context)
                        page = await context.new_page()
                        cdp = await context.new_cdp_session(page)
                        for path in paths:
                            took, by_rule = await profile_page(page, f"{base}/{path}", cdp)
                            if r:
                                for name, value in took.items():
                                    steps[path][name].append(value)
                                for name, value in by_rule.items():
                                    rules[path][name].append(value / 1000)
                        await context.close()
            await browser.close()
        server.shutdown()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"conformance profile: {rounds} rounds, medians in ms; load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for mix, sites in mixes.items():
        paths = [p for _, ps in sites for p in ps]
        print(f"\n{mix} pages: " + ", ".join(f"{p} ({sizes[p].split()[0]} KB)" for p in paths))
        names = list(dict.fromkeys(n for p in paths for n in steps[p]))
        print(f"{'step':<36}" + "".join(f"{p.split('/')[-1][:12]:>13}" for p in paths))
        for name in names:
            print(f"{name:<36}" + "".join(
                f"{statistics.median(steps[p][name]) * 1000:>13.0f}" for p in paths))
        totals = {rule: sum(statistics.median(rules[p][rule]) for p in paths if rules[p][rule])
                  for p in paths for rule in rules[p]}
        print(f"\naxe rules, the {top} slowest on the {mix} pages (sum of the pages' medians)")
        print(f"{'rule':<36}" + "".join(f"{p.split('/')[-1][:12]:>13}" for p in paths)
              + f"{'sum':>10}")
        for rule in sorted(totals, key=totals.get, reverse=True)[:top]:  # type: ignore[arg-type]
            print(f"{rule:<36}" + "".join(
                f"{statistics.median(rules[p][rule]) * 1000 if rules[p][rule] else 0:>13.0f}"
                for p in paths) + f"{totals[rule] * 1000:>10.0f}")
        rest = sorted(totals.values(), reverse=True)[top:]
        print(f"{f'the other {len(rest)} rules':<36}{'':>{13 * len(paths)}}"
              f"{sum(rest) * 1000:>10.0f}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tiny", type=int, default=4, help="corpus pages in the tiny mix")
    parser.add_argument("--top", type=int, default=15, help="axe rules shown")
    options = parser.parse_args()
    sys.exit(asyncio.run(main(options.rounds, options.tiny, options.top)))
