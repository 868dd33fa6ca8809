"""Hostile input, class by class: the real CLI on each, its result, wall time and peak RSS.

Every input is built here (checklists, workbooks, a hostile server on 127.0.0.1); each
command runs as a subprocess under /usr/bin/time -v. Prints one table row per input.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.big_sheets import answers_rows, fill_sheet  # noqa: E402
from tests.hostile_server import hostile_server  # noqa: E402

MINI = ROOT / "tests" / "fixtures" / "mini.yaml"
GOVAUDIT = [sys.executable, "-m", "commands"]
TIMEOUT = 300


def run(args: list[str], cwd: Path) -> tuple[str, float, int]:
    """(exit code + first line of the message, wall seconds, peak RSS in MB)."""
    started = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-v", *GOVAUDIT, *args], cwd=cwd, text=True,
                          capture_output=True, timeout=TIMEOUT, env={"PYTHONPATH": str(ROOT),
                          "PATH": "/usr/bin:/bin", "COLUMNS": "200", "NO_COLOR": "1"})
    wall = time.monotonic() - started
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)[1])
    code = re.search(r"Exit status: (\d+)", proc.stderr)
    text = "\n".join(line for line in (proc.stdout + "\n" + proc.stderr).splitlines()
                     if line.strip() and not line.startswith(("\t", "Command exited")))
    lines = text.splitlines() or [""]
    # "N problem(s)" and a check's site heading come first; the reason is on the next line
    first = " | ".join(lines[:2]) if "problem(s)" in lines[0] or args[0] == "check" \
        else lines[0]
    return f"{code[1] if code else '?'}: {first[:160]}", wall, rss // 1024


# -- checklists ---------------------------------------------------------------------------

def checklists(folder: Path) -> dict[str, Path]:
    mini = MINI.read_text(encoding="utf-8")
    out: dict[str, str] = {
        "alias bomb": "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
            f"{c}: &{c} [{','.join([f'*{p}'] * 10)}]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)) + mini,
        "recursive anchor": "x: &x [*x]\n" + mini,
        "10,000-deep nesting": "x: " + "[" * 10_000 + "]" * 10_000 + "\n" + mini,
        "bad totals": re.sub(r"totals:.*", "totals: {main: abc}", mini, count=1)
        if "totals:" in mini else "totals: {main: abc}\n" + mini,
        "50 MB file": mini + "\n" + ("# " + "x" * 98 + "\n") * 500_000,
        "inf weights": re.sub(r"weights: \{([^}]*)\}", "weights: {city: .inf, county: .inf}",
                              mini),
        "!!python tags": "x: !!python/object/apply:os.system ['touch /tmp/pwned-bench']\n"
        + mini,
    }
    paths = {}
    for name, text in out.items():
        path = folder / (re.sub(r"\W+", "-", name).strip("-") + ".yaml")
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    return paths


# -- workbooks ----------------------------------------------------------------------------

def _edit(base: Path, out: Path, change: Callable[..., None]) -> Path:
    book = load_workbook(base)
    change(book)
    book.save(out)
    return out


def _cells(**values: object) -> Callable[..., None]:
    """Set cells of the first data row of Answers, by column letter."""
    def change(book) -> None:
        for column, value in values.items():
            book["Answers"][f"{column}3"] = value
    return change


def _zip(out: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out


def workbooks(base: Path, folder: Path) -> dict[str, Path]:
    with zipfile.ZipFile(base) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">' + b"".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">'.encode()
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)) + b"]>"
    bomb = folder / "zip-bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet3.xml":
                z.writestr(name, data)
        with z.open("xl/worksheets/sheet3.xml", "w", force_zip64=True) as target:
            for _ in range(1024):
                target.write(b" " * (1 << 20))

    def drop(*columns: str) -> Callable[..., None]:
        def change(book) -> None:
            for column in columns:
                book["Answers"][f"{column}2"] = None
                book["Answers"][f"{column}1"] = None
        return change

    def extra(book) -> None:
        book["Answers"]["N2"] = "extra"
        book["Answers"]["N3"] = "surplus"

    def wide(book) -> None:
        for column in range(14, 16_385):
            book["Answers"].cell(3, column, column)

    books = {
        "formulas/DDE": _edit(base, folder / "formulas.xlsx", _cells(
            G="=cmd|' /C calc'!A0", K="=HYPERLINK(\"http://x/\",\"x\")", I="@SUM(1+1)")),
        "zip bomb (1 GiB part)": bomb,
        "XML entities": _zip(folder / "entities.xlsx", {
            **parts, "xl/worksheets/sheet3.xml": sheet + re.sub(
                rb"^<\?xml[^>]*>", b"", parts["xl/worksheets/sheet3.xml"])}),
        "CSV named .xlsx": folder / "csv.xlsx",
        "HTML named .xlsx": folder / "html.xlsx",
        "password-protected": folder / "protected.xlsx",
        "1,048,576 rows": fill_sheet(base, folder / "rows.xlsx", "Answers",
                                     [["网站"], ["site", "", "", "", "question", "", "value"]],
                                     answers_rows(["成都市"], "a1.q1"), "AEG"),
        "XFD1048576": _edit(base, folder / "xfd.xlsx",
                            lambda b: b["Answers"].__setitem__("XFD1048576", "x")),
        "16,384 columns": _edit(base, folder / "wide.xlsx", wide),
        "5 MB note": _edit(base, folder / "note.xlsx", _cells(K="注" * 5_000_000)),
        "40,000-char evaluator": _edit(base, folder / "evaluator.xlsx", _cells(I="张" * 40_000)),
        "year 1 time": _edit(base, folder / "year1.xlsx", _cells(J=dt.datetime(1, 1, 1))),
        "year 9999 time": _edit(base, folder / "year9999.xlsx",
                                _cells(J=dt.datetime(9999, 12, 31, 23, 59))),
        "1e20 time": _edit(base, folder / "1e20.xlsx", _cells(J=1e20)),
        "control characters": _edit(base, folder / "control.xlsx",
                                    _cells(K="note\x7f\u202etxt.exe\x85", I="张\u200b三")),
        "missing Answers sheet": _edit(base, folder / "no-answers.xlsx",
                                       lambda b: b.remove(b["Answers"])),
        "missing columns": _edit(base, folder / "missing.xlsx", drop("E", "G")),
        "extra columns": _edit(base, folder / "extra.xlsx", extra),
        "unknown site": _edit(base, folder / "unknown.xlsx", _cells(A="不存在的站点")),
    }
    (folder / "csv.xlsx").write_text("site,question,value\n成都市,a1.q1,yes\n", encoding="utf-8")
    (folder / "html.xlsx").write_text("<html><table><tr><td>成都市</td></tr></table></html>",
                                      encoding="utf-8")
    (folder / "protected.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    return books


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="hostile-bench-"))
    try:
        ws = folder / "ws"
        for args, cwd in ((["init", "ws", "--checklist", str(MINI), "--evaluator", "张三"],
                           folder), (["answer", "成都市", "a1.q1", "yes"], None)):
            if cwd is None:
                (folder / "s.csv").write_text("name,url,level\n成都市,https://cd.example.cn,"
                                              "city\n", encoding="utf-8")
                subprocess.run([*GOVAUDIT, "sites", "import", str(folder / "s.csv")], cwd=ws,
                               check=True, capture_output=True)
            subprocess.run([*GOVAUDIT, *args], cwd=cwd or ws, check=True, capture_output=True)
        base = folder / "team.xlsx"
        subprocess.run([*GOVAUDIT, "export", "-o", str(base)], cwd=ws, check=True,
                       capture_output=True)
        rows: list[tuple[str, str, str, float, int]] = []
        for name, path in checklists(folder).items():
            rows.append((name, "checklist validate", *run(["checklist", "validate", str(path)],
                                                          folder)))
        for name, path in workbooks(base, folder).items():
            rows.append((name, "import", *run(["import", str(path)], ws)))
            if name in ("formulas/DDE", "1,048,576 rows", "zip bomb (1 GiB part)"):
                rows.append((name, "export merge", *run(
                    ["export", "merge", str(base), str(path), "-o", str(folder / "m.xlsx")],
                    ws)))
        with hostile_server() as url:
            for path in ("/loop", "/chain/0", "/never", "/endless-chunked", "/huge-length"):
                name = f"site {path}"
                subprocess.run([*GOVAUDIT, "sites", "add", name.replace("/", "-"),
                                url + path, "--level", "city"], cwd=ws, capture_output=True)
                rows.append((name, "check", *run(
                    ["check", "--site", name.replace("/", "-"), "--probe", "availability",
                     "--samples", "1", "--timeout", "10"], ws)))
        print(f"{'input':24} {'command':18} {'wall s':>7} {'RSS MB':>7}  result")
        for name, command, result, wall, rss in rows:
            print(f"{name:24} {command:18} {wall:7.1f} {rss:7d}  {result}")
        assert not Path("/tmp/pwned-bench").exists(), "a !!python tag ran"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
