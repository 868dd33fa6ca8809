"""Content checks: names and titles, sensitive words, personal data, hidden links, replies.

Each check takes plain inputs (text blocks with their DOM paths, link records with style
facts, attachment bytes, list rows) and returns frozen findings with their evidence; see
docs/content.md for the API and the formats of the lists a team supplies.
`ContentChecker` runs the text checks (names, words, personal data) over pages and
attachments with the lists of `ContentSettings`.
"""

from govaudit.content.attachments import Attachment
from govaudit.content.checker import ContentChecker
from govaudit.content.html_blocks import page_text
from govaudit.content.model import Finding, InputProblem, PageText, TextBlock
from govaudit.content.settings import ContentSettings

__all__ = ["Attachment", "ContentChecker", "ContentSettings", "Finding", "InputProblem",
           "PageText", "TextBlock", "page_text"]
