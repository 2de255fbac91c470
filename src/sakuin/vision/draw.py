"""Detections drawn onto the image as a PNG: a coloured box and "label score" per object."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import ImageDraw, ImageFont

from sakuin.vision.base import Detection

if TYPE_CHECKING:
    from PIL.Image import Image

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
COLOURS = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324")


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Noto CJK where fonts-noto-cjk is installed (labels may be Japanese), else Pillow's own."""
    if CJK_FONT.is_file():
        return ImageFont.truetype(str(CJK_FONT), size)
    return ImageFont.load_default(size)


def draw_boxes(image: Image, detections: list[Detection]) -> Image:
    """A copy of ``image`` with each detection's box and label; one colour per label."""
    boxed = image.convert("RGB")
    draw = ImageDraw.Draw(boxed)
    width = max(2, round(max(boxed.size) / 300))
    font = _font(max(12, round(max(boxed.size) / 40)))
    colours: dict[str, str] = {}
    for detection in detections:
        colour = colours.setdefault(detection.label, COLOURS[len(colours) % len(COLOURS)])
        b = detection.box
        draw.rectangle((b.left, b.top, b.right, b.bottom), outline=colour, width=width)
        caption = f"{detection.label} {detection.score:.2f}"
        left, top, right, bottom = draw.textbbox((b.left, b.top), caption, font=font)
        lift = min(b.top, bottom - top + 2 * width)
        draw.rectangle((left, top - lift, right + 2 * width, bottom - lift + width), fill=colour)
        draw.text((b.left + width, b.top - lift), caption, fill="white", font=font)
    return boxed


def png_bytes(image: Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
