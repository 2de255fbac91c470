"""A folder ingest killed with SIGKILL at random moments never leaves half a document behind."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
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
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.5, 4.0))
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
