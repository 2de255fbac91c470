"""The SQLite store's in-memory dense index: every chunk's vector, scored in one pass per query.

Scoring reads every vector, so it is bound by memory bandwidth, not arithmetic. The vectors are
held in half precision: at a million chunks of 384 dimensions that is 768 MB instead of 1.5 GB,
and torch's float16 matrix-vector product took 31 ms where numpy's float32 one took 68 ms (2
cores). Half precision only *chooses* candidates (its error on unit vectors was ~1e-4, far below
the gaps that decide a top ten); the store rescores them from the stored float32 vectors, so no
returned score is rounded.

Rows live in buffers with spare capacity, so a new document costs a copy of its own vectors,
not of the whole matrix: that keeps it searchable within a second at a million chunks. Rows of
deleted documents may stay until :meth:`DenseIndex.keep` compacts them; they are never returned,
because only rows of documents the caller names as readable are scored (and ids are never
reused, so a deleted document's id cannot come to name a readable one).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import torch


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
            start, end = rows.size, rows.size + len(chunk_ids)
            if end > len(rows.chunk_ids):
                rows = self._grown(rows, end + end // 2, vectors.shape[1])
            rows.chunk_ids[start:end] = chunk_ids
            rows.doc_ids[start:end] = torch.from_numpy(np.asarray(doc_ids, np.int64))
            rows.vectors[start:end] = torch.tensor(vectors, dtype=torch.float16)
            bound = max(rows.doc_id_bound, int(np.max(doc_ids)))
            self._rows = _Rows(end, rows.chunk_ids, rows.doc_ids, rows.vectors, bound)

    @staticmethod
    def _grown(rows: _Rows, capacity: int, dim: int) -> _Rows:
        grown = _Rows(
            rows.size,
            np.zeros(capacity, np.int64),
            torch.zeros(capacity, dtype=torch.int64),
            torch.zeros((capacity, dim), dtype=torch.float16),
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

    def candidates(self, query: np.ndarray, readable_doc_ids: np.ndarray, count: int) -> np.ndarray:
        """Chunk ids of the ``count`` best rows of readable documents, best first (to within
        half precision: the caller rescores them)."""
        rows = self._rows
        if not rows.size or not len(readable_doc_ids):
            return np.zeros(0, np.int64)
        doc_ids, vectors = rows.doc_ids[: rows.size], rows.vectors[: rows.size]
        # A lookup table over document ids: one gather per row instead of a set test per row.
        readable = torch.zeros(int(max(readable_doc_ids.max(), rows.doc_id_bound)) + 1, dtype=torch.bool)
        readable[torch.tensor(readable_doc_ids, dtype=torch.int64)] = True
        mask = readable[doc_ids]
        count = min(count, int(mask.sum()))
        if not count:
            return np.zeros(0, np.int64)
        scores = torch.mv(vectors, torch.tensor(query, dtype=torch.float16))
        scores.masked_fill_(~mask, float("-inf"))
        chosen: np.ndarray = rows.chunk_ids[torch.topk(scores, count).indices.numpy()]
        return chosen
