"""The seed scenario with the real default model: refuse, upload, answer with a citation; only for
those who may read the document."""

from __future__ import annotations

from sakuin.knowledge.access import parse_readers
from sakuin.knowledge.manifest import Workspace
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.models.llama_cpp import LlamaCppModel
from sakuin.write import WriteResult, write

REQUEST = "ホシゾラ X3 の営業向け紹介文を書いてください。"
QUESTION = "ホシゾラ X3 の飛行時間は何分ですか？"


def assert_cites_only_given_sources(result: WriteResult) -> None:
    numbers = {s.number for s in result.sources}
    assert result.cited and set(result.cited) <= numbers


def test_refuse_then_upload_then_answer_then_share(
    company: KnowledgeBase, gemma_llama: LlamaCppModel, example: Workspace
) -> None:
    before = write(company, gemma_llama, REQUEST, "alice")
    assert before.refused and not before.sources
    assert before.text == "アクセスできる社内資料に「ホシゾラ X3」についての情報がありません。"

    held_back = example.manifest.held_back[0]
    report = company.ingestor.ingest_path(example.root / held_back.path, parse_readers(held_back.readers))
    (document_id,) = [r.document_id for r in report.results]
    assert document_id is not None

    after = write(company, gemma_llama, REQUEST, "alice")
    assert not after.refused
    assert_cites_only_given_sources(after)
    assert {s.document_id for s in after.sources if s.number in after.cited} == {document_id}
    assert "ホシゾラ X3" in after.text or "HZ-X3" in after.text
    question = write(company, gemma_llama, QUESTION, "alice")
    assert not question.refused and "38" in question.text  # 最大 38 分

    bob = write(company, gemma_llama, REQUEST, "bob")  # engineering, not sales
    assert bob.refused and bob.text == before.text

    company.store.set_readers(document_id, parse_readers(["group:sales", "user:bob"]))
    shared = write(company, gemma_llama, REQUEST, "bob")
    assert not shared.refused
    assert document_id in {s.document_id for s in shared.sources}


def test_english_refusal_names_only_what_the_request_says(
    company: KnowledgeBase, gemma_llama: LlamaCppModel
) -> None:
    result = write(company, gemma_llama, "Write a short introduction to the Hoshizora X3.", "alice")
    assert result.refused
    assert result.text == 'No document you can access covers "Hoshizora X3".'
