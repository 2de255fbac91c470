"""Parsing real files of each type, in each encoding, and refusing bad ones clearly."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from sakuin.knowledge.parse import ParseError, parse_file
from tests.knowledge.conftest import minimal_pdf

JAPANESE = "経費精算は毎月末日までに提出してください。ｶﾀｶﾅとＡＢＣは正規化されます。"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "shift_jis", "euc_jp", "utf-16"])
def test_japanese_text_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "keihi.txt"
    path.write_bytes(JAPANESE.encode(encoding))
    [document] = parse_file(path)
    assert document.text == "経費精算は毎月末日までに提出してください。カタカナとABCは正規化されます。"
    assert document.source == str(path)


def test_markdown_title_is_the_first_heading(tmp_path: Path) -> None:
    path = tmp_path / "policy.md"
    path.write_text("# 就業規則\n\n## 休暇\n年休は10日です。\r\n", encoding="utf-8")
    [document] = parse_file(path)
    assert document.title == "就業規則"
    assert "\r" not in document.text


def test_html_drops_scripts_and_keeps_headings(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Aurora</title><script>var secret = 1;</script></head>"
        "<body><h1>Aurora thermostat</h1><p>Saves <b>20%</b> energy.</p></body></html>",
        encoding="utf-8",
    )
    [document] = parse_file(path)
    assert document.title == "Aurora"
    assert "secret" not in document.text
    assert "# Aurora thermostat" in document.text
    assert "20%" in document.text


def test_pdf_text(tmp_path: Path) -> None:
    path = tmp_path / "aurora.pdf"
    path.write_bytes(minimal_pdf("Aurora saves energy"))
    [document] = parse_file(path)
    assert "Aurora saves energy" in document.text
    assert document.media_type == "application/pdf"


def test_password_protected_pdf(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(minimal_pdf("secret"))))
    writer.encrypt("hunter2")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(ParseError, match=r"locked\.pdf: the PDF is password-protected"):
        parse_file(path)


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj garbage")
    with pytest.raises(ParseError, match=r"broken\.pdf: corrupt or unreadable PDF"):
        parse_file(path)


def test_docx_headings_and_tables(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("出張規程", level=1)
    document.add_paragraph("国内出張の日当は3000円です。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "地域"
    table.rows[0].cells[1].text = "東京"
    path = tmp_path / "travel.docx"
    document.save(str(path))
    [parsed] = parse_file(path)
    assert "# 出張規程" in parsed.text and "3000円" in parsed.text and "地域 | 東京" in parsed.text


def test_csv_rows_become_documents(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(
        "question,answer\n有給は何日？,10日です\nWhat is Aurora?,A thermostat\n", encoding="cp932"
    )
    documents = parse_file(path, rows=True, text_field="answer", title_field="question")
    assert [(d.title, d.text, d.source) for d in documents] == [
        ("有給は何日?", "10日です", f"{path}#1"),
        ("What is Aurora?", "A thermostat", f"{path}#2"),
    ]
    with pytest.raises(ParseError, match="no column 'body'"):
        parse_file(path, rows=True, text_field="body")


def test_jsonl_rows(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_text('{"text": "一行目"}\n{"text": "二行目", "n": 2}\n', encoding="utf-8")
    assert [d.text for d in parse_file(path, rows=True)] == ["一行目", "二行目"]
    path.write_text('{"text": "ok"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ParseError, match="line 2 is not JSON"):
        parse_file(path, rows=True)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "looks binary"),
        ("notes.xyz", b"hello", "unsupported file type '.xyz'"),
    ],
)
def test_bad_files_name_the_file_and_the_reason(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ParseError, match=message) as caught:
        parse_file(path)
    assert name in str(caught.value)


def test_files_over_the_limit_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * 3_000_000)
    with pytest.raises(ParseError, match="over the 2 MiB limit"):
        parse_file(path, max_bytes=2 * 2**20)
