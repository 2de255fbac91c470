"""A YAML pipeline end to end: locally, and on a real local Ray cluster with the same output."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sakuin.config import Settings, load_settings
from sakuin.curate.pipeline import PipelineResult, load_pipeline, parse_pipeline, run_pipeline
from sakuin.curate.records import CurateError, public, read_records
from sakuin.curate.report import build_report, write_report
from sakuin.curate.rubric import load_rubric, parse_rubric


def pipeline_file(tmp_path: Path, rubric: Path) -> Path:
    path = tmp_path / "pipeline.yaml"
    steps = [
        {"length": {"min_chars": 20}},
        "boilerplate",
        "japanese",
        "dedup_exact",
        {"dedup_minhash": {"threshold": 0.7}},
        {"judge": {"rubric": str(rubric), "threshold": 0.0}},
    ]
    path.write_text(yaml.safe_dump({"steps": steps, "batch_size": 3}, allow_unicode=True), encoding="utf-8")
    return path


def tiny_settings(model_dir: Path, tmp_path: Path) -> Settings:
    model = {"backend": "transformers", "name": str(model_dir), "context_length": 256, "threads": 1}
    return load_settings(tmp_path / "data", model=model)


def check_result(result: PipelineResult) -> None:
    kept = [r["id"] for r in result.kept]
    assert kept == [0, 1, 2, 3]
    reasons = {r["id"]: r["_removed"] for r in result.removed}
    assert reasons["copy"] == "dedup_exact: duplicate of line 1"
    assert reasons["near"] == "dedup_minhash: near duplicate of line 3"
    assert reasons["junk0"].startswith("boilerplate:")
    assert reasons["junk1"].startswith("japanese: hiragana")
    assert all(0.0 <= r["quality"] <= 1.0 and sum(r["quality_grades"].values()) > 0.99 for r in result.kept)
    assert [s.removed for s in result.stats] == [0, 1, 1, 1, 1, 0]


def test_pipeline_runs_locally_with_a_report(
    tmp_path: Path, tiny_curate_dir: Path, tiny_rubric: Path, corpus_path: Path
) -> None:
    spec = load_pipeline(pipeline_file(tmp_path, tiny_rubric))
    result = run_pipeline(spec, read_records(corpus_path), settings=tiny_settings(tiny_curate_dir, tmp_path))
    check_result(result)
    report = build_report(result)
    assert [b["line"] for b in report["bad_lines"]] == [9, 10, 11, 12]
    assert report["steps"][4]["clusters"] == [[3, 6]]
    judge = report["steps"][5]
    assert judge["judged"] == 4 and sum(judge["histogram"]["counts"]) == 4
    assert len(judge["kept_near_threshold"]) == 3
    _, png = write_report(report, tmp_path / "out.jsonl")
    assert png is not None and png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_pipeline_on_ray_gives_the_same_output(
    tmp_path: Path, tiny_curate_dir: Path, tiny_rubric: Path, corpus_path: Path
) -> None:
    import ray

    from sakuin.curate.ray_engine import run_pipeline_ray

    spec = load_pipeline(pipeline_file(tmp_path, tiny_rubric))
    settings = tiny_settings(tiny_curate_dir, tmp_path)
    local = run_pipeline(spec, read_records(corpus_path), settings=settings)
    distributed = run_pipeline_ray(spec, read_records(corpus_path), settings=settings)
    assert not ray.is_initialized()
    check_result(distributed)
    ours = [public(r) for r in local.records]
    theirs = [public(r) for r in distributed.records]
    assert [{k: v for k, v in r.items() if not k.startswith("quality")} for r in theirs] == [
        {k: v for k, v in r.items() if not k.startswith("quality")} for r in ours
    ]
    for mine, yours in zip(ours, theirs, strict=True):
        assert yours.get("quality") == pytest.approx(mine.get("quality"), abs=1e-5)


def test_unknown_steps_and_parameters_are_errors_that_list_the_known_ones() -> None:
    with pytest.raises(CurateError, match=r"unknown step 'tokenize'; the steps are length, .*dedup_minhash"):
        parse_pipeline({"steps": ["length", "tokenize"]})
    with pytest.raises(CurateError, match="non-empty list under 'steps'"):
        parse_pipeline({"steps": []})
    with pytest.raises(CurateError, match="unknown key"):
        parse_pipeline({"steps": ["length"], "workers": 3})


def test_rubrics_without_grades_are_refused_and_the_built_ins_load(tmp_path: Path) -> None:
    with pytest.raises(CurateError, match="no grades"):
        parse_rubric({"instruction": "Rate it."}, "r.yaml")
    with pytest.raises(CurateError, match="at least two grades"):
        parse_rubric({"grades": ["5"]}, "r.yaml")
    with pytest.raises(CurateError, match="no rubric"):
        load_rubric(tmp_path / "missing.yaml")
    educational = load_rubric("educational")
    assert educational.grade_names == ["0", "1", "2", "3", "4", "5"]
    assert load_rubric("ask_llm").grade_names == ["no", "yes"]
    assert "Grade:" in educational.task().prefix() or educational.task().query({"text": "x"}).endswith(
        "Grade:"
    )


def test_a_distilled_judge_trains_on_a_sample_and_reports_its_agreement(
    tmp_path: Path, tiny_curate_dir: Path, tiny_rubric: Path
) -> None:
    from sakuin.curate.records import parse_lines
    from tests.curate.conftest import GOOD, JUNK

    texts = [f"{t} ({i})" for i, t in enumerate((GOOD + JUNK) * 8)]
    corpus = parse_lines([f'{{"text": "{t}"}}'.replace("\n", " ").encode() for t in texts])
    step = {"judge": {"rubric": str(tiny_rubric), "engine": "distill", "sample": 40}}
    result = run_pipeline(
        parse_pipeline({"steps": [step]}), corpus, settings=tiny_settings(tiny_curate_dir, tmp_path)
    )
    distill = build_report(result)["steps"][0]["distill"]
    assert (distill["sample"], distill["trained_on"], distill["held_out"]) == (40, 32, 8)
    assert 0.0 <= distill["agreement"] <= 1.0
    assert all(r["quality"] is not None for r in result.records)


@pytest.mark.slow
def test_a_judge_step_removes_what_the_model_finds_unnatural_and_says_why(tmp_path: Path, gemma_hf) -> None:  # type: ignore[no-untyped-def]
    import json
    import random

    from sakuin.curate.junk import JUNK
    from sakuin.curate.steps import Models
    from tests.curate.conftest import GOOD

    records = [{"id": i, "text": t} for i, t in enumerate(GOOD)]
    records.append({"id": "again", "text": JUNK["repeated"](GOOD[1] * 3, random.Random(0))})
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    spec = parse_pipeline({"steps": [{"judge": {"threshold": 0.01}}]}, "test")
    settings = load_settings(tmp_path / "data")
    result = run_pipeline(spec, read_records(path), settings=settings, models=Models(settings, gemma_hf))
    assert [r["id"] for r in result.kept] == [0, 1, 2, 3]
    (removed,) = result.removed
    assert removed["id"] == "again" and removed["quality"] == 0
    assert removed["_removed"].startswith("judge: unnatural: the model foresees")
    assert removed["quality_fluency"]["predictable"] > 0.18 and removed["quality_fluency"]["tokens"] >= 16
    assert all(r["quality_fluency"]["unnatural"] is None for r in result.kept)
    assert build_report(result)["steps"][0]["reasons"] == {"judge: unnatural": 1}
