"""``sakuin curate`` as users run it: a real process over a JSONL file with bad lines."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import sakuin_command

pytestmark = pytest.mark.slow


def sakuin(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAKUIN_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.run(
        [*sakuin_command(), *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def test_filter_and_dedup_report_bad_lines_and_removals(corpus_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = sakuin(
        "curate",
        "filter",
        str(corpus_path),
        "--out",
        str(out),
        "--removed",
        str(tmp_path / "rm.jsonl"),
        data_dir=tmp_path / "data",
    )
    assert result.returncode == 0, result.stderr
    assert "kept 6 of 12 records (4 bad lines, 2 removed)" in result.stdout
    assert "bad lines: 9, 10, 11, 12" in result.stdout
    removed = [json.loads(line) for line in (tmp_path / "rm.jsonl").read_text().splitlines()]
    assert {r["id"] for r in removed} == {"junk0", "junk1"} and all(r["removed_by"] for r in removed)
    report = json.loads((tmp_path / "out.jsonl.report.json").read_text())
    assert report["bad_lines"][2] == {
        "line": 11,
        "reason": "not UTF-8 (byte 10); re-encode the file as UTF-8",
    }
    result = sakuin(
        "curate",
        "dedup",
        str(out),
        "--out",
        str(tmp_path / "dd.jsonl"),
        "--threshold",
        "0.7",
        data_dir=tmp_path / "data",
    )
    assert result.returncode == 0, result.stderr
    assert "dedup_exact: removed 1 of 6, 1 clusters" in result.stdout
    assert "dedup_minhash: removed 1 of 5, 1 clusters" in result.stdout


def test_judge_adds_quality_and_grades_to_every_record(
    corpus_path: Path, tiny_curate_dir: Path, tiny_rubric: Path, tmp_path: Path
) -> None:
    out = tmp_path / "scored.jsonl"
    result = sakuin(
        "--backend",
        "transformers",
        "--model",
        str(tiny_curate_dir),
        "curate",
        "judge",
        str(corpus_path),
        "--out",
        str(out),
        "--rubric",
        str(tiny_rubric),
        data_dir=tmp_path / "data",
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 8 and all(set(r["quality_grades"]) == {"0", "1", "2"} for r in records)
    assert (tmp_path / "scored.jsonl.quality.png").is_file()


def test_unknown_step_and_missing_file_are_one_line_errors(tmp_path: Path, corpus_path: Path) -> None:
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text("steps: [length, sparkle]\n")
    result = sakuin(
        "curate",
        "run",
        str(pipeline),
        str(corpus_path),
        "--out",
        str(tmp_path / "o.jsonl"),
        data_dir=tmp_path / "data",
    )
    assert result.returncode == 1
    assert "unknown step 'sparkle'; the steps are length, gopher_quality" in result.stderr
    result = sakuin(
        "curate",
        "filter",
        str(tmp_path / "none.jsonl"),
        "--out",
        str(tmp_path / "o.jsonl"),
        data_dir=tmp_path / "data",
    )
    assert result.returncode == 1 and "does not exist" in result.stderr
