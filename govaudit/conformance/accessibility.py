"""Accessibility: axe-core run in the page, each result placed in WCAG and GB/T 37668-2019.

axe-core comes inside the `axe-playwright-python` wheel (`axe.min.js`, MPL-2.0), so nothing is
downloaded at run time. Only rules tagged with a WCAG level run (best-practice rules map to no
criterion of the standard). A violation counts at the lowest GB/T level among the criteria its
rule checks (a rule that fails a level-A criterion stops 一级). axe's "incomplete" results are
questions for the evaluator, kept apart, never counted as violations.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from govaudit.conformance.evidence import Box, Evidence
from govaudit.conformance.scripts import script
from govaudit.conformance.standards import Criterion, criteria_of_axe_tags

if TYPE_CHECKING:
    from playwright.async_api import Page

# axe-core's level tags by GB/T level: 一级 = WCAG A, 二级 = AA, 三级 = AAA.
LEVEL_TAGS = {"一级": ("wcag2a", "wcag21a"), "二级": ("wcag2aa", "wcag21aa"),
              "三级": ("wcag2aaa",)}
LEVEL_ORDER = ("一级", "二级", "三级")
MAX_NODES = 50  # elements kept (with boxes) per rule; the count is always whole


@cache
def axe_source() -> str:
    """axe.min.js as the axe-playwright-python wheel ships it."""
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


# AMD and CommonJS loaders on a page (RequireJS, SeaJS) would take axe as a module and leave
# no `window.axe`; hiding them while it loads keeps it global.
_INJECT = "(() => {{ const define = undefined, module = undefined, exports = undefined;\n{0}\n" \
          "}})(); typeof window.axe"


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


def axe_options(levels: tuple[str, ...]) -> dict[str, Any]:
    tags = [tag for level in levels for tag in LEVEL_TAGS[level]]
    # frames are not entered: axe would wait for frames it was never injected into
    return {"runOnly": {"type": "tag", "values": tags},
            "resultTypes": ["violations", "incomplete"], "iframes": False}


async def check_accessibility(page: Page, up_to: str = "二级") -> AccessibilityReport:
    """Run axe-core in the loaded `page` for the GB/T levels up to `up_to` (一级, 二级 or
    三级: levels are cumulative, as WCAG's are)."""
    if up_to not in LEVEL_ORDER:
        raise ValueError(f"unknown GB/T 37668 level {up_to!r}: use 一级, 二级 or 三级")
    levels = LEVEL_ORDER[:LEVEL_ORDER.index(up_to) + 1]
    loaded = await page.evaluate(_INJECT.format(axe_source()))
    if loaded != "object":
        raise RuntimeError(f"{page.url}: axe-core did not load in the page")
    raw = await page.evaluate("(options) => axe.run(document, options)", axe_options(levels))
    boxes = await page.evaluate(script("axe_boxes"), {
        "results": [{"id": r["id"], "nodes": [{"target": n["target"]} for n in r["nodes"]]}
                    for r in raw["violations"] + raw["incomplete"]],
        "limit": MAX_NODES})
    return report_from_axe(raw, page.url, levels, boxes)


def report_from_axe(raw: dict[str, Any], page_url: str, levels: tuple[str, ...],
                    boxes: dict[str, list[Any]] | None = None) -> AccessibilityReport:
    """The report from axe-core's results object (`axe.run`'s answer)."""
    boxes = boxes or {}

    def results(kind: str) -> tuple[AxeResult, ...]:
        out = []
        for r in raw.get(kind, []):
            rule_boxes = boxes.get(r["id"], [])
            nodes = tuple(
                AxeNode(Evidence(page_url, _target(n.get("target")),
                                 Box.from_js(rule_boxes[i]) if i < len(rule_boxes) else None,
                                 str(n.get("html") or "")),
                        str(n.get("failureSummary") or ""))
                for i, n in enumerate(r.get("nodes", [])[:MAX_NODES]))
            out.append(AxeResult(r["id"], str(r.get("impact") or ""), str(r.get("help") or ""),
                                 str(r.get("helpUrl") or ""),
                                 criteria_of_axe_tags(list(r.get("tags", []))), nodes,
                                 len(r.get("nodes", []))))
        return tuple(out)

    engine = raw.get("testEngine") or {}
    return AccessibilityReport(page_url, f"{engine.get('name', 'axe-core')} "
                               f"{engine.get('version', '')}".strip(), tuple(levels),
                               results("violations"), results("incomplete"))


def _target(target: Any) -> str:
    """axe's target (a selector, or a list through frames and shadow roots) as one string."""
    if isinstance(target, list):
        return " >>> ".join(_target(t) for t in target)
    return str(target or "")
