"""Building the HTML evidence report: a self-contained folder that works offline.

index.html holds the team overview; sites/<site>.html one page per site;
thumbs/ the evidence thumbnails; views/ what an attached SVG or HTML file's link opens:
a page showing the SVG with <img> only, an inert copy of the HTML (opened as documents,
they would run their scripts); evidence/ the full screenshots and snapshots
the pages show, hard-linked (or copied) from the workspace so the folder still
works when copied elsewhere. With `link_evidence` they are linked where they lie
in the workspace instead (relative links). Every text that comes from
a site or an evaluator goes through Jinja2's autoescaping.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from govaudit.checklist import Checklist, Question
from govaudit.chinatime import china_time
from govaudit.errors import GovauditError
from govaudit.filenames import safe_name
from govaudit.files import atomic_write, link_or_copy
from govaudit.i18n import _
from govaudit.model import (
    PROBE_EVALUATOR,
    Answer,
    Evidence,
    EvidenceFile,
    FailedProbe,
    ProbeResult,
    Site,
    SiteScore,
)
from govaudit.probes import registry
from govaudit.problems import problem_rows
from govaudit.report.charts import band_chart, band_colour, stacked_chart
from govaudit.report.monitoring import MonitoringView, monitoring_views
from govaudit.report.thumbs import FileCheck, ThumbnailCache
from govaudit.report.views import (
    ChecksView,
    EvidenceView,
    FileLink,
    IndicatorView,
    QuestionView,
    SiteView,
    TopView,
)
from govaudit.scoring import Scorer, ScoreReport, Settlement, consolidate
from govaudit.store import Store
from govaudit.suggestions import Suggestion, suggestions_for
from govaudit.tally import asked
from govaudit.urls import redact_data, redact_url, web_href
from govaudit.version import __version__

if TYPE_CHECKING:  # the monitor is imported when the report has monitoring
    from govaudit.evidence import EvidenceFolder
    from govaudit.monitor import Monitor

VALUE_MARKS = {"yes": "✓", "no": "✗", "na": "—", "unknown": "?"}
FILE_LABELS = {"png": "截图 PNG", "html": "HTML", "mhtml": "MHTML 快照", "attachment": "附件"}
# what govaudit refused to load for a page, in the words of the report
BLOCKED_LABELS = {"frame": "框架", "popup": "弹出窗口", "page": "页面跳转", "image": "图片",
                  "script": "脚本", "stylesheet": "样式表", "fetch": "数据请求",
                  "xhr": "数据请求", "font": "字体", "media": "媒体"}


def blocked_lines(record: Evidence) -> list[str]:
    """'框架 http://10.0.0.5/admin：request to a private address … refused', one per item
    govaudit refused to load for the page."""
    return [f"{BLOCKED_LABELS.get(str(b.get('what')), str(b.get('what') or '请求'))} "
            f"{b.get('url', '')}：{b.get('reason', '')}" for b in record.blocked]


def segment_label(entry: EvidenceFile) -> str:
    """'截图 第2段（15000–30000px）': one segment of a page captured in several."""
    top = entry.offset or 0
    return f"截图 第{entry.segment}段（{top}–{top + (entry.height or 0)}px）"


def file_href(target: Path, from_dir: Path) -> str:
    """A relative, percent-encoded link from a page in `from_dir` to a file."""
    try:
        relative = os.path.relpath(target, from_dir)
    except ValueError:  # another drive on Windows
        return target.resolve().as_uri()
    return quote(Path(relative).as_posix())


def site_page_name(site: str) -> str:
    return f"{safe_name(site)}.html"


class _EvidenceFiles:
    """Evidence files resolved inside the workspace (or, for a file the workspace lacks, in
    the `shared` folder of files named by SHA-256) and checked against their records."""

    def __init__(self, root: Path, cache: ThumbnailCache, shared: Path | None = None) -> None:
        self.root = root.resolve()
        self.cache = cache
        self.shared = None if shared is None else shared.resolve()
        self.checks: dict[Path, FileCheck] = {}

    def resolve(self, relative: str, sha256: str = "") -> Path | None:
        from govaudit.evidence import shared_path

        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root):
            return None
        if path.exists() or self.shared is None or not re.fullmatch("[0-9a-f]{64}", sha256):
            return path
        kept = shared_path(self.shared, sha256)
        return kept if kept.is_file() else path

    def check(self, records: Iterable[Evidence]) -> None:
        wanted: dict[Path, str] = {}
        suffixes: dict[Path, str] = {}
        for record in records:
            for entry in record.files:
                path = self.resolve(entry.path, entry.sha256)
                if path is not None:
                    wanted[path] = entry.sha256
                    suffixes[path] = Path(entry.path).suffix
        self.checks = self.cache.check_all(wanted, suffixes)


class ReportBuilder:
    """Gathers scores, answers, evidence and probe results, then renders the pages."""

    def __init__(self, checklist: Checklist, settlement: Settlement, folder: EvidenceFolder,
                 store: Store, monitor: Monitor, score: Scorer, out_dir: Path,
                 link_evidence: bool = False, window: float | None = None) -> None:
        self.folder = folder
        self.settlement = settlement
        self.window = window  # of the monitoring, seconds back from now (None: the default)
        self.store = store
        self.monitor = monitor
        self.score = score
        self.checklist = checklist
        self.out = out_dir
        self.link_evidence = link_evidence
        self.files = _EvidenceFiles(folder.root, ThumbnailCache(out_dir / "thumbs"),
                                    store.shared_files)
        self.monitoring: dict[str, MonitoringView] = {}
        self.grade_index = {g.name: i for i, g in enumerate(
            sorted(self.checklist.grades, key=lambda g: -g.min))}

    # -- gathering -------------------------------------------------------------------

    def site_views(self, sites: list[Site] | None) -> list[SiteView]:
        """The pages of `sites` (all when None), in the site list's order."""
        all_sites = self.store.sites()
        wanted = None if sites is None else {s.name for s in sites}
        chosen = [s for s in all_sites if wanted is None or s.name in wanted]
        answers = self.store.answers()
        report = self.score(all_sites, answers)
        self.report = report
        scores = {s.site: s for s in report.sites}
        # read once at the store's boundary, its URLs redacted again (an older store's too)
        evidence = {site.name: [Evidence.from_dict(redact_data(r))
                                for r in self.store.evidence(site.name)] for site in chosen}
        self.files.check(r for records in evidence.values() for r in records)
        by_site: dict[str, list[Answer]] = {}
        for answer in answers:
            by_site.setdefault(answer.site, []).append(answer)
        self.monitoring = monitoring_views(self.monitor, self.checklist, chosen, self.window)
        return [self._site_view(site, scores[site.name], by_site.get(site.name, []),
                                evidence[site.name]) for site in chosen]

    def _site_view(self, site: Site, score: SiteScore, answers: list[Answer],
                   records: list[Evidence]) -> SiteView:
        checklist = self.checklist
        chosen = consolidate(answers, self.report.settlement if self.report else self.settlement)
        values = {q: a.value for (_, q), a in chosen.items()}
        probes = self.store.probe_results(site.name)
        suggestions = suggestions_for(checklist, site, probes) if probes else {}
        monitored = self.monitoring.get(site.name)
        if monitored is not None:  # weeks of monitoring outweigh one check
            suggestions.update({qid: Suggestion(qid, value, "monitor", detail) for qid, (
                value, detail) in monitored.suggestions.items()})
        views = {r.id: self._evidence_view(r) for r in records}
        linked: set[str] = set()
        for answer in chosen.values():
            linked.update(answer.evidence)
        by_question: dict[str, list[str]] = {}
        by_indicator: dict[str, list[str]] = {}
        loose: list[str] = []
        for record in records:
            rid = record.id
            if record.question and checklist.question(record.question):
                by_question.setdefault(record.question, []).append(rid)
            elif rid in linked:
                continue  # shown with the answer that cites it
            elif record.indicator and checklist.indicator(record.indicator):
                by_indicator.setdefault(record.indicator, []).append(rid)
            else:
                loose.append(rid)
        for answer in chosen.values():
            for rid in answer.evidence:
                if rid in views and rid not in by_question.get(answer.question, []):
                    by_question.setdefault(answer.question, []).append(rid)

        indicators = []
        for indicator in checklist.indicators_at(site.level):
            questions = [
                self._question_view(q, site, values, chosen.get((site.name, q.id)), answers,
                                    suggestions.get(q.id),
                                    [views[r] for r in by_question.get(q.id, []) if r in views])
                for q in indicator.questions if q.applies_to(site.level)
            ]
            indicators.append(IndicatorView(
                indicator.id, indicator.code, " › ".join(indicator.path),
                indicator.description, indicator.bonus, indicator.weight(site.level),
                score.indicators.get(indicator.id), questions,
                [views[r] for r in by_indicator.get(indicator.id, []) if r in views],
                indicator.part, site.level in indicator.unpublished))
        tops = self._tops(site.level, score)
        grade_pos = self.grade_index.get(score.grade)
        url = redact_url(site.url)
        view = SiteView(
            site.name, url, web_href(url), site.level, score.total, score.bonus,
            score.grade, f"band{grade_pos}" if grade_pos is not None else "", score.rank,
            score.answered, score.questions, site_page_name(site.name), tops, indicators,
            [views[r] for r in loose if r in views], _checks_view(probes), len(records),
            group=score.group, open_points=score.open_points, monitoring=monitored,
            ranks=dict(score.ranks), verdict=score.verdict, reason=score.reason,
            part2=score.part2, scaled=score.scaled, vetoed=bool(score.vetoes),
            problems=problem_rows(checklist, site, score.problems,
                                  [r.to_dict() for r in records]),
            region=site.region)
        view.problem_count = sum(1 for v in views.values() if v.problems or v.error)
        for row in view.checks.checks if view.checks else ():
            shot = Path(row.get("screenshot") or "")
            if row.get("screenshot") and shot.is_file() and \
                    shot.resolve().is_relative_to(self.folder.evidence_dir.resolve()):
                row["shot_href"] = file_href(self._published(shot.resolve()), self.out / "sites")
        return view

    def _tops(self, level: str, score: SiteScore) -> list[TopView]:
        weights: dict[str, float] = {}
        for indicator in self.checklist.indicators_at(level):
            weights[indicator.top] = weights.get(indicator.top, 0.0) + (
                indicator.weight(level) or 0.0)
        single_bonus = sum(1 for t in self.checklist.tops if t.bonus) == 1
        out = []
        for top in self.checklist.tops:
            if top.id not in weights:
                continue
            earned, weight = score.tops.get(top.id, 0.0), weights[top.id]
            if top.bonus and single_bonus:
                if score.bonus is not None:
                    earned = score.bonus  # as capped by the checklist's bonus_cap
                if self.checklist.bonus_cap is not None:
                    weight = min(weight, self.checklist.bonus_cap)
            out.append(TopView(top.id, top.name, weight, earned, top.bonus))
        return out


    def _question_view(self, question: Question, site: Site, values: Mapping[str, object],
                       answer: Answer | None, answers: list[Answer],
                       suggestion: Suggestion | None,
                       evidence: list[EvidenceView]) -> QuestionView:
        skipped = asked(question, site.level, values) is False
        if answer is None or skipped:  # an answer skip logic now leaves out is not counted
            mark, state = ("跳过", "skipped") if skipped else ("未答", "pending")
            value = ""
        else:
            value = str(answer.value)
            mark, state = _mark(question, answer.value)
            if question.finds_problems:  # yes: the problem is found
                mark, state = _problem_mark(question, answer.value, mark, state)
            elif question.part == "scope" and answer.value in ("yes", "no"):
                mark, state = question.display(answer.value), "choice"  # neither good nor bad
        others = sorted({f"{a.evaluator}: {_mark(question, a.value)[0]}" for a in answers
                         if answer is not None and a.question == question.id
                         and a.evaluator != answer.evaluator and a.value != answer.value})
        suggestion_text = detail = ""
        if suggestion is not None and answer is not None and \
                answer.evaluator == PROBE_EVALUATOR and str(answer.value) == suggestion.value:
            suggestion = None  # the answer is the suggestion, already shown with its note
        if suggestion is not None:
            try:
                suggestion_text = _mark(question, question.parse_value(suggestion.value))[0]
            except ValueError:
                suggestion_text = suggestion.value
            detail = f"{suggestion.probe}: {suggestion.detail}".strip(": ")
        evaluator = ""
        if answer is not None:
            evaluator = answer.evaluator + ("（自动检测）" if answer.evaluator == PROBE_EVALUATOR
                                            else "")
        return QuestionView(
            question.id, question.text, question.type, value, mark, state,
            answer.note if answer else "", evaluator,
            china_time(answer.time, seconds=True) if answer else "",
            others, suggestion_text, detail, evidence)

    def _published(self, path: Path, relative: str = "") -> Path:
        """Where the report links an evidence file: its copy inside the report folder
        (none is made of a missing file), or with link_evidence the workspace's file (or
        the shared folder's). A shared folder's file, named by its SHA-256 only, is copied
        under evidence/shared/ with the suffix of its `relative` path in the workspace."""
        if self.link_evidence:
            return path
        evidence = self.folder.evidence_dir.resolve()
        shared = self.files.shared
        if shared is not None and path.is_relative_to(shared):
            inner = Path("shared") / path.relative_to(shared)
            inner = inner.with_name(inner.name + Path(relative).suffix.lower())
        else:
            inner = path.relative_to(evidence if path.is_relative_to(evidence)
                                     else self.files.root)
        copy = self.out / "evidence" / inner
        try:
            if path.is_file():
                link_or_copy(path, copy)
        except OSError as exc:
            raise GovauditError(_(
                "{copy}: cannot copy the evidence file into the report ({error})").format(
                copy=copy, error=exc.strerror), hint="link_evidence") from None
        return copy

    def _image_page(self, record: str, index: int, label: str, published: Path) -> str:
        """views/RECORD-N.html showing the image at `published` with <img>; its link from a
        site page."""
        from govaudit.report.render import render_image_page

        page = self._view_path(record, index)
        render_image_page(page, f"{label} {published.name}", file_href(published, page.parent),
                          __version__)
        return file_href(page, self.out / "sites")

    def _inert_page(self, record: str, index: int, path: Path) -> str:
        """views/RECORD-N.html: an inert copy of an HTML file that was attached as it came
        (a capture's HTML is inert already); its link from a site page."""
        import charset_normalizer

        from govaudit.inert_html import render_inert

        page = self._view_path(record, index)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise GovauditError(_("{path}: cannot be read ({strerror})").format(
                path=path, strerror=exc.strerror)) from None
        best = charset_normalizer.from_bytes(data).best()
        text = str(best) if best is not None else data.decode("utf-8", "replace")
        try:
            atomic_write(page, render_inert(text))
        except OSError as exc:
            raise GovauditError(_("{page}: cannot be written ({strerror})").format(
                page=page, strerror=exc.strerror)) from None
        return file_href(page, self.out / "sites")

    def _view_path(self, record: str, index: int) -> Path:
        """views/RECORD-N.html, its folder made."""
        page = self.out / "views" / f"{safe_name(record)}-{index}.html"
        try:
            page.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GovauditError(_("{parent}: cannot create it ({strerror})").format(
                parent=page.parent, strerror=exc.strerror)) from None
        return page

    def _evidence_view(self, record: Evidence) -> EvidenceView:
        files: list[FileLink] = []
        problems: list[str] = []
        image_href = thumb_src = sha = ""
        page_dir = self.out / "sites"
        for entry in record.files:
            kind = entry.kind
            relative = entry.path
            path = self.files.resolve(relative, entry.sha256)
            if path is None:
                problems.append(_("{relative}: outside the workspace, not shown").format(
                    relative=relative))
                continue
            check = self.files.checks.get(path, FileCheck(problem="not checked"))
            label = FILE_LABELS.get(kind, kind or "file")
            if entry.segment:
                label = segment_label(entry)
            if entry.taken == "deadline":
                label += "（超时截止时所见）"
            if check.problem:
                problems.append(_("{label} {relative}: {problem}").format(
                    label=label, relative=relative, problem=check.problem))
            published = self._published(path, relative)
            href = file_href(published, page_dir)
            suffix = Path(relative).suffix.lower()
            if suffix == ".svg":  # an image, never a document that runs scripts
                src, href = href, self._image_page(record.id, len(files), label, published)
                if not thumb_src and not check.problem:
                    thumb_src, image_href, sha = src, href, check.sha256
            elif suffix in (".html", ".htm") and not entry.inert:  # attached, as it came
                href = self._inert_page(record.id, len(files), path)
            files.append(FileLink(kind, label, href))
            if check.thumb and not thumb_src and not check.problem:
                thumb_src = f"../thumbs/{check.thumb}"
                image_href = href
                sha = check.sha256
        if not sha:
            sha = next((f.sha256 for f in record.files if f.kind == "png"), "")
        url = record.url
        return EvidenceView(
            record.id, url, web_href(url), record.title, record.status,
            china_time(record.time, seconds=True),
            record.device or record.viewport, sha, image_href, thumb_src, files, problems,
            record.error, record.capped_height, record.failed, blocked_lines(record))

    # -- overview ----------------------------------------------------------------------

    report: ScoreReport | None = None

    def overview(self, sites: list[SiteView], publish: str | None = None) -> dict[str, Any]:
        checklist = self.checklist
        weighted = not checklist.unweighted
        ordered = sorted(sites, key=lambda s: (-(s.total or 0.0), s.name))
        # veto and scope parts score nothing: no column of their own
        main_tops = [t for t in checklist.tops if not t.bonus and t.part not in ("veto", "scope")]
        has_bonus = len(main_tops) < len(checklist.tops)
        series = [t.name for t in main_tops] + (["加分项"] if has_bonus else [])
        chart = band = None
        if weighted and sites and not checklist.deduction:
            rows = []
            for site in ordered:
                earned = {t.id: t.score for t in site.tops}
                values = [earned.get(t.id, 0.0) for t in main_tops]
                if has_bonus:
                    values.append(site.bonus or 0.0)
                rows.append((site.name, values))
            chart = stacked_chart(rows, series)
        if weighted and sites and checklist.grades:
            bands = sorted(checklist.grades, key=lambda g: -g.min)
            counts = [(g.name, sum(1 for s in sites if s.grade == g.name)) for g in bands]
            band = band_chart(counts)
        levels = sorted({s.level for s in sites})
        order = checklist.group_order
        shown = {s.name for s in sites}
        report = self.report
        by_band = (publish or checklist.publish) == "bands" and bool(checklist.grades)
        extra: dict[str, Any] = {"deduction": checklist.deduction, "by_band": [], "rankings": [],
                                 "sampling": None}
        if report is not None and weighted:
            if by_band:
                extra["by_band"] = [(name, label, [s for s in scores if s.site in shown])
                                    for name, label, scores in report.by_band()]
            elif any(len(s.ranks) > 1 for s in sites):
                extra["rankings"] = _rankings(report, shown)
            if checklist.deduction:
                extra["sampling"] = report.sampling()
        return {**extra,
                "sites": sorted(sites, key=lambda s: (order(s.group), s.rank or 0, s.name)),
                "chart": chart, "band": band, "levels": levels, "weighted": weighted,
                "top_columns": main_tops,
                "groups": sorted({s.group for s in sites}, key=order),
                "grades": [(g.name, f"band{i}", label) for i, (g, label) in enumerate(
                    checklist.grade_labels())],
                "grades_source": checklist.grades_source,
                "above_100": checklist.above_100}


def _problem_mark(question: Question, value: object, mark: str, state: str) -> tuple[str, str]:
    """A veto or deduction question: yes (or a count above 0) is a problem found (✗)."""
    if value == "yes":
        return "✗ 存在", "no"
    if value == "no":
        return "✓ 未发现", "yes"
    if question.type == "count" and isinstance(value, int):
        found = question.vetoes(value) if question.part == "veto" else value > 0
        return mark, "no" if found else "yes"
    return mark, state


def _rankings(report: ScoreReport, shown: set[str]) -> list[tuple[str, list[SiteScore]]]:
    """Each ranking group's sites in rank order, as published: a site in two groups (副省级城市
    and 省会城市) is listed in both."""
    checklist = report.checklist
    names = sorted({g for s in report.sites for g in s.ranks}, key=checklist.group_order)
    return [(name, sorted((s for s in report.sites if name in s.ranks and s.site in shown),
                          key=lambda s: (s.ranks[name], s.site))) for name in names]


def _mark(question: Question, value: object) -> tuple[str, str]:
    """What a value looks like on the page, and its css class."""
    if isinstance(value, str) and value in VALUE_MARKS:
        return VALUE_MARKS[value], value
    if question.type == "graded":
        return str(value), "choice"
    if question.type == "count":
        return question.display(value), "count"
    return str(value), "text"


def _checks_view(probes: Mapping[str, ProbeResult]) -> ChecksView | None:
    """Probe results as the site page lists them: failures first, then each probe's own
    lines (its report hook), in the registry's order."""
    if not probes:
        return None
    times = [p.time for p in probes.values() if p.time]
    view = ChecksView(china_time(max(times), seconds=True) if times else "")
    for name, result in probes.items():
        if isinstance(result, FailedProbe):
            view.failed.append((name, result.error))
    for probe in registry.probes():
        found = probes.get(probe.name)
        if found is not None and not found.failed:
            probe.report(found, view)
    return view


def build_report(checklist: Checklist, settlement: Settlement, folder: EvidenceFolder,
                 evaluator: str, store: Store, monitor: Monitor, score: Scorer, out_dir: Path,
                 sites: list[Site] | None = None, link_evidence: bool = False,
                 window: float | None = None, publish: str | None = None) -> Path:
    """Write the report folder (index.html, sites/*.html, thumbs/, evidence/) of `sites`
    (default all), scored by `score`, into `out_dir`; returns index.html. The workspace's
    evidence files are under `folder`; with `link_evidence` the pages link them.
    The monitoring covers the last `window` seconds (default the monitor's 7 days)."""
    from govaudit.report.render import render_pages

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise GovauditError(_("{out}: exists and is not a folder; choose another -o").format(
            out=out))
    try:
        (out / "sites").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GovauditError(_("{out}: cannot create the report folder ({strerror})").format(
            out=out, strerror=exc.strerror)) from None
    builder = ReportBuilder(checklist, settlement, folder, store, monitor, score,
                            out.resolve(), link_evidence, window)
    views = builder.site_views(sites)
    context = {
        "checklist": builder.checklist, "workspace": folder.name,
        "evaluator": evaluator, "version": __version__,
        "generated": china_time(datetime.now(UTC)),
        "band_colours": [band_colour(i) for i in range(len(builder.checklist.grades))],
    }
    return render_pages(out, context, builder.overview(views, publish), views)

