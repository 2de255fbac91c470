"""The VisionModel protocol and what its methods return.

Local models (a COCO-80 detector, an ImageNet classifier, Tesseract) and a vision-language model
behind an OpenAI-compatible server answer the same four questions; each result says which model
answered and over which labels, so a fixed label set is never passed off as open vocabulary.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sakuin.errors import SakuinError
from sakuin.knowledge.ocr import Box
from sakuin.vision.labels import LabelMapping

if TYPE_CHECKING:
    from PIL.Image import Image


class VisionError(SakuinError):
    """A vision model that cannot run here, or an image it cannot take; the message says what to do."""


@dataclass(frozen=True)
class Detection:
    """One object: the model's own label, its score (0-1) and its box in pixels of the image."""

    label: str
    score: float
    box: Box

    def to_json(self) -> dict[str, Any]:
        b = self.box
        return {"label": self.label, "score": round(self.score, 3), "box": [b.left, b.top, b.right, b.bottom]}


@dataclass(frozen=True)
class Detections:
    """What ``detect`` found for a prompt, with the labels the prompt was mapped to."""

    model: str
    mapping: LabelMapping
    objects: list[Detection]
    size: tuple[int, int]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "image": {"width": self.size[0], "height": self.size[1]},
            "mapping": self.mapping.to_json(),
            "detections": [d.to_json() for d in self.objects],
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class Label:
    """A classifier's label and its probability."""

    label: str
    score: float


@dataclass(frozen=True)
class Classes:
    """What ``classify`` said, over which label set."""

    model: str
    labels: list[Label]
    label_set: str  # e.g. "ImageNet-1k (fixed; 3 of 1000 classes asked for)"
    mapping: LabelMapping | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "label_set": self.label_set,
            "labels": [{"label": c.label, "score": round(c.score, 3)} for c in self.labels],
        }


@dataclass(frozen=True)
class TextLine:
    """A line of text read in the image, with its box and confidence (0-100)."""

    text: str
    box: Box
    confidence: float

    def to_json(self) -> dict[str, Any]:
        b = self.box
        return {
            "text": self.text,
            "box": [b.left, b.top, b.right, b.bottom],
            "confidence": round(self.confidence, 1),
        }


@dataclass(frozen=True)
class Answer:
    """What ``ask`` answered, and whether a model that can reason about images wrote it."""

    text: str
    model: str
    reasoned: bool  # False: no vision-language model; the text says what the local models saw

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class VisionModel(Protocol):
    """Four questions about an image; every implementation answers all four (or says why not)."""

    name: str

    def detect(self, image: Image, prompt: str) -> Detections: ...
    def classify(self, image: Image, prompt: str) -> Classes: ...
    def read(self, image: Image) -> list[TextLine]: ...
    def ask(self, image: Image, question: str) -> Answer: ...
