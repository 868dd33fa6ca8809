"""The workbook's `Monitoring` sheet: one row per monitored site over the monitor's window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govaudit.workbook.cells import WRAP, SheetWriter
from govaudit.workbook.layout import Column

if TYPE_CHECKING:  # the monitor is imported when a workbook has a Monitoring sheet
    from govaudit.monitor import Monitor

FIXED = (Column("site", "站点", 22), Column("window", "监测窗口", 10),
         Column("visits", "访问次数", 10), Column("failures", "失败次数", 10),
         Column("rate", "故障率", 10))


@dataclass
class MonitoringSheet:
    columns: list[Column]
    rows: list[list[Any]]


def monitoring_sheet(monitor: Monitor, length: float | None = None) -> MonitoringSheet | None:
    """The sheet's columns and rows from the monitor (Monitor.sheet_rows); None when the
    workspace has never been monitored."""
    from govaudit.monitor import DEFAULT_WINDOW

    if not monitor.has_samples:
        return None
    with monitor:
        rules = monitor.rules
        rows = monitor.sheet_rows(DEFAULT_WINDOW if length is None else length)
    columns = list(FIXED)
    for rule, table in rules.rules.items():
        name = str(table.get("name", rule))
        columns += [Column(rule, name, 12), Column(f"{rule}.detail", f"{name}说明", 50)]
    # the rows carry Chinese headers as keys: the headers above name the same figures
    return MonitoringSheet(columns, [[row.get(c.header) for c in columns] for row in rows])


def write_monitoring(w: SheetWriter, sheet: MonitoringSheet) -> None:
    w.table(sheet.columns, freeze="B3")
    for row in sheet.rows:
        cells = {c.id: w.styled(v, alignment=WRAP) if isinstance(v, str) else v
                 for c, v in zip(sheet.columns, row, strict=True)}
        if cells["rate"] is not None:
            cells["rate"] = w.styled(cells["rate"], number_format="0.0%")
        w.append_named(cells)
    w.autofilter(sheet.columns)
