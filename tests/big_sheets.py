"""Hostile workbooks written as raw XML into the zip (fast): sheets filled to the last row
Excel allows, a cell tag with two references, shared-strings bombs, merged-cell bombs."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
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
    # one format for every data row: {0} its number, {1}… its values (a million rows)
    template = ('<row r="{0}">' + "".join(_cell(f"{letter}{{0}}", f"{{{n}}}")
                                           for n, letter in enumerate(columns, 1)) + "</row>")
    chunk: list[str] = []
    for number in range(len(head) + 1, rows + 1):
        values = next(row)
        assert len(values) == len(columns), values
        chunk.append(template.format(number, *values))
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


_SHEET_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_SST_TYPE = (b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings"
             b"+xml")
_SST_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _rewrite(source: Path, out: Path, change: dict[str, bytes | None],
             edit: dict[str, Callable[[bytes], bytes]] | None = None) -> Path:
    """A copy of `source` with parts replaced (None: removed), added or edited."""
    edit = edit or {}
    with zipfile.ZipFile(source) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename in change:
                continue
            data = src.read(info)
            if info.filename in edit:
                data = edit[info.filename](data)
            dst.writestr(info.filename, data)
        for name, data in change.items():
            if data is not None:
                dst.writestr(name, data)
    return out


def two_references(source: Path, out: Path, sheet: str,
                   second: str = "XFD1048576") -> Path:
    """A copy of workbook `source` whose `sheet`'s first cell tag carries a second `r`:
    `<c r="A1" r="XFD1048576">` (calamine takes the last)."""
    with zipfile.ZipFile(source) as src:
        part = sheet_parts(src)[sheet]
        data = src.read(part)
    found = re.search(rb'<c r="([A-Z]+[0-9]+)"', data)
    assert found is not None, f"{source}: no cell in sheet {sheet}"
    data = data[:found.end()] + f' r="{second}"'.encode() + data[found.end():]
    return _rewrite(source, out, {part: data})


def shared_strings_bomb(source: Path, out: Path, sheet: str, text_bytes: int, cells: int,
                        unique_count: int | None = None) -> Path:
    """A copy of workbook `source` whose `sheet` is `cells` cells (column A) all showing one
    shared string of `text_bytes` digits: it packs about 3:1, within every ratio limit, and
    a reader that copies the string into each cell needs text_bytes × cells bytes. With
    `unique_count`, the table declares that many strings (calamine reserves 24 bytes each)."""
    with zipfile.ZipFile(source) as src:
        part = sheet_parts(src)[sheet]
        names = set(src.namelist())
    text = b"".join(b"%07d" % i for i in range(text_bytes // 7 + 1))[:text_bytes]
    declared = b"" if unique_count is None else b' uniqueCount="%d"' % unique_count
    table = (b'<?xml version="1.0" encoding="UTF-8"?><sst ' + _SHEET_NS + declared +
             b"><si><t>" + text + b"</t></si></sst>")
    rows = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>' % (n, n)
                    for n in range(1, cells + 1))
    body = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + _SHEET_NS +
            b"><sheetData>" + rows + b"</sheetData></worksheet>")
    edit: dict[str, Callable[[bytes], bytes]] = {}
    if "xl/sharedStrings.xml" not in names:
        edit["[Content_Types].xml"] = lambda d: d.replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
            + _SST_TYPE + b'"/></Types>')
        edit["xl/_rels/workbook.xml.rels"] = lambda d: d.replace(
            b"</Relationships>", b'<Relationship Id="rIdSst" Type="' + _SST_REL
            + b'" Target="sharedStrings.xml"/></Relationships>')
    return _rewrite(source, out, {part: body, "xl/sharedStrings.xml": table}, edit)


def merged_over(source: Path, out: Path, sheet: str, *refs: str) -> Path:
    """A copy of workbook `source` whose `sheet` has these merged ranges (e.g. A1:XFD20001),
    written into the XML: openpyxl would make an object for every cell of them."""
    with zipfile.ZipFile(source) as src:
        part = sheet_parts(src)[sheet]
        data = src.read(part)
    merges = (f'<mergeCells count="{len(refs)}">'
              + "".join(f'<mergeCell ref="{ref}"/>' for ref in refs) + "</mergeCells>")
    return _rewrite(source, out, {part: data.replace(b"</sheetData>",
                                                     b"</sheetData>" + merges.encode(), 1)})
