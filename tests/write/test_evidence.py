"""The refusal threshold is derived from labelled requests, and the default is that derivation."""

from __future__ import annotations

from typing import Any

import pytest

from sakuin.config import load_settings
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.write.evidence import calibrate, weigh
from sakuin.write.request import read_request


def test_calibration_puts_the_threshold_between_the_classes() -> None:
    found = calibrate([0.1, 0.2, 0.3, 0.8, 0.9, 1.0], [False, False, False, True, True, True])
    assert found.threshold == pytest.approx(0.55)
    assert (found.precision, found.recall, found.f1) == (1.0, 1.0, 1.0)


def test_reported_precision_and_recall_are_those_of_refusing_at_the_threshold() -> None:
    scores = [0.1, 0.4, 0.5, 0.6, 0.7, 0.9, 0.2, 0.8]
    labels = [False, False, True, False, True, True, True, True]
    found = calibrate(scores, labels)
    refused = [s < found.threshold for s in scores]
    true_refusals = sum(r and not a for r, a in zip(refused, labels, strict=True))
    assert found.precision == true_refusals / sum(refused)
    assert found.recall == true_refusals / labels.count(False)


def test_calibration_needs_both_kinds_of_request() -> None:
    with pytest.raises(ValueError, match="both"):
        calibrate([0.2, 0.4], [True, True])


def test_the_default_threshold_is_what_the_example_requests_calibrate_to(
    company: KnowledgeBase, labelled_requests: list[dict[str, Any]]
) -> None:
    scores = [
        weigh(read_request(r["request"]), company.search(r["request"], r["user"], k=5)).coverage
        for r in labelled_requests
    ]
    found = calibrate(scores, [r["answerable"] for r in labelled_requests])
    assert load_settings(company.settings.data_dir).write.evidence_threshold == pytest.approx(
        found.threshold, abs=0.005
    )
    assert found.recall >= 0.85 and found.precision >= 0.7  # refusing works on the example company
