"""PostgreSQL's BM25 is SQLite's: the same scores on the same chunks, through replaces and deletes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sakuin.knowledge.access import parse_readers
from sakuin.knowledge.chunk import Chunk
from sakuin.knowledge.store.base import NewDocument, Store
from sakuin.knowledge.store.postgres import PostgresStore
from sakuin.knowledge.store.sqlite import SQLiteStore
from tests.knowledge.conftest import fresh_database

DOCUMENTS = {
    "規程": ["有給休暇は入社半年後に十日付与される。", "休暇の申請は上長に三日前までに出す。"],
    "経費": ["出張の経費は月末までに精算する。", "交通費の領収書は原本を提出する。"],
    "製品": ["新製品ゼフィロスは量子暗号で通信を守る。"],
    "古い": ["この文書はあとで消される休暇の話である。"],
}
QUESTIONS = ["有給休暇は何日", "経費の精算はいつまで", "ゼフィロスとは", "休暇の申請"]


def _put(store: Store, title: str, texts: list[str], readers: str = "everyone") -> int:
    chunks, offset = [], 0
    for text in texts:
        chunks.append(Chunk(text, offset, offset + len(text)))
        offset += len(text) + 1
    document = NewDocument(
        f"docs/{title}", title, "\n".join(texts), title, "text/plain", parse_readers(readers)
    )
    return store.put_document(document, chunks, np.full((len(chunks), 4), 0.5, np.float32))[0]


def _fill(store: Store) -> None:
    store.add_user("reader")
    store.add_user("other")
    ids = {title: _put(store, title, texts) for title, texts in DOCUMENTS.items()}
    _put(store, "規程", [*DOCUMENTS["規程"], "休暇の繰り越しは二年まで。"])  # replaced: new chunks
    _put(store, "秘密", ["休暇の秘密の規程。"], "user:other")  # counts in the statistics, never shown
    store.delete_document(ids["古い"])


def test_postgres_scores_every_chunk_as_sqlite_does(postgres: Any, tmp_path: Path) -> None:
    with fresh_database(postgres) as url:
        stores: list[Store] = [SQLiteStore(tmp_path / "k.db"), PostgresStore(url, dim=4)]
        try:
            for store in stores:
                _fill(store)
            assert stores[1].check_integrity() == []
            for question in QUESTIONS:
                sqlite_hits, postgres_hits = (store.lexical(question, "reader", 10) for store in stores)
                assert [h.source for h in postgres_hits] == [h.source for h in sqlite_hits], question
                assert "docs/秘密" not in {h.source for h in sqlite_hits}
                for mine, theirs in zip(postgres_hits, sqlite_hits, strict=True):
                    assert mine.score == pytest.approx(theirs.score, rel=1e-4), question
        finally:
            for store in stores:
                store.close()


def test_postgres_statistics_count_only_what_is_stored(postgres: Any) -> None:
    with fresh_database(postgres) as url:
        store = PostgresStore(url, dim=4)
        try:
            _fill(store)
            corpus = store._rows("SELECT chunks, length FROM corpus_stats")[0]
            chunks = store._rows("SELECT COUNT(*) AS n FROM chunks")[0]["n"]
            assert corpus["chunks"] == chunks == 2 + 2 + 1 + 1 + 1
            gone = store._rows("SELECT COUNT(*) AS n FROM term_stats WHERE term = 'あと'")[0]["n"]
            assert gone == 0  # only the deleted document held it
            for document in store.documents():
                store.delete_document(document.id)
            assert store._rows("SELECT chunks, length FROM corpus_stats")[0] == {"chunks": 0, "length": 0}
            assert store._rows("SELECT COUNT(*) AS n FROM term_stats")[0]["n"] == 0
            assert store.check_integrity() == []
        finally:
            store.close()
