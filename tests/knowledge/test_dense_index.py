"""The SQLite store's in-memory dense index: 16-bit candidates that hold the exact top k, growth,
compaction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from sakuin.knowledge.access import EVERYONE
from sakuin.knowledge.chunk import Chunk
from sakuin.knowledge.store.base import NewDocument
from sakuin.knowledge.store.dense import DenseIndex, Precision, precisions
from sakuin.knowledge.store.sqlite import SQLiteStore

DIM = 64


def unit_rows(count: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, DIM)).astype(np.float32)
    unit: np.ndarray = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit


def filled(
    vectors: np.ndarray, rows_per_document: int, batch: int, precision: Precision | None = None
) -> DenseIndex:
    """An index of ``vectors``, chunk ids 1.., appended ``batch`` rows at a time (scored with
    ``precision``, or the one measured fastest)."""
    index = DenseIndex()
    index.precision = precision
    for start in range(0, len(vectors), batch):
        ids = np.arange(start + 1, min(start + batch, len(vectors)) + 1, dtype=np.int64)
        index.append(ids, (ids - 1) // rows_per_document + 1, vectors[start : start + batch])
    return index


def test_candidates_hold_the_exact_top_ten_of_readable_documents_only() -> None:
    vectors = unit_rows(5000, seed=0)
    index = filled(vectors, rows_per_document=10, batch=333)  # grows many times
    readable = np.arange(1, 501, 2, dtype=np.int64)  # every other document
    doc_of_row = np.arange(5000) // 10 + 1
    for query in unit_rows(20, seed=1):
        exact = vectors @ query
        exact[~np.isin(doc_of_row, readable)] = -np.inf
        best_ten = set((np.argsort(-exact)[:10] + 1).tolist())
        chosen = index.candidates(query, readable, 10)
        assert best_ten <= set(chosen.tolist())
        assert np.isin((chosen - 1) // 10 + 1, readable).all()


def test_fewer_readable_rows_than_asked_for_gives_just_those() -> None:
    index = filled(unit_rows(30, seed=2), rows_per_document=10, batch=30)
    assert sorted(index.candidates(unit_rows(1, seed=3)[0], np.array([2]), 40).tolist()) == list(
        range(11, 21)
    )
    assert len(index.candidates(unit_rows(1, seed=3)[0], np.array([99]), 40)) == 0


def test_compaction_drops_only_the_rows_no_longer_stored() -> None:
    vectors = unit_rows(100, seed=4)
    index = filled(vectors, rows_per_document=1, batch=7)
    live = np.arange(51, 101, dtype=np.int64)
    index.keep(live)
    assert len(index) == 50 and index.newest_chunk_id == 100
    everything = np.arange(1, 101, dtype=np.int64)
    assert 10 not in index.candidates(vectors[9], everything, 1).tolist()  # row 10 is gone
    assert index.candidates(vectors[59], everything, 1)[0] == 60


@pytest.mark.parametrize("precision", precisions(DIM), ids=lambda p: p.name)
def test_every_precision_stays_within_its_rounding_bound(precision: Precision) -> None:
    vectors = unit_rows(20000, seed=6)
    for query in [*unit_rows(5, seed=7), vectors[3]]:
        exact = vectors @ query
        rounded = precision.product(
            torch.tensor(vectors, dtype=precision.dtype), torch.tensor(query, dtype=precision.dtype)
        )
        assert np.abs(rounded.float().numpy() - exact).max() <= precision.error


@pytest.mark.parametrize("precision", precisions(DIM), ids=lambda p: p.name)
def test_near_ties_that_rounding_reorders_still_give_the_exact_top_ten(precision: Precision) -> None:
    """Three hundred rows whose scores lie closer together than rounding moves them: the 16-bit
    order is scrambled, so the first k + 32 candidates miss some of the exact top ten; the index
    takes as many as rounding could have reordered, and leaves the 200 rows far below out."""
    query = unit_rows(1, seed=8)[0]
    noise = unit_rows(500, seed=9)
    noise -= np.outer(noise @ query, query)  # orthogonal to the query
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    tied = 0.9 - np.arange(300) * precision.error / 5000
    cosines = np.concatenate([tied, np.linspace(0.3, 0.5, 200)])
    vectors = (cosines[:, None] * query + np.sqrt(1 - cosines[:, None] ** 2) * noise).astype(np.float32)
    vectors = np.random.default_rng(10).permutation(vectors)
    index = filled(vectors, rows_per_document=1, batch=500, precision=precision)
    exact_ten = set((np.argsort(-(vectors @ query))[:10] + 1).tolist())
    chosen = index.candidates(query, np.arange(1, 501, dtype=np.int64), 10)
    assert exact_ten <= set(chosen.tolist())
    assert len(chosen) < 500  # rows far enough below are left out
    assert not exact_ten <= set(chosen[:42].tolist())  # what a fixed k + 32 would have returned


def test_vectors_of_another_size_are_refused() -> None:
    index = filled(unit_rows(5, seed=5), rows_per_document=1, batch=5)
    with pytest.raises(ValueError, match="8 dimensions for an index of 64"):
        index.append(np.array([6]), np.array([6]), np.ones((1, 8), np.float32))


def put(store: SQLiteStore, number: int, vector: np.ndarray) -> int:
    text = f"document {number}"
    document = NewDocument(f"doc/{number}", text, text, text, "text/plain", frozenset({EVERYONE}))
    return store.put_document(document, [Chunk(text, 0, len(text))], vector[None, :])[0]


def test_another_store_on_the_same_file_sees_writes_and_compacts_deletions(tmp_path: Path) -> None:
    writer, reader = SQLiteStore(tmp_path / "kb.db"), SQLiteStore(tmp_path / "kb.db")
    try:
        writer.add_user("alice")
        vectors = unit_rows(40, seed=6)
        ids = [put(writer, number, vector) for number, vector in enumerate(vectors)]
        assert reader.dense(vectors[39], "alice", 1)[0].source == "doc/39"

        for doc_id in ids[:30]:
            writer.delete_document(doc_id)
        put(writer, 40, vectors[0])  # the first document's vector again, as a new document
        hits = reader.dense(vectors[0], "alice", 40)
        assert hits[0].source == "doc/40" and hits[0].score == pytest.approx(1.0, abs=1e-6)
        assert {hit.source for hit in hits} == {f"doc/{n}" for n in range(30, 41)}
        assert len(reader._dense) == 11  # the deleted rows were compacted away, not just hidden
    finally:
        writer.close()
        reader.close()
