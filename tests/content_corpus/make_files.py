"""Writes the attachments of the content corpus (run once; the files are committed).

xlsx and docx are written with openpyxl and python-docx; xls, doc and pdf are converted from
them by LibreOffice (`soffice --headless --convert-to`, Writer and Calc). Every person and
number is made up; the numbers pass their checks so that a reader sees them as real.

    .venv/bin/python tests/content_corpus/make_files.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from tests.content_helpers import card_number, id_number  # noqa: E402

FILES = HERE / "files"
PEOPLE = [("张三丰", id_number("110101", "19800512", "031"), "13912345678"),
          ("李四光", id_number("320102", "19751103", "112"), "15098765432"),
          ("王五常", id_number("440305", "19920229", "245"), "18611112222")]


def masked(value: str, head: int, tail: int) -> str:
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def rows(mask: bool) -> list[list[str]]:
    out = [["序号", "姓名", "身份证号码", "联系电话", "补贴金额（元）"]]
    for n, (name, idn, phone) in enumerate(PEOPLE, 1):
        out.append([str(n), name, masked(idn, 6, 4) if mask else idn,
                    masked(phone, 3, 4) if mask else phone, "1200"])
    return out


def write_xlsx(path: Path, mask: bool) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "公示名单"
    sheet.append(["2026年示例市困难群众临时救助公示"])
    for row in rows(mask):
        sheet.append(row)
    book.save(path)


def write_docx(path: Path, mask: bool, card: bool = False) -> None:
    import docx

    document = docx.Document()
    document.add_heading("关于示例市2026年第一批补贴发放情况的公示", 1)
    document.add_paragraph("根据有关规定，现将补贴发放对象公示如下，公示期为5个工作日。")
    table = document.add_table(rows=0, cols=5)
    for row in rows(mask):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    if card:
        document.add_paragraph(f"补贴将打入申请人银行账户{card_number()}。")
    document.add_paragraph("联系人：示例市民政局社会救助科")
    document.save(path)


def convert(source: Path, to: str) -> Path:
    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryDirectory() as out:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", to, "--outdir", out, str(source)],
                       check=True, capture_output=True, timeout=180)
        made = next(Path(out).iterdir())
        target = source.with_suffix("." + to.split(":")[0])
        shutil.move(made, target)
        return target


def main() -> None:
    FILES.mkdir(exist_ok=True)
    for mask in (False, True):
        tag = "masked" if mask else "plain"
        xlsx = FILES / f"list-{tag}.xlsx"
        write_xlsx(xlsx, mask)
        convert(xlsx, "xls")
        docx_path = FILES / f"notice-{tag}.docx"
        write_docx(docx_path, mask, card=not mask)
        convert(docx_path, "doc")
        convert(docx_path, "pdf")
    print("\n".join(sorted(p.name for p in FILES.iterdir())))


if __name__ == "__main__":
    main()
