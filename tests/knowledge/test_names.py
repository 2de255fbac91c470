"""Document names, on both stores: readers see the path inside what was ingested, never the server's.

Stores made before names existed get them by a numbered migration that keeps everything else,
and ingesting their folders again gives the full relative names without embedding anything.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg

from sakuin.knowledge.access import parse_readers
from sakuin.knowledge.manifest import load_workspace, read_workspace
from sakuin.knowledge.names import default_name, name_under
from sakuin.knowledge.store.base import SearchFilters
from sakuin.knowledge.store.postgres import PostgresStore
from sakuin.knowledge.store.sqlite import SQLiteStore
from sakuin.knowledge.workspace import KnowledgeBase

EVERYONE = parse_readers("everyone")


def a_shared_drive(root: Path) -> Path:
    """A folder deep inside ``root`` (as a server's disk would have it) with nested files."""
    drive = root / "srv" / "shared-drive"
    (drive / "hr").mkdir(parents=True)
    (drive / "hr" / "leave.md").write_text("# 休暇規程\n\n年次有給休暇は入社6か月後に10日付与されます。")
    (drive / "faq.csv").write_text("question,answer\n経費は?,月末までに精算します。\n", encoding="utf-8")
    (drive / "notes.txt").write_text("The Kestrel launch moves to the third quarter.")
    return drive


def names_by_source(kb: KnowledgeBase) -> dict[str, str]:
    return {d.source: d.name for d in kb.store.documents()}


def test_default_names_never_show_a_folder() -> None:
    assert default_name("/srv/shared-drive/hr/leave.md") == "leave.md"
    assert default_name("/srv/shared-drive/faq.csv#1") == "faq.csv#1"
    assert default_name("C:\\Users\\admin\\notes.txt") == "notes.txt"
    assert default_name("upload:alice/raven.md") == "raven.md"
    assert default_name("plain-id") == "plain-id"
    assert name_under(Path("/srv/drive"), Path("/srv/drive/hr/leave.md")) == "hr/leave.md"
    assert name_under(None, Path("/srv/drive/hr/leave.md")) == "leave.md"
    assert name_under(Path("/srv/drive"), Path("/elsewhere/leave.md")) == "leave.md"


def test_folder_ingest_names_documents_by_their_path_inside_the_folder(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    drive = a_shared_drive(tmp_path)
    kb.ingestor.ingest_path(drive, EVERYONE)
    kb.ingestor.ingest_path(drive / "faq.csv", EVERYONE, rows=True, text_field="answer")
    assert names_by_source(kb) == {
        str(drive / "faq.csv"): "faq.csv",
        str(drive / "hr" / "leave.md"): "hr/leave.md",
        str(drive / "notes.txt"): "notes.txt",
        f"{drive / 'faq.csv'}#1": "faq.csv#1",  # a single file: its file name, with the row
    }
    kb.store.add_user("alice")
    (hit,) = kb.search("有給休暇は何日", "alice", k=1)
    assert (hit.name, hit.source) == ("hr/leave.md", str(drive / "hr" / "leave.md"))
    by_name = kb.search("有給休暇", "alice", k=10, filters=SearchFilters(name_prefix="hr/"))
    assert {h.name for h in by_name} == {"hr/leave.md"}
    assert kb.search("有給休暇", "alice", k=10, filters=SearchFilters(name_prefix="srv")) == []


def test_a_workspace_names_documents_relative_to_its_manifest(kb: KnowledgeBase, tmp_path: Path) -> None:
    drive = a_shared_drive(tmp_path)
    (drive / "workspace.toml").write_text(
        '[users]\nnames = ["alice"]\n\n[[documents]]\npath = "hr/leave.md"\nreaders = ["everyone"]\n'
    )
    load_workspace(kb, read_workspace(drive))
    assert names_by_source(kb) == {str(drive / "hr" / "leave.md"): "hr/leave.md"}


def downgrade(kb: KnowledgeBase) -> None:
    """Turn the store back into what version 1 made (no names), then open it as sakuin would."""
    store = kb.store
    store.close()
    if isinstance(store, SQLiteStore):
        with sqlite3.connect(store.path) as old:
            old.executescript("ALTER TABLE documents DROP COLUMN name; PRAGMA user_version = 1;")
        kb.store = SQLiteStore(store.path)
    else:
        assert isinstance(store, PostgresStore)
        with psycopg.connect(store.url, autocommit=True) as old:
            old.execute("ALTER TABLE documents DROP COLUMN name")
            # version 1 kept each chunk's words in a tsvector, where the BM25 tables are now
            old.execute("DROP TABLE chunk_terms, term_stats, corpus_stats")
            old.execute("ALTER TABLE chunks ADD COLUMN words TSVECTOR NOT NULL DEFAULT ''")
            old.execute("UPDATE chunks SET words = to_tsvector('simple', text)")
            old.execute("CREATE INDEX chunks_words ON chunks USING GIN (words)")
            old.execute("UPDATE sakuin_schema SET version = 1")
        kb.store = PostgresStore(store.url, dim=kb.embedder.dim)
    kb.__dict__.pop("ingestor", None)  # it was made over the closed store


def test_an_old_store_gets_names_and_loses_nothing(kb: KnowledgeBase, tmp_path: Path) -> None:
    drive = a_shared_drive(tmp_path)
    kb.store.add_user("alice")
    kb.ingestor.ingest_path(drive, EVERYONE)
    before = kb.store.documents()
    downgrade(kb)

    after = kb.store.documents()
    assert [(d.id, d.source, d.title, d.content_hash, d.chunks, d.readers, d.updated) for d in after] == [
        (d.id, d.source, d.title, d.content_hash, d.chunks, d.readers, d.updated) for d in before
    ]
    assert names_by_source(kb) == {  # the ingest root is not stored: the file name is what is safe
        str(drive / "faq.csv"): "faq.csv",
        str(drive / "hr" / "leave.md"): "leave.md",
        str(drive / "notes.txt"): "notes.txt",
    }
    assert kb.search("有給休暇は何日", "alice", k=1)[0].name == "leave.md"
    assert kb.store.check_integrity() == []

    calls: list[int] = []
    original = kb.embedder.embed_passages

    def counting(texts):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return original(texts)

    kb.embedder.embed_passages = counting  # type: ignore[method-assign]
    try:
        again = kb.ingestor.ingest_path(drive, EVERYONE)
    finally:
        kb.embedder.embed_passages = original  # type: ignore[method-assign]
    assert [r.status for r in again.results] == ["unchanged", "updated", "unchanged"]
    assert calls == []  # a new name reuses the cached vectors
    assert names_by_source(kb)[str(drive / "hr" / "leave.md")] == "hr/leave.md"
    assert kb.search("有給休暇は何日", "alice", k=1)[0].name == "hr/leave.md"
