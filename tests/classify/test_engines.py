"""The engines with the real default model (Gemma 3 270M, llama.cpp) on hand-written JA + EN items."""

from __future__ import annotations

import numpy as np
import pytest

from sakuin.classify import ChoiceEngine, ChoiceTask, DistillEngine, GenerateEngine, ScoreEngine
from sakuin.classify.engines import predicted_labels
from sakuin.classify.features import text_features
from sakuin.classify.generate import parse_label
from sakuin.classify.task import Task
from sakuin.models.llama_cpp import LlamaCppModel
from sakuin.models.transformers import TransformersModel
from tests.classify.cases import SENTIMENT, SENTIMENT_ITEMS, TOPIC, TOPIC_ITEMS

pytestmark = pytest.mark.blas  # run again with the BLAS kernel settings flipped (make test)

CASES = [(SENTIMENT, SENTIMENT_ITEMS), (TOPIC, TOPIC_ITEMS)]


def test_parse_label_takes_exact_then_longest_leading_label() -> None:
    assert parse_label(" Positive.", ["positive", "negative"]) == 0
    assert parse_label(" negative review", ["neg", "negative"]) == 1
    assert parse_label(" The team", ["positive", "negative"]) is None


def _rows(task: Task, items: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{task.text_columns[0]: text} for text, _ in items]


def _accuracy(probabilities: np.ndarray, task: Task, items: list[tuple[str, str]]) -> float:
    predicted = predicted_labels(probabilities, task.label_names)
    return float(np.mean([p == gold for p, (_, gold) in zip(predicted, items, strict=True)]))


@pytest.mark.slow
@pytest.mark.parametrize(("task", "items"), CASES, ids=["sentiment", "topic"])
def test_score_is_at_least_as_accurate_as_generate_and_agrees_on_obvious_cases(
    gemma_llama: LlamaCppModel, task: Task, items: list[tuple[str, str]]
) -> None:
    rows = _rows(task, items)
    generated = GenerateEngine(gemma_llama, task).predict(rows)
    scored = ScoreEngine(gemma_llama, task).predict(rows)
    assert _accuracy(scored, task, items) >= _accuracy(generated, task, items)
    assert _accuracy(scored, task, items) >= 0.8
    # Where generate gives the right answer, score gives the same one.
    answered = generated.sum(axis=1) > 0
    right = answered & (predicted_labels(generated, task.label_names) == np.array([g for _, g in items]))
    assert (scored.argmax(axis=1)[right] == generated.argmax(axis=1)[right]).all()


@pytest.mark.slow
def test_calibration_divides_out_the_content_free_bias(gemma_llama: LlamaCppModel) -> None:
    rows = _rows(*CASES[0])[:6]
    raw = ScoreEngine(gemma_llama, SENTIMENT, calibrate=False)
    calibrated = ScoreEngine(gemma_llama, SENTIMENT)
    expected = raw.predict(rows) / np.exp(calibrated.bias())
    np.testing.assert_allclose(
        calibrated.predict(rows), expected / expected.sum(axis=1, keepdims=True), atol=1e-9
    )
    assert calibrated.predict([SENTIMENT.content_free()])[0] == pytest.approx([0.5, 0.5], abs=1e-9)


@pytest.mark.slow
def test_llama_cpp_batched_cached_equals_item_by_item(gemma_llama: LlamaCppModel) -> None:
    rows = _rows(*CASES[1])[::5]
    engine = ScoreEngine(gemma_llama, TOPIC, calibrate=False)
    batched = engine.log_likelihoods(rows)
    one_by_one = np.concatenate([engine.log_likelihoods([row], use_cache=False) for row in rows])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-4)


@pytest.mark.slow
def test_distill_reports_agreement_that_a_recomputation_confirms(gemma_llama: LlamaCppModel) -> None:
    rows = _rows(*CASES[0]) * 2  # 60 rows: 48 to train on, 12 held out
    engine = DistillEngine(
        ScoreEngine(gemma_llama, SENTIMENT), text_features(gemma_llama, "embeddings"), sample_size=60
    )
    report = engine.fit(rows)
    assert (report.sample, report.trained_on, report.held_out) == (60, 48, 12)
    held_out = [rows[i] for i in report.held_out_indices]
    model_labels = engine.teacher.predict(held_out).argmax(axis=1)
    head_labels = engine.head_probabilities(held_out).argmax(axis=1)
    assert list(report.model_labels) == model_labels.tolist()
    assert list(report.head_labels) == head_labels.tolist()
    assert report.agreement == pytest.approx(float(np.mean(model_labels == head_labels)))
    # Unsure items go back to the model: with the widest margin, distill answers exactly as score does.
    everything = DistillEngine(engine.teacher, engine.features, margin=1.01)
    everything.head = engine.head
    np.testing.assert_allclose(everything.predict(rows[:10]), engine.teacher.predict(rows[:10]))
    assert everything.fallbacks == 10


@pytest.mark.slow
def test_choose_picks_the_option_the_question_makes_likely(gemma_llama: LlamaCppModel) -> None:
    task = ChoiceTask("question", ("a", "b", "c"))
    rows = [
        {"question": "日本の首都はどこですか？", "a": "大阪", "b": "東京", "c": "札幌"},
        {"question": "What is the capital of France?", "a": "Berlin", "b": "Madrid", "c": "Paris"},
        {"question": "一年は何か月ですか？", "a": "12か月", "b": "7か月", "c": "30か月"},
    ]
    chosen = ChoiceEngine(gemma_llama, task).predict(rows).argmax(axis=1)
    assert chosen.tolist() == [1, 2, 0]


CAPITALS = [
    ("日本", "東京"), ("フランス", "パリ"), ("イタリア", "ローマ"), ("ドイツ", "ベルリン"),
    ("イギリス", "ロンドン"), ("Japan", "Tokyo"), ("France", "Paris"), ("Italy", "Rome"),
    ("Germany", "Berlin"), ("Spain", "Madrid"), ("Egypt", "Cairo"), ("Russia", "Moscow"),
    ("China", "Beijing"), ("Canada", "Ottawa"), ("Kenya", "Nairobi"),
]  # fmt: skip


def _capital_questions() -> list[dict[str, str]]:
    """45 three-option questions, the right answer rotating through the options."""
    rows = []
    for i, (country, capital) in enumerate(CAPITALS * 3):
        others = [c for _, c in CAPITALS if c != capital and (c.isascii() == capital.isascii())]
        options = [others[(i + 1) % len(others)], others[(i + 4) % len(others)]]
        options.insert(i % 3, capital)
        question = (
            f"{country}の首都はどこですか？"
            if not country.isascii()
            else f"What is the capital of {country}?"
        )
        rows.append({"question": question, "a": options[0], "b": options[1], "c": options[2]})
    return rows


@pytest.mark.slow
def test_multiple_choice_distill_scores_each_option_and_reports_honestly(gemma_hf: TransformersModel) -> None:
    rows = _capital_questions()
    teacher = ChoiceEngine(gemma_hf, ChoiceTask("question", ("a", "b", "c")))
    engine = DistillEngine(teacher, text_features(gemma_hf, "embeddings"), sample_size=45, margin=0.0)
    report = engine.fit(rows)
    assert (report.trained_on, report.held_out) == (36, 9)
    held_out = [rows[i] for i in report.held_out_indices]
    head = engine.head_probabilities(held_out)
    assert head.shape == (9, 3)
    np.testing.assert_allclose(head.sum(axis=1), 1.0, rtol=4 * np.finfo(head.dtype).eps)  # float32 sums
    assert list(report.head_labels) == head.argmax(axis=1).tolist()
    assert list(report.model_labels) == teacher.predict(held_out).argmax(axis=1).tolist()
    assert report.agreement == pytest.approx(
        float(np.mean(np.array(report.head_labels) == report.model_labels))
    )
    everything = DistillEngine(teacher, engine.features, margin=1.01)
    everything.head = engine.head
    np.testing.assert_allclose(everything.predict(rows[:5]), teacher.predict(rows[:5]))
