"""Accessibility: axe-core run in the page, each result placed in WCAG and GB/T 37668-2019.

axe-core comes inside the `axe-playwright-python` wheel (`axe.min.js`, MPL-2.0), so nothing is
downloaded at run time. Only rules tagged with a WCAG level run (best-practice rules map to no
criterion of the standard).

axe's colour rules are by default replaced by computations here, in one pass over computed
styles, because on a portal-sized page they took most of axe's time: text contrast (1.4.3,
and 1.4.6 at 三级; `js/contrast.js`, results named "text-contrast"), where text over images or
gradients, with shadows or transparent, becomes a question; and links in a block of text told
apart by colour alone (1.4.1; `js/links.js`, "link-distinguishable"), with the semantics of
axe's link-in-text-block. `contrast="axe"` runs axe's rules instead.

A violation counts at the lowest GB/T level among the criteria its
rule checks (a rule that fails a level-A criterion stops 一级). axe's "incomplete" results are
questions for the evaluator, kept apart, never counted as violations.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from govaudit.conformance.evidence import Box, Evidence
from govaudit.conformance.scripts import script, script_body
from govaudit.conformance.standards import Criterion, criteria_of_axe_tags

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

# axe-core's level tags by GB/T level: 一级 = WCAG A, 二级 = AA, 三级 = AAA.
LEVEL_TAGS = {"一级": ("wcag2a", "wcag21a"), "二级": ("wcag2aa", "wcag21aa"),
              "三级": ("wcag2aaa",)}
LEVEL_ORDER = ("一级", "二级", "三级")
MAX_NODES = 50  # elements kept (with boxes) per rule; the count is always whole
MAX_HTML = 500  # characters of an element's HTML kept as its value
# axe's rules that the one-pass computations replace (contrast="fast")
REPLACED = ("color-contrast", "color-contrast-enhanced", "link-in-text-block")
# the in-page scripts of one accessibility check: axe, then the one-pass rules
RUN_SCRIPT = ("axe_run", "colours", "contrast", "links")


@cache
def axe_source() -> str:
    """axe.min.js as the axe-playwright-python wheel ships it."""
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


# The axe-core versions whose rules js/axe_setup.js may reorder (it was checked against them).
_SHORTCUT_VERSIONS = ("4.12.",)

# Loads axe-core in the top frame once (frames are never checked), as
# `window.__govauditAxe`, and configures it (js/axe_setup.js); a page's own `axe`, if any, is
# left as it was. AMD and CommonJS loaders on a page (RequireJS, SeaJS) would take axe as a
# module: they are hidden meanwhile.
_LOAD = """(() => {{
if (window.top !== window || window.__govauditAxe) return;
const own = Object.getOwnPropertyDescriptor(window, "axe");
const loaded = (() => {{ const define = undefined, module = undefined, exports = undefined;
{source}
return window.axe; }})();
if (own) Object.defineProperty(window, "axe", own); else delete window.axe;
if (!loaded) return;
({setup})(loaded, {shortcuts});
Object.defineProperty(window, "__govauditAxe", {{ value: loaded, configurable: true }});
}})();"""


# axe.utils.memoize as axe-core 4.12's build writes it: memoizee, each function kept to clear
_MEMOIZE = re.compile(r"axe\._memoizedFns=\[\],function\((\w+)\)\{return \1=\(0,\w+\.default\)"
                      r"\(\1\),axe\._memoizedFns\.push\(\1\),\1\}")


# axe.utils.getSelectorData as that build writes it, and the helpers it calls (the escape of
# a class name, an element's attributes, the test of an attribute, its feature)
_SELECTOR_DATA = re.compile(
    r"function (\w+)\(e\)\{for\(var r=\{classes:\{\},tags:\{\},attributes:\{\}\},"
    r"[^{}]*\{var e,t=a\.pop\(\),n=t\.actualNode;.*?e=(\w+)\(e\);r\.classes\[e\].*?"
    r"Array\.from\((\w+)\(n\)\)\.filter\((\w+)\)\.forEach\(function\(e\)\{e=(\w+)\(n,e\);"
    r".*?\}\)\(\);return r\}")


@cache
def axe_loader() -> str:
    """The script that loads axe-core into a page (as an init script or evaluated); for the
    versions checked, with its memoizer replaced by js/axe_memoize.js, the same caching
    looked up in Maps (memoizee searches arrays: quadratic on a large page), and its
    selector data counted by js/axe_selector_data.js (each class and attribute worked out
    once)."""
    source = axe_source()
    version = source[source.find("axe v") + 5:].split(None, 1)[0]
    checked = version.startswith(_SHORTCUT_VERSIONS)
    if checked:
        memoize = script_body("axe_memoize")
        source = _MEMOIZE.sub(lambda m: f"axe._memoizedFns=[],function({m[1]}){{return "
                              f"{m[1]}=({memoize})({m[1]}),axe._memoizedFns.push({m[1]}),"
                              f"{m[1]}}}", source, count=1)
        counts = script_body("axe_selector_data")
        source = _SELECTOR_DATA.sub(lambda m: f"function {m[1]}(e){{return ({counts})"
                                    f"({m[2]},{m[3]},{m[4]},{m[5]})(e)}}", source, count=1)
    return _LOAD.format(source=source, setup=script_body("axe_setup"),
                        shortcuts="true" if checked else "false")


@dataclass(frozen=True)
class AxeNode:
    """One element a rule flagged."""

    evidence: Evidence  # selector, box, and the element's HTML as the value
    summary: str  # axe's failure summary


@dataclass(frozen=True)
class AxeResult:
    """One axe-core rule that failed (a violation) or could not decide (a question)."""

    rule: str
    impact: str
    help: str
    help_url: str
    criteria: tuple[Criterion, ...]
    nodes: tuple[AxeNode, ...]
    node_count: int

    @property
    def gb_level(self) -> str | None:
        """The lowest GB/T 37668 level among the rule's criteria (None: outside the standard)."""
        levels = [c.gb_level for c in self.criteria if c.gb_level]
        return min(levels, key=LEVEL_ORDER.index) if levels else None

    @property
    def principles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.principle for c in self.criteria))


@dataclass(frozen=True)
class AccessibilityReport:
    page_url: str
    engine: str  # "axe-core 4.12.1"
    levels: tuple[str, ...]  # the GB/T levels whose rules ran
    violations: tuple[AxeResult, ...]
    questions: tuple[AxeResult, ...]  # axe's "incomplete": for the evaluator to decide

    def violations_by_level(self) -> dict[str, int]:
        """Rules violated, counted at their lowest GB/T level (一级/二级/三级)."""
        counts = Counter(v.gb_level for v in self.violations if v.gb_level)
        return {level: counts.get(level, 0) for level in self.levels}

    def elements_by_level(self) -> dict[str, int]:
        """Elements in violation, counted like `violations_by_level`."""
        counts: Counter[str] = Counter()
        for v in self.violations:
            if v.gb_level:
                counts[v.gb_level] += v.node_count
        return {level: counts.get(level, 0) for level in self.levels}

    def violations_by_principle(self) -> dict[str, int]:
        counts = Counter(p for v in self.violations for p in v.principles)
        return dict(counts)

    @property
    def passed(self) -> bool:
        """No rule of the levels that ran found a violation (what axe can check, only)."""
        return not any(v.gb_level for v in self.violations)


def axe_options(levels: tuple[str, ...], contrast: str = "fast") -> dict[str, Any]:
    """axe.run's options: the rules tagged with the WCAG levels of `levels`, elements
    returned by reference (their boxes are read in the same call)."""
    tags = [tag for level in levels for tag in LEVEL_TAGS[level]]
    # frames are not entered: axe would wait for frames it was never loaded into
    options: dict[str, Any] = {"runOnly": {"type": "tag", "values": tags},
                               "resultTypes": ["violations", "incomplete"], "iframes": False,
                               "elementRef": True}
    if contrast == "fast":
        options["rules"] = {rule: {"enabled": False} for rule in REPLACED}
    return options


def run_arguments(up_to: str = "二级",
                  contrast: str = "fast") -> tuple[tuple[str, ...], dict[str, Any]]:
    """The GB/T levels up to `up_to` and the argument of js/axe_run.js that checks them (see
    `check_accessibility`)."""
    if up_to not in LEVEL_ORDER:
        raise ValueError(f"unknown GB/T 37668 level {up_to!r}: use 一级, 二级 or 三级")
    if contrast not in ("fast", "axe"):
        raise ValueError(f"unknown contrast method {contrast!r}: use fast or axe")
    levels = LEVEL_ORDER[:LEVEL_ORDER.index(up_to) + 1]
    return levels, {"options": axe_options(levels, contrast), "limit": MAX_NODES,
                    "html": MAX_HTML, "contrast": contrast == "fast" and "二级" in levels,
                    "links": contrast == "fast"}


def axe_init_script() -> str:
    """The init script that loads axe-core with every page of a context (not about:blank)."""
    return f"if (location.protocol !== 'about:') {{\n{axe_loader()}\n}}"


async def prepare_context(context: BrowserContext) -> None:
    """Make every page `context` opens come with axe-core, so that `check_accessibility`
    runs in one call into the page (compiled with it, not sent for each check)."""
    await context.add_init_script(script=axe_init_script())


async def check_accessibility(page: Page, up_to: str = "二级",
                              contrast: str = "fast") -> AccessibilityReport:
    """Run axe-core in the loaded `page` for the GB/T levels up to `up_to` (一级, 二级 or
    三级: levels are cumulative, as WCAG's are); text contrast and links told apart by colour
    by `contrast` ("fast": this package's one-pass computations; "axe": axe's own rules). One
    call into the page when axe-core came with it (`page_checks.prepare_context`), two
    otherwise."""
    levels, run = run_arguments(up_to, contrast)
    raw = await page.evaluate(script(*RUN_SCRIPT), run)
    if raw is None:
        await page.evaluate(axe_loader())
        raw = await page.evaluate(script(*RUN_SCRIPT), run)
        if raw is None:
            raise RuntimeError(f"{page.url}: axe-core did not load in the page")
    return report_of_run(raw, page.url, levels)


def report_of_run(raw: dict[str, Any], page_url: str,
                  levels: tuple[str, ...]) -> AccessibilityReport:
    """The report from js/axe_run.js's answer: axe's results with the one-pass rules'."""
    if raw.get("contrast") is not None:
        _add_contrast(raw, raw["contrast"], "三级" in levels)
    if raw.get("links") is not None:
        _add_links(raw, raw["links"])
    return report_from_axe(raw, page_url, levels)


def report_from_axe(raw: dict[str, Any], page_url: str,
                    levels: tuple[str, ...]) -> AccessibilityReport:
    """The report from axe-core's results object (`axe.run`'s answer; an element's `box`,
    when there, is its box in the page)."""

    def results(kind: str) -> tuple[AxeResult, ...]:
        out = []
        for r in raw.get(kind, []):
            nodes = tuple(
                AxeNode(Evidence(page_url, _target(n.get("target")), Box.from_js(n.get("box")),
                                 str(n.get("html") or "")[:MAX_HTML]),
                        str(n.get("failureSummary") or ""))
                for n in r.get("nodes", [])[:MAX_NODES])
            out.append(AxeResult(r["id"], str(r.get("impact") or ""), str(r.get("help") or ""),
                                 str(r.get("helpUrl") or ""),
                                 criteria_of_axe_tags(list(r.get("tags", []))), nodes,
                                 int(r.get("count") or len(r.get("nodes", [])))))
        return tuple(out)

    engine = raw.get("testEngine") or {}
    return AccessibilityReport(page_url, f"{engine.get('name', 'axe-core')} "
                               f"{engine.get('version', '')}".strip(), tuple(levels),
                               results("violations"), results("incomplete"))


def _one_pass_result(rule: str, items: list[dict[str, Any]], count: int, tags: list[str],
                     help: str, help_url: str, summary: Any) -> dict[str, Any]:
    """A one-pass rule's elements as an axe result (`summary`: an element's failure summary
    from its item)."""
    return {"id": rule, "impact": "serious", "help": help, "helpUrl": help_url,
            "tags": tags, "count": count,
            "nodes": [{"target": [i["selector"]], "html": i["value"], "box": i["box"],
                       "failureSummary": summary(i)
                       + (f" ({i['question']})" if i.get("question") else "")}
                      for i in items]}


def _contrast_result(items: list[dict[str, Any]], count: int, tags: list[str],
                     help: str) -> dict[str, Any]:
    return _one_pass_result(
        "text-contrast", items, count, tags, help,
        "https://www.w3.org/WAI/WCAG21/Understanding/contrast-minimum.html",
        lambda i: f"contrast {i['ratio']}:1")


def _add_links(raw: dict[str, Any], measured: dict[str, Any]) -> None:
    """Put the one-pass links result among axe's, as link-in-text-block's would be."""
    counts = measured["counts"]
    url = "https://www.w3.org/WAI/WCAG21/Understanding/use-of-color.html"
    if counts["failed"]:
        raw["violations"].append(_one_pass_result(
            "link-distinguishable", measured["failed"], counts["failed"], ["wcag2a", "wcag141"],
            "Links in text must be distinguishable from it without relying on colour", url,
            lambda i: i["note"]))
    if counts["questions"]:
        raw["incomplete"].append(_one_pass_result(
            "link-distinguishable", measured["questions"], counts["questions"],
            ["wcag2a", "wcag141"], "Whether the link is told apart from the text around it "
            "without colour could not be computed from styles alone", url,
            lambda i: "not decided from styles"))


def _add_contrast(raw: dict[str, Any], measured: dict[str, Any], enhanced: bool) -> None:
    """Put the one-pass contrast results among axe's, as one rule per criterion."""
    counts = measured["counts"]
    if counts["minimum"]:
        raw["violations"].append(_contrast_result(
            measured["minimum"], counts["minimum"], ["wcag2aa", "wcag143"],
            "Text must have a contrast ratio of at least 4.5:1 (3:1 when large)"))
    if enhanced and counts["enhanced"]:
        raw["violations"].append(_contrast_result(
            measured["enhanced"], counts["enhanced"], ["wcag2aaa", "wcag146"],
            "Text must have a contrast ratio of at least 7:1 (4.5:1 when large)"))
    if counts["questions"]:
        raw["incomplete"].append(_contrast_result(
            measured["questions"], counts["questions"], ["wcag2aa", "wcag143"],
            "Text contrast could not be computed from styles alone"))


def _target(target: Any) -> str:
    """axe's target (a selector, or a list through frames and shadow roots) as one string."""
    if isinstance(target, list):
        return " >>> ".join(_target(t) for t in target)
    return str(target or "")
