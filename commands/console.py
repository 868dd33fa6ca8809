"""The consoles the commands print with: rich, with every control character escaped.

Its own module, so that `govaudit --help` does not import rich (commands.common makes the
consoles on first use)."""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.table import Table
from rich.text import Span, Text

# C0 (but newline), DEL and C1: what a terminal may act on rather than show
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """Control characters made visible: ESC becomes the four characters \\x1b."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _escaped_text(text: Text) -> Text:
    """A copy of a rich Text with its control characters escaped, styles kept."""
    cuts = sorted({i for m in _CONTROL.finditer(text.plain) for i in (m.start(), m.end())})
    if not cuts:
        return text
    out = text.blank_copy()
    for piece in text.divide(cuts):
        if _CONTROL.fullmatch(piece.plain):
            shown = escape_controls(piece.plain)
            piece = Text(shown, style=piece.style,
                         spans=[Span(0, len(shown), span.style) for span in piece.spans])
        out.append_text(piece)
    return out


def _escaped(renderable: RenderableType) -> RenderableType:
    if isinstance(renderable, str):
        return escape_controls(renderable)
    return _escaped_text(renderable) if isinstance(renderable, Text) else renderable


def _escaped_table(table: Table) -> Table:
    """A copy of a table with its cells escaped, so that its columns are measured as shown."""
    shown = copy.copy(table)
    shown.columns = [dataclasses.replace(column, header=_escaped(column.header),
                                         footer=_escaped(column.footer),
                                         _cells=[_escaped(cell) for cell in column.cells])
                     for column in table.columns]
    return shown


class SafeConsole(Console):
    """A console that never passes a control character of the text it prints to the terminal.

    Names and notes come from sites, CSV files and teammates' workbooks: an ESC or
    OSC sequence in them could retitle, clear or reprogram the terminal. Every
    string, Text and table cell is escaped before layout (so widths stay right), and
    any segment rendered otherwise is escaped on its way out. Markup is off: text
    from outside must not become styles or links.
    """

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(escape_controls(text), **kwargs)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None
               ) -> Iterable[Segment]:
        renderable = (_escaped_table(renderable) if isinstance(renderable, Table)
                      else _escaped(renderable))
        for segment in super().render(renderable, options):
            if segment.control is None and _CONTROL.search(segment.text):
                segment = Segment(escape_controls(segment.text), segment.style)
            yield segment
