"""Files to text: one ``ParsedDocument`` per document, with a title and where it came from.

Encodings are detected, not assumed: Japanese files still arrive as Shift_JIS (CP932) or EUC-JP.
Text is NFKC-normalised (full-width ASCII and half-width katakana fold to their usual forms), and
every offset sakuin stores refers to this normalised text. Parsing uses real parsers (pypdf,
python-docx, an HTML parser), never regular expressions over markup.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sakuin.errors import SakuinError

DEFAULT_MAX_BYTES = 50 * 2**20
# Tried in order when a file is not UTF-8; CP932 is the superset of Shift_JIS that Windows writes.
JAPANESE_ENCODINGS = ("cp932", "euc_jp")
# Read by OCR (sakuin.knowledge.ocr), as are the pages of a PDF that have no text layer.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".gif", ".bmp")


class ParseError(SakuinError):
    """A file that cannot be turned into text; the message names the file and the reason."""


@dataclass(frozen=True)
class ParsedDocument:
    """Text of one document and what identifies it."""

    title: str
    text: str
    source: str
    media_type: str
    metadata: dict[str, str] = field(default_factory=dict)


def parse_file(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    rows: bool = False,
    text_field: str | None = None,
    title_field: str | None = None,
) -> list[ParsedDocument]:
    """Parse ``path`` by its extension. CSV/JSONL give one document per row when ``rows`` is set."""
    if not path.is_file():
        raise ParseError(f"{path}: no such file.")
    size = path.stat().st_size
    if size > max_bytes:
        raise ParseError(
            f"{path}: {size / 2**20:.0f} MiB is over the {max_bytes / 2**20:.0f} MiB limit; "
            "raise knowledge.max_file_mib or split the file."
        )
    if size == 0:
        raise ParseError(f"{path}: the file is empty.")
    suffix = path.suffix.lower()
    parser = PARSERS.get(suffix)
    if parser is None:
        raise ParseError(
            f"{path}: unsupported file type '{suffix}'; supported: {', '.join(sorted(PARSERS))}."
        )
    data = path.read_bytes()
    if suffix in TABLE_SUFFIXES and rows:
        documents = _table_rows(path, data, text_field, title_field)
    else:
        documents = [parser(path, data)]
    kept = [d for d in documents if d.text.strip()]
    if not kept:
        raise ParseError(f"{path}: no text could be extracted.")
    return kept


def decode_text(path: Path, data: bytes) -> str:
    """Bytes to text: BOM, then strict UTF-8, then the Japanese legacy encodings, then detection."""
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError(f"{path}: looks binary (NUL bytes), not text; check the file type.")
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for encoding in JAPANESE_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _plausible_japanese(text):
            return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ParseError(f"{path}: bytes that decode as no known text encoding; save it as UTF-8.")
    return str(best)


def _plausible_japanese(text: str) -> bool:
    """A legacy decoding that succeeded should mostly yield kana, kanji, ASCII or punctuation."""
    if not text:
        return False
    good = sum(
        1 for ch in text if ord(ch) < 0x80 or 0x3000 <= ord(ch) <= 0x9FFF or 0xFF00 <= ord(ch) <= 0xFFEF
    )
    return good / len(text) > 0.9


def normalise(text: str) -> str:
    """NFKC, unified newlines, no trailing spaces: the text that offsets refer to."""
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def _first_line_title(path: Path, text: str) -> str:
    for line in text.splitlines():
        stripped = line.strip().lstrip("#").strip()
        if stripped:
            return stripped[:200]
    return path.stem


def _parse_text(path: Path, data: bytes) -> ParsedDocument:
    text = normalise(decode_text(path, data))
    return ParsedDocument(
        _first_line_title(path, text) if path.suffix.lower() == ".md" else path.stem,
        text,
        str(path),
        "text/markdown" if path.suffix.lower() == ".md" else "text/plain",
    )


BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
        "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
        "ul",
    }
)  # fmt: skip
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head"})
HEADINGS = {f"h{level}": level for level in range(1, 7)}


def _parse_html(path: Path, data: bytes) -> ParsedDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(path, data), "html.parser")
    title_tag = soup.find("title")
    title = title_tag.get_text(strip=True) if title_tag else ""
    lines: list[str] = []
    _html_lines(soup, lines, [])
    text = normalise("\n".join(lines))
    return ParsedDocument(title or _first_line_title(path, text), text, str(path), "text/html")


def _html_lines(node: Any, lines: list[str], current: list[str]) -> None:
    """Block elements become lines (headings as markdown headings); inline ones stay in the line."""
    from bs4.element import Comment, NavigableString, Tag

    for child in node.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            current.append(str(child))
        elif isinstance(child, Tag) and child.name not in SKIP_TAGS:
            if child.name in BLOCK_TAGS:
                _flush(lines, current)
                inner: list[str] = []
                _html_lines(child, lines, inner)
                _flush(lines, inner, "#" * HEADINGS[child.name] + " " if child.name in HEADINGS else "")
            else:
                _html_lines(child, lines, current)


def _flush(lines: list[str], parts: list[str], prefix: str = "") -> None:
    line = " ".join("".join(parts).split())
    if line:
        lines.append(prefix + line)
    parts.clear()


def _parse_pdf(path: Path, data: bytes) -> ParsedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ParseError(
                f"{path}: the PDF is password-protected; remove the password and ingest it again."
            )
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or ""
    except ParseError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ParseError(f"{path}: corrupt or unreadable PDF ({exc}).") from exc
    if not all(page.strip() for page in pages):
        from sakuin.knowledge.ocr import parse_scanned_pdf

        return parse_scanned_pdf(path, data, pages, str(title))
    text = normalise("\n\n".join(pages))
    return ParsedDocument(
        str(title) or _first_line_title(path, text),
        text,
        str(path),
        "application/pdf",
        {"pages": str(len(pages))},
    )


def _parse_image(path: Path, data: bytes) -> ParsedDocument:
    """Images are read by OCR (:mod:`sakuin.knowledge.ocr`), imported only when one comes."""
    from sakuin.knowledge.ocr import parse_image

    return parse_image(path, data)


def _parse_docx(path: Path, data: bytes) -> ParsedDocument:
    import zipfile

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ParseError(f"{path}: corrupt or unreadable .docx ({exc}).") from exc
    lines = []
    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        level = style.removeprefix("Heading ").strip()
        prefix = "#" * int(level) + " " if style.startswith("Heading ") and level.isdigit() else ""
        if style == "Title":
            prefix = "# "
        lines.append(prefix + paragraph.text)
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    text = normalise("\n".join(lines))
    title = document.core_properties.title or _first_line_title(path, text)
    return ParsedDocument(
        title, text, str(path), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )


def _table_records(path: Path, data: bytes) -> list[dict[str, str]]:
    text = decode_text(path, data)
    if path.suffix.lower() == ".csv":
        return [dict(row) for row in csv.DictReader(io.StringIO(text))]
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ParseError(f"{path}: line {number} is not JSON ({exc.msg}).") from exc
        if not isinstance(value, dict):
            raise ParseError(f"{path}: line {number} is not a JSON object.")
        records.append(
            {k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in value.items()}
        )
    return records


def _parse_table_whole(path: Path, data: bytes) -> ParsedDocument:
    records = _table_records(path, data)
    lines = ["; ".join(f"{k}: {v}" for k, v in record.items()) for record in records]
    media = "text/csv" if path.suffix.lower() == ".csv" else "application/jsonl"
    return ParsedDocument(path.stem, normalise("\n".join(lines)), str(path), media)


def _table_rows(
    path: Path, data: bytes, text_field: str | None, title_field: str | None
) -> list[ParsedDocument]:
    records = _table_records(path, data)
    if not records:
        raise ParseError(f"{path}: no rows.")
    field_name = text_field or next(iter(records[0]))
    if field_name not in records[0]:
        raise ParseError(f"{path}: no column '{field_name}'; columns are {', '.join(records[0])}.")
    media = "text/csv" if path.suffix.lower() == ".csv" else "application/jsonl"
    documents = []
    for number, record in enumerate(records, start=1):
        title = record.get(title_field or "", "") or f"{path.stem} #{number}"
        extra = {k: v for k, v in record.items() if k not in (field_name, title_field)}
        documents.append(
            ParsedDocument(
                normalise(title), normalise(record.get(field_name) or ""), f"{path}#{number}", media, extra
            )
        )
    return documents


PARSERS: dict[str, Callable[[Path, bytes], ParsedDocument]] = {
    ".txt": _parse_text,
    ".md": _parse_text,
    ".markdown": _parse_text,
    ".html": _parse_html,
    ".htm": _parse_html,
    ".pdf": _parse_pdf,
    ".docx": _parse_docx,
    ".csv": _parse_table_whole,
    ".jsonl": _parse_table_whole,
    **dict.fromkeys(IMAGE_SUFFIXES, _parse_image),
}
TABLE_SUFFIXES = {".csv", ".jsonl"}
