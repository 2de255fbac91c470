"""A knowledge base remembers its embedder and refuses to mix vectors of another one."""

from __future__ import annotations

from pathlib import Path

import pytest

from sakuin.config import load_settings
from sakuin.errors import ConfigError
from sakuin.knowledge.access import parse_readers
from sakuin.knowledge.parse import ParsedDocument
from sakuin.knowledge.workspace import KnowledgeBase


def test_switching_embedders_on_an_existing_store_is_refused(tmp_path: Path) -> None:
    first = KnowledgeBase(load_settings(tmp_path))
    first.store.add_user("alice")
    first.ingestor.ingest_document(
        ParsedDocument("t", "東京は首都です。", "a", "text/plain"), parse_readers("everyone")
    )
    assert first.search("首都", "alice", mode="dense")
    first.close()

    other = KnowledgeBase(
        load_settings(tmp_path, knowledge={"embedder": "universal-sentence-encoder-multilingual"})
    )
    assert other.store.users() == ["alice"]  # managing principals needs no embedder
    with pytest.raises(ConfigError, match="embedded with 'multilingual-e5-small'"):
        other.search("首都", "alice", mode="dense")
    other.close()
