"""Score fusion: what both rankers put first stays first; a clear lexical winner is not lost."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sakuin.knowledge.search import fuse
from sakuin.knowledge.store.base import Hit


def hit(chunk_id: int, score: float) -> Hit:
    return Hit(chunk_id, chunk_id, "t", f"s/{chunk_id}", "n", 0, 1, "x", (), score)


def ranking(ids: list[int], scores: list[float]) -> list[Hit]:
    """Hits best first: the scores sorted high to low, paired with the ids in order."""
    return [hit(i, s) for i, s in zip(ids, sorted(scores, reverse=True), strict=False)]


scores = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=12)
ids = st.lists(st.integers(0, 30), min_size=1, max_size=12, unique=True)


@given(ids, scores, ids, scores, st.floats(0, 1), st.integers(1, 10))
def test_a_chunk_both_rankers_put_first_is_fused_first(
    first: list[int],
    first_scores: list[float],
    second: list[int],
    second_scores: list[float],
    weight: float,
    k: int,
) -> None:
    top = first[0]
    second = [top] + [i for i in second if i != top]
    a, b = ranking(first, first_scores), ranking(second, second_scores)
    fused = fuse([a, b], k, (weight, 1 - weight))
    assert fused[0].chunk_id == top
    assert len(fused) == min(k, len({h.chunk_id for h in a + b}))


def test_a_clear_lexical_winner_beats_a_near_tie_of_the_dense_ranker() -> None:
    lexical = [hit(1, 30.0), hit(2, 5.0), hit(3, 4.0)]
    dense = [hit(2, 0.861), hit(1, 0.860), hit(3, 0.80)]
    assert fuse([lexical, dense], 3, (0.5, 0.5))[0].chunk_id == 1
