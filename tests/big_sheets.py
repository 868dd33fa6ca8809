"""Workbooks filled to the last row Excel allows, written as raw XML into the zip (fast)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from govaudit.workbook.safety import sheet_parts

LAST_ROW = 1_048_576


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _sheet_xml(head: list[list[str]], row: Iterator[tuple[str, ...]], rows: int,
               columns: str) -> Iterator[bytes]:
    yield (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
           b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    for number, cells in enumerate(head, 1):
        yield (f'<row r="{number}">' + "".join(_cell(f"{chr(65 + i)}{number}", c)
                                             for i, c in enumerate(cells) if c) + "</row>"
               ).encode()
    chunk: list[str] = []
    for number in range(len(head) + 1, rows + 1):
        values = next(row)
        chunk.append(f'<row r="{number}">' + "".join(
            _cell(f"{letter}{number}", value) for letter, value in zip(columns, values,
                                                                        strict=True))
            + "</row>")
        if len(chunk) == 10_000:
            yield "".join(chunk).encode()
            chunk = []
    yield ("".join(chunk) + "</sheetData></worksheet>").encode()


def fill_sheet(source: Path, out: Path, sheet: str, head: list[list[str]],
               row: Iterator[tuple[str, ...]], columns: str, rows: int = LAST_ROW) -> Path:
    """A copy of workbook `source` whose `sheet` holds `head` then data rows up to `rows`,
    the cells of each in `columns` (letters)."""
    with zipfile.ZipFile(source) as src:
        part = sheet_parts(src)[sheet]
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
            for info in src.infolist():
                if info.filename != part:
                    dst.writestr(info, src.read(info))
                    continue
                with dst.open(part, "w", force_zip64=True) as target:
                    for block in _sheet_xml(head, row, rows, columns):
                        target.write(block)
    return out


def answers_rows(sites: list[str], question: str) -> Iterator[tuple[str, ...]]:
    """Answers-sheet data rows (site, question, value), one site after another."""
    number = 0
    while True:
        number += 1
        yield sites[number % len(sites)], question, f"v{number}"


def sites_rows() -> Iterator[tuple[str, ...]]:
    """Site-list rows (name, url, level), every one a new site."""
    number = 0
    while True:
        number += 1
        yield f"站点{number}", f"https://s{number}.example.cn/", "city"
