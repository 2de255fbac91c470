"""Adapters: permissions on every path (Python, CLI, HTTP), merging checked numerically, bad input."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest
import torch
from fastapi import FastAPI
from safetensors.torch import load_file

from sakuin.config import Settings
from sakuin.knowledge.access import parse_readers
from sakuin.knowledge.parse import ParsedDocument
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.memorize.adapters import (
    MANIFEST,
    WEIGHTS,
    AdapterError,
    AdapterNotFoundError,
    CorruptAdapterError,
    registry,
)
from sakuin.memorize.merge import check_method, merge_adapters
from sakuin.memorize.options import TrainConfig
from sakuin.memorize.propose import propose
from sakuin.memorize.teach import Lesson, teach
from sakuin.memorize.use import BaseModelMismatchError, load_adapted
from tests.conftest import sakuin_command
from tests.memorize.conftest import FACTS, login, tiny_settings_for
from tests.memorize.test_train import _environment
from tests.models.conftest import build_tiny_model

CANARY = "白鷺工業"
DOCUMENT = f"# 新会社\n\nValmor Tarven was born in Porto.\n\n{CANARY}の本社は函館にある。\n"
QUICK = TrainConfig(rank=2, alpha=4, batch_size=4)


def _teach(settings: Settings, kb: KnowledgeBase, name: str, facts: list = FACTS) -> None:  # type: ignore[type-arg]
    teach(settings, kb, facts, name, "alice", lesson=Lesson(2), config=QUICK, progress=False)


@pytest.fixture
def sales_adapter(tiny_settings: Settings, kb: KnowledgeBase) -> int:
    """An adapter learnt from a document only sales (alice) may read; its document id."""
    parsed = ParsedDocument("新会社", DOCUMENT, "docs/heron.md", "text/markdown")
    document = kb.ingestor.ingest_document(parsed, parse_readers("group:sales")).document_id
    assert document is not None
    assert propose(kb.store, "bob") == []
    proposed = propose(kb.store, "alice")
    assert [(f.subject, f.relation, f.object, f.document) for f in proposed] == [
        ("Valmor Tarven", "birthplace", "Porto", document),
        (CANARY, "headquarters", "函館", document),
    ]
    _teach(tiny_settings, kb, "heron", proposed)
    assert registry(tiny_settings).manifest("heron").documents == [document]
    return document


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    command = [*sakuin_command(), *args]
    return subprocess.run(command, env=_environment(settings), capture_output=True, text=True, timeout=300)


def test_only_readers_of_every_source_document_may_use_an_adapter(
    tiny_settings: Settings, kb: KnowledgeBase, sales_adapter: int, server: str
) -> None:
    bob, alice = login(server, "bob"), login(server, "alice")
    prompt = {"prompt": f"{CANARY}の本社は", "max_tokens": 4}
    # refused on every path, with the canary nowhere in what bob gets
    with pytest.raises(AdapterNotFoundError):
        load_adapted(tiny_settings, kb.store, "heron", "bob")
    refused = _cli(tiny_settings, "generate", "Q:", "--adapter", "heron", "--as", "bob", "--max-tokens", "2")
    assert refused.returncode == 1 and "no adapter 'heron' that you may use" in refused.stderr
    replies = [
        bob.get("/api/adapters"),
        bob.get("/api/adapters/heron"),
        bob.post("/api/adapters/heron/generate", json=prompt),
    ]
    assert [r.status_code for r in replies] == [200, 404, 404] and replies[0].json() == []
    for text in (refused.stdout, refused.stderr, *(r.text for r in replies)):
        assert CANARY not in text and "函館" not in text and "Porto" not in text
    assert alice.post("/api/adapters/heron/generate", json=prompt).status_code == 200
    # shared with bob: allowed at once, on the CLI and over HTTP
    kb.store.set_readers(sales_adapter, parse_readers("group:sales,user:bob"))
    allowed = _cli(tiny_settings, "generate", "Q:", "--adapter", "heron", "--as", "bob", "--max-tokens", "2")
    assert allowed.returncode == 0, allowed.stderr[-1000:]
    assert bob.post("/api/adapters/heron/generate", json=prompt).status_code == 200
    assert [a["name"] for a in bob.get("/api/adapters").json()] == ["heron"]
    # and refused again the moment the document is unshared
    kb.store.set_readers(sales_adapter, parse_readers("group:sales"))
    assert bob.post("/api/adapters/heron/generate", json=prompt).status_code == 404


def test_grounded_writing_with_an_adapter_takes_the_same_check(
    tiny_settings: Settings, kb: KnowledgeBase, sales_adapter: int, live: tuple[FastAPI, str]
) -> None:
    from tests.server.conftest import write_events

    app, server = live
    question = f"{CANARY}の本社はどこですか？"
    refused = _cli(tiny_settings, "ask", question, "--adapter", "heron", "--as", "bob", "--json")
    assert refused.returncode == 1 and "no adapter 'heron' that you may use" in refused.stderr
    bob = login(server, "bob")
    over_http = bob.post("/api/write", json={"request": question, "adapter": "heron"})
    assert over_http.status_code == 404 and "no adapter 'heron'" in over_http.text
    for text in (refused.stdout, refused.stderr, over_http.text):
        assert "函館" not in text and "Porto" not in text
    events = write_events(login(server, "alice"), question, adapter="heron", length=40, style="abstractive")
    result = events[-1][1]
    assert events[-1][0] == "result" and result["user"] == "alice" and not result["refused"]
    assert result["stats"]["generated_tokens"] > 0
    loaded = app.state.adapted_models.loaded  # alice's stream was written by the adapted model
    assert loaded[0] == ("heron", registry(tiny_settings).manifest("heron").created)


def test_facts_without_documents_belong_to_their_creator_until_shared(
    tiny_settings: Settings, kb: KnowledgeBase
) -> None:
    _teach(tiny_settings, kb, "mine")
    with pytest.raises(AdapterNotFoundError):
        load_adapted(tiny_settings, kb.store, "mine", "bob")
    from sakuin.memorize.permissions import share

    manifest = registry(tiny_settings).manifest("mine")
    with pytest.raises(AdapterError, match="only alice"):
        share(kb, manifest, "bob", "user:bob")
    share(kb, manifest, "alice", "user:bob")
    load_adapted(tiny_settings, kb.store, "mine", "bob")


def _pairs(weights: dict[str, torch.Tensor]) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    return {
        key.removesuffix(".lora_A.weight"): (weights[key], weights[key.replace("lora_A", "lora_B")])
        for key in weights
        if key.endswith(".lora_A.weight")
    }


def _ties(tensors: list[torch.Tensor], weights: list[float], density: float) -> torch.Tensor:
    """TIES (trim, elect sign, disjoint mean), written out from the paper."""
    trimmed = []
    for tensor in tensors:
        keep = torch.zeros(tensor.numel())
        keep[tensor.abs().flatten().topk(int(density * tensor.numel())).indices] = 1
        trimmed.append(tensor * keep.reshape(tensor.shape))
    stacked = torch.stack(trimmed)
    elected = torch.where(stacked.sum(0) >= 0, 1.0, -1.0)
    agrees = (stacked.sign() == elected).float()
    weighted = stacked * torch.tensor(weights).reshape(-1, *([1] * tensors[0].dim()))
    return (weighted * agrees).sum(0) / agrees.sum(0).clamp(min=1)


@pytest.mark.parametrize("method", ["cat", "linear", "svd", "ties"])
def test_a_merged_adapter_is_the_chosen_combination(
    tiny_settings: Settings, kb: KnowledgeBase, method: str
) -> None:
    _teach(tiny_settings, kb, "first", FACTS[:2])
    _teach(tiny_settings, kb, "second", FACTS[2:])
    weights = [0.7, 0.4]
    merge_adapters(
        tiny_settings, kb.store, ["first", "second"], "both", "alice", method=method, weights=weights
    )
    adapters = registry(tiny_settings)
    merged = _pairs(load_file(adapters.folder("both") / WEIGHTS))
    parents = [_pairs(load_file(adapters.folder(n) / WEIGHTS)) for n in ("first", "second")]
    scaling = QUICK.alpha / QUICK.rank  # the parents'; peft gives the merged adapter alpha = rank
    assert merged.keys() == parents[0].keys() and len(merged) > 0
    roots = [math.sqrt(w * scaling) for w in weights]
    for key, (a, b) in merged.items():
        sources = [p[key] for p in parents]
        if method == "linear":
            for side, tensor in enumerate((a, b)):
                wanted = torch.stack([r * s[side] for r, s in zip(roots, sources, strict=True)]).sum(0)
                assert torch.allclose(tensor, wanted, atol=1e-6), key
        elif method == "ties":
            assert torch.allclose(a, _ties([s[0] for s in sources], roots, 0.5), atol=1e-6)
            assert torch.allclose(b, _ties([s[1] for s in sources], roots, 0.5), atol=1e-6)
        else:  # cat exactly, svd at the summed rank: the weighted sum of the parents' updates
            updates = [w * scaling * (s[1] @ s[0]) for w, s in zip(weights, sources, strict=True)]
            assert torch.allclose(b @ a, torch.stack(updates).sum(0), atol=1e-5), key
    manifest = adapters.manifest("both")
    assert manifest.merge == {"parents": ["first", "second"], "method": method, "weights": weights}
    parents_documents = adapters.manifest("first").documents + adapters.manifest("second").documents
    assert sorted(manifest.documents) == sorted(parents_documents)
    assert len(adapters.facts("both")) == len(FACTS)


def test_an_unknown_merge_method_lists_the_known_ones() -> None:
    with pytest.raises(
        AdapterError, match=r"unknown merge method 'average'; known: linear, cat, ties, dare_ties, svd"
    ):
        check_method("average")


def test_bad_adapters_are_refused_and_nothing_saved_is_lost(
    tiny_settings: Settings, kb: KnowledgeBase, tmp_path: Path
) -> None:
    _teach(tiny_settings, kb, "kept")
    adapters = registry(tiny_settings)
    before = (adapters.folder("kept") / WEIGHTS).read_bytes()
    with pytest.raises(AdapterError, match="adapter 'kept' exists"):
        _teach(tiny_settings, kb, "kept")
    assert (adapters.folder("kept") / WEIGHTS).read_bytes() == before
    other = tiny_settings_for(tiny_settings.data_dir, build_tiny_model(tmp_path / "other-base"))
    with pytest.raises(BaseModelMismatchError) as caught:
        load_adapted(other, kb.store, "kept", "alice")
    assert tiny_settings.model.name in str(caught.value) and other.model.name in str(caught.value)
    (adapters.folder("kept") / WEIGHTS).write_bytes(before[:100])
    with pytest.raises(CorruptAdapterError, match=r"adapter folder .*kept is corrupt"):
        load_adapted(tiny_settings, kb.store, "kept", "alice")
    (adapters.folder("kept") / MANIFEST).write_text("{", encoding="utf-8")
    with pytest.raises(CorruptAdapterError, match=r"manifest\.json"):
        adapters.manifest("kept")
    assert adapters.manifests()[1] == ["kept"]
    deleted = _cli(tiny_settings, "adapters", "delete", "kept", "--as", "bob")
    assert deleted.returncode == 0 and not adapters.exists("kept")
    assert json.loads(_cli(tiny_settings, "adapters", "list", "--json").stdout) == []


def test_merge_into_writes_a_model_that_scores_like_the_adapter(
    tiny_settings: Settings, kb: KnowledgeBase, tmp_path: Path
) -> None:
    from sakuin.memorize.use import write_merged
    from sakuin.models.transformers import TransformersModel

    _teach(tiny_settings, kb, "export")
    with pytest.raises(AdapterNotFoundError):
        write_merged(tiny_settings, kb.store, "export", "bob", tmp_path / "bobs")
    folder = write_merged(tiny_settings, kb.store, "export", "alice", tmp_path / "merged")
    exported = TransformersModel.load(folder, tmp_path, name="merged", context_length=128)
    adapted = load_adapted(tiny_settings, kb.store, "export", "alice")
    prompt, options = "Valmor Tarven was born in", [" Porto", " Graz"]
    assert exported.score(prompt, options) == pytest.approx(adapted.score(prompt, options), abs=1e-5)
    with pytest.raises(AdapterError, match="is not empty"):
        write_merged(tiny_settings, kb.store, "export", "alice", folder)


def test_a_memorize_job_trains_an_adapter_for_its_submitter(
    tiny_settings: Settings, kb: KnowledgeBase, server: str, tmp_path: Path
) -> None:
    from sakuin.memorize.facts import write_facts
    from tests.server.conftest import wait_for_job

    write_facts(FACTS, tmp_path / "facts.jsonl")
    alice = login(server, "alice")
    params = {"name": "by-job", "paraphrases": 2, "rank": 2, "batch_size": 4}
    submitted = alice.post(
        "/api/jobs/memorize",
        files=[("files", ("facts.jsonl", (tmp_path / "facts.jsonl").read_bytes()))],
        data={"params": json.dumps(params)},
    )
    assert submitted.status_code == 202, submitted.text
    final = wait_for_job(alice, submitted.json()["id"], timeout=300)
    assert final["status"] == "done", final
    manifest = registry(tiny_settings).manifest("by-job")
    assert manifest.owner == "alice" and manifest.config["paraphrases"] == 2
    assert [a["name"] for a in alice.get("/api/adapters").json()] == ["by-job"]
    assert login(server, "bob").get("/api/adapters").json() == []
