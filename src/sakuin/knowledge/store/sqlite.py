"""SQLite store (the embedded default): WAL, FTS5 over pre-tokenised words, exact dense search.

One file in the data directory holds everything. Every write is one transaction, so a crash
leaves either the old document or the new one, never half. Dense search scores the vectors of
permitted chunks only, from an in-memory index (dense.py) that catches up with the rows written
since it last looked whenever a write (from this or another process) bumps the store's
generation counter.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from sakuin.knowledge import lexical
from sakuin.knowledge.access import Reader, readable_documents_sql
from sakuin.knowledge.chunk import Chunk
from sakuin.knowledge.names import default_name
from sakuin.knowledge.store.base import (
    NO_FILTERS,
    DocumentNotFoundError,
    DocumentRecord,
    Hit,
    NewDocument,
    SearchFilters,
)
from sakuin.knowledge.store.dense import DenseIndex
from sakuin.knowledge.store.sql import PRINCIPAL_TABLES, SQLStore, like_prefix

MIGRATIONS = [
    PRINCIPAL_TABLES
    + """
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        media_type TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '[]',
        metadata TEXT NOT NULL DEFAULT '{}',
        created REAL NOT NULL,
        updated REAL NOT NULL
    );
    CREATE TABLE readers (
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('user', 'group', 'everyone')),
        name TEXT NOT NULL,
        PRIMARY KEY (doc_id, kind, name)
    );
    CREATE INDEX readers_by_name ON readers(kind, name);
    CREATE TABLE chunks (
        id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        ord INTEGER NOT NULL,
        start_offset INTEGER NOT NULL,
        end_offset INTEGER NOT NULL,
        text TEXT NOT NULL,
        headings TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX chunks_by_doc ON chunks(doc_id);
    CREATE VIRTUAL TABLE chunks_fts USING fts5(words, tokenize = 'unicode61 remove_diacritics 0');
    CREATE TABLE vectors (
        chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
        vector BLOB NOT NULL
    );
    CREATE TABLE embedding_cache (model TEXT NOT NULL, hash TEXT NOT NULL, vector BLOB NOT NULL,
                                  PRIMARY KEY (model, hash));
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta VALUES ('generation', '0');
    """,
    # 2: the name readers see; documents stored before it get the last part of their source
    """
    ALTER TABLE documents ADD COLUMN name TEXT NOT NULL DEFAULT '';
    UPDATE documents SET name = sakuin_default_name(source);
    """,
    # 3: the document title gets a column of its own in the full-text index (see lexical.py);
    # the index is derived data, rebuilt here from the chunks and documents already stored
    """
    DROP TABLE chunks_fts;
    CREATE VIRTUAL TABLE chunks_fts USING fts5(title, words, tokenize = 'unicode61 remove_diacritics 0');
    INSERT INTO chunks_fts (rowid, title, words)
        SELECT c.id, sakuin_index_text(d.title), sakuin_chunk_index_text(c.text, c.headings)
        FROM chunks c JOIN documents d ON d.id = c.doc_id;
    """,
    # 4: ids are never reused (AUTOINCREMENT): without it, replacing the newest document gave its
    # chunks the ids of the ones they replaced, and the dense index kept the old vectors for
    # them; a citation's document id could also come to name another document. The two tables
    # are rebuilt with their rows and ids (foreign keys are off while migrating, see _migrate).
    """
    CREATE TABLE documents_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        media_type TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '[]',
        metadata TEXT NOT NULL DEFAULT '{}',
        created REAL NOT NULL,
        updated REAL NOT NULL
    );
    INSERT INTO documents_new (id, source, name, title, text, content_hash, media_type, tags, metadata,
                               created, updated)
        SELECT id, source, name, title, text, content_hash, media_type, tags, metadata, created, updated
        FROM documents;
    DROP TABLE documents;
    ALTER TABLE documents_new RENAME TO documents;
    CREATE TABLE chunks_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        ord INTEGER NOT NULL,
        start_offset INTEGER NOT NULL,
        end_offset INTEGER NOT NULL,
        text TEXT NOT NULL,
        headings TEXT NOT NULL DEFAULT '[]'
    );
    INSERT INTO chunks_new SELECT id, doc_id, ord, start_offset, end_offset, text, headings FROM chunks;
    DROP TABLE chunks;
    ALTER TABLE chunks_new RENAME TO chunks;
    CREATE INDEX chunks_by_doc ON chunks(doc_id);
    """,
]


def _chunk_index_text(text: str, headings: str) -> str:
    """What ``put_document`` indexes for a chunk, from its stored columns (for migrations)."""
    return lexical.index_text(Chunk(text, 0, len(text), tuple(json.loads(headings))).indexed_text())


class SQLiteStore(SQLStore):
    """The knowledge base in one SQLite file."""

    P = "?"

    def __init__(self, path: Path, *, embedding_model: str = "") -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.create_function("sakuin_default_name", 1, default_name, deterministic=True)
        self._db.create_function("sakuin_index_text", 1, lexical.index_text, deterministic=True)
        self._db.create_function("sakuin_chunk_index_text", 2, _chunk_index_text, deterministic=True)
        self._lock = threading.RLock()
        self._dense = DenseIndex()
        self._readable: dict[tuple[str, int], np.ndarray] = {}
        self._migrate()
        self._db.execute("PRAGMA foreign_keys = ON")

    # -- plumbing -----------------------------------------------------------------------------
    def _migrate(self) -> None:
        """Run the migrations this file has not had, before foreign keys are enforced.

        Enforcement is off so that rebuilding a table (migration 4) does not cascade its drop to
        the rows referring to it; each migration's references are checked before it commits.
        """
        with self._lock:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                self._db.executescript(f"BEGIN IMMEDIATE; {script}; PRAGMA user_version = {number};")
                broken = self._db.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    self._db.execute("ROLLBACK")
                    raise RuntimeError(f"migration {number} of {self.path} left broken references: {broken}")
                self._db.execute("COMMIT")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction that bumps the generation, so other readers reload the dense index."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute(
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cursor = self._db.execute(sql, params)
            cursor.row_factory = sqlite3.Row
            return cursor.fetchall()

    # -- documents ----------------------------------------------------------------------------
    def put_document(
        self, document: NewDocument, chunks: Sequence[Chunk], vectors: np.ndarray
    ) -> tuple[int, bool]:
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk")
        now = time.time()
        with self._write() as db:
            self._require_readers(db, document.readers)
            old = db.execute(
                "SELECT id, created FROM documents WHERE source = ?", (document.source,)
            ).fetchone()
            if old is not None:
                self._delete(db, old[0])
            cursor = db.execute(
                "INSERT INTO documents (source, name, title, text, content_hash, media_type, tags,"
                " metadata, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    document.source,
                    document.display_name,
                    document.title,
                    document.text,
                    document.content_hash,
                    document.media_type,
                    json.dumps(list(document.tags), ensure_ascii=False),
                    json.dumps(document.metadata, ensure_ascii=False),
                    old[1] if old else now,
                    now,
                ),
            )
            doc_id = int(cursor.lastrowid or 0)
            self._insert_readers(db, doc_id, document.readers)
            title_terms = lexical.index_text(document.title)
            for order, (chunk, vector) in enumerate(zip(chunks, vectors, strict=True)):
                chunk_id = db.execute(
                    "INSERT INTO chunks (doc_id, ord, start_offset, end_offset, text, headings)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        doc_id,
                        order,
                        chunk.start,
                        chunk.end,
                        chunk.text,
                        json.dumps(list(chunk.headings), ensure_ascii=False),
                    ),
                ).lastrowid
                db.execute(
                    "INSERT INTO chunks_fts (rowid, title, words) VALUES (?, ?, ?)",
                    (chunk_id, title_terms, lexical.index_text(chunk.indexed_text())),
                )
                db.execute(
                    "INSERT INTO vectors VALUES (?, ?)", (chunk_id, np.asarray(vector, np.float32).tobytes())
                )
        return doc_id, old is not None

    def remember_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Keep embeddings by content hash so identical text is never embedded twice."""
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO embedding_cache VALUES (?, ?, ?)",
                [(model, h, np.asarray(v, np.float32).tobytes()) for h, v in vectors.items()],
            )

    def cached_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ",".join("?" * len(part))
            for row in self._rows(
                f"SELECT hash, vector FROM embedding_cache WHERE model = ? AND hash IN ({marks})",
                [model, *part],
            ):
                found[row["hash"]] = np.frombuffer(row["vector"], dtype=np.float32)
        return found

    @staticmethod
    def _delete(db: sqlite3.Connection, doc_id: int) -> None:
        db.execute(
            "DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE doc_id = ?)", (doc_id,)
        )
        db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))

    def delete_document(self, document_id: int) -> None:
        with self._write() as db:
            if db.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone() is None:
                raise DocumentNotFoundError(document_id)
            self._delete(db, document_id)

    _DOCUMENT_COLUMNS = (
        "SELECT d.id, d.source, d.name, d.title, d.content_hash, d.media_type, d.tags, d.created, d.updated,"
        " (SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.id) AS chunks FROM documents d"
    )

    def _record(self, row: sqlite3.Row) -> DocumentRecord:
        readers = frozenset(
            Reader(r["kind"], r["name"])
            for r in self._rows("SELECT kind, name FROM readers WHERE doc_id = ?", (row["id"],))
        )
        return DocumentRecord(
            row["id"],
            row["source"],
            row["name"],
            row["title"],
            row["content_hash"],
            row["media_type"],
            readers,
            tuple(json.loads(row["tags"])),
            row["chunks"],
            datetime.fromtimestamp(row["created"], UTC),
            datetime.fromtimestamp(row["updated"], UTC),
        )

    def document_by_source(self, source: str) -> DocumentRecord | None:
        rows = self._rows(f"{self._DOCUMENT_COLUMNS} WHERE d.source = ?", (source,))
        return self._record(rows[0]) if rows else None

    def document(self, document_id: int, user: str | None = None) -> DocumentRecord:
        """One document; with ``user``, only if that user may read it (else it does not exist)."""
        sql = f"{self._DOCUMENT_COLUMNS} WHERE d.id = :id"
        params: dict[str, Any] = {"id": document_id}
        if user is not None:
            self.require_user(user)
            sql, params = f"{sql} AND d.id IN ({readable_documents_sql()})", {**params, "user": user}
        rows = self._rows(sql, params)
        if not rows:
            raise DocumentNotFoundError(document_id, readable=True)
        return self._record(rows[0])

    def _readable_column(self, document_id: int, user: str, column: Literal["text", "metadata"]) -> Any:
        """One column of a document the user may read (else it does not exist)."""
        self.document(document_id, user)
        return self._rows(f"SELECT {column} FROM documents WHERE id = ?", (document_id,))[0][column]

    def document_text(self, document_id: int, user: str) -> str:
        return str(self._readable_column(document_id, user, "text"))

    def document_metadata(self, document_id: int, user: str) -> dict[str, str]:
        return dict(json.loads(self._readable_column(document_id, user, "metadata")))

    def stored_contents(self, document_id: int) -> tuple[str, dict[str, str]]:
        rows = self._rows("SELECT text, metadata FROM documents WHERE id = ?", (document_id,))
        if not rows:
            raise DocumentNotFoundError(document_id)
        return str(rows[0]["text"]), dict(json.loads(rows[0]["metadata"]))

    def documents(self, user: str | None = None) -> list[DocumentRecord]:
        if user is None:
            return [self._record(r) for r in self._rows(f"{self._DOCUMENT_COLUMNS} ORDER BY d.id")]
        self.require_user(user)
        rows = self._rows(
            f"{self._DOCUMENT_COLUMNS} WHERE d.id IN ({readable_documents_sql()}) ORDER BY d.id",
            {"user": user},
        )
        return [self._record(r) for r in rows]

    # -- retrieval ----------------------------------------------------------------------------
    @staticmethod
    def _filter_sql(filters: SearchFilters, params: dict[str, Any]) -> str:
        """Permission filter plus the optional ones, as one condition on ``d``."""
        parts = [f"d.id IN ({readable_documents_sql()})"]
        if filters.source_prefix:
            params["source"] = like_prefix(filters.source_prefix)
            parts.append("d.source LIKE :source ESCAPE '\\'")
        if filters.name_prefix:
            params["name"] = like_prefix(filters.name_prefix)
            parts.append("d.name LIKE :name ESCAPE '\\'")
        if filters.updated_after:
            params["after"] = filters.updated_after.timestamp()
            parts.append("d.updated >= :after")
        for number, tag in enumerate(filters.tags):
            params[f"tag{number}"] = tag
            parts.append(f"EXISTS (SELECT 1 FROM json_each(d.tags) WHERE value = :tag{number})")
        return " AND ".join(parts)

    _HIT_COLUMNS = (
        "c.id, c.doc_id, d.title, d.source, d.name, c.start_offset, c.end_offset, c.text, c.headings"
    )

    def lexical(self, query: str, user: str, k: int, filters: SearchFilters = NO_FILTERS) -> list[Hit]:
        self.require_user(user)
        expression = lexical.match_query(query)
        if expression is None:
            return []
        params: dict[str, Any] = {"user": user, "match": expression, "k": k}
        rank = f"bm25(chunks_fts, {lexical.TITLE_WEIGHT}, 1.0)"
        rows = self._rows(
            f"SELECT {self._HIT_COLUMNS}, -{rank} AS score"
            " FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid JOIN documents d ON d.id = c.doc_id"
            f" WHERE chunks_fts MATCH :match AND {self._filter_sql(filters, params)}"
            f" ORDER BY {rank} LIMIT :k",
            params,
        )
        return [self._hit(row, row["score"]) for row in rows]

    def dense(self, vector: np.ndarray, user: str, k: int, filters: SearchFilters = NO_FILTERS) -> list[Hit]:
        self.require_user(user)
        params: dict[str, Any] = {"user": user}
        condition = self._filter_sql(filters, params)
        index = self._dense_index()
        if filters == NO_FILTERS:
            readable = self._readable_ids(user, index.generation)
        else:
            rows = self._rows(f"SELECT d.id FROM documents d WHERE {condition}", params)
            readable = np.fromiter((r[0] for r in rows), np.int64)
        chosen = index.candidates(vector, readable, k)  # they hold the exact top k
        if not len(chosen):
            return []
        # The candidates' exact scores from their float32 vectors, with the permission filter
        # again in the query that reads their text (it may have changed since `readable`).
        # NOT INDEXED: look chunks up by id; left free, SQLite walked chunks_by_doc for every
        # readable document instead (38 ms instead of 2 for 200 candidates at 100k chunks).
        ids = {f"c{number}": int(chunk_id) for number, chunk_id in enumerate(chosen)}
        rows = self._rows(
            f"SELECT {self._HIT_COLUMNS}, v.vector FROM chunks c NOT INDEXED"
            " JOIN documents d ON d.id = c.doc_id"
            f" JOIN vectors v ON v.chunk_id = c.id WHERE c.id IN ({', '.join(':' + n for n in ids)})"
            f" AND {condition}",
            {**params, **ids},
        )
        query = np.asarray(vector, np.float32)
        scored = [(float(np.frombuffer(row["vector"], np.float32) @ query), row) for row in rows]
        scored.sort(key=lambda pair: -pair[0])
        return [self._hit(row, score) for score, row in scored[:k]]

    def _readable_ids(self, user: str, generation: int) -> np.ndarray:
        """The ids of the documents ``user`` may read, remembered until the next write.

        Every change to documents, readers or memberships is a write that bumps the generation,
        so an entry for the current one is exact. Reading them per query cost 5 ms at 10k
        documents, and the 10k rows it made triggered garbage collections of 70 ms one query in
        twenty. The query that reads the chosen chunks checks permissions again in SQL.
        """
        key = (user, generation)
        with self._lock:
            readable = self._readable.get(key)
            if readable is None:
                if any(g != generation for _, g in self._readable) or len(self._readable) >= 256:
                    self._readable.clear()
                rows = self._rows(readable_documents_sql(), {"user": user})
                readable = self._readable[key] = np.unique(np.fromiter((r[0] for r in rows), np.int64))
            return readable

    def _dense_index(self) -> DenseIndex:
        """The in-memory vectors, brought up to date after any write (by this or another process).

        Ids are never reused (migration 4), so the chunks written since the index last looked are
        those above its newest id: only their vectors are read. Deleted chunks are compacted away
        once they are a quarter of the rows; until then readers never see them (see dense.py).
        """
        with self._lock:
            generation = int(self._rows("SELECT value FROM meta WHERE key = 'generation'")[0][0])
            index = self._dense
            if index.generation == generation:
                return index
            rows = self._rows(
                "SELECT v.chunk_id, c.doc_id, v.vector FROM vectors v JOIN chunks c ON c.id = v.chunk_id"
                " WHERE v.chunk_id > ? ORDER BY v.chunk_id",
                (index.newest_chunk_id,),
            )
            if rows:
                index.append(
                    np.array([r["chunk_id"] for r in rows], np.int64),
                    np.array([r["doc_id"] for r in rows], np.int64),
                    np.frombuffer(b"".join(r["vector"] for r in rows), np.float32).reshape(len(rows), -1),
                )
            live = int(self._rows("SELECT COUNT(*) FROM chunks")[0][0])
            if len(index) - live > len(index) // 4:
                index.keep(np.fromiter((r[0] for r in self._db.execute("SELECT id FROM chunks")), np.int64))
            index.generation = generation
            return index

    @staticmethod
    def _hit(row: sqlite3.Row, score: float) -> Hit:
        return Hit(
            row["id"],
            row["doc_id"],
            row["title"],
            row["source"],
            row["name"],
            row["start_offset"],
            row["end_offset"],
            row["text"],
            tuple(json.loads(row["headings"])),
            float(score),
        )

    # -- health -------------------------------------------------------------------------------
    def check_integrity(self) -> list[str]:
        """Problems found: SQLite's own check, FTS consistency, chunks without vectors."""
        problems = [r[0] for r in self._rows("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"foreign key: {tuple(r)}" for r in self._rows("PRAGMA foreign_key_check")]
        missing = self._rows(
            "SELECT COUNT(*) FROM chunks c LEFT JOIN vectors v ON v.chunk_id = c.id WHERE v.chunk_id IS NULL"
        )[0][0]
        if missing:
            problems.append(f"{missing} chunks without vectors")
        fts, chunks = (
            self._rows("SELECT COUNT(*) FROM chunks_fts")[0][0],
            self._rows("SELECT COUNT(*) FROM chunks")[0][0],
        )
        if fts != chunks:
            problems.append(f"full-text index has {fts} rows for {chunks} chunks")
        return problems

    def close(self) -> None:
        with self._lock:
            self._db.close()
