"""How score requests become rows: each distinct token sequence is read once."""

from __future__ import annotations

import numpy as np

from sakuin.models.logprobs import build_rows, log_normaliser


def test_single_token_labels_share_one_row() -> None:
    rows = build_rows([7], [[1, 2, 3]], [[[10], [11], [12]]])
    assert len(rows) == 1
    assert rows[0].tokens == [7, 1, 2, 3]
    assert [(read.continuation, read.first, read.targets) for read in rows[0].reads] == [
        (0, 3, [10]),
        (1, 3, [11]),
        (2, 3, [12]),
    ]


def test_a_continuation_that_prefixes_another_reads_from_its_row() -> None:
    rows = build_rows([7], [[1]], [[[10, 20, 30], [10, 20], [10, 99], []]])
    # causal attention: logits at a position depend only on what precedes it, so [10, 99] can be
    # read from the row built for [10, 20, 30] as well
    assert [row.tokens for row in rows] == [[7, 1, 10, 20]]
    reads = {read.continuation: (tuple(read.positions), read.targets) for row in rows for read in row.reads}
    assert reads == {0: ((1, 2, 3), [10, 20, 30]), 1: ((1, 2), [10, 20]), 2: ((1, 2), [10, 99])}


def test_rows_never_mix_requests() -> None:
    rows = build_rows([7], [[1], [1]], [[[10]], [[11]]])
    assert len(rows) == 2
    assert [read.request for row in rows for read in row.reads] == [0, 1]


def test_log_normaliser_is_a_stable_log_sum_exp() -> None:
    logits = np.array([[1000.0, 1001.0, 999.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    z = log_normaliser(logits)
    assert np.allclose(np.exp(logits.astype(np.float64) - z[:, None]).sum(axis=-1), 1.0)
    assert z[1] == np.log(3.0)
