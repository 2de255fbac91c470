"""How rows of different lengths are cut into padded forward passes."""

from __future__ import annotations

import itertools
import random

from sakuin.models.padding import padded_batches, padded_width


def cost(lengths: list[int], batches: list[list[int]], step: int, overhead: int) -> int:
    return sum(len(b) * padded_width(max(lengths[i] for i in b), step) + overhead for b in batches)


def test_every_row_lands_in_exactly_one_batch_of_at_most_max_rows() -> None:
    rng = random.Random(3)
    lengths = [rng.randint(1, 900) for _ in range(100)]
    batches = padded_batches(lengths, max_rows=32, step=8)
    assert sorted(i for b in batches for i in b) == list(range(100))
    assert all(0 < len(b) <= 32 for b in batches)
    # shortest rows first, and a batch never holds a row longer than the next batch's shortest
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(flat)


def test_long_rows_are_not_padded_along_with_many_short_ones() -> None:
    lengths = [40] * 31 + [1200]
    chunked = cost(lengths, [list(range(32))], 8, 48)
    batches = padded_batches(lengths, max_rows=32, step=8)
    assert [len(b) for b in batches] == [31, 1]
    assert cost(lengths, batches, 8, 48) < chunked / 10


def test_rows_of_nearly_equal_length_are_not_split_for_nothing() -> None:
    assert [len(b) for b in padded_batches([60, 61, 62, 63, 64, 65], max_rows=32, step=1)] == [6]
    # where a pass costs nothing, each distinct length would be worth a pass of its own
    assert len(padded_batches([60, 61, 62], max_rows=32, step=1, overhead=0)) == 3


def test_the_cut_is_the_cheapest_of_all_cuts_of_the_sorted_rows() -> None:
    rng = random.Random(7)
    for _ in range(20):
        lengths = sorted(rng.randint(1, 300) for _ in range(9))
        found = cost(lengths, padded_batches(lengths, max_rows=4, step=8, overhead=48), 8, 48)
        best = min(
            cost(lengths, [list(range(a, b)) for a, b in itertools.pairwise((0, *cuts, 9))], 8, 48)
            for k in range(9)
            for cuts in itertools.combinations(range(1, 9), k)
            if all(b - a <= 4 for a, b in itertools.pairwise((0, *cuts, 9)))
        )
        assert found == best


def test_no_rows_no_batches() -> None:
    assert padded_batches([], max_rows=32) == []
