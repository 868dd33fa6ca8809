"""evidence attach: a file's type is judged by its content, whatever its name says, and
pseudo-files (/proc, /sys) are never evidence."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from PIL import Image

from govaudit.errors import GovauditError
from govaudit.evidence import attach, verify
from govaudit.store import Store
from govaudit.workspace import Workspace

SITE = "成都市"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), "navy").save(out, "PNG")
    return out.getvalue()


def xlsx() -> bytes:
    out = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "网站名称"
    book.save(out)
    return out.getvalue()


def office_zip(*parts: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for part in parts:
            archive.writestr(part, "<x/>")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
TEXT = "这是一段说明文字，不是表格。\n".encode()
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
       b'height="10"><rect width="10" height="10"/></svg>')
DOCX = office_zip("[Content_Types].xml", "word/document.xml")


@pytest.fixture
def ws(make_workspace) -> Workspace:
    return make_workspace(sites=[(SITE, "https://www.chengdu.gov.cn/", "city")])


def refused(ws: Workspace, source: Path, *words: str) -> str:
    with pytest.raises(GovauditError) as caught:
        attach(ws, ws.checklist, Store(ws), SITE, "a1.q1", source)
    message = str(caught.value)
    assert message.startswith(f"{source}: ") and message.endswith("; nothing attached")
    for word in words:
        assert word in message, message
    assert Store(ws).evidence() == []
    assert not ws.evidence_dir.exists() or list(ws.evidence_dir.rglob("*")) == []
    return message


RENAMED = [
    ("名单.xlsx", TEXT, "not an Excel workbook (.xlsx)", "it is a text file"),
    ("名单.xlsx", office_zip("a.txt"), "not an Excel workbook", "it is a zip archive"),
    ("名单.xlsx", DOCX, "not an Excel workbook", "it is a Word document (.docx)"),
    ("报告.docx", xlsx(), "not a Word document (.docx)", "it is an Excel workbook (.xlsx)"),
    ("报告.docx", png(), "not a Word document", "it is a PNG image"),
    ("报告.pdf", xlsx(), "not a PDF document", "it is an Excel workbook"),
    ("报告.pdf", TEXT, "not a PDF document", "it is a text file"),
    ("截图.png", PDF, "not a PNG image", "it is a PDF document"),
    ("截图.jpg", b"<html><body>x</body></html>", "not a JPEG image", "it is an HTML page"),
    ("录屏.mp4", ELF, "not an MP4 video", "it is a .elf file"),
    ("图.svg", TEXT, "not an SVG image", "it is a text file"),
    ("旧表.xls", TEXT, "not an Office 97-2003 file", "it is a text file"),
    ("说明.txt", png(), "not a text file", "it is a PNG image"),
    ("data.dat", PDF, "its name (.dat) does not say what it is", "it is a PDF document"),
    ("程序", ELF, "its name (no suffix) does not say what it is", "it is a .elf file"),
]


@pytest.mark.parametrize(("name", "data", "claimed", "really"), RENAMED,
                         ids=[f"{name}-{really[6:]}" for name, _, _, really in RENAMED])
def test_a_renamed_file_is_refused_naming_what_it_really_is(ws: Workspace, tmp_path: Path,
                                                            name: str, data: bytes,
                                                            claimed: str, really: str) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    refused(ws, source, claimed, really)


def test_the_command_names_the_file_and_what_it_is(cli, ws: Workspace, tmp_path: Path) -> None:
    source = tmp_path / "团队汇总.xlsx"
    source.write_bytes(TEXT)
    done = cli("evidence", "attach", SITE, "a1.q1", str(source), "-w", str(ws.root))
    assert done.exit_code == 1 and "Traceback" not in done.output
    assert f"{source}: not an Excel workbook (.xlsx): it is a text file; nothing attached" \
        in " ".join(done.output.split())
    assert cli("evidence", "export", SITE, "-w", str(ws.root)).exit_code == 1  # nothing to ship


def test_real_files_of_every_kind_are_taken(ws: Workspace, tmp_path: Path) -> None:
    files = {"shot.png": png(), "表.xlsx": xlsx(), "文.docx": DOCX, "报告.pdf": PDF,
             "说明.txt": TEXT, "图.svg": SVG, "名单.csv": "名称,网址\n".encode(),
             "录屏.mp4": b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64,
             "旧.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
             "opaque.bin": bytes(range(256)) * 4}
    for name, data in files.items():
        source = tmp_path / name
        source.write_bytes(data)
        record = attach(ws, ws.checklist, Store(ws), SITE, "a1.q1", source)
        assert (ws.root / record.files[0].path).read_bytes() == data
    assert len(Store(ws).evidence()) == len(files)
    assert verify(ws, Store(ws)).ok


def _pseudo_files() -> list[Path]:
    found = [Path(p) for p in ("/proc/self/environ", "/proc/self/status", "/proc/cpuinfo",
                               "/sys/class/net/lo/address",
                               "/sys/kernel/mm/transparent_hugepage/enabled")]
    return [p for p in found if p.is_file() and os.access(p, os.R_OK)]


@pytest.mark.skipif(not _pseudo_files(), reason="no /proc or /sys here")
def test_proc_and_sys_files_are_never_attached(ws: Workspace, tmp_path: Path) -> None:
    for path in _pseudo_files():
        kind = "proc" if str(path).startswith("/proc") else "sysfs"
        refused(ws, path, f"on a {kind} file system")
    # by an absolute path through a linked folder too: what is opened is judged
    (tmp_path / "shots").symlink_to("/proc/self")
    refused(ws, tmp_path / "shots" / "environ", "on a proc file system")


def test_an_absolute_path_through_a_linked_folder_is_taken(ws: Workspace,
                                                          tmp_path: Path) -> None:
    """The decision documented in the README: an absolute path is the user's own (macOS's
    /tmp, a home on another disk); what it opens is judged (a regular file of its type)."""
    real = tmp_path / "phone"
    real.mkdir()
    (real / "shot.png").write_bytes(png())
    (tmp_path / "linked").symlink_to(real)
    record = attach(ws, ws.checklist, Store(ws), SITE, "a1.q1", tmp_path / "linked" / "shot.png")
    assert record.title == "shot.png"
