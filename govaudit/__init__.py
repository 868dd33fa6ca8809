"""govaudit: evaluate government websites by hand, with evidence.

The library's front door is `Audit`, one workspace:

    import govaudit
    audit = govaudit.Audit.open("audit-2026")
    for s in audit.score():
        print(s.site, s.total, s.grade, s.rank)
"""

from __future__ import annotations

from pathlib import Path

# A source checkout keeps the CLI in ../commands; the wheel installs it as govaudit/commands.
_CHECKOUT = Path(__file__).resolve().parent.parent
if (_CHECKOUT / "commands" / "app.py").is_file() and not (Path(__file__).parent /
                                                          "commands").is_dir():
    __path__.append(str(_CHECKOUT))  # noqa: F821 - the package's own __path__

from govaudit.audit import Audit, Sites  # noqa: E402
from govaudit.errors import ChecklistError, GovauditError, RowsError  # noqa: E402
from govaudit.model import (  # noqa: E402
    PROBE_EVALUATOR,
    Answer,
    PageRef,
    RemovedSite,
    Site,
    SiteChange,
    SiteScore,
    SitesPlan,
)
from govaudit.scoring import Disagreement, ScoreReport, Settlement  # noqa: E402
from govaudit.version import __version__  # noqa: E402

__all__ = [
    "PROBE_EVALUATOR",
    "Answer",
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
    "__version__",
]
