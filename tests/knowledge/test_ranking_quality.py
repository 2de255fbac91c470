"""Ranking quality on a small fixed Japanese set, on both stores (issue 18).

Each article names its subject only in its title, as Wikipedia paragraphs do; a distractor
repeats the question's other words. Before titles were indexed (and before score fusion) the
distractor came first in every mode that uses BM25; now the titled passage does.
"""

from __future__ import annotations

from typing import Any

import pytest

from sakuin.knowledge import lexical
from sakuin.knowledge.access import parse_readers
from sakuin.knowledge.parse import ParsedDocument
from sakuin.knowledge.store.postgres import PostgresStore
from sakuin.knowledge.store.sqlite import SQLiteStore
from sakuin.knowledge.workspace import KnowledgeBase

ARTICLES = {
    "ゼフィロス": "量子暗号で通信を守る小型の無線機器で、三万円で販売されている。",
    "価格表": "無線機器の価格は毎年四月に改定される。価格の問い合わせは営業部が受け付ける。",
    "オーロラ": "極地の夜空に現れる光の帯で、太陽風が大気にぶつかって生じる。",
    "富士山": "静岡県と山梨県にまたがる日本最高峰の山で、標高は三七七六メートルである。",
    "琵琶湖": "滋賀県にある日本最大の湖で、京都や大阪の水源となっている。",
    "新幹線": "一九六四年に東京と新大阪の間で開業した高速鉄道である。",
    "味噌": "大豆を発酵させて作る調味料で、地方ごとに色や味が異なる。",
    "将棋": "二人で指す盤上遊戯で、取った駒を自分の駒として使える。",
    "桜": "春に咲くバラ科の樹木で、花見の習慣は平安時代にさかのぼる。",
    "茶道": "湯を沸かし茶を点てて客をもてなす日本の伝統的な作法である。",
}
QUESTIONS = [("ゼフィロスの価格はいくらか", "ゼフィロス")]  # before: lexical 価格表 only; hybrid 価格表 first


@pytest.fixture
def articles(kb: KnowledgeBase) -> KnowledgeBase:
    kb.store.add_user("reader")
    for title, text in ARTICLES.items():
        kb.ingestor.ingest_document(
            ParsedDocument(title, text, f"wiki/{title}", "text/plain"), parse_readers("everyone")
        )
    return kb


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_the_passage_whose_title_names_the_subject_comes_first(articles: KnowledgeBase, mode: str) -> None:
    for question, title in QUESTIONS:
        top = articles.search(question, "reader", k=3, mode=mode)  # type: ignore[arg-type]
        assert top[0].source == f"wiki/{title}", (question, [h.source for h in top])


def _as_before_titles(kb: KnowledgeBase) -> None:
    """Put the store back to migration 2: its full-text index without title terms."""
    store: Any = kb.store
    if isinstance(store, SQLiteStore):
        store._db.executescript(
            "DROP TABLE chunks_fts;"
            " CREATE VIRTUAL TABLE chunks_fts USING fts5(words, tokenize = 'unicode61 remove_diacritics 0');"
            " INSERT INTO chunks_fts (rowid, words)"
            "  SELECT id, sakuin_chunk_index_text(text, headings) FROM chunks;"
            " PRAGMA user_version = 2;"
        )
    else:
        with store._write() as db:
            for row in db.execute("SELECT id, text FROM chunks").fetchall():  # no headings here
                words = lexical.index_text(row["text"])
                db.execute(
                    "UPDATE chunks SET words = to_tsvector('simple', %s) WHERE id = %s", (words, row["id"])
                )
            db.execute("UPDATE sakuin_schema SET version = 2")


def test_a_store_made_before_titles_were_indexed_is_reindexed_on_opening(
    articles: KnowledgeBase,
) -> None:
    _as_before_titles(articles)
    question, title = QUESTIONS[0]
    assert articles.search(question, "reader", k=1, mode="lexical")[0].source != f"wiki/{title}"
    store: Any = articles.store
    reopened = SQLiteStore(store.path) if isinstance(store, SQLiteStore) else PostgresStore(store.url)
    try:
        assert reopened.check_integrity() == []
        assert reopened.lexical(question, "reader", 1)[0].source == f"wiki/{title}"
        assert len(reopened.documents()) == len(ARTICLES)
    finally:
        reopened.close()
