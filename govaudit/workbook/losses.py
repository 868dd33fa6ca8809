"""What a round trip through openpyxl drops from a team's workbook, found by comparing parts.

`export --into` loads the team's workbook with openpyxl, replaces govaudit's
sheets and saves it. openpyxl keeps values, styles, pictures, charts, tables,
comments' text, data validations and conditional formats it understands, but
drops text boxes and other shapes, slicers, form controls, sparklines, Excel 2010
extensions (x14 validations and formats), macros, external data and the cached
results of formulas (it writes formulas only). Rather than trusting a list, the
same things are counted in the original and in the file openpyxl wrote, sheet by
sheet for the team's own sheets, and whatever has fewer copies afterwards is lost.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.etree import ElementTree

from govaudit.workbook.safety import part_rels, sheet_parts, workbook_part

WORKBOOK = ""  # the `where` of workbook-wide things
CACHED = "cached formula result"
# Things counted one by one in a sheet's XML (by local name).
_SHEET_ELEMENTS = {
    "dataValidation": "data validation", "cfRule": "conditional formatting rule",
    "sparklineGroup": "sparkline group", "control": "form control",
    "oleObject": "embedded object", "hyperlink": "hyperlink",
}
# Parts a sheet points to (by relationship type).
_SHEET_RELATIONS = {
    "/comments": None, "/threadedComment": None, "/drawing": None,
    "/pivotTable": "pivot table", "/table": "table", "/printerSettings": "printer settings",
    "/image": "background picture",
}
# Workbook-wide parts, by name.
_PARTS = (
    (re.compile(r"xl/vbaProject\.bin$"), "VBA macros"),
    (re.compile(r"xl/externalLinks/externalLink\d*\.xml$"), "external link"),
    (re.compile(r"xl/connections\.xml$"), "data connections"),
    (re.compile(r"xl/queryTables/queryTable\d*\.xml$"), "query table"),
    (re.compile(r"xl/model/"), "data model"),
    (re.compile(r"xl/slicerCaches/slicerCache\d*\.xml$"), "slicer cache"),
    (re.compile(r"xl/timelineCaches/timelineCache\d*\.xml$"), "timeline cache"),
    (re.compile(r"xl/richData/"), "pictures in cells"),
    (re.compile(r"customXml/item\d*\.xml$"), "custom XML part"),
    (re.compile(r"xl/activeX/activeX\d*\.xml$"), "ActiveX control"),
    (re.compile(r"xl/embeddings/"), "embedded file"),
    (re.compile(r"xl/chartsheets/sheet\d*\.xml$"), "chart sheet"),
    (re.compile(r"xl/(macrosheets|dialogsheets)/"), "macro or dialog sheet"),
)
# Said without a number: one thing however many parts hold it.
_WHOLE = frozenset(("VBA macros", "data connections", "data model", "pictures in cells",
                    "printer settings"))
_GRAPHIC_KINDS = (("/chart", "chart"), ("/slicer", "slicer"), ("/timeslicer", "timeline"),
                  ("/diagram", "SmartArt diagram"))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _sheet_counts(archive: zipfile.ZipFile, part: str, counts: Counter[str]) -> None:
    with archive.open(part) as handle:
        for _event, element in ElementTree.iterparse(handle):
            name = _local(element.tag)
            if name == "c":
                children = {_local(child.tag): child for child in element}
                value = children.get("v")
                if "f" in children and value is not None and (value.text or "") != "":
                    counts[CACHED] += 1
                element.clear()
            elif name == "row":
                element.clear()
            elif name in _SHEET_ELEMENTS:
                counts[_SHEET_ELEMENTS[name]] += 1


def _drawing_counts(root: ElementTree.Element, counts: Counter[str]) -> None:
    """Shapes, pictures and graphic frames of a drawing part (the Fallback of an
    mc:AlternateContent is a stand-in for its Choice, so it is not counted)."""
    for child in root:
        name = _local(child.tag)
        if name == "Fallback":
            continue
        if name == "sp":
            text_box = any(_local(e.tag) == "cNvSpPr" and e.get("txBox") in ("1", "true")
                           for e in child.iter())
            counts["text box" if text_box else "shape"] += 1
        elif name == "pic":
            counts["picture"] += 1
        elif name == "cxnSp":
            counts["connector"] += 1
        elif name == "graphicFrame":
            uri = next((e.get("uri", "") for e in child.iter()
                        if _local(e.tag) == "graphicData"), "")
            counts[next((label for end, label in _GRAPHIC_KINDS if uri.endswith(end)),
                        "drawing object")] += 1
        elif name == "grpSp":
            counts["shape group"] += 1
        _drawing_counts(child, counts)


def _related_counts(archive: zipfile.ZipFile, part: str, counts: Counter[str]) -> None:
    for rel_type, target in part_rels(archive, part).values():
        kind = next((k for k in _SHEET_RELATIONS if rel_type.endswith(k)), None)
        if kind is None:
            continue
        label = _SHEET_RELATIONS[kind]
        if label is not None:
            counts[label] += 1
            continue
        try:
            root = ElementTree.fromstring(archive.read(target))
        except (KeyError, ElementTree.ParseError):
            continue
        if kind == "/drawing":
            _drawing_counts(root, counts)
        else:
            wanted = "comment" if kind == "/comments" else "threadedComment"
            counts["comment" if kind == "/comments" else "threaded comment"] += sum(
                1 for e in root.iter() if _local(e.tag) == wanted)


def _workbook_counts(archive: zipfile.ZipFile, counts: Counter[str], kept: set[str]) -> None:
    """The workbook's own parts and defined names; a print area or print titles of a sheet not
    in `kept` is that sheet's setting, written again with it."""
    for name in archive.namelist():
        for pattern, label in _PARTS:
            if pattern.match(name):
                counts[label] += 1
    try:
        root = ElementTree.fromstring(archive.read(workbook_part(archive)))
    except (KeyError, ElementTree.ParseError):
        return
    order = [e.get("name", "") for e in root.iter() if _local(e.tag) == "sheet"]
    for element in root.iter():
        name = element.get("name") or ""
        # openpyxl writes autofilter ranges again itself
        if _local(element.tag) != "definedName" or name.endswith("_FilterDatabase"):
            continue
        local = element.get("localSheetId") or ""
        if name.startswith("_xlnm.") and local.isdigit() and int(local) < len(order) and \
                order[int(local)] not in kept:
            continue
        counts["defined name"] += 1


def inventory(archive: zipfile.ZipFile, sheets: Iterable[str]) -> dict[str, Counter[str]]:
    """{sheet name (WORKBOOK for the workbook): {what: how many}} for the given sheets."""
    parts = sheet_parts(archive)
    out: dict[str, Counter[str]] = {}
    for sheet in sheets:
        part = parts.get(sheet)
        if part is None or part not in archive.namelist():
            continue
        counts: Counter[str] = Counter()
        _sheet_counts(archive, part, counts)
        _related_counts(archive, part, counts)
        out[sheet] = counts
    counts = Counter()
    _workbook_counts(archive, counts, set(sheets))
    out[WORKBOOK] = counts
    return out


def losses(original: Path, updated: bytes, sheets: Iterable[str]) -> dict[str, Counter[str]]:
    """What the team's sheets (and the workbook) hold in `original` but no longer in
    `updated`: {sheet or WORKBOOK: {what: how many lost}}, only where something is lost."""
    sheets = list(sheets)
    with zipfile.ZipFile(original) as before, zipfile.ZipFile(io.BytesIO(updated)) as after:
        old, new = inventory(before, sheets), inventory(after, sheets)
    lost = {where: counts - new.get(where, Counter()) for where, counts in old.items()}
    return {where: counts for where, counts in lost.items() if counts}


def describe(lost: dict[str, Counter[str]]) -> Iterator[str]:
    """One line per sheet: 'sheet 说明: 1 text box, 3 cached formula results'."""
    for where, counts in lost.items():
        items = [label if label in _WHOLE else f"{n} {_plural(label, n)}"
                 for label, n in sorted(counts.items())]
        yield f"{'the workbook' if where == WORKBOOK else f'sheet {where}'}: {', '.join(items)}"


def _plural(label: str, n: int) -> str:
    if n == 1:
        return label
    if label.endswith(("x", "s")):
        return label + "es"
    return label + "s"
