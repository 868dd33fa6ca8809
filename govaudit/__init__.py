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
    "PageRef": "govaudit.model", "RemovedSite": "govaudit.model", "Site": "govaudit.model",
    "SiteChange": "govaudit.model", "SiteScore": "govaudit.model",
    "SitesPlan": "govaudit.model",
    "Disagreement": "govaudit.scoring", "ScoreReport": "govaudit.scoring",
    "Settlement": "govaudit.scoring",
    "__version__": "govaudit.version",
}

if TYPE_CHECKING:
    from govaudit.audit import Audit, Sites
    from govaudit.errors import ChecklistError, GovauditError, RowsError
    from govaudit.model import (
        PROBE_EVALUATOR,
        Answer,
        PageRef,
        RemovedSite,
        Site,
        SiteChange,
        SiteScore,
        SitesPlan,
    )
    from govaudit.scoring import Disagreement, ScoreReport, Settlement
    from govaudit.version import __version__


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'govaudit' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


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
