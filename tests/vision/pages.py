"""Pages rendered with the CJK fonts of fonts-noto-cjk, as a scanner would give them: the tests and
benchmarks/vision.py read them back by OCR."""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

POLICY_JA = [
    "在宅勤務規程",
    "在宅勤務は週三日まで認められます。",
    "申請は前日までに上長へ提出してください。",
    "社外で作業する場合は必ずVPNに接続してください。",
]


def render_page(
    lines: list[str],
    *,
    size: tuple[int, int] = (1240, 880),
    font_px: int = 40,
    noise: float = 0.0,
    rotate: float = 0.0,
    seed: int = 0,
) -> Image.Image:
    """``lines`` black on white, one per line; optional speckle noise and a small rotation."""
    font = ImageFont.truetype(str(FONT), font_px)
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    for line, (x, y) in zip(lines, _origins(len(lines), font_px), strict=True):
        draw.text((x, y), line, font=font, fill=0)
    if noise:
        rng = random.Random(seed)
        pixels = page.load()
        assert pixels is not None
        for _ in range(int(noise * size[0] * size[1])):
            pixels[rng.randrange(size[0]), rng.randrange(size[1])] = rng.choice((0, 255))
        page = page.filter(ImageFilter.MedianFilter(1))
    if rotate:
        page = page.rotate(rotate, expand=False, fillcolor=255, resample=Image.Resampling.BILINEAR)
    return page


def _origins(count: int, font_px: int) -> list[tuple[int, int]]:
    return [(font_px * 2, font_px * 2 + int(font_px * 1.8) * i) for i in range(count)]


def ink_boxes(lines: list[str], *, font_px: int = 40) -> list[tuple[int, int, int, int]]:
    """Where the ink of each line of an unrotated :func:`render_page` lies (left, top, right, bottom)."""
    font = ImageFont.truetype(str(FONT), font_px)
    boxes = []
    for line, (x, y) in zip(lines, _origins(len(lines), font_px), strict=True):
        left, top, right, bottom = font.getbbox(line)
        boxes.append((int(x + left), int(y + top), int(x + right), int(y + bottom)))
    return boxes


def save_pdf(pages: list[Image.Image], path: Path) -> Path:
    """An image-only PDF (no text layer) of ``pages`` at 150 dpi."""
    pages[0].save(path, "PDF", resolution=150.0, save_all=True, append_images=pages[1:])
    return path


def render_vertical(columns: list[str], *, font_px: int = 40) -> Image.Image:
    """Japanese written top to bottom, columns from right to left (縦書き)."""
    font = ImageFont.truetype(str(FONT), font_px)
    step = int(font_px * 1.15)
    height = font_px * 3 + step * max(len(c) for c in columns)
    width = font_px * 3 + int(font_px * 1.8) * len(columns)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    for i, column in enumerate(columns):
        x = width - font_px * 2 - int(font_px * 1.8) * i
        for j, char in enumerate(column):
            draw.text((x, font_px + step * j), char, font=font, fill=0)
    return page
