"""A folder ingest killed with SIGKILL at random moments never leaves half a document behind."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import pytest

from sakuin.config import load_settings
from sakuin.embeddings import Embedder
from sakuin.knowledge.chunk import chunk_text
from sakuin.knowledge.parse import parse_file
from sakuin.knowledge.store.sqlite import SQLiteStore
from tests.conftest import sakuin_command

pytestmark = pytest.mark.slow

PARAGRAPH = (
    "第{n}条 社員は業務上知り得た情報を適切に管理しなければならない。Employees must protect information {n}. "
)


def stored_documents(database: Path) -> int:
    """Documents committed so far, read beside the writer (WAL lets a reader in at any time)."""
    if not database.exists():
        return 0
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)) as connection:
        try:
            return int(connection.execute("SELECT count(*) FROM documents").fetchone()[0])
        except sqlite3.OperationalError:  # the schema is not there yet
            return 0


def test_sigkill_mid_ingest_leaves_each_document_whole_or_absent(tmp_path: Path, embedder: Embedder) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(40):
        (folder / f"rule{i:02d}.md").write_text(
            f"# 規程 {i}\n" + "\n\n".join(PARAGRAPH.format(n=i * 100 + j) * 3 for j in range(12)),
            encoding="utf-8",
        )
    settings = load_settings(tmp_path / "data")
    expected = {
        str(path): len(
            chunk_text(
                parse_file(path)[0].text,
                embedder.count_tokens,
                target_tokens=settings.knowledge.chunk_tokens,
                overlap_tokens=settings.knowledge.overlap_tokens,
            )
        )
        for path in folder.iterdir()
    }
    env = {**os.environ, "SAKUIN_DATA_DIR": str(settings.data_dir)}
    command = [*sakuin_command(), "ingest", str(folder), "--readers", "everyone"]
    rng = random.Random(7)
    seen_partial = False
    for _ in range(4):
        before = stored_documents(settings.knowledge_db)
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # kill at a random moment after this run has stored something new: a fixed delay from the
        # start would land before the first write on a slow or busy machine
        deadline = time.monotonic() + 300
        while stored_documents(settings.knowledge_db) <= before and process.poll() is None:
            assert time.monotonic() < deadline, "the ingest stored nothing in 300 s"
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait()
        store = SQLiteStore(settings.knowledge_db)
        assert store.check_integrity() == []
        documents = store.documents()
        for document in documents:
            assert document.chunks == expected[document.source], document.source
        seen_partial = seen_partial or 0 < len(documents) < len(expected)
        store.close()
    assert seen_partial, "no kill landed mid-ingest; the test proved nothing"
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert finished.returncode == 0, finished.stderr
    store = SQLiteStore(settings.knowledge_db)
    assert {d.source: d.chunks for d in store.documents()} == expected
    assert store.check_integrity() == []
    store.close()
