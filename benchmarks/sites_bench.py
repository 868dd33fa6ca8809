"""Import a generated 2,000-site list (real-shaped xlsx) with 20 bad rows: time and messages."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

import govaudit
from govaudit.errors import GovauditError

LEVELS = ("省", "副省级", "地级市", "自治州", "区", "县级市", "旗", "县")
# the faults of real lists, in turn: (row number, name, level, url) -> the bad row's values
FAULTS = (
    lambda i, name, level, url: (name, "乡镇", url),
    lambda i, name, level, url: (name, level, f"ftp://site{i}.gov.cn"),
    lambda i, name, level, url: ("", level, url),
    lambda i, name, level, url: ("单位0", level, url),
    lambda i, name, level, url: (name, "", url),
    lambda i, name, level, url: (name, level, "http://"),
    lambda i, name, level, url: (f"单位{i}\n（新）", level, url),
)


def make_list(path: Path, count: int = 2000, bad: int = 20) -> Path:
    """A merged title, two header rows with a merged group; every 100th row is bad."""
    book = Workbook()
    ws = book.active
    ws.title = "任务"
    ws.append(["2026年度政府网站检查任务分配表（张三）"])
    ws.merge_cells("A1:F1")
    ws.append(["序号", "单位名称", "门户网站网址", "行政级别", "联系人", None])
    ws.append([None, None, None, None, "姓名", "电话"])
    ws.merge_cells("E2:F2")
    step = count // bad
    for i in range(count):
        name, level, url = f"单位{i}", LEVELS[i % len(LEVELS)], f"www.site{i}.gov.cn"
        if i % step == step - 1:
            fault = FAULTS[(i // step) % len(FAULTS)]
            name, level, url = fault(i, name, level, url)
        ws.append([i + 1, name, url, level, "李四", "028-1"])
    book.save(path)
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = make_list(root / "sites.xlsx")
        audit = govaudit.Audit.create(root / "ws", checklist="cstc-2020-local", evaluator="张三")
        started = time.perf_counter()
        try:
            audit.sites.import_file(path)
            message = "imported"
        except GovauditError as exc:
            message = str(exc)
        print(f"import of 2,000 rows with 20 bad: {time.perf_counter() - started:.2f} s")
        print(message)


if __name__ == "__main__":
    main()
