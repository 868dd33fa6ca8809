"""Checklists: the model, the YAML loader and validation, and the Excel table import."""

from govaudit.checklist.loader import (
    builtin_dir,
    builtin_names,
    checklist_path,
    load_checklist,
    validate_checklist,
)
from govaudit.checklist.model import (
    Checklist,
    Choice,
    Condition,
    Grade,
    Indicator,
    Question,
    RankGroup,
    TopIndicator,
)

__all__ = [
    "Checklist", "Choice", "Condition", "Grade", "Indicator", "Question", "RankGroup",
    "TopIndicator",
    "builtin_dir", "builtin_names", "checklist_path", "load_checklist", "validate_checklist",
]
