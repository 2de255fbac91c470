"""The judge's fluency check: how natural the model finds a text, read from its own token probabilities.

A small model asked for a grade misses two kinds of junk that its token probabilities show
plainly (``benchmarks/curate.py``: Gemma 3 270M grades a paragraph repeated over and over above
the paragraph itself, and word salad like the original):

- **word salad** (shuffled words, keyword lists): every token surprises the model, so the mean
  surprisal (nats per token) rises above what natural prose ever reaches under that model;
- **machine repetition**: after the first copy the model predicts the rest, so the share of
  near-certain tokens (probability ≥ 0.9) rises above what prose has;
- **truncation** (a page cut off mid-sentence): the model gives the text's stopping where it
  stops (end of text or a break next) a probability far below what a whole paragraph gets. A
  rule for terminal punctuation sees the same only where the text's language has punctuation the
  rule knows; the model has learnt where texts end in every language it reads.

This is the perplexity filter of CCNet, read two ways, from the judging model itself. What
"natural" means depends on the model, its tokeniser and the language, so a :class:`FluencyBand` is
measured per model and language on reference prose (:func:`derive_band`: a high quantile of each
measure over good text) and shipped for the packaged models in ``fluency.yaml``; a text is held to
its own language's band (Japanese if a fifth of it is kana or kanji, else English). Outside its
band a text's quality is 0 and the reason says which measure, its value and the limit. A model
with no band is not checked; a text too short for its means to mean anything is checked for its
ending only, and a text the judge clipped (its end is not its own) for its means only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from math import exp, log

import numpy as np
import yaml

from sakuin.curate.records import CurateError
from sakuin.curate.text import is_japanese
from sakuin.models.local import LocalModelBase

NEAR_CERTAIN = log(0.9)  # a token the model gave at least this log-probability
MIN_TOKENS = 16  # fewer tokens and one surprising name moves the mean too far to judge by


@dataclass(frozen=True)
class Fluency:
    """What the model made of one text: mean surprisal in nats per token, share of near-certain
    tokens, and the log-probability that it ends where it does (None where its end was not read)."""

    surprisal: float
    predictable: float
    tokens: int
    ending: float | None = None

    def as_dict(self) -> dict[str, float | int | None]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


LANGUAGES = {"ja": "Japanese", "en": "English"}


@dataclass(frozen=True)
class FluencyBand:
    """The limits natural prose of ``language`` stays within under ``model``, and how they were measured."""

    model: str
    language: str
    max_surprisal: float
    max_predictable: float
    min_ending: float | None = None
    measured_on: str = ""

    def verdict(self, fluency: Fluency) -> str | None:
        """Why the text is not natural prose to this model, or None when it is (or is too short to say)."""
        prose = f"natural {LANGUAGES.get(self.language, self.language)} prose"
        if fluency.tokens >= MIN_TOKENS and fluency.surprisal > self.max_surprisal:
            return (
                f"the model is surprised by {fluency.surprisal:.2f} nats per token, more than {prose} "
                f"reaches under {self.model} (at most {self.max_surprisal:.2f}): word salad or a keyword list"
            )
        if fluency.tokens >= MIN_TOKENS and fluency.predictable > self.max_predictable:
            return (
                f"the model foresees {fluency.predictable:.0%} of its tokens, more than {prose} has "
                f"under {self.model} (at most {self.max_predictable:.0%}): text repeating itself"
            )
        if fluency.ending is not None and self.min_ending is not None and fluency.ending < self.min_ending:
            return (
                f"the model expects the text to go on: it gives its ending where it does a probability "
                f"of {percent(fluency.ending)}, where {prose} under {self.model} ends with at least "
                f"{percent(self.min_ending)}: text cut off"
            )
        return None


def percent(logprob: float) -> str:
    """A log-probability as a percentage a person reads (two significant digits)."""
    return f"{exp(logprob) * 100:.2g} %"


@dataclass(frozen=True)
class ModelBands:
    """A model's band for each language; a text is held to the band of its own language."""

    model: str
    bands: dict[str, FluencyBand]

    def for_text(self, text: str) -> FluencyBand:
        return self.bands["ja" if is_japanese(text) else "en"]

    def verdict(self, text: str, fluency: Fluency) -> str | None:
        return self.for_text(text).verdict(fluency)


def measure(logprobs: np.ndarray, ending: float | None = None) -> Fluency:
    """Fluency of one text from its tokens' log-probabilities (see ``LocalLanguageModel.token_logprobs``)
    and, where its end is its own, the log-probability of its ending."""
    if len(logprobs) == 0:
        return Fluency(0.0, 0.0, 0, ending)
    return Fluency(float(-logprobs.mean()), float((logprobs >= NEAR_CERTAIN).mean()), len(logprobs), ending)


def read_fluency(model: LocalModelBase, texts: Sequence[str], clip: Callable[[str], str]) -> list[Fluency]:
    """What ``model`` makes of each text as the judge reads it, ``clip``ped and without trailing
    space; its ending only where the clip left the text's own end (a cut of ours is no truncation)."""
    read = [clip(t).rstrip() for t in texts]
    found = []
    for text, whole, logprobs in zip(read, texts, model.token_logprobs(read, ending=True), strict=True):
        own_end = len(logprobs) > 0 and text == whole.rstrip()
        found.append(measure(logprobs[:-1], float(logprobs[-1]) if own_end else None))
    return found


def derive_band(
    model: str, language: str, fluencies: Sequence[Fluency], quantile: float, measured_on: str
) -> FluencyBand:
    """Limits at ``quantile`` of each measure over texts known to be good (short ones left out of
    the means), and at ``1 - quantile`` of the endings of those whose end was read."""
    usable = [f for f in fluencies if f.tokens >= MIN_TOKENS]
    endings = [f.ending for f in fluencies if f.ending is not None]
    if len(usable) < 20:
        raise CurateError(
            f"a fluency band needs at least 20 good texts of {MIN_TOKENS}+ tokens; got {len(usable)}."
        )
    return FluencyBand(
        model,
        language,
        round(float(np.quantile([f.surprisal for f in usable], quantile)), 3),
        round(float(np.quantile([f.predictable for f in usable], quantile)), 3),
        round(float(np.quantile(endings, 1 - quantile)), 3) if len(endings) >= 20 else None,
        measured_on,
    )


def packaged_bands(model: str) -> ModelBands | None:
    """The bands shipped for ``model`` (a packaged model's name), or None."""
    source = resources.files("sakuin.curate").joinpath("fluency.yaml")
    entry = (yaml.safe_load(source.read_text(encoding="utf-8")) or {}).get(model)
    if entry is None:
        return None
    bands = {
        language: FluencyBand(
            model,
            language,
            float(limits["max_surprisal"]),
            float(limits["max_predictable"]),
            float(limits["min_ending"]) if "min_ending" in limits else None,
            limits["measured_on"],
        )
        for language, limits in entry.items()
    }
    return ModelBands(model, bands)
