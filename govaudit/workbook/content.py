"""What goes into a workbook, gathered from a workspace or from merged files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govaudit.checklist import Checklist
from govaudit.model import Adjudication, Answer, Evidence, LogEntry, Review, Site
from govaudit.review import current_adjudications, current_reviews
from govaudit.scoring import Scorer, ScoreReport, score_sites
from govaudit.store import Store
from govaudit.urls import redact_url
from govaudit.version import __version__
from govaudit.workbook import layout
from govaudit.workbook.layout import MAX_DATA_ROWS
from govaudit.workbook.monitoring import MonitoringSheet

if TYPE_CHECKING:
    from govaudit.workbook.agreement import AgreementReport

GENERATOR = "govaudit"
_EPOCH = dt.datetime(1899, 12, 30)
# Excel's dates run from 1900 to 9999: a time outside (1e20, year 1, year 9999 pushed past
# the end by its time zone) is refused where it comes in, so every stored time can be
# written to a workbook and read back.
MIN_TIME = dt.datetime(1900, 1, 1)
MAX_TIME = dt.datetime(9999, 12, 31)


@dataclass
class ConflictRow:
    """One row of the Conflicts sheet: one candidate answer of a contested (site, question)."""

    kind: str  # layout.SAME_EVALUATOR or layout.DISAGREEMENT
    answer: Answer
    outcome: str  # what was used: "采用"/"未采用", or the consolidated value
    rule: str


@dataclass
class WorkbookContent:
    checklist: Checklist
    sites: list[Site]
    answers: list[Answer]  # the Answers rows, in order
    report: ScoreReport
    evidence: list[dict[str, Any]]  # flat Evidence rows keyed by layout column ids
    about: list[tuple[str, str, Any]]  # (label, key, value)
    evidence_root: Path | None = None  # evidence "file" paths are relative to this folder
    conflicts: list[ConflictRow] | None = None
    agreement: AgreementReport | None = None
    skipped: int = 0  # stored answers left out (question or site no longer known)
    extra: dict[str, Any] = field(default_factory=dict)
    monitoring: MonitoringSheet | None = None  # the Monitoring sheet (a monitored workspace)
    checks: list[dict[str, Any]] | None = None  # the Checks sheet's rows, by column id
    # the review that holds for each answer, by (site, question, evaluator)
    reviews: dict[tuple[str, str, str], Review] = field(default_factory=dict)
    adjudications: list[Adjudication] = field(default_factory=list)  # those that hold
    log: list[LogEntry] | None = None  # the 审计日志 sheet (a workspace's export)
    printed: bool = False  # the copy to print: layout.PRINTED_SHEETS only (print_copy)

    @property
    def date(self) -> str:
        """The day the workbook was made, in China: what a printed page's footer shows."""
        from govaudit.chinatime import china_date

        made = next((v for _, key, v in self.about if key == "exported"), None)
        # the About row holds the time in China already
        return made.strftime("%Y-%m-%d") if isinstance(made, dt.datetime) else china_date()


# The workbook shows times in China time: its time headers say so (ZONE), and a time read back
# from a column whose header says so is taken as China time.
ZONE = "UTC+8"
CHINA_OFFSET = dt.timedelta(hours=8)


def shown_time(text: str) -> dt.datetime | None:
    """A stored time as the workbook shows it: a naive datetime in China time."""
    moment = parse_time(text)
    return None if moment is None else moment + CHINA_OFFSET


def says_china_time(heading: str) -> bool:
    """Whether a column's (or an About row's) heading says its times are China time."""
    return ZONE in heading


def parse_time(text: str) -> dt.datetime | None:
    """A stored ISO time as a naive UTC datetime rounded to the millisecond (xlsx has no zones)."""
    try:
        value = dt.datetime.fromisoformat(text)
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return round_ms(value) if value.microsecond % 1000 else value
    except (ValueError, TypeError, OverflowError):
        return None


def round_ms(value: dt.datetime) -> dt.datetime:
    micro = round(value.microsecond, -3)
    return value.replace(microsecond=0) + dt.timedelta(microseconds=micro)


def time_text(value: dt.datetime) -> str:
    """The canonical stored form of a naive UTC datetime."""
    return round_ms(value).replace(tzinfo=dt.UTC).isoformat(timespec="milliseconds")


def _cell_moment(value: object) -> tuple[dt.datetime | None, bool]:
    """The time a cell (datetime, Excel serial number or ISO text) holds, as a naive datetime
    (UTC where the cell says its zone), and whether it says its zone; (None, False) for
    anything else."""
    try:
        if isinstance(value, dt.datetime):
            return parse_time(value.isoformat()), value.tzinfo is not None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return _EPOCH + dt.timedelta(days=float(value)), False
        if isinstance(value, str) and value.strip():
            moment = parse_time(value.strip())
            return moment, moment is not None and dt.datetime.fromisoformat(
                value.strip()).tzinfo is not None
    except (OverflowError, ValueError):  # timedelta(days=1e20), inf
        pass
    return None, False


def china_cell(value: object) -> object:
    """A cell of a column in China time as a time that says so (UTC+8), for cell_time; a
    time that says its own zone, and anything not a time, as it is."""
    moment, zoned = _cell_moment(value)
    return value if moment is None or zoned else moment.replace(
        tzinfo=dt.timezone(CHINA_OFFSET))


def cell_time(value: object) -> str | None:
    """A time cell (datetime, Excel serial number or ISO text) in canonical form (UTC), or
    None; one without a zone is UTC (china_cell gives those of a China-time column theirs).

    None also for a time outside MIN_TIME..MAX_TIME (UTC), which no workbook can hold.
    """
    moment, _zoned = _cell_moment(value)
    if moment is None or not MIN_TIME <= moment < MAX_TIME:
        return None
    return time_text(moment)


def sort_answers(checklist: Checklist, sites: list[Site], answers: Iterable[Answer]
                 ) -> tuple[list[Answer], int]:
    """Answers in sheet order (site, checklist order, evaluator); unknown ones left out."""
    site_order = {s.name: i for i, s in enumerate(sites)}
    question_order = {q.id: i for i, q in enumerate(checklist.questions)}
    kept: list[Answer] = []
    skipped = 0
    for answer in answers:
        if answer.site in site_order and answer.question in question_order:
            kept.append(answer)
        else:
            skipped += 1
    kept.sort(key=lambda a: (site_order[a.site], question_order[a.question], a.evaluator))
    return kept, skipped


def evidence_rows(records: Iterable[Evidence]) -> list[dict[str, Any]]:
    """Evidence records flattened to one row per file (one row for a capture without files)."""
    rows: list[dict[str, Any]] = []
    for record in records:
        base = {
            "evidence": record.id, "site": record.site,
            "indicator": record.indicator, "question": record.question,
            "requested_url": redact_url(record.requested_url),
            "final_url": redact_url(record.final_url),
            "status": record.status,
            "time": shown_time(record.time) or record.time,
            "error": record.error,
        }
        if not record.files:
            rows.append({**base, "kind": "", "file": "", "sha256": "", "bytes": None})
        for item in record.files:
            rows.append({**base, "kind": item.kind, "file": item.path,
                         "sha256": item.sha256, "bytes": item.bytes})
    rows.sort(key=lambda r: (str(r["site"]), str(r["evidence"]), str(r["file"])))
    return rows


def about_rows(checklist: Checklist, kind: str, answers: list[Answer], *,
               workspace: str = "", extra: Iterable[tuple[str, str, Any]] = ()
               ) -> list[tuple[str, str, Any]]:
    evaluators = sorted({a.evaluator for a in answers})
    return [
        ("生成工具", "generator", GENERATOR),
        ("工作簿类型", "kind", kind),
        ("指标体系编号", "checklist_id", checklist.id),
        ("指标体系名称", "checklist_name", checklist.name),
        ("指标体系版本", "checklist_version", checklist.version),
        ("评估人", "evaluators", ", ".join(evaluators)),
        ("答案条数", "answers", len(answers)),
        ("工作区", "workspace", workspace),
        ("govaudit 版本", "govaudit_version", __version__),
        *extra,
        (f"导出时间（{ZONE}）", "exported",
         round_ms(dt.datetime.now(dt.UTC).replace(tzinfo=None) + CHINA_OFFSET)),
    ]


def print_copy(content: WorkbookContent) -> WorkbookContent:
    """The copy of `content` to print (layout.PRINTED_SHEETS): its results without the rows
    behind them, its About sheet saying what it is."""
    about = [(label, key, layout.PRINT_KIND if key == "kind" else value)
             for label, key, value in content.about]
    about.insert(-1, ("用途", "print_note",
                      "打印用副本：含汇总、得分、一致性与指标体系，不含答题记录、证据和冲突明细；"
                      "导入与合并请用原工作簿"))
    return replace(content, about=about, printed=True)


def workspace_content(checklist: Checklist, store: Store, score: Scorer, *, name: str,
                      evaluator: str, root: Path, monitoring: MonitoringSheet | None
                      ) -> WorkbookContent:
    """Everything a workspace's export holds: scores as `govaudit score` computes them
    (`score`), the evidence paths relative to `root`, the Monitoring sheet given."""
    sites = store.sites()
    stored = store.answers()
    report = score(sites, stored)
    answers, skipped = sort_answers(checklist, sites, stored)
    reviews = current_reviews(answers, store.reviews())
    del stored
    evidence = evidence_rows(store.evidence_records())
    log = store.log_entries()
    about = about_rows(checklist, "export", answers, workspace=name,
                       extra=[("本工作区评估人", "evaluator", evaluator),
                              *([("审计日志条数", "log_entries", len(log)),
                                 ("审计日志末条 SHA-256", "log_head", log[-1].hash)] if log
                                else [])])
    return WorkbookContent(checklist, sites, answers, report, evidence, about,
                           evidence_root=root, skipped=skipped, monitoring=monitoring,
                           checks=check_rows(store, sites, root) or None, reviews=reviews,
                           adjudications=sorted_adjudications(
                               current_adjudications(store.adjudications()).values()),
                           log=last_rows(log) or None)


def last_rows(entries: list[LogEntry]) -> list[LogEntry]:
    """The newest entries a sheet can hold (Excel's last row); `log verify` reads them all."""
    return entries[-MAX_DATA_ROWS:]


def sorted_adjudications(items: Iterable[Adjudication]) -> list[Adjudication]:
    """Adjudications in the order of the Adjudications sheet: by site, then question."""
    return sorted(items, key=lambda a: (a.site, a.question))


def check_rows(store: Store, sites: list[Site], root: Path) -> list[dict[str, Any]]:
    """The Checks sheet: every stored content and conformance check row, site by site, keyed
    by column id: the check and its result by their Chinese names (the check's id beside it), a
    screenshot's path relative to the workspace."""
    from govaudit.glossary import check as check_name
    from govaudit.probes.check_rows import RESULT_LABELS, ChecksResult

    out = []
    for site in sites:
        for name, result in store.probe_results(site.name).items():
            if not isinstance(result, ChecksResult):
                continue
            for row in result.rows:
                shot = Path(row.screenshot) if row.screenshot else None
                if shot is not None and shot.is_relative_to(root):
                    shot = shot.relative_to(root)
                out.append({**row.to_dict(), "site": site.name, "probe": name,
                            "time": shown_time(result.time) or result.time,
                            "check": check_name(row.check, "zh"),
                            "check_id": row.check,
                            "result": RESULT_LABELS.get(row.result, row.result),
                            "screenshot": str(shot) if shot else ""})
    return out


def answers_content(checklist: Checklist, sites: list[Site], answers: Iterable[Answer],
                    kind: str = "export") -> WorkbookContent:
    """A workbook of given answers (no workspace): scores as `govaudit score` computes them."""
    answers = list(answers)
    report = score_sites(checklist, sites, answers)
    rows, skipped = sort_answers(checklist, sites, answers)
    return WorkbookContent(checklist, sites, rows, report, [], about_rows(checklist, kind, rows),
                           skipped=skipped)
