"""A watched folder follows file creation, change and deletion within seconds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from sakuin.knowledge.access import parse_readers
from sakuin.knowledge.ingest import IngestResult
from sakuin.knowledge.watch import watch
from sakuin.knowledge.workspace import KnowledgeBase


def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_watch_ingests_updates_and_removes(kb: KnowledgeBase, tmp_path: Path) -> None:
    kb.store.add_user("alice")
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "old.md").write_text("既存の文書です。", encoding="utf-8")
    results: list[IngestResult] = []
    stop = threading.Event()
    # the watcher gets its own store connection, as a separate `sakuin watch` process would
    watcher_kb = KnowledgeBase(kb.settings)
    watcher_kb.__dict__["embedder"] = kb.embedder
    thread = threading.Thread(
        target=watch,
        args=(watcher_kb, folder, parse_readers("user:alice")),
        kwargs={"stop": stop, "report": results.append, "quiet": 0.2, "exclude": ["*.tmp"]},
    )
    thread.start()
    try:
        assert eventually(lambda: any(r.status == "added" for r in results))

        def finds(query: str) -> set[str]:
            return {h.source for h in kb.search(query, "alice", mode="lexical")}

        new = folder / "sub" / "launch.md"
        new.parent.mkdir()
        new.write_text("新製品ゼフィロスを来月発売します。", encoding="utf-8")
        (folder / "scratch.tmp").write_text("ゼフィロス", encoding="utf-8")
        assert eventually(lambda: str(new.resolve()) in finds("ゼフィロス"))
        new.write_text("新製品ゼフィロスの発売は延期になりました。", encoding="utf-8")
        assert eventually(lambda: str(new.resolve()) in finds("延期"))
        new.unlink()
        assert eventually(lambda: not finds("ゼフィロス"))
        assert not any("scratch.tmp" in r.source and r.status == "added" for r in results)
    finally:
        stop.set()
        thread.join(timeout=10)
        watcher_kb.close()
    assert kb.store.check_integrity() == []
