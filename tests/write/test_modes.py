"""Long context when the relevant documents fit, passages when they do not; and both styles of
writing keep every citation resolvable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sakuin.config import WriteSettings
from sakuin.embeddings import Embedder
from sakuin.errors import ContextOverflowError
from sakuin.knowledge.access import parse_readers
from sakuin.knowledge.parse import ParsedDocument
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.models.llama_cpp import LlamaCppModel
from sakuin.write import WriteResult, write, write_stream
from tests.knowledge.conftest import open_kb

SHORT = "# Sorano kettle\n\nThe Sorano kettle holds 1.5 litres. It boils water in four minutes."
FILLER = " ".join(
    f"Section {n} of the handbook describes routine item number {n} in detail." for n in range(400)
)
LONG = f"# Warehouse handbook\n\n{FILLER}\n\nThe Tokiwa forklift has a lifting capacity of 2.5 tonnes."


@pytest.fixture(scope="module")
def small_kb(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, request: pytest.FixtureRequest
) -> Iterator[KnowledgeBase]:
    """Read-only for the tests that use it: a short and a long document."""
    with open_kb("sqlite", tmp_path_factory.mktemp("small") / "data", embedder, request) as kb:
        kb.store.add_user("alice")
        for title, text in (("Sorano kettle", SHORT), ("Warehouse handbook", LONG)):
            kb.ingestor.ingest_document(
                ParsedDocument(title, text, f"{title}.md", "text/markdown"), parse_readers("everyone")
            )
        yield kb


def test_whole_documents_when_they_fit(small_kb: KnowledgeBase, gemma_llama: LlamaCppModel) -> None:
    result = write(small_kb, gemma_llama, "How much water does the Sorano kettle hold?", "alice")
    assert result.mode == "long-context"
    (source,) = result.sources
    assert (source.start, source.end, source.text) == (0, len(SHORT), SHORT)
    assert "1.5 litres" in result.text and result.cited == [1]


def test_passages_when_the_document_is_longer_than_the_context(
    small_kb: KnowledgeBase, gemma_llama: LlamaCppModel
) -> None:
    assert gemma_llama.count_tokens(LONG) > gemma_llama.context_length
    question = "What is the lifting capacity of the Tokiwa forklift?"
    result = write(small_kb, gemma_llama, question, "alice")
    assert result.mode == "rag"
    assert all(len(s.text) < len(LONG) for s in result.sources)
    assert "2.5 tonnes" in result.text
    forced = WriteSettings.model_validate({"mode": "long-context"})
    with pytest.raises(ContextOverflowError, match="--mode rag"):
        write(small_kb, gemma_llama, question, "alice", forced)


def test_rag_can_be_forced_for_short_documents(small_kb: KnowledgeBase, gemma_llama: LlamaCppModel) -> None:
    result = write(
        small_kb,
        gemma_llama,
        "How much water does the Sorano kettle hold?",
        "alice",
        WriteSettings.model_validate({"mode": "rag"}),
    )
    assert result.mode == "rag"
    assert all(s.source == "Sorano kettle.md" for s in result.sources)


def test_text_streams_before_the_result_and_adds_up_to_it(
    small_kb: KnowledgeBase, gemma_llama: LlamaCppModel
) -> None:
    events = list(write_stream(small_kb, gemma_llama, "How fast does the Sorano kettle boil water?", "alice"))
    *pieces, result = events
    assert isinstance(result, WriteResult)
    texts = [p for p in pieces if isinstance(p, str)]
    assert texts and len(texts) == len(pieces)
    assert "".join(texts).strip() == result.text


@pytest.mark.parametrize("style", ["extractive", "abstractive"])
def test_every_citation_resolves_to_a_returned_source(
    company: KnowledgeBase, gemma_llama: LlamaCppModel, style: str
) -> None:
    options = WriteSettings.model_validate({"style": style})
    for text, user in [
        ("ツバメ T5 の価格はいくらですか？", "alice"),
        ("Write a short introduction to the Kumo Arm R2.", "bob"),
        ("有給休暇は入社した年に何日もらえますか？", "carol"),
    ]:
        result = write(company, gemma_llama, text, user, options)
        assert not result.refused
        assert result.cited, result.text
        assert set(result.cited) <= {s.number for s in result.sources}


def test_an_instruction_model_writes_freely_with_resolvable_citations(
    company: KnowledgeBase, smollm2_gguf: Path
) -> None:
    model = LlamaCppModel(smollm2_gguf, name="smollm2-135m-instruct", context_length=4096, threads=None)
    try:
        options = WriteSettings.model_validate({"max_tokens": 80})
        result = write(company, model, "What is the rated payload of the Kumo Arm R2?", "bob", options)
    finally:
        model.close()
    assert result.style in ("abstractive", "extractive")  # extractive only as the fallback
    assert result.cited and set(result.cited) <= {s.number for s in result.sources}
