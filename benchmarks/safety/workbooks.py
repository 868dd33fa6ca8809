"""Workbooks, answer files and arguments: each hostile input through the real CLI, as a
process under a 2 GiB address-space limit (RLIMIT_AS), so that a bomb that gets through
fails here instead of swapping the machine. The peak memory of each run is in its detail.

- workbook bombs: a cell tag with two `r` attributes in each of the five commands that
  read an xlsx; shared-strings bombs of several sizes (one string repeated in thousands
  of cells; a table declaring billions of strings); merged ranges far beyond a table, or
  filling millions of cells.
  Held: exit 1, one message naming the file, no traceback.
- columns lost: each Answers column deleted, in `import` and in `export merge`; notes
  turned into formulas (import, merge, answer --file); a note column emptied. Held: a
  required column refuses the file and changes nothing; any other leaves every answer's
  value, note and evidence ids as they were; formulas and emptied columns are said.
- hand edits: `export -o` and `export merge -o` over a workbook edited by hand. Held: a
  backup holding the edited file, and the output says where.
- full disk: `answer --file` on a tmpfs with room for its journal but not for every site
  file. Held: one error saying nothing was saved, the workspace as it was, and a later
  command does not apply the batch.
- arguments: CSV fields past 128 KiB; bytes that are not UTF-8 in arguments (UTF-8 locale
  and LANG=C); init with such bytes, and init whose writes fail. Held: one clear error,
  nothing half-written.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from PIL import Image

from benchmarks.hostile_bench import _edit
from benchmarks.safety import Case
from tests.big_sheets import merged_over, shared_strings_bomb, two_references

ROOT = Path(__file__).resolve().parent.parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini.yaml"
GOVAUDIT = [sys.executable, "-m", "commands"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "NO_COLOR": "1"}
MEMORY_LIMIT = 2 << 30
SITES = [("成都市", "https://cd.example.cn", "city"), ("郫都区", "http://pd.example.cn", "county")]
MONDAY = "2026-11-16T08:00:00.000+00:00"
FRIDAY = "2026-11-20T08:00:00.000+00:00"
# (site, question, value, note) by 张三, the workspace's evaluator
ROWS = [("成都市", "a1.q1", "yes", "首页底部有链接"), ("成都市", "a1.q3", 4, "四项服务"),
        ("成都市", "a2.q1", "no", "未见栏目"), ("郫都区", "a1.q1", "yes", "=以等号开头的备注")]
REQUIRED = ("site", "question", "value", "evaluator", "time")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    peak_mb: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def first_error(self) -> str:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[0][:90] if lines else ""

    def one_clear_error(self, code: int = 1) -> bool:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return (self.code == code and len(lines) == 1 and lines[0].startswith("error: ")
                and "Traceback" not in self.output and "panicked" not in self.output)


def _run(args: list[str | bytes], cwd: Path, env: dict[str, str] | None = None,
         file_size: int | None = None) -> Run:
    """The CLI as a process under the memory limit (and a file-size limit): its exit code,
    output and peak RSS (GNU time's, of that process alone)."""
    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        if file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    with tempfile.TemporaryDirectory() as tmp:
        peak = Path(tmp) / "peak"
        done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(peak), *GOVAUDIT, *args],
                              cwd=cwd, env=env or ENV, capture_output=True, preexec_fn=limits,
                              timeout=600)
        kilobytes = int(peak.read_text().split()[-1])
    return Run(done.returncode, done.stdout.decode("utf-8", "replace"),
               done.stderr.decode("utf-8", "replace"), kilobytes / 1024)


def _said(run: Run) -> str:
    return f"exit {run.code}, peak {run.peak_mb:.0f} MB: {run.first_error() or 'no error'}"


# -- a workspace and its workbooks --------------------------------------------------------

def _answers(time: str = MONDAY, change: bool = False, evaluator: str = "张三") -> list:
    from govaudit.store import Answer

    out = []
    for site, question, value, note in ROWS:
        if change and (site, question) == ("成都市", "a1.q1"):
            value = "no"
        out.append(Answer(site, question, question.split(".")[0], value, evaluator, time, note,
                          [f"ev-{site}-{question}"]))
    return out


def _book(path: Path, answers: list) -> Path:
    from govaudit.checklist import load_checklist
    from govaudit.store import Site
    from govaudit.workbook.content import answers_content
    from govaudit.workbook.export import write_workbook

    sites = [Site(n, u, lv) for n, u, lv in SITES]
    return write_workbook(answers_content(load_checklist(MINI), sites, answers), path)


def _template(folder: Path) -> Path:
    """A workspace holding ROWS (notes and evidence ids), made by the library."""
    from govaudit.store import Site, Store
    from govaudit.workspace import init_workspace

    ws = init_workspace(folder / "template", str(MINI), "张三")
    store = Store(ws)
    store.add_sites([Site(n, u, lv) for n, u, lv in SITES])
    store.save_answers(_answers())
    return ws.root


def _copy(template: Path, folder: Path, name: str) -> Path:
    target = folder / name
    shutil.copytree(template, target)
    return target


def _stored(root: Path) -> dict[tuple[str, str], tuple]:
    from govaudit.store import Store
    from govaudit.workspace import open_workspace

    return {(a.site, a.question): (a.value, a.note, tuple(a.evidence))
            for a in Store(open_workspace(root, explicit=True)).answers()}


def _merged(path: Path) -> dict[tuple[str, str], tuple]:
    from govaudit.workbook.reading import read_sheets

    rows = read_sheets(path)["Answers"]
    ids = rows[1]
    at = {name: ids.index(name) for name in ("site", "question", "value", "note", "evidence")}

    def value(row: list) -> object:
        raw = row[at["value"]]
        return int(raw) if isinstance(raw, float) else raw

    return {(r[at["site"]], r[at["question"]]): (value(r), r[at["note"]],
                                                 tuple(filter(None, [r[at["evidence"]]])))
            for r in rows[2:]}


def _compared(run: Run, found: dict[tuple[str, str], tuple],
              want: dict[tuple[str, str], tuple]) -> tuple[bool, str]:
    """Held when the command worked and every answer's value, note and evidence ids are as
    wanted; the detail names the answers that are not."""
    if run.code != 0:
        return False, _said(run)
    lost = sorted(f"{site}·{question}" for site, question in want
                  if found.get((site, question)) != want[(site, question)])
    return not lost, (f"wrong: {', '.join(lost)}" if lost else
                      "the new value in; every note and evidence id kept")


def _answers_edit(change: Callable) -> Callable:
    """An openpyxl change of the Answers sheet, given its columns by id (1-based)."""
    def apply(book) -> None:
        sheet = book["Answers"]
        change(sheet, {c.value: c.column for c in sheet[2] if c.value})
    return apply


def _delete(name: str) -> Callable:
    return _answers_edit(lambda sheet, columns: sheet.delete_cols(columns[name]))


def _formulas(sheet, columns) -> None:
    for row in range(3, sheet.max_row + 1):
        sheet.cell(row, columns["note"]).value = f'=UPPER("{row}")'


def _cleared(sheet, columns) -> None:
    for row in range(3, sheet.max_row + 1):
        sheet.cell(row, columns["note"]).value = None


def _table(path: Path, *rows: list[object]) -> Path:
    book = Workbook()
    book.active.title = "Sheet1"
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


# -- workbook bombs -----------------------------------------------------------------------

def bombs(template: Path, folder: Path) -> list[Case]:
    cases = []
    teammate = _book(folder / "李四.xlsx", _answers(evaluator="李四"))
    plain = {
        "import": (teammate, "Answers", lambda p: ["import", str(p)]),
        "export merge": (teammate, "Answers",
                         lambda p: ["export", "merge", str(p), "-o", str(folder / "m.xlsx")]),
        "sites import": (_table(folder / "sites.xlsx", ["name", "url", "level"],
                                ["新都区", "https://xd.example.cn", "county"]), "Sheet1",
                         lambda p: ["sites", "import", str(p)]),
        "answer --file": (_table(folder / "answers.xlsx", ["site", "question", "value"],
                                 ["成都市", "a1.q1", "yes"]), "Sheet1",
                          lambda p: ["answer", "--file", str(p)]),
        "checklist import": (_table(folder / "指标.xlsx", ["一级指标", "二级指标", "三级指标",
                                                         "评估要点说明", "权重"],
                                    ["信息发布", "公开", "——", "是否开设栏目", 10]), "Sheet1",
                             lambda p: ["checklist", "import", str(p), "-o",
                                        str(folder / "imported.yaml")]),
    }
    for command, (source, sheet, args) in plain.items():
        path = two_references(source, folder / f"two-r-{source.name}", sheet)
        ws = _copy(template, folder, f"two-r-{command.replace(' ', '-')}")
        before = _stored(ws)
        run = _run(args(path), ws)
        held = (run.one_clear_error() and "two cell references" in run.stderr
                and _stored(ws) == before and not (folder / "m.xlsx").exists())
        cases.append(Case("workbook bombs", f"two r attributes ({command})", held,
                          f"{path.stat().st_size // 1024} KB; {_said(run)}"))
    sizes = {"700 KB string × 4,000": (700_000, 4_000, None),
             "900 KB string × 60,000": (900_000, 60_000, None),
             "2 KB string × 150,000": (2_000, 150_000, None),
             "uniqueCount 4 billion": (10, 1, 4_000_000_000),
             "uniqueCount 40 million": (10, 1, 40_000_000)}
    for name, (text_bytes, cells, declared) in sizes.items():
        for command in ("import", "sites import"):
            source, sheet, args = plain[command]
            path = shared_strings_bomb(source, folder / "sst-bomb.xlsx", sheet, text_bytes,
                                       cells, declared)
            ws = _copy(template, folder, f"sst-{len(cases)}")
            run = _run(args(path), ws)
            held = run.one_clear_error() and "shared-strings" in run.stderr
            asks = (f"{declared * 24 / 2**30:.0f} GiB reserved" if declared else
                    f"{text_bytes * cells / 2**30:.1f} GiB of cell text")
            cases.append(Case("workbook bombs", f"sst {name} ({command})", held,
                              f"{path.stat().st_size // 1024} KB asking {asks}; {_said(run)}"))
    listed = _table(folder / "list.xlsx", ["name", "url", "level"],
                    *[[f"站点{i}", f"https://s{i}.example.cn", "city"] for i in range(20_000)])
    for refs, name in ((["A1:XFD20001"], "merged A1:XFD20001 over 3 columns"),
                       (["A2:C20001"] * 300, "300 merged ranges of 60,000")):
        path = merged_over(listed, folder / "merged.xlsx", "Sheet1", *refs)
        ws = _copy(template, folder, f"merged-{len(cases)}")
        run = _run(["sites", "import", str(path)], ws)
        cases.append(Case("workbook bombs", f"{name} (sites import)", run.one_clear_error(),
                          _said(run)))
    return cases


# -- columns lost -------------------------------------------------------------------------

def columns(template: Path, folder: Path) -> list[Case]:
    from govaudit.workbook import layout

    cases = []
    monday = _book(folder / "monday.xlsx", _answers())
    friday = _book(folder / "friday.xlsx", _answers(FRIDAY, change=True))
    stored = _stored(template)
    # Friday's workbook answers a1.q1 of 成都市 anew; every note and evidence id stays
    expected = {**stored, ("成都市", "a1.q1"): ("no", *stored[("成都市", "a1.q1")][1:])}
    for column in layout.ANSWERS_COLUMNS:
        name = column.id
        cut = _edit(friday, folder / f"no-{name}.xlsx", _delete(name))
        ws = _copy(template, folder, f"import-no-{name}")
        run = _run(["import", str(cut)], ws)
        if name in REQUIRED:
            held = run.one_clear_error() and name in run.stderr and _stored(ws) == stored
            detail = _said(run)
        else:
            held, detail = _compared(run, _stored(ws), expected)
        cases.append(Case("columns lost", f"import without {column.header} ({name})", held,
                          detail))
        out = folder / f"merged-no-{name}.xlsx"
        run = _run(["export", "merge", str(monday), str(cut), "-o", str(out)], ws)
        if name in REQUIRED:
            held, detail = run.one_clear_error() and not out.exists(), _said(run)
        else:
            held, detail = _compared(run, _merged(out) if out.exists() else {}, expected)
        cases.append(Case("columns lost", f"merge without {column.header} ({name})", held,
                          detail))
    formulas = _edit(friday, folder / "formulas.xlsx", _answers_edit(_formulas))
    ws = _copy(template, folder, "import-formulas")
    run = _run(["import", str(formulas)], ws)
    said = sum("is a formula" in line for line in run.stdout.splitlines())
    cases.append(Case("columns lost", "import, formula notes",
                      run.code == 0 and _stored(ws) == expected and said == len(ROWS),
                      f"{said} rows named, notes kept: {_stored(ws) == expected}"))
    out = folder / "merged-formulas.xlsx"
    run = _run(["export", "merge", str(monday), str(formulas), "-o", str(out)], ws)
    said = sum("is a formula" in line for line in run.stdout.splitlines())
    cases.append(Case("columns lost", "merge, formula notes",
                      run.code == 0 and _merged(out) == expected and said == len(ROWS),
                      f"{said} rows named, exit {run.code}"))
    notes = {k: v[1] for k, v in stored.items()}
    ws = _copy(template, folder, "answer-file-formulas")
    run = _run(["answer", "--file", str(formulas), "--sheet", "Answers"], ws)
    kept = {k: v[1] for k, v in _stored(ws).items()} == notes
    said = sum("is a formula" in line for line in run.stdout.splitlines())
    cases.append(Case("columns lost", "answer --file, formula notes",
                      run.code == 0 and kept and said == len(ROWS),
                      f"{said} rows named, notes kept: {kept}, exit {run.code}"))
    csv = folder / "no-note.csv"
    csv.write_text("site,question,value\n成都市,a1.q1,no\n郫都区,a1.q1,no\n", encoding="utf-8")
    ws = _copy(template, folder, "answer-file-no-note")
    run = _run(["answer", "--file", str(csv)], ws)
    kept = {k: v[1] for k, v in _stored(ws).items()} == notes
    cases.append(Case("columns lost", "answer --file, CSV without notes",
                      run.code == 0 and kept, f"notes kept: {kept}, exit {run.code}"))
    cleared = _edit(friday, folder / "cleared.xlsx", _answers_edit(_cleared))
    ws = _copy(template, folder, "import-cleared")
    run = _run(["import", str(cleared)], ws)
    warning = next((line for line in run.stdout.splitlines() if line.startswith("warning:")), "")
    cases.append(Case("columns lost", "import, note column emptied",
                      run.code == 0 and "备注 (note) is empty in 4 of the 4" in warning,
                      warning[:100] or f"no warning, exit {run.code}"))
    run = _run(["export", "merge", str(monday), str(cleared), "-o",
                str(folder / "merged-cleared.xlsx")], ws)
    warning = next((line for line in run.stdout.splitlines() if line.startswith("warning:")), "")
    cases.append(Case("columns lost", "merge, note column emptied",
                      run.code == 0 and "备注 (note) is empty in 4 of the 4" in warning,
                      warning[:100] or f"no warning, exit {run.code}"))
    return cases


# -- hand edits ---------------------------------------------------------------------------

def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hand_edits(template: Path, folder: Path) -> list[Case]:
    cases = []
    teammate = _book(folder / "李四.xlsx", _answers(evaluator="李四"))
    for command in ("export -o", "export merge -o"):
        ws = _copy(template, folder, f"hand-{command.replace(' ', '-')}")
        out = folder / f"{command.replace(' ', '-')}.xlsx"
        args = ["export", "-o", str(out)] if command == "export -o" else [
            "export", "merge", str(teammate), "-o", str(out)]
        first = _run(args, ws)
        _edit(out, out, _answers_edit(lambda sheet, columns: setattr(
            sheet.cell(3, columns["note"]), "value", "现场核实：栏目已更新")))
        edited = _sha(out)
        run = _run(args, ws)
        kept = sorted(folder.glob(f"{out.stem}.backup-*.xlsx"))
        held = (first.code == 0 and run.code == 0 and len(kept) == 1
                and _sha(kept[0]) == edited and str(kept[0]) in run.stdout)
        cases.append(Case("hand edits", f"{command} over a hand-edited book", held,
                          f"backup {kept[0].name if kept else 'none'}, said where: "
                          f"{bool(kept) and str(kept[0]) in run.stdout}"))
    return cases


# -- full disk ----------------------------------------------------------------------------

def full_disk(template: Path, folder: Path) -> list[Case]:
    from govaudit.store import Store
    from govaudit.workspace import open_workspace

    disk = folder / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        return [Case("full disk", "answer --file on a full tmpfs", False,
                     f"not tried: cannot mount a tmpfs ({mounted.stderr.strip()[:60]})")]
    try:
        ws = _copy(template, disk, "ws")
        Store(open_workspace(ws, explicit=True)).save_answer(
            "郫都区", "a1.q3", "a1", 3, "张三", note="长" * 200_000)  # a large site file
        batch = disk / "batch.csv"
        batch.write_text("site,question,value,note\n成都市,a1.q1,no,a\n郫都区,a1.q1,no,b\n",
                         encoding="utf-8")
        before = _stored(ws)
        with (disk / "filler.bin").open("wb", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"\0" * 4096)
            except OSError:
                pass
        with (disk / "filler.bin").open("r+b") as filler:  # room for the journal, not more
            filler.truncate(filler.seek(0, os.SEEK_END) - 4 * 4096)
        run = _run(["answer", "--file", str(batch)], ws)
        leftovers = [p.name for p in ws.rglob("*") if p.name.endswith(".tmp")
                     or p.name == "journal.json"]
        (disk / "filler.bin").unlink()
        later = _run(["status"], ws)
        held = (run.one_clear_error() and "none of the 2 answers was saved" in run.stderr
                and not leftovers and later.code == 0 and _stored(ws) == before)
        cases = [Case("full disk", "answer --file, full after the journal", held,
                      f"{_said(run)}; journal/temp files left: {len(leftovers)}; batch "
                      f"applied later: {_stored(ws) != before}")]
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)
    return cases


# -- arguments ----------------------------------------------------------------------------

LOCALES = {"C.UTF-8": {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
           "LANG=C": {"LANG": "C", "LC_ALL": "C"}}
LATIN1 = "café".encode("latin-1")


def arguments(template: Path, folder: Path) -> list[Case]:
    cases = []
    long = "长" * 150_000
    for command, text, args in (
            ("sites import", f"name,url,level\n{long},https://x.example.cn,city\n",
             ["sites", "import"]),
            ("answer --file", f"site,question,value,note\n成都市,a1.q1,yes,{long}\n",
             ["answer", "--file"])):
        path = folder / f"long-{command.replace(' ', '-')}.csv"
        path.write_text(text, encoding="utf-8")
        ws = _copy(template, folder, f"long-{len(cases)}")
        run = _run([*args, str(path)], ws)
        cases.append(Case("arguments", f"150,000-char CSV field ({command})",
                          run.one_clear_error() and "line 2" in run.stderr, _said(run)))
    commands: dict[str, list[str | bytes]] = {
        "Latin-1 sites add NAME": ["sites", "add", LATIN1, "https://a.example.cn", "--level",
                                   "city"],
        "GBK answer SITE": ["answer", "成都市".encode("gbk"), "a1.q1", "yes"],
        "Latin-1 answer --note": ["answer", "成都市", "a1.q1", "yes", "--note", LATIN1],
        "Latin-1 import PATH": ["import", LATIN1 + b".xlsx"],
        "Latin-1 evidence attach FILE": ["evidence", "attach", "成都市", "a1.q1",
                                         LATIN1 + b".png"],
    }
    for locale, env in LOCALES.items():
        for name, args in commands.items():
            ws = _copy(template, folder, f"argv-{len(cases)}")
            Image.new("RGB", (8, 8)).save(os.fsdecode(os.fsencode(ws) + b"/" + LATIN1 + b".png"))
            before = _stored(ws)
            run = _run(args, ws, env={**ENV, **env})
            cases.append(Case("arguments", f"{name} ({locale})",
                              run.one_clear_error(2) and "not UTF-8" in run.stderr
                              and _stored(ws) == before, _said(run)))
        for name, args in (("Latin-1 init DIR", ["init", b"audit-" + LATIN1, "--checklist",
                                                 str(MINI), "--evaluator", "张三"]),
                           ("Latin-1 init --evaluator", ["init", "audit", "--checklist",
                                                         str(MINI), "--evaluator", LATIN1])):
            where = folder / f"init-{len(cases)}"
            where.mkdir()
            run = _run(args, where, env={**ENV, **env})
            cases.append(Case("arguments", f"{name} ({locale})",
                              run.one_clear_error(2) and not any(where.iterdir()), _said(run)))
    where = folder / "init-fsize"
    where.mkdir()
    args = ["init", "audit", "--checklist", "cstc-2020-local", "--evaluator", "张三"]
    run = _run(args, where, file_size=64)
    toml = where / "audit" / "govaudit.toml"
    cut = toml.exists()
    again = _run(args, where)
    cases.append(Case("arguments", "init, writes fail past 64 B (EFBIG)",
                      run.one_clear_error() and not cut and again.code == 0,
                      f"{_said(run)}; govaudit.toml left: {cut}; init again: exit {again.code}"))
    return cases


def run(folder: Path) -> list[Case]:
    template = _template(folder)
    cases: list[Case] = []
    for area in (bombs, columns, hand_edits, full_disk, arguments):
        part = folder / area.__name__
        part.mkdir()
        cases.extend(area(template, part))
        shutil.rmtree(part, ignore_errors=True)
    return cases
