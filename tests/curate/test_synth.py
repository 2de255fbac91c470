"""Synthetic rewrites: provenance on every record, readers carried over from knowledge-base documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sakuin.config import load_settings
from sakuin.curate.judge import Judge
from sakuin.curate.records import CurateError
from sakuin.curate.rubric import load_rubric
from sakuin.curate.synth import SynthOptions, kb_sources, prompt_for, synthesize
from sakuin.embeddings import Embedder
from sakuin.knowledge.access import parse_readers
from sakuin.knowledge.parse import ParsedDocument
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.models.transformers import TransformersModel
from tests.curate.conftest import GOOD


@pytest.fixture
def kb(tmp_path: Path, embedder: Embedder) -> Iterator[KnowledgeBase]:
    """A real SQLite knowledge base: a sales document alice may read, and one only bob may."""
    base = KnowledgeBase.__new__(KnowledgeBase)
    base.__dict__["embedder"] = embedder
    base.__init__(load_settings(tmp_path / "data"))  # type: ignore[misc]
    for user in ("alice", "bob"):
        base.store.add_user(user)
    base.store.add_group("sales", ["alice"])
    documents = [("sales.md", GOOD[0] + "\n\n" + GOOD[1], "group:sales"), ("bob.md", GOOD[2], "user:bob")]
    for name, text, readers in documents:
        parsed = ParsedDocument(name, text, f"/docs/{name}", "text/markdown")
        base.ingestor.ingest_document(parsed, parse_readers(readers), name=name)
    yield base
    base.close()


def test_rewrites_of_kb_documents_keep_their_readers_and_provenance(
    kb: KnowledgeBase, tiny_curate_dir: Path, tiny_rubric: Path, tmp_path: Path
) -> None:
    sources = kb_sources(kb.store, "alice")
    assert [s["name"] for s in sources] == ["sales.md"]  # bob's document never reaches a prompt
    assert sources[0]["readers"] == ["group:sales"]
    model = TransformersModel.load(tiny_curate_dir, tmp_path, name="tiny", context_length=256)
    judge = Judge.build(model, load_rubric(tiny_rubric))
    made = synthesize(
        model, sources, SynthOptions(("textbook", "qa"), max_tokens=8, max_source_chars=40), judge=judge
    )
    assert [r["style"] for r in made] == ["textbook", "qa"]
    for record in made:
        assert record["readers"] == ["group:sales"] and record["document"] == sources[0]["document"]
        assert record["source_id"] == sources[0]["id"] and record["generator"] == "tiny"
        assert record["prompt"].startswith("次の文章")  # the source is Japanese, so is the prompt
        assert record["quality"] is None or 0.0 <= record["quality"] <= 1.0
    assert made[1]["text"].startswith("質問：")


def test_prompts_follow_the_source_language_and_styles_are_checked() -> None:
    assert prompt_for("paraphrase", GOOD[2], 100).startswith("Say the text below")
    assert "\n" not in prompt_for("qa", "a\nb", 100).split("Text: ")[1].split("\n\n")[0]
    with pytest.raises(CurateError, match="the styles are"):
        SynthOptions(("poem",))
