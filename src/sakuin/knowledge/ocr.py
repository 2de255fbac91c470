"""Images and scanned PDF pages to text with Tesseract, keeping where on which page each line was.

Tesseract reads Japanese and English together (``jpn+eng``); a page whose horizontal reading is
poor is read again as vertical Japanese (``jpn_vert``) and the more confident reading is kept.
Lines of one paragraph are joined into one line of text (Japanese without a space), so a word
wrapped across two lines is still one word for search. Pages of a multi-page document become
sections under a ``## p. N`` heading: chunks never straddle a heading, so each chunk lies on one
page and its citation names it.

Where each line was is kept in the document's metadata (``ocr_layout``: JSON rows of
``[start, end, page, left, top, right, bottom]`` in pixels of the page as read), so the store
needs no new column: :func:`locate` turns a chunk's offsets back into a page and a box.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sakuin.knowledge.parse import ParsedDocument, ParseError, normalise

if TYPE_CHECKING:
    from PIL.Image import Image

LANGUAGES = "jpn+eng"
VERTICAL = "jpn_vert"
# Longest side read as is; larger images are scaled down (Tesseract gains nothing past ~300 dpi A4).
MAX_SIDE = 5000
# Beyond this many pixels an image is refused before decoding (a decompression bomb or a mistake).
MAX_PIXELS = 150_000_000  # under Pillow's own bomb limit (2 x 89 MP)
PDF_DPI = 300
# Words Tesseract is less sure of than this (0-100) are noise (photographs, stains), not text.
MIN_WORD_CONFIDENCE = 40
# A line is kept when its words' mean confidence reaches this and it has two letters or digits;
# a page is text only when its lines together reach MIN_PAGE_CONFIDENCE (photographs read as
# scattered low-confidence fragments, real text as lines above 80).
MIN_LINE_CONFIDENCE = 60.0
MIN_PAGE_CONFIDENCE = 65.0
# A horizontal reading this poor (mean confidence) is tried again as vertical Japanese.
VERTICAL_RETRY_BELOW = 70.0
MIN_PAGE_CHARS = 2


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels of the page as read: left, top, right, bottom."""

    left: int
    top: int
    right: int
    bottom: int

    def union(self, other: Box) -> Box:
        return Box(
            min(self.left, other.left),
            min(self.top, other.top),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
        )


@dataclass(frozen=True)
class OcrLine:
    """One line of text as Tesseract read it, with its box and mean word confidence."""

    text: str
    box: Box
    confidence: float
    paragraph: tuple[int, int]  # (block, paragraph): lines of one paragraph are joined


@dataclass(frozen=True)
class PageReading:
    """A page's lines and how it was read."""

    lines: list[OcrLine]
    languages: str
    size: tuple[int, int]

    @property
    def confidence(self) -> float:
        weights = [len(line.text) for line in self.lines]
        total = sum(weights)
        return (
            sum(line.confidence * w for line, w in zip(self.lines, weights, strict=True)) / total
            if total
            else 0.0
        )

    @property
    def chars(self) -> int:
        return sum(len(line.text.strip()) for line in self.lines)


@dataclass(frozen=True)
class Region:
    """Where a passage lies: its page (1-based) and the box around its lines there."""

    page: int
    box: Box
    page_size: tuple[int, int]  # (width, height) of the page as read: what the box's pixels are of

    def describe(self) -> str:
        """``p. 2 (left,top-right,bottom of 2480x3508)``: where to look on the scan."""
        box, (width, height) = self.box, self.page_size
        return f"p. {self.page} ({box.left},{box.top}-{box.right},{box.bottom} of {width}x{height})"


@dataclass
class LoadedImage:
    """An image ready to read, and what was done to it on the way (said to the user)."""

    image: Image
    media_type: str
    notes: list[str] = field(default_factory=list)


def require_tesseract() -> None:
    """Fail with what to install when the Tesseract binary or its Japanese data is missing."""
    if shutil.which("tesseract") is None:
        raise ParseError(
            "reading images needs Tesseract OCR: run `make setup` (as root) or "
            "`apt-get install tesseract-ocr tesseract-ocr-jpn tesseract-ocr-jpn-vert tesseract-ocr-eng`."
        )
    missing = {"jpn", "eng", VERTICAL} - _installed_languages()
    if missing:
        packages = " ".join(f"tesseract-ocr-{m.replace('_', '-')}" for m in sorted(missing))
        raise ParseError(
            f"Tesseract lacks the language data {', '.join(sorted(missing))}: install {packages}."
        )


@cache
def _installed_languages() -> frozenset[str]:
    """Tesseract's trained data, asked once per process (each page would otherwise ask again)."""
    import pytesseract

    return frozenset(pytesseract.get_languages(config=""))


def load_image(path: Path | str, data: bytes) -> LoadedImage:
    """Decode ``data`` fully (a truncated file fails here, not halfway through OCR).

    An animated image gives its first frame and a huge one is scaled down; both say so in the
    notes. The result is RGB on white (transparency flattened), for OCR and the vision models alike.
    """
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        opened = PILImage.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        raise ParseError(f"{path}: not an image that can be read (PNG, JPEG, TIFF, WebP, GIF, BMP).") from exc
    except PILImage.DecompressionBombError as exc:
        raise ParseError(
            f"{path}: too many pixels to decode safely ({exc}); scale the image down first."
        ) from exc
    notes: list[str] = []
    width, height = opened.size
    if width * height > MAX_PIXELS:
        raise ParseError(
            f"{path}: {width}x{height} pixels is over the {MAX_PIXELS // 1_000_000} megapixel limit; "
            "scale the image down first."
        )
    frames = getattr(opened, "n_frames", 1)
    if frames > 1:
        notes.append(f"animated image with {frames} frames: only the first frame was read")
    if opened.format == "JPEG" and max(width, height) > MAX_SIDE:
        opened.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG decodes at 1/2, 1/4 or 1/8 scale directly
    try:
        opened.seek(0)
        opened.load()
    # decoders of untrusted bytes fail in many ways (OSError, EOFError, struct.error...)
    except Exception as exc:
        raise ParseError(f"{path}: the image is truncated or corrupt ({exc}).") from exc
    image = _flattened(opened)
    if max(image.size) > MAX_SIDE:
        scale = MAX_SIDE / max(image.size)
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))))
    if image.size != (width, height):
        notes.append(f"{width}x{height} pixels scaled down to {image.width}x{image.height} for reading")
    return LoadedImage(image, PILImage.MIME.get(opened.format or "", "image"), notes)


def _flattened(image: Image) -> Image:
    """RGB on white: transparent pixels of a screenshot become paper, not black."""
    from PIL import Image as PILImage

    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        paper = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
        return PILImage.alpha_composite(paper, rgba).convert("RGB")
    return image.convert("RGB")


def read_page(image: Image) -> PageReading:
    """Tesseract's lines of one page: horizontal jpn+eng, or vertical Japanese where that reads better.

    No lines where the page reads as no text (a photograph, a blank or illegible scan).
    """
    require_tesseract()
    image = image.convert("L")
    reading = _tesseract_lines(image, LANGUAGES, psm=3)
    if reading.confidence < VERTICAL_RETRY_BELOW or reading.chars < MIN_PAGE_CHARS:
        vertical = _tesseract_lines(image, f"{VERTICAL}+eng", psm=5)
        if vertical.chars >= MIN_PAGE_CHARS and vertical.confidence > reading.confidence:
            reading = vertical
    if reading.confidence < MIN_PAGE_CONFIDENCE:
        return PageReading([], reading.languages, reading.size)
    return reading


def _tesseract_lines(image: Image, languages: str, *, psm: int) -> PageReading:
    import pytesseract

    data = pytesseract.image_to_data(
        image, lang=languages, config=f"--psm {psm}", output_type=pytesseract.Output.DICT
    )
    # Tesseract's own line boxes (level 4) are tighter than the union of its word boxes
    line_boxes: dict[tuple[int, int, int], Box] = {}
    grouped: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(data["text"]):
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if data["level"][i] == 4:
            left, top = data["left"][i], data["top"][i]
            line_boxes[key] = Box(left, top, left + data["width"][i], top + data["height"][i])
        elif word.strip() and float(data["conf"][i]) >= MIN_WORD_CONFIDENCE:
            grouped.setdefault(key, []).append(i)
    lines = []
    for key, indices in grouped.items():
        text = join_words(normalise(data["text"][i]) for i in indices)
        confidence = sum(float(data["conf"][i]) for i in indices) / len(indices)
        if confidence >= MIN_LINE_CONFIDENCE and sum(ch.isalnum() for ch in text) >= 2:
            lines.append(OcrLine(text, line_boxes[key], confidence, key[:2]))
    return PageReading(lines, languages, image.size)


def join_words(words: Iterable[str]) -> str:
    """Words of a line as text: a space only between two Latin-script words (never inside Japanese)."""
    text = ""
    for word in words:
        if text and _latin(text[-1]) and _latin(word[0]):
            text += " "
        text += word
    return text


def _latin(char: str) -> bool:
    """Latin-script text is spaced between words; Japanese (any non-ASCII character here) is not."""
    return char.isascii() and not char.isspace()


def document_text(pages: Sequence[PageReading | str]) -> tuple[str, list[list[int]]]:
    """The text of read pages (a PDF page with a text layer comes as its text) and its layout rows.

    Several pages get a ``## p. N`` heading each; paragraphs are separated by a blank line.
    """
    parts: list[str] = []
    layout: list[list[int]] = []
    offset = 0

    def add(piece: str) -> int:
        nonlocal offset
        start = offset
        parts.append(piece)
        offset += len(piece)
        return start

    for number, page in enumerate(pages, start=1):
        if len(pages) > 1:
            add(("\n\n" if parts else "") + f"## p. {number}\n\n")
        elif parts:
            add("\n\n")
        if isinstance(page, str):
            add(page)
            continue
        previous: tuple[int, int] | None = None
        for line in page.lines:
            if previous is not None and line.paragraph != previous:
                add("\n\n")
            elif previous is not None and _latin(parts[-1][-1]) and _latin(line.text[0]):
                add(" ")
            start = add(line.text)
            box = line.box
            layout.append([start, start + len(line.text), number, box.left, box.top, box.right, box.bottom])
            previous = line.paragraph
    return "".join(parts), layout


def locate(metadata: Mapping[str, str], start: int, end: int) -> list[Region]:
    """Pages and boxes of the read lines that overlap ``[start, end)`` of an OCR'd document's text.

    Empty for a document that was not read by OCR (or a passage from a page with a text layer).
    """
    rows = json.loads(metadata.get("ocr_layout", "[]"))
    regions: dict[int, Box] = {}
    for row_start, row_end, page, *corners in rows:
        if row_start < end and row_end > start:
            box = Box(*corners)
            regions[page] = regions[page].union(box) if page in regions else box
    read_pages = [int(p) for p in metadata.get("ocr_pages", "").split(",") if p]
    sizes = dict(zip(read_pages, json.loads(metadata.get("ocr_page_sizes", "[]")), strict=True))
    return [Region(page, box, tuple(sizes[page])) for page, box in sorted(regions.items())]


def _metadata(
    pages: Sequence[PageReading | str], layout: list[list[int]], notes: list[str]
) -> dict[str, str]:
    read = [p for p in pages if not isinstance(p, str)]
    metadata = {
        "pages": str(len(pages)),
        "ocr": "tesseract " + ", ".join(sorted({p.languages for p in read})),
        "ocr_pages": ",".join(str(i) for i, p in enumerate(pages, start=1) if not isinstance(p, str)),
        "ocr_confidence": f"{sum(p.confidence for p in read) / len(read):.1f}" if read else "",
        "ocr_page_sizes": json.dumps([list(p.size) for p in read]),
        "ocr_layout": json.dumps(layout),
    }
    if notes:
        metadata["notes"] = "; ".join(notes)
    return metadata


def parse_image(path: Path, data: bytes) -> ParsedDocument:
    """An image file as a document of the text read in it; no readable text is a ParseError."""
    loaded = load_image(path, data)
    reading = read_page(loaded.image)
    if reading.chars < MIN_PAGE_CHARS:
        raise ParseError(_no_text(path, 1, loaded.notes))
    text, layout = document_text([reading])
    metadata = _metadata([reading], layout, loaded.notes)
    return ParsedDocument(path.stem, text, str(path), loaded.media_type, metadata)


def parse_scanned_pdf(path: Path, data: bytes, pages: list[str], title: str) -> ParsedDocument:
    """A PDF some of whose pages have no text layer: those pages are rendered and read.

    ``pages`` is the text layer of each page (empty where there is none).
    """
    import pypdfium2

    require_tesseract()
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise ParseError(f"{path}: the PDF's pages cannot be rendered for OCR ({exc}).") from exc
    read: list[PageReading | str] = []
    try:
        for number, layer in enumerate(pages):
            if layer.strip():
                read.append(normalise(layer))
                continue
            bitmap = pdf[number].render(scale=PDF_DPI / 72, grayscale=True)
            read.append(read_page(bitmap.to_pil()))
    finally:
        pdf.close()
    if sum(len(p.strip()) if isinstance(p, str) else p.chars for p in read) < MIN_PAGE_CHARS:
        raise ParseError(_no_text(path, len(pages), []))
    text, layout = document_text(read)
    first = next((line for line in text.splitlines() if line.strip() and not line.startswith("## p.")), "")
    return ParsedDocument(
        title or first[:200] or path.stem, text, str(path), "application/pdf", _metadata(read, layout, [])
    )


def _no_text(path: Path, pages: int, notes: list[str]) -> str:
    said = f" ({'; '.join(notes)})" if notes else ""
    return (
        f"{path}: no readable text on {pages} page(s) (Tesseract {LANGUAGES} and {VERTICAL}){said}; "
        "a photograph without writing, or a scan too faint or small to read: rescan at 300 dpi."
    )
