"""The SQLite store's in-memory dense index: every chunk's vector, scored in one pass per query.

Scoring reads every vector, so it is bound by memory bandwidth, not arithmetic. The vectors are
held in a 16-bit format: at a million chunks of 384 dimensions that is 768 MB instead of 1.5 GB.
Which format, and which product, is measured on the machine (:func:`fastest_precision`), because
CPUs of one kind differ: at a million rows torch's float16 matrix-vector product took 27 ms and
bfloat16's 44 ms on one, 87 and 42 ms on another. The 16-bit scores only *choose* candidates:
enough of them to hold the exact top k whatever the rounding did (the error bound is derived in
:func:`rounding_error`), and the store rescores them from the stored float32 vectors, so no
returned score is rounded and no row of the exact top k is missed.

Rows live in buffers with spare capacity, so a new document costs a copy of its own vectors,
not of the whole matrix: that keeps it searchable within a second at a million chunks. Rows of
deleted documents may stay until :meth:`DenseIndex.keep` compacts them; they are never returned,
because only rows of documents the caller names as readable are scored (and ids are never
reused, so a deleted document's id cannot come to name a readable one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import torch

SPARE = 32  # candidates beyond k tried first; more are taken only when rounding could matter
PROBE_ROWS = 1 << 16


def _matrix_vector(matrix: torch.Tensor, vector: torch.Tensor) -> torch.Tensor:
    return torch.mv(matrix, vector)


def _matrix_matrix(matrix: torch.Tensor, vector: torch.Tensor) -> torch.Tensor:
    return (matrix @ vector.unsqueeze(1)).squeeze(1)


@dataclass(frozen=True)
class Precision:
    """How the index holds and scores its vectors: a 16-bit format, the product that scores
    them, and how far such a score can be from the float32 one."""

    name: str
    dtype: torch.dtype
    product: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    error: float


def rounding_error(dtype: torch.dtype, dim: int) -> float:
    """The most a score of two unit vectors moves when both are rounded to ``dtype``.

    Rounding moves each element by a relative u at most (u: half of ``finfo.eps``), so each
    product v_i q_i by (2u + u²)|v_i q_i|, and the |v_i q_i| of unit vectors sum to at most 1;
    torch adds the 16-bit products up in float32, which adds at most ``dim`` float32 roundings.
    """
    u = torch.finfo(dtype).eps / 2
    return 2 * u + u * u + dim * 2.0**-24


@cache
def fastest_precision(dim: int) -> Precision:
    """The format and product that score ``dim``-dimensional rows fastest here: each option
    timed (best of three) on :data:`PROBE_ROWS` random rows, once per process."""
    generator = torch.Generator().manual_seed(0)
    probe = torch.nn.functional.normalize(torch.randn(PROBE_ROWS, dim, generator=generator), dim=1)
    timed = []
    for precision in precisions(dim):
        matrix, vector = probe.to(precision.dtype), probe[0].to(precision.dtype)
        precision.product(matrix, vector)  # the first call may pay for a kernel's set-up
        seconds = []
        for _ in range(3):
            started = time.perf_counter()
            precision.product(matrix, vector)
            seconds.append(time.perf_counter() - started)
        timed.append((min(seconds), precision))
    return min(timed, key=lambda pair: pair[0])[1]


def precisions(dim: int) -> list[Precision]:
    """Every format and product the index can score ``dim``-dimensional rows with."""
    options = [
        ("float16 mv", torch.float16, _matrix_vector),
        ("bfloat16 mv", torch.bfloat16, _matrix_vector),
        ("bfloat16 mm", torch.bfloat16, _matrix_matrix),
    ]
    return [Precision(name, dtype, product, rounding_error(dtype, dim)) for name, dtype, product in options]


@dataclass(frozen=True)
class _Rows:
    """The first ``size`` entries of the buffers are rows; the rest is spare capacity.

    ``doc_id_bound`` is at least every row's document id (kept on append, so a query need not
    scan a million ids to size its lookup table)."""

    size: int
    chunk_ids: np.ndarray
    doc_ids: torch.Tensor
    vectors: torch.Tensor
    doc_id_bound: int = 0


class DenseIndex:
    """Chunk ids, their documents' ids and their vectors, appended in chunk id order.

    A search reads one :class:`_Rows` snapshot, and writers publish a new one only after its rows
    are in place, so searches need no lock while a writer appends or compacts.
    """

    def __init__(self) -> None:
        self.generation = -1  # the store's write counter this index reflects; -1: never loaded
        self._rows = _Rows(0, np.zeros(0, np.int64), torch.zeros(0, dtype=torch.int64), torch.zeros((0, 0)))
        self._writing = threading.Lock()
        self.precision: Precision | None = None  # chosen when the first rows tell the dimension

    def __len__(self) -> int:
        return self._rows.size

    @property
    def newest_chunk_id(self) -> int:
        rows = self._rows
        return int(rows.chunk_ids[rows.size - 1]) if rows.size else 0

    def append(self, chunk_ids: np.ndarray, doc_ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add rows whose chunk ids are above every held one; the buffers grow by half when full."""
        if not len(chunk_ids):
            return
        with self._writing:
            rows = self._rows
            if rows.size and vectors.shape[1] != rows.vectors.shape[1]:
                raise ValueError(
                    f"vectors of {vectors.shape[1]} dimensions for an index of {rows.vectors.shape[1]}"
                )
            if self.precision is None:
                self.precision = fastest_precision(vectors.shape[1])
            start, end = rows.size, rows.size + len(chunk_ids)
            if end > len(rows.chunk_ids):
                rows = self._grown(rows, end + end // 2, vectors.shape[1], self.precision.dtype)
            rows.chunk_ids[start:end] = chunk_ids
            rows.doc_ids[start:end] = torch.from_numpy(np.asarray(doc_ids, np.int64))
            rows.vectors[start:end] = torch.tensor(vectors, dtype=self.precision.dtype)
            bound = max(rows.doc_id_bound, int(np.max(doc_ids)))
            self._rows = _Rows(end, rows.chunk_ids, rows.doc_ids, rows.vectors, bound)

    @staticmethod
    def _grown(rows: _Rows, capacity: int, dim: int, dtype: torch.dtype) -> _Rows:
        grown = _Rows(
            rows.size,
            np.zeros(capacity, np.int64),
            torch.zeros(capacity, dtype=torch.int64),
            torch.zeros((capacity, dim), dtype=dtype),
            rows.doc_id_bound,
        )
        if rows.size:
            grown.chunk_ids[: rows.size] = rows.chunk_ids[: rows.size]
            grown.doc_ids[: rows.size] = rows.doc_ids[: rows.size]
            grown.vectors[: rows.size] = rows.vectors[: rows.size]
        return grown

    def keep(self, live_chunk_ids: np.ndarray) -> None:
        """Drop the rows whose chunk is no longer stored, into new buffers."""
        with self._writing:
            rows = self._rows
            keep = np.isin(rows.chunk_ids[: rows.size], live_chunk_ids)
            selected = torch.from_numpy(keep)
            self._rows = _Rows(
                int(keep.sum()),
                rows.chunk_ids[: rows.size][keep],
                rows.doc_ids[: rows.size][selected],
                rows.vectors[: rows.size][selected],
                rows.doc_id_bound,
            )

    def candidates(self, query: np.ndarray, readable_doc_ids: np.ndarray, k: int) -> np.ndarray:
        """Chunk ids of rows of readable documents, best first by their 16-bit scores, that hold
        the exact (float32) top ``k``: the caller rescores them.

        A row left out scores below the k-th candidate by more than twice the rounding error,
        so its exact score is below those of k candidates: :data:`SPARE` rows beyond k are
        taken first, twice as many while the last of them is closer than that.
        """
        rows, precision = self._rows, self.precision
        if not rows.size or not len(readable_doc_ids) or precision is None:
            return np.zeros(0, np.int64)
        doc_ids, vectors = rows.doc_ids[: rows.size], rows.vectors[: rows.size]
        # A lookup table over document ids: one gather per row instead of a set test per row.
        readable = torch.zeros(int(max(readable_doc_ids.max(), rows.doc_id_bound)) + 1, dtype=torch.bool)
        readable[torch.tensor(readable_doc_ids, dtype=torch.int64)] = True
        mask = readable[doc_ids]
        available = int(mask.sum())
        k = min(k, available)
        if not k:
            return np.zeros(0, np.int64)
        scores = precision.product(vectors, torch.tensor(query, dtype=precision.dtype)).float()
        scores.masked_fill_(~mask, float("-inf"))
        count = min(available, k + SPARE)
        while True:
            best = torch.topk(scores, count)
            if count == available or best.values[-1] < best.values[k - 1] - 2 * precision.error:
                break
            count = min(available, 2 * count)
        chosen: np.ndarray = rows.chunk_ids[best.indices.numpy()]
        return chosen
