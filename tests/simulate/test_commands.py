"""``sakuin simulate`` as users run it: a real process, its JSON output and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import sakuin

SPEC = {
    "structure": {"kind": "slab", "element": "Pt"},
    "property": "adsorption_energy",
    "adsorbate": {"species": "O", "site": "fcc"},
    "substitution": {"index": 19, "by": ["Ni", "Cu"]},
}


def test_spec_file_runs_and_prints_json(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC), encoding="utf-8")
    done = sakuin("simulate", "--spec", str(spec), "--calculator", "emt", "--yes", "--json",
                  "--folder", str(tmp_path / "run"), data_dir=tmp_path / "data")  # fmt: skip
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert [row["variant"] for row in output["rows"]] == ["Ni", "Cu"]
    assert output["complete"] is True and output["spec"]["calculator"] == "emt"
    assert "sandbox: bubblewrap" in done.stderr and output["sandbox"].startswith("sandbox: bubblewrap")
    assert Path(output["script"]).read_text(encoding="utf-8").startswith('"""Adsorption energy of Pt(111)')


def test_unconverged_relaxation_exits_non_zero_with_a_clear_line(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({**SPEC, "substitution": None, "relax": {"fmax": 0.001, "steps": 2}}))
    done = sakuin("simulate", "--spec", str(spec), "--calculator", "emt", "--yes", data_dir=tmp_path)
    assert done.returncode == 1
    assert "did not converge within the step limit for as given" in done.stderr


def test_bad_spec_is_one_line(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({**SPEC, "adsorbate": {"species": "O", "site": "longbridge"}}))
    done = sakuin("simulate", "--spec", str(spec), "--calculator", "emt", "--yes", data_dir=tmp_path)
    assert done.returncode == 1
    assert "no 'longbridge' site on Pt(111)" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_open_question_is_asked_back(tmp_path: Path, gemma_gguf: Path) -> None:
    request = "O on the hollow site of Pt(111): adsorption energy"
    done = sakuin("--model", str(gemma_gguf), "simulate", request, "--yes", data_dir=tmp_path)
    assert done.returncode == 2
    assert "Which hollow site: fcc or hcp?" in done.stderr
