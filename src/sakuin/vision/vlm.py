"""A vision-language model behind an OpenAI-compatible server (vLLM, llama.cpp's server, Ollama).

Images go in the chat request as data URLs, per the OpenAI chat format: a user message whose
``content`` is a list of a ``text`` part and an ``image_url`` part whose ``url`` is
``data:image/jpeg;base64,...``. The server answers ``ask``, and ``detect`` for any words (open
vocabulary: the model is asked for JSON boxes, which are checked, never trusted blindly).
``classify`` and ``read`` stay with the local models, which do them reliably.
"""

from __future__ import annotations

import base64
import io
import json
import re
import time
from typing import TYPE_CHECKING, Any

from sakuin.config import VisionSettings
from sakuin.errors import ConfigError
from sakuin.knowledge.ocr import Box
from sakuin.models.openai_compat import OpenAICompatibleModel
from sakuin.vision.base import Answer, Classes, Detection, Detections, TextLine, VisionError, VisionModel
from sakuin.vision.labels import LabelMapping, TermMapping
from sakuin.vision.local import LocalVision

if TYPE_CHECKING:
    from PIL.Image import Image

SEND_SIDE = 1536  # longer side sent; servers rescale to their own vision encoder anyway
DETECT_INSTRUCTION = (
    "Find every {what} in the image ({width}x{height} pixels). Answer with JSON only: a list of "
    'objects {{"label": "<what it is>", "box": [left, top, right, bottom]}} in pixels of the image; '
    "[] if there is none."
)


def sent_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size an image is sent at: its longer side at most SEND_SIDE."""
    scale = min(1.0, SEND_SIDE / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def data_url(image: Image) -> str:
    """The image as a JPEG data URL, at :func:`sent_size`."""
    rgb = image.convert("RGB")
    if sent_size(rgb.size) != rgb.size:
        rgb = rgb.resize(sent_size(rgb.size))
    buffer = io.BytesIO()
    rgb.save(buffer, "JPEG", quality=90)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def image_message(image: Image, text: str) -> dict[str, Any]:
    """One user message holding ``text`` and the image, in the OpenAI chat format."""
    content = [{"type": "text", "text": text}, {"type": "image_url", "image_url": {"url": data_url(image)}}]
    return {"role": "user", "content": content}


class OpenAIVision(OpenAICompatibleModel):
    """:class:`~sakuin.vision.base.VisionModel` whose ``ask`` and ``detect`` a served VLM answers."""

    def __init__(
        self,
        base_url: str,
        model: str,
        local: LocalVision,
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        max_tokens: int = 512,
    ) -> None:
        super().__init__(base_url, model, api_key=api_key, timeout=timeout)
        self.local = local
        self.max_tokens = max_tokens

    def chat(self, image: Image, text: str, *, max_tokens: int | None = None) -> str:
        """The server's whole answer to ``text`` about ``image`` (streamed, then joined)."""
        body = {
            "model": self.name,
            "messages": [image_message(image, text)],
            "max_tokens": max_tokens or self.max_tokens,
            "temperature": 0.0,
            "stream": True,
        }
        return "".join(self._pieces("/chat/completions", body))

    def ask(self, image: Image, question: str) -> Answer:
        if not question.strip():
            raise VisionError("the question is empty; ask something about the image.")
        text = self.chat(image, question)
        return Answer(text.strip(), f"openai:{self.name}", True)

    def detect(self, image: Image, prompt: str) -> Detections:
        what = prompt.strip() or "object"
        started = time.perf_counter()
        width, height = sent_size(image.size)
        text = self.chat(image, DETECT_INSTRUCTION.format(what=what, width=width, height=height))
        objects = parse_boxes(text, image.width / width, image.size)
        labels = tuple(dict.fromkeys(d.label for d in objects))
        mapping = LabelMapping(prompt, labels, (TermMapping(what, labels, "vision-language model"),))
        return Detections(
            f"openai:{self.name}", mapping, objects, image.size, [], time.perf_counter() - started
        )

    def classify(self, image: Image, prompt: str) -> Classes:
        return self.local.classify(image, prompt)

    def read(self, image: Image) -> list[TextLine]:
        return self.local.read(image)


def vision_model(
    settings: VisionSettings, local: LocalVision, *, url: str | None = None, model: str | None = None
) -> VisionModel:
    """The served vision-language model in front of the local models where one is configured
    (``url``/``model`` as given on the command line, else the ``[vision]`` settings), else the local
    models alone."""
    url, model = url or settings.vlm_url, model or settings.vlm_model
    if not url:
        return local
    if not model:
        raise ConfigError(
            f"a vision server is set ({url}) but not its model: pass --vlm-model or set vision.vlm_model, "
            "the name the server knows the vision model by."
        )
    key = settings.vlm_api_key.get_secret_value() if settings.vlm_api_key else None
    return OpenAIVision(url, model, local, api_key=key, timeout=settings.request_timeout)


def parse_boxes(text: str, scale: float, size: tuple[int, int]) -> list[Detection]:
    """The JSON list in a model's answer as detections; an answer without one is an error.

    Boxes are in pixels of the sent image (multiplied by ``scale`` back to the original) or, as
    some models answer, in fractions 0-1 of it; clipped to the image, malformed items skipped.
    """
    match = re.search(r"\[.*\]", text, re.DOTALL)
    try:
        items = json.loads(match.group()) if match else None
    except json.JSONDecodeError:
        items = None
    if not isinstance(items, list):
        raise VisionError(f"the vision-language model gave no JSON list of boxes; it said: {text[:200]!r}")
    detections = []
    for item in items:
        box = item.get("box") if isinstance(item, dict) else None
        if not (isinstance(box, list) and len(box) == 4 and all(isinstance(v, int | float) for v in box)):
            continue
        if all(0 <= v <= 1 for v in box):
            factors = (size[0], size[1], size[0], size[1])
            left, top, right, bottom = (v * f for v, f in zip(box, factors, strict=True))
        else:
            left, top, right, bottom = (v * scale for v in box)
        clipped = Box(
            max(0, round(min(left, right))), max(0, round(min(top, bottom))),
            min(size[0], round(max(left, right))), min(size[1], round(max(top, bottom))),
        )  # fmt: skip
        score = item.get("score", 1.0)
        detections.append(
            Detection(
                str(item.get("label", "object")),
                float(score) if isinstance(score, int | float) else 1.0,
                clipped,
            )
        )
    return detections
