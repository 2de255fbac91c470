"""The SQLite store with the real embedder: permissions inside retrieval, ingest, search."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sakuin.knowledge.access import EVERYONE, AccessError, UnknownPrincipalError, parse_readers
from sakuin.knowledge.chunk import Chunk
from sakuin.knowledge.parse import ParsedDocument
from sakuin.knowledge.search import EmptyQueryError
from sakuin.knowledge.store.base import DocumentNotFoundError, NewDocument, SearchFilters
from sakuin.knowledge.workspace import KnowledgeBase

DOCS = {
    "hr/leave.md": ("# 休暇規程\n年次有給休暇は入社6か月後に10日付与されます。", "group:hr"),
    "sales/aurora.md": ("# Aurora\nAurora is a smart thermostat that saves 20% energy.", "group:sales"),
    "public/office.md": ("# オフィス\n本社は東京都千代田区にあります。", "everyone"),
    "alice/notes.md": ("# メモ\n来週の出張は大阪です。", "user:alice"),
}


@pytest.fixture
def company(kb: KnowledgeBase) -> KnowledgeBase:
    for user in ("alice", "bob", "carol"):
        kb.store.add_user(user)
    kb.store.add_group("hr", ["alice"])
    kb.store.add_group("sales", ["bob"])
    for source, (text, readers) in DOCS.items():
        kb.ingestor.ingest_document(
            ParsedDocument(source.split("/")[1], text, source, "text/markdown"), parse_readers(readers)
        )
    return kb


def sources(hits: list) -> set[str]:  # type: ignore[type-arg]
    return {h.source for h in hits}


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_each_user_finds_only_what_they_may_read(company: KnowledgeBase, mode: str) -> None:
    readable = {
        "alice": {"hr/leave.md", "public/office.md", "alice/notes.md"},
        "bob": {"sales/aurora.md", "public/office.md"},
        "carol": {"public/office.md"},
    }
    for user, allowed in readable.items():
        for query in ("有給休暇は何日？", "Aurora thermostat", "本社はどこ", "出張"):
            found = sources(company.search(query, user, k=10, mode=mode))  # type: ignore[arg-type]
            assert found <= allowed, (user, query)
        assert {d.source for d in company.store.documents(user)} == allowed


def test_japanese_query_finds_the_japanese_passage_lexically_and_densely(company: KnowledgeBase) -> None:
    for mode in ("lexical", "dense", "hybrid"):
        top = company.search("有給休暇は何日もらえますか", "alice", k=1, mode=mode)  # type: ignore[arg-type]
        assert top[0].source == "hr/leave.md", mode
        assert top[0].headings == ("休暇規程",)
        text = company.store.document_text(top[0].document_id, "alice")
        assert text[top[0].start : top[0].end] == top[0].text


def test_the_title_tells_apart_passages_that_never_name_their_subject(kb: KnowledgeBase) -> None:
    """Two companies' rules with the same wording: only the title says whose they are, and dense
    search finds the asked-about one first because each passage is embedded under its title."""
    kb.store.add_user("reader")
    text = "日当は1日3,000円で、宿泊費は実費精算です。"
    for company in ("ひばり精機", "かもめ物産"):
        kb.ingestor.ingest_document(
            ParsedDocument(f"{company} 出張旅費規程", text, f"{company}.txt", "text/plain"),
            parse_readers("everyone"),
        )
    for company in ("ひばり精機", "かもめ物産"):
        top = kb.search(f"{company}の出張の日当はいくらですか", "reader", k=2, mode="dense")
        assert top[0].source == f"{company}.txt"
        assert top[0].score > top[1].score


def test_reembedding_gives_an_older_store_what_a_fresh_one_has(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store built before passages were embedded under their title holds two identical vectors
    for the two companies' identical rules; embedding it again tells them apart, and keeps who
    may read them, their names and tags, and their content (an ingest after it changes nothing)."""
    kb.store.add_user("reader")
    text = "日当は1日3,000円で、宿泊費は実費精算です。"
    documents = [
        ParsedDocument(f"{company} 出張旅費規程", text, f"{company}.txt", "text/plain")
        for company in ("ひばり精機", "かもめ物産")
    ]
    with monkeypatch.context() as earlier_sakuin:
        earlier_sakuin.setattr(Chunk, "for_embedding", lambda chunk, title: chunk.text)
        for document in documents:
            kb.ingestor.ingest_document(document, parse_readers("user:reader"), ["旅費"])
    question = "ひばり精機の出張の日当はいくらですか"
    before = kb.search(question, "reader", k=2, mode="dense")
    assert before[0].score == pytest.approx(before[1].score, abs=1e-5)
    kept = {r.source: (r.name, r.readers, r.tags, r.content_hash) for r in kb.store.documents()}

    report = kb.ingestor.reembed()

    assert [r.status for r in report.results] == ["updated", "updated"]
    assert {r.source: (r.name, r.readers, r.tags, r.content_hash) for r in kb.store.documents()} == kept
    for company in ("ひばり精機", "かもめ物産"):
        top = kb.search(f"{company}の出張の日当はいくらですか", "reader", k=2, mode="dense")
        assert top[0].source == f"{company}.txt"
        assert top[0].score > top[1].score + 1e-3
    assert len(kb.search("日当", "reader", k=5, mode="lexical")) == 2
    again = [kb.ingestor.ingest_document(d, parse_readers("user:reader"), ["旅費"]) for d in documents]
    assert [r.status for r in again] == ["unchanged", "unchanged"]


def test_top_k_is_k_permitted_results_when_k_exist(kb: KnowledgeBase) -> None:
    kb.store.add_user("dave")
    kb.store.add_user("erin")
    for i in range(30):  # many near-identical documents dave may not read, a few he may
        readers = "user:dave" if i % 10 == 0 else "user:erin"
        kb.ingestor.ingest_document(
            ParsedDocument(f"d{i}", f"経費精算の手順 その{i}。領収書を提出する。", f"doc{i}", "text/plain"),
            parse_readers(readers),
        )
    for mode in ("lexical", "dense", "hybrid"):
        hits = kb.search("経費精算", "dave", k=3, mode=mode)  # type: ignore[arg-type]
        assert len(hits) == 3, mode
        assert sources(hits) == {"doc0", "doc10", "doc20"}


def test_sharing_and_group_changes_apply_to_the_next_request(company: KnowledgeBase) -> None:
    leave = company.store.document_by_source("hr/leave.md")
    assert leave is not None
    assert not company.search("有給休暇", "carol", mode="lexical")
    company.store.set_readers(leave.id, parse_readers("user:carol"))
    assert sources(company.search("有給休暇", "carol", mode="lexical")) == {"hr/leave.md"}
    assert "hr/leave.md" not in sources(company.search("有給休暇", "alice", mode="dense", k=10))
    company.store.add_members("sales", ["carol"])
    assert "sales/aurora.md" in sources(company.search("Aurora", "carol", mode="hybrid"))
    company.store.remove_members("sales", ["carol"])
    assert "sales/aurora.md" not in sources(company.search("Aurora", "carol", mode="hybrid", k=10))


def test_filters(company: KnowledgeBase) -> None:
    company.store.add_group("all", ["alice"])
    hits = company.search("東京 大阪 休暇", "alice", k=10, filters=SearchFilters(source_prefix="public/"))
    assert sources(hits) == {"public/office.md"}
    # LIKE wildcards in a prefix are taken literally
    assert not company.search("東京", "alice", k=10, filters=SearchFilters(source_prefix="pub_ic/"))
    assert not company.search("東京", "alice", k=10, filters=SearchFilters(source_prefix="%"))


def test_unknown_principals_and_documents_are_errors(company: KnowledgeBase) -> None:
    with pytest.raises(UnknownPrincipalError, match="no user 'mallory'"):
        company.search("東京", "mallory")
    with pytest.raises(UnknownPrincipalError, match="no group 'finance'"):
        company.store.add_members("finance", ["alice"])
    with pytest.raises(AccessError):
        parse_readers("admins")
    with pytest.raises(DocumentNotFoundError):
        company.store.document(999)
    leave = company.store.document_by_source("hr/leave.md")
    assert leave is not None
    with pytest.raises(DocumentNotFoundError):  # exists, but carol may not see it
        company.store.document_text(leave.id, "carol")
    with pytest.raises(EmptyQueryError):
        company.search("  ", "alice")


def test_ingest_is_idempotent_and_updates_replace_chunks(kb: KnowledgeBase, tmp_path: Path) -> None:
    kb.store.add_user("alice")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n製品Aは青いです。", encoding="utf-8")
    (folder / "b.txt").write_bytes("製品Bは赤いです。".encode("euc_jp"))
    (folder / "bad.pdf").write_bytes(b"%PDF-1.4 not really")
    (folder / "data.bin").write_bytes(b"\x00\x01")  # no parser: skipped
    (folder / ".hidden.md").write_text("secret", encoding="utf-8")
    readers = parse_readers("user:alice")

    first = kb.ingestor.ingest_path(folder, readers)
    assert (first.count("added"), first.count("failed"), first.count("skipped")) == (2, 1, 1)
    assert "bad.pdf" in first.failed[0].reason
    again = kb.ingestor.ingest_path(folder, readers, exclude=["*.pdf"])
    assert again.count("unchanged") == 2 and not again.failed

    (folder / "a.md").write_text("# A\n製品Aは緑色に変わりました。", encoding="utf-8")
    changed = kb.ingestor.ingest_path(folder, readers, include=["*.md"])
    assert [r.status for r in changed.results] == ["updated"]
    assert not kb.search("青い", "alice", mode="lexical")
    assert sources(kb.search("緑色", "alice", mode="lexical")) == {str(folder / "a.md")}
    assert kb.store.check_integrity() == []

    doc = kb.store.document_by_source(str(folder / "b.txt"))
    assert doc is not None
    kb.store.delete_document(doc.id)
    assert not kb.search("赤い", "alice", mode="lexical")
    assert "b.txt" not in str(sources(kb.search("赤い製品", "alice", mode="dense", k=5)))
    assert kb.store.check_integrity() == []


def test_unchanged_text_is_never_embedded_twice(kb: KnowledgeBase) -> None:
    kb.store.add_user("alice")
    calls: list[int] = []
    original = kb.embedder.embed_passages

    def counting(texts):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return original(texts)

    kb.embedder.embed_passages = counting  # type: ignore[method-assign]
    try:
        readers = parse_readers("user:alice")
        kb.ingestor.ingest_document(ParsedDocument("x", "同じ文章です。", "one", "text/plain"), readers)
        kb.ingestor.ingest_document(ParsedDocument("x", "同じ文章です。", "two", "text/plain"), readers)
    finally:
        kb.embedder.embed_passages = original  # type: ignore[method-assign]
    assert calls == [1]


def test_a_documents_metadata_is_read_through_the_readers_check(kb: KnowledgeBase) -> None:
    """On both stores: what the parser kept beside the text (an OCR'd scan's line boxes) reaches
    a reader, and for anyone else the document does not exist."""
    kb.store.add_user("alice")
    kb.store.add_user("carol")
    metadata = {"pages": "2", "ocr_layout": "[[0, 5, 2, 10, 20, 300, 60]]", "notes": "スキャン"}
    scan = ParsedDocument("scan", "休暇規程です", "hr/scan.png", "image/png", metadata)
    result = kb.ingestor.ingest_document(scan, parse_readers("user:alice"))
    assert result.document_id is not None
    assert kb.store.document_metadata(result.document_id, "alice") == metadata
    with pytest.raises(DocumentNotFoundError):
        kb.store.document_metadata(result.document_id, "carol")


def _put_pointing(kb: KnowledgeBase, source: str, text: str, axis: int) -> int:
    """Store a one-chunk document whose vector is the unit vector along ``axis``."""
    vector = np.zeros((1, kb.embedder.dim), np.float32)
    vector[0, axis] = 1.0
    document = NewDocument(source, source, text, f"{source}:{text}", "text/plain", frozenset({EVERYONE}))
    return kb.store.put_document(document, [Chunk(text, 0, len(text))], vector)[0]


def _axis(kb: KnowledgeBase, axis: int) -> np.ndarray:
    vector: np.ndarray = np.eye(kb.embedder.dim, dtype=np.float32)[axis]
    return vector


def test_replacing_the_newest_document_replaces_its_vectors_and_no_id_is_reused(kb: KnowledgeBase) -> None:
    kb.store.add_user("alice")
    _put_pointing(kb, "a", "first", 0)
    old_id = _put_pointing(kb, "b", "second", 1)
    assert kb.store.dense(_axis(kb, 1), "alice", 1)[0].source == "b"

    new_id = _put_pointing(kb, "b", "second, rewritten", 2)  # the newest document, replaced
    assert new_id != old_id
    top = kb.store.dense(_axis(kb, 2), "alice", 2)
    assert (top[0].source, top[0].text) == ("b", "second, rewritten")
    assert top[0].score == pytest.approx(1.0, abs=1e-5)
    assert all(hit.score == pytest.approx(0.0, abs=1e-5) for hit in kb.store.dense(_axis(kb, 1), "alice", 2))

    kb.store.delete_document(new_id)
    assert _put_pointing(kb, "c", "third", 3) not in {old_id, new_id}
