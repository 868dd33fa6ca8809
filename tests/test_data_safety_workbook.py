"""Workbooks that must not be lost or crash govaudit: the team's own file, giant sheets, times.

- `export -o` / `export merge -o` never replace a workbook govaudit did not write.
- `export --into` says exactly what openpyxl would drop (text boxes, cached formula
  results, ...) and refuses without --accept-loss; its backup is whole or not there.
- A sheet reaching XFD1048576 is refused before calamine allocates it; every xlsx read
  (import, merge, answer --file, sites import) goes through the same zip checks.
- Time cells that cannot be stored (1e20, year 9999 or 1 with a time zone) refuse the row.
"""

from __future__ import annotations

import hashlib
import io
import os
import resource
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import run_cli, run_govaudit
from openpyxl import Workbook, load_workbook
from openpyxl.drawing.image import Image
from PIL import Image as PILImage

from govaudit.checklist import load_checklist
from govaudit.store import Answer, Site, Store
from govaudit.workbook.content import answers_content
from govaudit.workbook.export import write_workbook
from govaudit.workbook.reading import read_sheets

FIXTURE = Path(__file__).parent / "fixtures" / "mini.yaml"
CHECKLIST = load_checklist(FIXTURE)
SITES = [("成都市", "https://cd.example.cn", "city"), ("郫都区", "http://pd.example.cn", "county")]
T = "2026-11-22T08:15:00.000+00:00"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
IS_ROOT = os.geteuid() == 0
MEMORY_LIMIT = 2 << 30


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _team_workbook(path: Path) -> Path:
    """The team's own workbook, made with openpyxl: two sheets of its own, with data."""
    book = Workbook()
    notes = book.active
    notes.title = "说明"
    notes["A1"] = "团队汇总表"
    notes["A2"] = "=SUM(B3:B5)"
    for row, value in enumerate((3, 5, 8), start=3):
        notes.cell(row, 2, value)
    book.create_sheet("领导批示")["A1"] = "同意"
    book.save(path)
    return path


def _teammate(folder: Path, name: str = "李四.xlsx", evaluator: str = "李四") -> Path:
    sites = [Site(n, u, lv) for n, u, lv in SITES]
    answers = [Answer("成都市", "a1.q1", "a1", "yes", evaluator, T),
               Answer("郫都区", "a1.q3", "a1", 4, evaluator, T)]
    return write_workbook(answers_content(CHECKLIST, sites, answers), folder / name)


def _lines(text: str) -> list[str]:
    return [line for line in text.strip().splitlines() if line.strip()]


# --- export -o / export merge -o over a workbook govaudit did not write -----------------

def test_export_refuses_to_replace_the_teams_workbook(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    team = _team_workbook(tmp_path / "团队汇总.xlsx")
    before = _sha(team)
    result = cli("export", "-o", str(team), cwd=ws.root)
    assert result.exit_code == 1
    assert "govaudit did not write it" in result.output
    assert "--into" in result.output and "--overwrite" in result.output
    assert "说明" in result.output and "Traceback" not in result.output
    assert _sha(team) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    forced = cli("export", "-o", str(team), "--force", cwd=ws.root)
    assert forced.exit_code == 0, forced.output
    assert load_workbook(team).sheetnames == ["Summary", "Scores", "Answers", "Evidence",
                                              "Checklist", "About"]


def test_export_overwrites_its_own_workbook(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    out = tmp_path / "mine.xlsx"
    assert cli("export", "-o", str(out), cwd=ws.root).exit_code == 0
    Store(ws).save_answer("成都市", "a1.q1", "a1", "no", "张三")
    again = cli("export", "-o", str(out), cwd=ws.root)
    assert again.exit_code == 0, again.output
    answers = read_sheets(out)["Answers"]
    site, value = answers[1].index("site"), answers[1].index("value")
    assert [(r[site], r[value]) for r in answers[2:]] == [("成都市", "no")]


def test_export_refuses_a_team_workbook_updated_with_into(make_workspace, cli,
                                                         tmp_path: Path):
    """A team workbook carries govaudit's About sheet after --into, and the team's sheets."""
    ws = make_workspace(sites=SITES)
    team = _team_workbook(tmp_path / "团队汇总.xlsx")
    assert cli("export", "--into", str(team), cwd=ws.root).exit_code == 0
    before = _sha(team)
    result = cli("export", "-o", str(team), cwd=ws.root)
    assert result.exit_code == 1 and "--into" in result.output
    assert "说明" in result.output
    assert _sha(team) == before


def test_merge_refuses_to_replace_the_teams_workbook(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    teammate = _teammate(tmp_path)
    team = _team_workbook(tmp_path / "团队汇总.xlsx")
    before = _sha(team)
    result = cli("export", "merge", str(teammate), "-o", str(team), cwd=ws.root)
    assert result.exit_code == 1 and "govaudit did not write it" in result.output
    assert "--overwrite" in result.output
    assert _sha(team) == before
    # --force reads other checklists; it does not allow replacing the team's file
    forced = cli("export", "merge", str(teammate), "-o", str(team), "--force", cwd=ws.root)
    assert forced.exit_code == 1 and _sha(team) == before
    replaced = cli("export", "merge", str(teammate), "-o", str(team), "--overwrite",
                   cwd=ws.root)
    assert replaced.exit_code == 0, replaced.output
    assert "Answers" in load_workbook(team).sheetnames
    # a merged workbook is govaudit's own: merging again replaces it without a flag
    again = cli("export", "merge", str(teammate), "-o", str(team), cwd=ws.root)
    assert again.exit_code == 0, again.output


def _edit_note(path: Path, note: str) -> None:
    """A person's edit, saved by a spreadsheet program: a note typed into the first row."""
    book = load_workbook(path)
    sheet = book["Answers"]
    column = [c.value for c in sheet[2]].index("note") + 1
    sheet.cell(3, column).value = note
    book.save(path)


@pytest.mark.parametrize("command", ["export", "export merge"])
def test_replacing_a_workbook_edited_by_hand_keeps_a_backup(command: str, make_workspace, cli,
                                                           tmp_path: Path):
    ws = make_workspace(sites=SITES)
    Store(ws).save_answer("成都市", "a1.q1", "a1", "yes", "张三")
    out = tmp_path / "mine.xlsx"
    args = ["export", "-o", str(out)] if command == "export" else [
        "export", "merge", str(_teammate(tmp_path)), "-o", str(out)]
    assert cli(*args, cwd=ws.root).exit_code == 0
    again = cli(*args, cwd=ws.root)  # untouched since govaudit wrote it: no backup
    assert again.exit_code == 0 and "backup" not in again.output
    assert _backups(tmp_path, "mine") == []

    _edit_note(out, "现场核实：栏目已更新")
    edited = _sha(out)
    result = cli(*args, cwd=ws.root)
    assert result.exit_code == 0, result.output
    [backup] = _backups(tmp_path, "mine")
    assert _sha(backup) == edited
    assert f"had been changed since govaudit wrote it: the previous file is kept as {backup}" \
        in result.output
    assert "现场核实" not in str(read_sheets(out)["Answers"])
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    # the new file is govaudit's again: replacing it needs no backup
    assert cli(*args, cwd=ws.root).exit_code == 0
    assert _backups(tmp_path, "mine") == [backup]


def test_a_workbook_of_an_earlier_version_is_kept_before_it_is_replaced(make_workspace, cli,
                                                                        tmp_path: Path):
    """A workbook govaudit wrote without the signature cannot be vouched for: it is kept."""
    ws = make_workspace(sites=SITES)
    out = tmp_path / "mine.xlsx"
    assert cli("export", "-o", str(out), cwd=ws.root).exit_code == 0
    comment = zipfile.ZipFile(out).comment
    assert comment.startswith(b"govaudit sha256:")
    out.write_bytes(out.read_bytes()[:-2 - len(comment)] + b"\0\0")  # as written before
    assert load_workbook(out).sheetnames[0] == "Summary"
    result = cli("export", "-o", str(out), cwd=ws.root)
    assert result.exit_code == 0 and len(_backups(tmp_path, "mine")) == 1


def test_the_backups_of_export_are_pruned_as_into_prunes_them(make_workspace, cli,
                                                              tmp_path: Path):
    ws = make_workspace(sites=SITES)
    out = tmp_path / "mine.xlsx"
    assert cli("export", "-o", str(out), cwd=ws.root).exit_code == 0
    for number in range(7):
        _edit_note(out, f"第{number}次修改")
        assert cli("export", "-o", str(out), cwd=ws.root).exit_code == 0
    assert len(_backups(tmp_path, "mine")) == 5


# --- export --into: what openpyxl drops, and a whole backup -----------------------------

@pytest.fixture(scope="module")
def office_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A team workbook saved by LibreOffice: a text box, and a formula with its cached result."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("office")
    source = folder / "团队汇总.fods"
    source.write_text(FODS, encoding="utf-8")
    subprocess.run([SOFFICE, "--headless", "--norestore",
                    f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                    "--convert-to", "xlsx", "--outdir", str(folder / "out"), str(source)],
                   check=True, capture_output=True, timeout=180)
    made = folder / "out" / "团队汇总.xlsx"
    with zipfile.ZipFile(made) as archive:
        assert b'txBox="1"' in archive.read("xl/drawings/drawing1.xml")
        assert b"<v>16</v>" in archive.read("xl/worksheets/sheet1.xml")
    return made


FODS = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
 <office:body><office:spreadsheet>
  <table:table table:name="说明">
   <table:shapes>
    <draw:frame draw:name="提醒" svg:x="5cm" svg:y="1cm" svg:width="6cm" svg:height="2cm">
     <draw:text-box><text:p>请各组周五前提交</text:p></draw:text-box>
    </draw:frame>
   </table:shapes>
   <table:table-row><table:table-cell office:value-type="string"><text:p>团队汇总表</text:p>
    </table:table-cell></table:table-row>
   <table:table-row><table:table-cell table:formula="of:=SUM([.B3:.B5])"
    office:value-type="float" office:value="16"><text:p>16</text:p></table:table-cell>
   </table:table-row>
   <table:table-row><table:table-cell/><table:table-cell office:value-type="float"
    office:value="3"><text:p>3</text:p></table:table-cell></table:table-row>
   <table:table-row><table:table-cell/><table:table-cell office:value-type="float"
    office:value="5"><text:p>5</text:p></table:table-cell></table:table-row>
   <table:table-row><table:table-cell/><table:table-cell office:value-type="float"
    office:value="8"><text:p>8</text:p></table:table-cell></table:table-row>
  </table:table>
  <table:table table:name="领导批示"><table:table-row><table:table-cell
   office:value-type="string"><text:p>同意</text:p></table:table-cell></table:table-row>
  </table:table>
 </office:spreadsheet></office:body>
</office:document>
"""


def _backups(folder: Path, stem: str = "团队汇总") -> list[Path]:
    return sorted(folder.glob(f"{stem}.backup-*.xlsx"))


def test_into_names_what_would_be_lost_and_refuses(make_workspace, cli, tmp_path: Path,
                                                   office_workbook: Path):
    ws = make_workspace(sites=SITES)
    team = tmp_path / "团队汇总.xlsx"
    shutil.copy(office_workbook, team)
    before = _sha(team)
    result = cli("export", "--into", str(team), cwd=ws.root)
    assert result.exit_code == 1, result.output
    assert "sheet 说明: 1 cached formula result, 1 text box" in result.output
    assert "--accept-loss" in result.output and "Traceback" not in result.output
    assert _sha(team) == before
    assert _backups(tmp_path) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []

    accepted = cli("export", "--into", str(team), "--accept-loss", cwd=ws.root)
    assert accepted.exit_code == 0, accepted.output
    assert "sheet 说明: 1 cached formula result, 1 text box" in accepted.output
    book = load_workbook(team)
    assert book.sheetnames[:2] == ["说明", "领导批示"] and "Answers" in book.sheetnames
    assert book["说明"]["A2"].value == "=SUM(B3:B5)"
    backups = _backups(tmp_path)
    assert len(backups) == 1 and _sha(backups[0]) == before


def test_into_without_losses_needs_no_flag(make_workspace, cli, tmp_path: Path):
    """openpyxl keeps what an openpyxl-made workbook holds: nothing to accept."""
    ws = make_workspace(sites=SITES)
    team = _team_workbook(tmp_path / "团队汇总.xlsx")
    result = cli("export", "--into", str(team), cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert "lost" not in result.output.lower()


def test_a_print_setting_counts_as_lost_only_on_the_teams_own_sheets(tmp_path: Path):
    """Print areas and titles are defined names of their sheet: govaudit's sheets are written
    again with theirs (an empty Conflicts sheet has no print titles), the team's are kept."""
    from govaudit.workbook.losses import WORKBOOK, losses

    def book(team_titles: bool, conflicts_titles: bool) -> bytes:
        made = Workbook()
        made.active.title = "说明"
        conflicts = made.create_sheet("Conflicts")
        for sheet, titled in ((made["说明"], team_titles), (conflicts, conflicts_titles)):
            sheet["A1"] = "标题"
            if titled:
                sheet.print_title_rows = "1:1"
        data = io.BytesIO()
        made.save(data)
        return data.getvalue()

    original = tmp_path / "团队汇总.xlsx"
    original.write_bytes(book(team_titles=True, conflicts_titles=True))
    assert losses(original, book(team_titles=True, conflicts_titles=False), ["说明"]) == {}
    lost = losses(original, book(team_titles=False, conflicts_titles=True), ["说明"])
    assert {where: dict(counts) for where, counts in lost.items()} == {
        WORKBOOK: {"defined name": 1}}


def test_into_keeps_the_last_backups(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    team = _team_workbook(tmp_path / "团队汇总.xlsx")
    for _ in range(7):
        assert cli("export", "--into", str(team), cwd=ws.root).exit_code == 0
    assert len(_backups(tmp_path)) == 5
    fewer = cli("export", "--into", str(team), "--keep-backups", "2", cwd=ws.root)
    assert fewer.exit_code == 0 and "Removed 4 older backup(s)" in fewer.output
    assert len(_backups(tmp_path)) == 2
    # a bad option value is a usage error
    assert cli("export", "--into", str(team), "--keep-backups", "0", cwd=ws.root).exit_code == 2


def _limit_file_size(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def _big_team_workbook(path: Path) -> Path:
    """A team workbook of about 300 KB: a picture of noise, which does not compress (openpyxl
    copies pictures straight into the zip, so only the backup needs that much room)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "说明"
    sheet["A1"] = "团队汇总表"
    noise = io.BytesIO()
    PILImage.frombytes("RGB", (320, 320), os.urandom(320 * 320 * 3)).save(noise, "PNG")
    sheet.add_image(Image(noise), "C3")
    book.save(path)
    assert path.stat().st_size > 250_000
    return path


def test_into_backup_that_cannot_be_whole_stops_everything(make_workspace, tmp_path: Path):
    """RLIMIT_FSIZE below the workbook's size: the backup copy fails half way (no root needed)."""
    ws = make_workspace(sites=SITES)
    team = _big_team_workbook(tmp_path / "团队汇总.xlsx")
    before = _sha(team)
    # a process of its own: the limit holds for the command, not for the test run
    done = run_govaudit("export", "--into", str(team), cwd=ws.root,
                        preexec_fn=_limit_file_size(team.stat().st_size // 2))
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    assert len(_lines(done.stderr)) == 1 and "cannot make a whole backup" in done.stderr
    assert _sha(team) == before
    assert _backups(tmp_path) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.skipif(not IS_ROOT, reason="mounting a small tmpfs needs root")
def test_into_on_a_full_disk(make_workspace, tmp_path: Path):
    """A real ENOSPC: the team's workbook on a small tmpfs with no room for its backup."""
    ws = make_workspace(sites=SITES)
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()})")
    try:
        team = _big_team_workbook(disk / "团队汇总.xlsx")
        with (disk / "filler.bin").open("wb", buffering=0) as filler:
            room = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
            filler.write(b"\0" * max(0, room - team.stat().st_size // 2))
        before = _sha(team)
        done = run_cli("export", "--into", str(team), cwd=ws.root)
        assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
        assert len(_lines(done.stderr)) == 1 and "cannot make a whole backup" in done.stderr
        assert "No space left on device" in done.stderr
        assert _sha(team) == before
        assert _backups(disk) == []
        assert [p.name for p in disk.iterdir() if p.name.startswith(".")] == []
    finally:
        subprocess.run(["umount", str(disk)], check=True)


# --- giant sheets and zip bombs through every reader -------------------------------------

def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _far_cell(book: Workbook, sheet: str) -> None:
    book[sheet]["XFD1048576"] = "x"


def _sites(path: Path, far: bool = True) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "url", "level"])
    sheet.append(["新都区", "https://xd.example.cn", "county"])
    if far:
        _far_cell(book, sheet.title)
    book.save(path)
    return path


def _far_answers(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["site", "question", "value"])
    sheet.append(["成都市", "a1.q1", "yes"])
    _far_cell(book, sheet.title)
    book.save(path)
    return path


def _far_teammate(folder: Path) -> Path:
    path = _teammate(folder, "far.xlsx")
    book = load_workbook(path)
    _far_cell(book, "Answers")
    book.save(path)
    return path


def _bomb(path: Path) -> Path:
    """A zip whose shared-strings part inflates 20 MB from a few KB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b"a" * (20 * 2**20))
    return path


@pytest.mark.parametrize("command", ["import", "export merge", "answer --file",
                                     "sites import"])
def test_a_cell_at_xfd1048576_is_refused(command: str, make_workspace, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    maker = {"import": _far_teammate, "export merge": _far_teammate,
             "answer --file": lambda f: _far_answers(f / "answers.xlsx"),
             "sites import": lambda f: _sites(f / "sites.xlsx")}[command]
    path = maker(tmp_path)
    assert path.stat().st_size < 30_000
    args = {"import": ["import", str(path)],
            "export merge": ["export", "merge", str(path), "-o", str(tmp_path / "team.xlsx")],
            "answer --file": ["answer", "--file", str(path)],
            "sites import": ["sites", "import", str(path)]}[command]
    # a process of its own: the memory limit holds for the command, not for the test run
    done = run_govaudit(*args, cwd=ws.root, preexec_fn=_limit_memory)
    output = done.stdout + done.stderr
    assert done.returncode == 1, f"exit {done.returncode}: {output}"
    assert "Traceback" not in output and "panicked" not in output
    assert len(_lines(done.stderr)) == 1, done.stderr
    assert "XFD1048576" in done.stderr and "cells" in done.stderr
    assert not (tmp_path / "team.xlsx").exists()


@pytest.mark.parametrize("command", ["answer --file", "sites import"])
def test_a_zip_bomb_is_refused_by_every_reader(command: str, make_workspace, cli,
                                               tmp_path: Path):
    ws = make_workspace(sites=SITES)
    bomb = _bomb(tmp_path / "bomb.xlsx")
    args = ["answer", "--file", str(bomb)] if command == "answer --file" else [
        "sites", "import", str(bomb)]
    result = cli(*args, cwd=ws.root)
    assert result.exit_code == 1 and "zip bomb" in result.output
    assert "Traceback" not in result.output


def test_a_dtd_is_refused_by_sites_import(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    plain = _sites(tmp_path / "plain.xlsx", far=False)
    attack = tmp_path / "lol.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(attack, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + data
            dst.writestr(info.filename, data)
    result = cli("sites", "import", str(attack), cwd=ws.root)
    assert result.exit_code == 1 and "DTD" in result.output
    assert [s.name for s in Store(ws).sites()] == [name for name, _u, _l in SITES]


# --- time cells that cannot be stored ----------------------------------------------------

HOSTILE_TIMES = [
    pytest.param(1e20, id="1e20"),
    pytest.param("9999-12-31T23:00:00-05:00", id="year-9999-with-zone"),
    pytest.param("0001-01-01T00:00:00+08:00", id="year-1-with-zone"),
    pytest.param("0001-01-01T00:00:00", id="year-1"),
    pytest.param(float("inf"), id="inf"),
]


def _teammate_with_time(folder: Path, value: object) -> Path:
    path = _teammate(folder)
    book = load_workbook(path)
    sheet = book["Answers"]
    column = [c.value for c in sheet[2]].index("time") + 1
    sheet.cell(3, column).value = value
    book.save(path)
    return path


@pytest.mark.parametrize("value", HOSTILE_TIMES)
@pytest.mark.parametrize("command", ["import", "export merge"])
def test_a_hostile_time_cell_refuses_its_row(command: str, value: object, make_workspace,
                                             tmp_path: Path):
    ws = make_workspace(sites=SITES)
    path = _teammate_with_time(tmp_path, value)
    out = tmp_path / "team.xlsx"
    args = ["import", str(path)] if command == "import" else [
        "export", "merge", str(path), "-o", str(out)]
    done = run_cli(*args, cwd=ws.root)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output
    assert str(path) in output and "Answers row 3" in output and "time" in output
    assert Store(ws).answers() == [] and not out.exists()
    # the workspace is still whole: score and export work
    assert run_cli("export", cwd=ws.root).returncode == 0
