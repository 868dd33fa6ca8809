"""Attachments: each format read for real, and every bad file a recorded reason."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from govaudit.content.attachments import (
    Attachment,
    AttachmentLimits,
    read_attachment,
    read_attachment_file,
)
from govaudit.content.personal import PersonalDataCheck

FILES = Path(__file__).parent / "content_corpus" / "files"


def _personal(name: str) -> list[tuple[str, str]]:
    text = read_attachment_file(FILES / name)
    assert text.problems == []
    check = PersonalDataCheck()
    return sorted((h.kind, h.masked) for b in text.blocks for h in check.check_block("u", b))


@pytest.mark.parametrize("name", ["list-plain.xlsx", "list-plain.xls", "notice-plain.docx",
                                  "notice-plain.doc", "notice-plain.pdf"])
def test_personal_numbers_in_every_format(name: str):
    found = _personal(name)
    assert ("id_card", "110101********0313") in found
    assert ("mobile", "150****5432") in found
    assert len([k for k, _ in found if k == "id_card"]) == 3


@pytest.mark.parametrize("name", ["list-masked.xlsx", "list-masked.xls", "notice-masked.docx",
                                  "notice-masked.doc", "notice-masked.pdf"])
def test_the_masked_lists_have_none(name: str):
    assert _personal(name) == []


def test_blocks_say_where_they_are_in_the_file():
    text = read_attachment_file(FILES / "list-plain.xls")
    assert text.kind == "xls"
    assert text.blocks[2].path == "list-plain.xls: sheet 公示名单 row 3"
    assert text.blocks[2].text.startswith("1\t张三丰\t")
    doc = read_attachment_file(FILES / "notice-plain.doc")
    assert doc.blocks[0] .path == "notice-plain.doc: paragraph 1"
    assert doc.blocks[0].text == "关于示例市2026年第一批补贴发放情况的公示"


def test_the_type_comes_from_the_content_not_the_name():
    data = (FILES / "notice-plain.pdf").read_bytes()
    text = read_attachment(Attachment("名单.xlsx", data))
    assert text.kind == "pdf" and text.blocks


def _reason(text) -> str:
    [problem] = text.problems
    return problem.reason


def test_a_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * 300_000_000)
    text = read_attachment(Attachment("bomb.docx", buffer.getvalue()))
    assert text.blocks == []
    assert "zip bomb" in _reason(text)


def test_an_encrypted_docx_and_pdf_are_named_so(tmp_path: Path):
    from msoffcrypto.format.ooxml import OOXMLFile
    from pypdf import PdfReader, PdfWriter

    out = io.BytesIO()
    with (FILES / "notice-plain.docx").open("rb") as handle:
        OOXMLFile(handle).encrypt("示例密码", out)
    assert "encrypted" in _reason(read_attachment(Attachment("secret.docx", out.getvalue())))
    writer = PdfWriter(clone_from=PdfReader(FILES / "notice-plain.pdf"))
    writer.encrypt("user-secret", "owner-secret", algorithm="AES-128")
    pdf = io.BytesIO()
    writer.write(pdf)
    assert "encrypted PDF" in _reason(read_attachment(Attachment("secret.pdf", pdf.getvalue())))
    # an owner password alone does not keep the text from being read
    writer = PdfWriter(clone_from=PdfReader(FILES / "notice-plain.pdf"))
    writer.encrypt("", "owner-secret", algorithm="AES-128")
    pdf = io.BytesIO()
    writer.write(pdf)
    opened = read_attachment(Attachment("owner.pdf", pdf.getvalue()))
    assert opened.problems == [] and "张三丰" in opened.blocks[0].text


@pytest.mark.parametrize("name,cut", [("list-plain.xlsx", 2000), ("notice-plain.pdf", 2000),
                                      ("list-plain.xls", 1500), ("notice-plain.doc", 3000)])
def test_a_damaged_file_is_a_reason_not_a_crash(name: str, cut: int):
    data = (FILES / name).read_bytes()[:cut]
    text = read_attachment(Attachment(name, data))
    assert text.blocks == [] and len(text.problems) == 1
    assert text.problems[0].source == name


def test_a_file_of_500_mb_is_not_read(tmp_path: Path):
    big = tmp_path / "附件.pdf"
    with big.open("wb") as handle:
        handle.truncate(500_000_000)  # sparse: no 500 MB written
    assert "500 MB, more than the 50 MB" in _reason(read_attachment_file(big))


def test_text_beyond_the_limit_is_cut_and_said():
    data = ("第一行\n" * 100_000).encode("utf-8")
    text = read_attachment(Attachment("长.txt", data), AttachmentLimits(max_chars=1000))
    assert sum(len(b.text) for b in text.blocks) <= 1000
    assert "more than 1,000 characters" in _reason(text)


def test_a_file_of_another_kind_is_named():
    text = read_attachment(Attachment("a.zip", _zip_of({"a.txt": "x"})))
    assert "a zip archive that is not a Word or Excel file" in _reason(text)


def _zip_of(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def test_a_gbk_text_file_is_read():
    text = read_attachment(Attachment("名单.txt", "张三丰 13912345678\n".encode("gbk")))
    assert text.blocks[0].text == "张三丰 13912345678"
