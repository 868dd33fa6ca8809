"""The `[content]` settings of govaudit.toml: the team's lists, limits, and message templates.

    [content]
    names = ["lists/names.yaml"]              # paths are relative to the workspace
    words = ["lists/words.yaml", "lists/words.txt"]
    confusions = ["lists/confusions.txt"]
    holidays = "lists/holidays-2026.yaml"
    government_domains = ["example.org.cn"]   # besides gov.cn
    max_page_chars = 500000
    max_attachment_bytes = 50000000
    context_chars = 20

    [[content.messages]]                      # a 留言 template govaudit does not know
    name = "某CMS"
    item = "div.xf > div.row"
    asked = "i.d1"
    replied = "i.d2"
    state = "i.st"
    title = "b.q"
    answered = ["已反馈"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govaudit.errors import OptionError
from govaudit.i18n import _

if TYPE_CHECKING:  # the message readers load when a [content.messages] table is read
    from govaudit.content.messages import MessageSelectors


@dataclass(frozen=True)
class ContentSettings:
    names: tuple[Path, ...] = ()
    words: tuple[Path, ...] = ()
    confusions: tuple[Path, ...] = ()
    holidays: Path | None = None
    government_domains: tuple[str, ...] = ()
    max_page_chars: int = 500_000
    max_attachment_bytes: int = 50_000_000
    context_chars: int = 20
    messages: tuple[MessageSelectors, ...] = field(default=())

    @classmethod
    def from_toml(cls, table: dict[str, Any], root: Path) -> ContentSettings:
        """Settings from govaudit.toml's `[content]` table; paths relative to `root`."""
        def paths(key: str) -> tuple[Path, ...]:
            value = table.get(key, [])
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise OptionError(f"content.{key}", _("must be a file name or a list of them"))
            return tuple(root / v for v in value)

        def number(key: str, default: int) -> int:
            value = table.get(key, default)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise OptionError(f"content.{key}", _(
                    "must be a whole number above 0, not {value!r}").format(value=value))
            return value

        holidays = table.get("holidays")
        if holidays is not None and not isinstance(holidays, str):
            raise OptionError("content.holidays", _("must be a file name"))
        domains = table.get("government_domains", [])
        if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
            raise OptionError("content.government_domains", _("must be a list of domains"))
        return cls(paths("names"), paths("words"), paths("confusions"),
                   root / holidays if holidays else None,
                   tuple(d.lower().strip(".") for d in domains),
                   number("max_page_chars", 500_000), number("max_attachment_bytes", 50_000_000),
                   number("context_chars", 20), _selectors(table.get("messages", [])))


def _selectors(value: Any) -> tuple[MessageSelectors, ...]:
    from govaudit.content.messages import ANSWERED, MessageSelectors

    if not isinstance(value, list):
        raise OptionError("content.messages", _("must be [[content.messages]] tables"))
    out = []
    for number, item in enumerate(value, 1):
        where = f"content.messages #{number}"
        if not isinstance(item, dict) or not item.get("item") or not item.get("asked"):
            raise OptionError(where, _("needs at least item and asked (CSS selectors)"))
        answered = item.get("answered", list(ANSWERED))
        out.append(MessageSelectors(
            str(item.get("name") or f"template {number}"), str(item["item"]),
            str(item["asked"]), str(item.get("replied", "")), str(item.get("state", "")),
            str(item.get("title", "")),
            tuple(answered) if isinstance(answered, list) else (str(answered),)))
    return tuple(out)
