"""govaudit: evaluate government websites by hand, with evidence.

The library's front door is `Audit`, one workspace:

    import govaudit
    audit = govaudit.Audit.open("audit-2026")
    for s in audit.score():
        print(s.site, s.total, s.grade, s.rank)
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

# A source checkout keeps the CLI in ../commands; the wheel installs it as govaudit/commands.
_CHECKOUT = Path(__file__).resolve().parent.parent
if (_CHECKOUT / "commands" / "app.py").is_file() and not (Path(__file__).parent /
                                                          "commands").is_dir():
    __path__.append(str(_CHECKOUT))  # noqa: F821 - the package's own __path__

# Names are imported when first used (PEP 562), so that a program using one part of the
# library (a probe, the store) does not pay for importing all of it.
_HOMES = {
    "Audit": "govaudit.audit", "Sites": "govaudit.audit",
    "ChecklistError": "govaudit.errors", "GovauditError": "govaudit.errors",
    "RowsError": "govaudit.errors",
    "PROBE_EVALUATOR": "govaudit.model", "Answer": "govaudit.model",
    "REVIEW_STATES": "govaudit.model", "Review": "govaudit.model",
    "AnswerReview": "govaudit.model", "Adjudication": "govaudit.model",
    "LogEntry": "govaudit.model", "LogCheck": "govaudit.auditlog",
    "PageRef": "govaudit.model", "RemovedSite": "govaudit.model", "Site": "govaudit.model",
    "SiteChange": "govaudit.model", "SiteScore": "govaudit.model",
    "SitesPlan": "govaudit.model",
    "Disagreement": "govaudit.scoring", "ScoreReport": "govaudit.scoring",
    "Settlement": "govaudit.scoring",
    "__version__": "govaudit.version",
    # what the commands use besides Audit (a name differing from its home's is "module:name")
    "check_publish": "govaudit.audit",
    "has_display": "govaudit.browser",
    "LiveBrowser": "govaudit.capture.live",
    "CaptureOptions": "govaudit.capture.options",
    "WaitUntil": "govaudit.capture.options",
    "default_key_path": "govaudit.archive.signing",
    "Checklist": "govaudit.checklist.model",
    "Indicator": "govaudit.checklist.model",
    "Question": "govaudit.checklist.model",
    "builtin_dir": "govaudit.checklist.loader",
    "builtin_names": "govaudit.checklist.loader",
    "checklist_path": "govaudit.checklist.loader",
    "load_checklist": "govaudit.checklist.loader",
    "validate_checklist": "govaudit.checklist.loader",
    "import_table": "govaudit.checklist.table_import",
    "to_yaml": "govaudit.checklist.table_import",
    "CollectSession": "govaudit.collect",
    "SessionSummary": "govaudit.collect",
    "DemoResult": "govaudit.demo",
    "run_demo": "govaudit.demo",
    "doctor_checks": "govaudit.doctor:run_checks",
    "Evidence": "govaudit.model",
    "format_duration": "govaudit.monitor.durations",
    "parse_duration": "govaudit.monitor.durations",
    "utc_iso": "govaudit.monitor.durations",
    "Campaign": "govaudit.monitor.schedule",
    "MonitorStatus": "govaudit.monitor",
    "RoundSummary": "govaudit.monitor.schedule",
    "VisitOptions": "govaudit.monitor.visits",
    "VisitResult": "govaudit.monitor.visits",
    "RoundQueued": "govaudit.fleet.schedule",
    "WorkerOptions": "govaudit.fleet.worker",
    "WorkerSummary": "govaudit.fleet.worker",
    "LinksResult": "govaudit.probes.checks.links",
    "FetchLimits": "govaudit.probes.fetch",
    "LinkOptions": "govaudit.probes.links",
    "probe_help": "govaudit.probes.registry:help_text",
    "CheckOptions": "govaudit.probes.run",
    "CheckRun": "govaudit.probes.run",
    "ProgressEvent": "govaudit.probes.run",
    "ProgressFn": "govaudit.probes.run",
    "SiteCheck": "govaudit.probes.run",
    "resolve_probes": "govaudit.probes.run",
    "PROVISIONAL_NOTE": "govaudit.scoring",
    "SHOWN_DECIMALS": "govaudit.scoring",
    "check_url": "govaudit.sites",
    "china_time": "govaudit.chinatime", "readable_url": "govaudit.urls",
    "readable_urls": "govaudit.urls", "worded_failure": "govaudit.page.verdicts",
    "PRIVATE_MARK": "govaudit.netpolicy",
    "ConflictRow": "govaudit.workbook.content",
    "IntoResult": "govaudit.workbook.into",
    "MergeResult": "govaudit.workbook.merge",
    "WrittenWorkbook": "govaudit.workbook.export",
    "TeamServer": "govaudit.server.admin",
    "SyncResult": "govaudit.server.sync",
}

if TYPE_CHECKING:
    from govaudit.archive.signing import default_key_path
    from govaudit.audit import Audit, Sites, check_publish
    from govaudit.auditlog import LogCheck
    from govaudit.browser import has_display
    from govaudit.capture.live import LiveBrowser
    from govaudit.capture.options import CaptureOptions, WaitUntil
    from govaudit.checklist.loader import (
        builtin_dir,
        builtin_names,
        checklist_path,
        load_checklist,
        validate_checklist,
    )
    from govaudit.checklist.model import Checklist, Indicator, Question
    from govaudit.checklist.table_import import import_table, to_yaml
    from govaudit.chinatime import china_time
    from govaudit.collect import CollectSession, SessionSummary
    from govaudit.demo import DemoResult, run_demo
    from govaudit.doctor import run_checks as doctor_checks
    from govaudit.errors import ChecklistError, GovauditError, RowsError
    from govaudit.fleet.schedule import RoundQueued
    from govaudit.fleet.worker import WorkerOptions, WorkerSummary
    from govaudit.model import (
        PROBE_EVALUATOR,
        REVIEW_STATES,
        Adjudication,
        Answer,
        AnswerReview,
        Evidence,
        LogEntry,
        PageRef,
        RemovedSite,
        Review,
        Site,
        SiteChange,
        SiteScore,
        SitesPlan,
    )
    from govaudit.monitor.durations import format_duration, parse_duration, utc_iso
    from govaudit.monitor.schedule import Campaign, RoundSummary
    from govaudit.monitor.visits import VisitOptions, VisitResult
    from govaudit.netpolicy import PRIVATE_MARK
    from govaudit.page.verdicts import worded_failure
    from govaudit.probes.checks.links import LinksResult
    from govaudit.probes.fetch import FetchLimits
    from govaudit.probes.links import LinkOptions
    from govaudit.probes.registry import help_text as probe_help
    from govaudit.probes.run import (
        CheckOptions,
        CheckRun,
        ProgressEvent,
        ProgressFn,
        SiteCheck,
        resolve_probes,
    )
    from govaudit.scoring import (
        PROVISIONAL_NOTE,
        SHOWN_DECIMALS,
        Disagreement,
        ScoreReport,
        Settlement,
    )
    from govaudit.server.admin import TeamServer
    from govaudit.server.sync import SyncResult
    from govaudit.sites import check_url
    from govaudit.urls import readable_url, readable_urls
    from govaudit.version import __version__
    from govaudit.workbook.content import ConflictRow
    from govaudit.workbook.export import WrittenWorkbook
    from govaudit.workbook.into import IntoResult
    from govaudit.workbook.merge import MergeResult


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'govaudit' has no attribute {name!r}")
    module, _, attr = home.partition(":")
    value = getattr(importlib.import_module(module), attr or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__all__ = [
    "PRIVATE_MARK",
    "PROBE_EVALUATOR",
    "REVIEW_STATES",
    "china_time",
    "readable_url",
    "readable_urls",
    "worded_failure",
    "Adjudication",
    "Answer",
    "AnswerReview",
    "LogCheck",
    "LogEntry",
    "Review",
    "Audit",
    "ChecklistError",
    "Disagreement",
    "GovauditError",
    "PageRef",
    "RemovedSite",
    "RowsError",
    "ScoreReport",
    "Settlement",
    "Site",
    "SiteChange",
    "SiteScore",
    "Sites",
    "SitesPlan",
    "check_publish",
    "has_display",
    "LiveBrowser",
    "CaptureOptions",
    "WaitUntil",
    "default_key_path",
    "Checklist",
    "Indicator",
    "Question",
    "builtin_dir",
    "builtin_names",
    "checklist_path",
    "load_checklist",
    "validate_checklist",
    "import_table",
    "to_yaml",
    "CollectSession",
    "SessionSummary",
    "DemoResult",
    "run_demo",
    "doctor_checks",
    "Evidence",
    "format_duration",
    "parse_duration",
    "utc_iso",
    "Campaign",
    "RoundSummary",
    "VisitOptions",
    "VisitResult",
    "RoundQueued",
    "WorkerOptions",
    "WorkerSummary",
    "LinksResult",
    "FetchLimits",
    "LinkOptions",
    "probe_help",
    "CheckOptions",
    "CheckRun",
    "ProgressEvent",
    "ProgressFn",
    "SiteCheck",
    "resolve_probes",
    "PROVISIONAL_NOTE",
    "SHOWN_DECIMALS",
    "check_url",
    "ConflictRow",
    "IntoResult",
    "MergeResult",
    "WrittenWorkbook",
    "TeamServer",
    "SyncResult",
    "__version__",
]
