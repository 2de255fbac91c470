"""Which model a classify job runs on: the same choice as ``sakuin classify``, made in one place."""

from __future__ import annotations

from pathlib import Path

from sakuin.classify.backend import choose_backend
from sakuin.config import Settings
from sakuin.models.llama_cpp import LlamaCppModel
from sakuin.server.classify_job import ClassifyModels
from sakuin.server.shared_model import SharedModel


def test_jobs_ask_the_classify_backend_rule_for_each_engine(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    models = ClassifyModels(settings, SharedModel(settings))
    for engine in ("score", "distill", "generate"):
        assert models.choice(engine).as_dict() == choose_backend(settings, engine).as_dict()
    assert models.choice("generate").backend == "llama_cpp"


def test_a_model_handed_to_the_server_is_what_every_job_uses(
    tmp_path: Path, gemma_llama: LlamaCppModel
) -> None:
    settings = Settings(data_dir=tmp_path)
    models = ClassifyModels(settings, SharedModel(settings, gemma_llama))
    choice = models.choice("score")
    assert not choice.automatic
    with models.lend(choice) as lent:
        assert lent is gemma_llama
    models.close()
