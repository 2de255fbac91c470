"""The judge with the real default model: clean paragraphs score above their corrupted versions.

The margin is measured here and asserted to be positive per kind of junk, not assumed large: a
270M-parameter base model is a weak judge, and the benchmark gives the full numbers.
"""

from __future__ import annotations

import dataclasses
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


def test_the_fluency_check_zeroes_repetition_and_word_salad_but_passes_prose(gemma_hf) -> None:  # type: ignore[no-untyped-def]
    """What the grade misses (a paragraph said over and over, its words shuffled) the model's own
    token probabilities show: those texts get quality 0 and a reason; the clean ones keep their grade."""
    judge = Judge.build(gemma_hf, load_rubric("educational"))
    assert judge.bands is not None and judge.bands.model == gemma_hf.name
    repeated = [JUNK["repeated"](text * 3, random.Random(i)) for i, text in enumerate(GOOD)]
    shuffled = [JUNK["shuffled"](text * 2, random.Random(i)) for i, text in enumerate(GOOD)]
    result = judge.judge([*GOOD, *repeated, *shuffled])
    n = len(GOOD)
    assert result.unnatural[:n] == [None] * n
    assert (result.quality[:n] > 0).all()
    assert all("repeating itself" in str(reason) for reason in result.unnatural[n : 2 * n]), result.unnatural
    assert all("word salad" in str(reason) for reason in result.unnatural[2 * n :]), result.unnatural
    assert (result.quality[n:] == 0).all()
    fields = result.fields(n, load_rubric("educational").grade_names, "quality")
    assert fields["quality"] == 0 and fields["quality_fluency"]["unnatural"] == result.unnatural[n]
    grades = fields["quality_grades"]  # the grades are kept, each rounded to 6 decimals
    assert sum(grades.values()) == pytest.approx(1.0, abs=len(grades) * 5e-7)

    plain = Judge.build(gemma_hf, load_rubric("educational"), fluency=False)
    without = plain.judge([*GOOD, *repeated])
    assert plain.bands is None and without.fluency == [None] * (2 * n)
    assert np.allclose(without.probabilities, result.probabilities[: 2 * n], atol=1e-6)


def test_the_fluency_check_zeroes_text_cut_off_but_not_a_text_the_judge_clipped(gemma_hf) -> None:  # type: ignore[no-untyped-def]
    """A page cut off mid-sentence stops where the model expects more; a paragraph that the judge
    itself clips to its rubric's length is not held to where the clip fell."""
    rubric = load_rubric("educational")
    judge = Judge.build(gemma_hf, rubric)
    cut = [JUNK["truncated"](text, random.Random(i)) for i, text in enumerate(GOOD)]
    result = judge.judge([*GOOD, *cut])
    n = len(GOOD)
    assert result.unnatural[:n] == [None] * n
    assert all(f is not None and f.ending is not None for f in result.fluency)
    flagged = [reason for reason in result.unnatural[n:] if reason and "cut off" in reason]
    assert len(flagged) >= 0.75 * n, result.unnatural[n:]
    endings = np.array([f.ending for f in result.fluency if f is not None and f.ending is not None])
    assert np.median(endings[n:]) < np.median(endings[:n]) - 3  # cut off, stopping is e^3 less likely

    clipping = Judge.build(gemma_hf, dataclasses.replace(rubric, max_chars=min(len(t) for t in GOOD) // 2))
    clipped = clipping.judge(GOOD)
    assert [f.ending if f else "unmeasured" for f in clipped.fluency] == [None] * n
    assert not any(reason and "cut off" in reason for reason in clipped.unnatural)


def test_the_distilled_judge_learns_the_whole_verdict_and_sees_what_a_bag_of_words_cannot(gemma_hf) -> None:  # type: ignore[no-untyped-def]
    """Its teacher is the score judge with its fluency check, so a paragraph said over and over is
    taught as the lowest grade; and its features see repetition, which a bag of token embeddings,
    the same for one copy and three, does not. Texts it has never seen are ranked by the head alone."""
    from sakuin.classify import EngineOptions
    from sakuin.curate.judge import ORIGINAL, VerdictTeacher

    rubric = load_rubric("educational")
    judge = Judge.build(gemma_hf, rubric, EngineOptions("distill", calibrate=False, sample=16, margin=0.0))
    teacher = judge.engine.teacher  # type: ignore[attr-defined]
    assert isinstance(teacher, VerdictTeacher) and teacher.judge.bands is not None
    again = [JUNK["repeated"](text * 3, random.Random(i)) for i, text in enumerate(GOOD)]
    taught = teacher.predict([{"text": rubric.clip(t), ORIGINAL: t} for t in [*GOOD, *again]])
    n = len(GOOD)
    assert np.allclose(taught[n:], np.eye(len(rubric.grades))[rubric.lowest_grade])
    assert np.allclose(taught[:n], teacher.judge.judge(GOOD).probabilities)

    more = [JUNK["repeated"](text * 3, random.Random(10 + i)) for i, text in enumerate(GOOD)]
    report = judge.fit([*GOOD, *again, *GOOD, *more])
    assert report.sample == 16
    unseen_good = [
        "富士山は静岡県と山梨県にまたがる活火山で、標高は三千七百七十六メートルである。",
        "鉄は湿った空気の中で酸素と結びつき、さびと呼ばれる酸化物になる。",
        "The heart pumps blood through the body. It beats about seventy times a minute at rest.",
    ]
    unseen_again = [JUNK["repeated"](text * 3, random.Random(99)) for text in GOOD[:3]]
    quality = judge.judge([*unseen_good, *unseen_again]).quality
    assert judge.engine.fallbacks == 0  # type: ignore[attr-defined]  # margin 0: the head alone
    assert quality[3:].max() < quality[:3].min(), quality
