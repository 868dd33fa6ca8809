"""Content checks: names and titles, sensitive words, personal data, hidden links, replies.

Each check takes plain inputs (text blocks with their DOM paths, link records with style
facts, attachment bytes, list rows) and returns frozen findings with their evidence; see
docs/content.md for the API and the formats of the lists a team supplies.
`ContentChecker` runs the text checks (names, words, personal data) over pages and
attachments with the lists of `ContentSettings`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govaudit.content.attachments import Attachment
    from govaudit.content.checker import ContentChecker
    from govaudit.content.html_blocks import page_text
    from govaudit.content.model import Finding, InputProblem, PageText, TextBlock
    from govaudit.content.settings import ContentSettings

__all__ = ["Attachment", "ContentChecker", "ContentSettings", "Finding", "InputProblem",
           "PageText", "TextBlock", "page_text"]
# Where each name lives: a module is imported when its name is first used, so that reading
# the settings (govaudit.content.settings, which every `check` does) loads no checker.
_HOMES = {"Attachment": "attachments", "ContentChecker": "checker", "page_text": "html_blocks",
          "Finding": "model", "InputProblem": "model", "PageText": "model", "TextBlock": "model",
          "ContentSettings": "settings"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
