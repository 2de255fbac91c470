"""The models that run here: COCO detector (Node worker), ImageNet classifier, Tesseract OCR.

They answer ``detect``, ``classify`` and ``read`` for real. ``ask`` needs a model that reasons
about images, which none of them is: it answers that a vision-language model is needed and
lists what the local models did see, never an invented explanation.
"""

from __future__ import annotations

import re
import time
from functools import cached_property
from typing import TYPE_CHECKING

from sakuin.embeddings.base import Embedder
from sakuin.knowledge import ocr
from sakuin.language import Language, language_of
from sakuin.vision.base import Answer, Classes, Detection, Detections, Label, TextLine
from sakuin.vision.classifier import ImageNetClassifier, imagenet_labels
from sakuin.vision.detector import NodeDetector, shared_detector
from sakuin.vision.labels import LabelMapper, LabelMapping, TermMapping, Unmapped

if TYPE_CHECKING:
    from PIL.Image import Image

MIN_SCORE = 0.2  # the detector's own floor; scores below it are mostly wrong on COCO
# The answer without a vision-language model, in the question's language: that one is needed,
# how to configure it, and what the local models saw (their labels stay as the models name them).
NEEDS_VLM: dict[Language, str] = {
    "en": (
        "A vision-language model is needed to answer this question about the image; none is configured "
        "(run an OpenAI-compatible server with a vision model, e.g. vLLM, llama.cpp or Ollama, and set "
        "vision.vlm_url and vision.vlm_model, or pass --vlm-url and --vlm-model). The local models can "
        "only say what they saw:"
    ),
    "ja": (
        "この質問に答えるには視覚言語モデルが必要ですが、設定されていません（vLLM、llama.cpp、Ollama "
        "などで視覚モデルを OpenAI 互換サーバとして動かし、設定 vision.vlm_url と vision.vlm_model、"
        "または --vlm-url と --vlm-model で指定してください）。手元のモデルに言えるのは、見えたものだけです:"
    ),
}
SEEN: dict[Language, tuple[str, str, str, str]] = {
    "en": (
        "objects (COCO-80 detector)",
        "none above 0.2",
        "whole-image classes (ImageNet-1k)",
        "text read (Tesseract)",
    ),
    "ja": (
        "物体（COCO 80ラベルの検出器）",
        "スコア 0.2 以上のものなし",
        "画像全体の分類（ImageNet-1k）",
        "読み取った文字（Tesseract）",
    ),
}
NOTHING_READ: dict[Language, str] = {"en": "none", "ja": "なし"}


class LocalVision:
    """:class:`~sakuin.vision.base.VisionModel` from the models that run on this machine."""

    name = "local"

    def __init__(self, embedder: Embedder | None, detector: NodeDetector | None = None) -> None:
        self.embedder = embedder
        self.detector = detector or shared_detector()
        self.mapper = LabelMapper(embedder)

    @cached_property
    def classifier(self) -> ImageNetClassifier:
        return ImageNetClassifier()

    def detect(self, image: Image, prompt: str, *, min_score: float = MIN_SCORE) -> Detections:
        """Objects of the labels ``prompt`` maps to; the mapping says which labels those were."""
        mapping = self.mapper.map(prompt)
        started = time.perf_counter()
        found = self.detector.detect(image, min_score=min_score) if mapping.labels else []
        wanted = [d for d in found if d.label in mapping.labels]
        notes = (
            [] if mapping.labels else ["nothing was detected: the prompt maps to no label of the detector"]
        )
        if mapping.labels and not wanted and found:
            others = ", ".join(sorted({d.label for d in found}))
            notes.append(f"none of {', '.join(mapping.labels)} found; the detector did see: {others}")
        return Detections(
            self.detector.name, mapping, wanted, image.size, notes, time.perf_counter() - started
        )

    def classify(self, image: Image, prompt: str = "") -> Classes:
        """ImageNet classes, over those ``prompt`` names (all 1000 when it names none)."""
        mapping = imagenet_mapping(self.mapper, prompt)
        indices = [_imagenet_index()[label] for label in mapping.labels]
        among = indices if not mapping.everything else None
        results = self.classifier.classify(image, among, top=5)
        asked = "all 1000 classes" if among is None else f"{len(indices)} of 1000 classes asked for"
        return Classes(
            "EfficientNet-Lite0",
            [Label(r.label, r.score) for r in results],
            f"ImageNet-1k (a fixed label set, not open vocabulary; {asked})",
            mapping,
        )

    def read(self, image: Image) -> list[TextLine]:
        """Lines of text Tesseract reads in ``image`` (jpn+eng, vertical Japanese where better)."""
        page = ocr.read_page(image)
        return [TextLine(line.text, line.box, line.confidence) for line in page.lines]

    def ask(self, image: Image, question: str) -> Answer:
        """No reasoning here: what the detector, the classifier and OCR saw, said as just that."""
        objects = self.detector.detect(image, min_score=MIN_SCORE)
        classes = self.classifier.classify(image, None, top=3)
        lines = self.read(image)
        seen = describe_seen(
            objects, [Label(c.label, c.score) for c in classes], lines, language_of(question)
        )
        return Answer(seen, self.name, False)


def describe_seen(
    objects: list[Detection], classes: list[Label], lines: list[TextLine], language: Language = "en"
) -> str:
    """The honest answer without a vision-language model, in ``language``."""
    seen = ", ".join(
        f"{d.label} {d.score:.2f} [{d.box.left}, {d.box.top}, {d.box.right}, {d.box.bottom}]" for d in objects
    )
    text = " / ".join(line.text for line in lines)
    objects_seen, none_seen, classes_seen, text_read = SEEN[language]
    parts = [
        NEEDS_VLM[language],
        f"- {objects_seen}: {seen or none_seen}",
        f"- {classes_seen}: " + ", ".join(f"{c.label} {c.score:.2f}" for c in classes),
        f"- {text_read}: {text or NOTHING_READ[language]}",
    ]
    return "\n".join(parts)


def _imagenet_index() -> dict[str, int]:
    return {names[0]: i for i, names in enumerate(imagenet_labels())}


def imagenet_mapping(mapper: LabelMapper, prompt: str) -> LabelMapping:
    """A prompt to ImageNet classes: through the COCO mapping (cat → every cat class), then by name.

    A COCO label or an English word of the prompt covers every ImageNet class one of whose names
    contains it as a whole word ("cat" → tabby cat, Persian cat, ...). Fixed names, no embedding
    over a thousand classes whose near neighbours would be guesses.
    """
    coco = mapper.map(prompt)
    if coco.everything:
        return LabelMapping(prompt, (), everything=True)
    words = [label for label in coco.labels] + [u.term for u in coco.unmapped if u.term.isascii()]
    terms: list[TermMapping] = []
    unmapped: list[Unmapped] = []
    for word in words:
        pattern = re.compile(rf"\b{re.escape(word)}s?\b", re.IGNORECASE)
        classes = tuple(names[0] for names in imagenet_labels() if any(pattern.search(n) for n in names))
        if classes:
            terms.append(TermMapping(word, classes, "ImageNet names"))
        else:
            unmapped.append(Unmapped(word, ()))
    unmapped += [u for u in coco.unmapped if not u.term.isascii()]
    labels = tuple(dict.fromkeys(label for term in terms for label in term.labels))
    return LabelMapping(prompt, labels, tuple(terms), tuple(unmapped), everything=not labels and not unmapped)
