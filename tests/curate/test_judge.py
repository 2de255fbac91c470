"""The judge with the real default model: clean paragraphs score above their corrupted versions.

The margin is measured here and asserted to be positive per kind of junk, not assumed large: a
270M-parameter base model is a weak judge, and the benchmark gives the full numbers.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from sakuin.curate.judge import Judge
from sakuin.curate.junk import JUNK
from sakuin.curate.rubric import load_rubric
from tests.curate.conftest import GOOD

pytestmark = pytest.mark.slow
KINDS = ("navigation", "keyword_spam", "seo_template")


def test_clean_paragraphs_score_above_their_corrupted_versions(gemma_hf) -> None:  # type: ignore[no-untyped-def]
    judge = Judge.build(gemma_hf, load_rubric("educational"))
    junk = [JUNK[kind](text, random.Random(i)) for kind in KINDS for i, text in enumerate(GOOD)]
    result = judge.judge([*GOOD, *junk])
    assert not any(result.failed)
    clean = result.quality[: len(GOOD)]
    corrupted = result.quality[len(GOOD) :].reshape(len(KINDS), len(GOOD))
    margins = {kind: float(np.mean(clean - corrupted[k])) for k, kind in enumerate(KINDS)}
    print("judge margins (clean - corrupted, mean quality):", margins)
    assert all(margin > 0 for margin in margins.values()), margins
    assert np.allclose(result.probabilities.sum(axis=1), 1.0)
    assert ((result.quality >= 0) & (result.quality <= 1)).all()
