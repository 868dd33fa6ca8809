"""What the content and conformance probes share: a result made of check rows, and the
suggestion rule that reads them.

Each row is one check's result on one spot (govaudit.model.CheckRow): a problem with its
evidence, a pass, "not checked" with the reason (no list, no browser, nothing of the kind on
the pages read) or "could not judge" (an unusable input, with its reason). An `auto:` key of
these probes names the checks it reads: good when they ran and found no problem, not good
when one found a problem (with how many), nothing to say when one of them could not run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govaudit.i18n import N_, _
from govaudit.model import CheckRow, Fact, ProbeFinding, ProbeResult, typed_records

if TYPE_CHECKING:
    from govaudit.probes.context import ProbeContext
    from govaudit.probes.registry import ReportView

RESULT_LABELS = {"problem": "发现问题", "pass": "通过", "not checked": "未检测",
                 "could not judge": "无法判断"}

# the note of a check that only the browser makes, in a run without it
NEEDS_BROWSER = N_("needs the browser: not read without rendering")
SHOWN = 3  # problems quoted in a suggestion's note


@dataclass(frozen=True)
class ChecksResult(ProbeResult):
    """Check rows over a site's pages (the probe's name says which checks). Every row's
    detail, context and screenshot note is kept with its personal numbers masked
    (content.personal.masked): page text is quoted, never a 身份证, mobile or card number."""

    rows: tuple[CheckRow, ...] = ()
    pages: tuple[str, ...] = ()  # the pages read

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(de_identified(r) for r in self.rows))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChecksResult:
        known = cls._fields(data)
        known["rows"] = typed_records(CheckRow, known.get("rows"))
        known["pages"] = tuple(known.get("pages") or ())
        return cls(**known)

    def of(self, checks: Iterable[str]) -> list[CheckRow]:
        wanted = set(checks)
        return [r for r in self.rows if r.check in wanted]

    @property
    def problems(self) -> list[CheckRow]:
        return [r for r in self.rows if r.is_problem]

    def summary(self) -> str:
        counts = Counter(r.result for r in self.rows)
        problems = Counter(r.check for r in self.problems)
        found = ", ".join(f"{check} {n}" for check, n in problems.items())
        return (_("{count} page(s) read; {counts} problem(s)").format(
            count=len(self.pages), counts=counts['problem'])
                + (f" ({found})" if found else "")
                + _(", {counts} passed, {counts2} not checked, {counts3} could not judge").format(
                    counts=counts['pass'], counts2=counts['not checked'],
                    counts3=counts['could not judge']))

    def facts(self) -> list[Fact]:
        """One line per check: its problems, else passed, else why it was not checked."""
        out: list[Fact] = []
        for check in dict.fromkeys(r.check for r in self.rows):
            rows = self.of((check,))
            bad = [r for r in rows if r.is_problem]
            if bad:
                out.append((check, f"{len(bad)} 处问题：{bad[0].detail}", True))
            elif any(r.result == "pass" for r in rows):
                out.append((check, "通过", False))
            else:
                out.append((check, f"{rows[0].result}：{rows[0].detail}", False))
        return out


def finding(result: ChecksResult, checks: Iterable[str], what: str) -> ProbeFinding | None:
    """The suggestion of an `auto:` key that reads `checks`: not good with the problems found
    (their count), good when every one of them ran and found none, else nothing."""
    rows = result.of(checks)
    bad = [r for r in rows if r.is_problem]
    if bad:
        shown = "; ".join(f"{r.detail} ({r.url})" if r.url else r.detail for r in bad[:SHOWN])
        more = f"; and {len(bad) - SHOWN} more" if len(bad) > SHOWN else ""
        urls = tuple(dict.fromkeys(r.url for r in bad[:SHOWN] if r.url))
        return ProbeFinding(False, _("{count} {what} found: {shown}{more}").format(
            count=len(bad), what=what, shown=shown, more=more), len(bad), urls,
                            problems=len(bad))
    passed = [r for r in rows if r.result == "pass"]
    if not passed or {r.check for r in passed} != {r.check for r in rows}:
        return None  # a check of the key did not run: absence is not shown
    skipped = [r for r in rows if r.result != "pass"]
    note = "; " + "; ".join(f"{r.check} {r.result}: {r.detail}" for r in skipped[:SHOWN]) \
        if skipped else ""
    return ProbeFinding(True, _("no {what} found ({count} check(s) passed{note})").format(
        what=what, count=len(passed), note=note), 0,
                        tuple(dict.fromkeys(r.url for r in passed if r.url))[:SHOWN],
                        problems=0)


def de_identified(row: CheckRow) -> CheckRow:
    """`row` with the personal numbers in its detail, context and screenshot note masked."""
    from dataclasses import replace

    from govaudit.content.personal import masked

    texts = {name: masked(value) for name in ("detail", "context", "shot_note")
             if (value := getattr(row, name))}
    changed = {k: v for k, v in texts.items() if v != getattr(row, k)}
    return replace(row, **changed) if changed else row


def not_checked(check: str, reason: str, url: str = "") -> CheckRow:
    return CheckRow(check, "not checked", reason, url)


def passed(check: str, detail: str, url: str = "") -> CheckRow:
    return CheckRow(check, "pass", detail, url)


def shots_dir(ctx: ProbeContext) -> Path | None:
    """Where this site's element screenshots go (None: the run keeps none)."""
    from govaudit.filenames import safe_name

    root = ctx.options.shots_dir
    return None if root is None else root / safe_name(ctx.site.name)


def report_rows(result: ChecksResult, view: ReportView) -> None:
    """The report's 合规检测 part: every check row with its result and evidence."""
    from dataclasses import asdict

    from govaudit.urls import web_href

    for found in result.rows:
        view.checks.append({**asdict(found), "probe": result.probe,
                            "label": RESULT_LABELS.get(found.result, found.result),
                            "href": web_href(found.url), "shot_href": None})
