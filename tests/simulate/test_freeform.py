"""The free-form repair loop: a failing script's error goes back to the model, the fix runs.

No model that writes working ASE code runs on this machine (the packaged ones are 135M-270M), so
a scripted writer stands in for the larger model: it answers like a chat model, with a broken
script first and a corrected one once the error is in the conversation. Everything else is real:
the sandbox, EMT, and the results the repaired script writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sakuin.models.base import Completion, Message
from sakuin.simulate.freeform import write_and_run
from sakuin.simulate.sandbox import Limits
from tests.simulate.physics import same_rows

pytestmark = pytest.mark.blas  # run again with the BLAS kernel settings flipped (make test)

BROKEN = """\
from ase.build import bulk
from ase.calculators.emt import EMT
atoms = bulk("Cu", "fcc", a=3.6)
atoms.calc = EMT()
energy = atoms.get_potential_energy() / len(atom)
"""
FIXED = BROKEN.replace("len(atom)", "len(atoms)") + (
    "import json\n"
    'json.dump({"rows": [{"variant": "Cu", "energy_per_atom_eV": energy}]}, open("results.json", "w"))\n'
)


class ScriptedWriter:
    """A chat model that fixes its script only when told the error the sandbox reported."""

    has_chat_template = True
    name = "scripted-writer"

    def __init__(self) -> None:
        self.conversations: list[list[Message]] = []

    def generate(self, prompt: Any, **_: Any) -> Completion:
        self.conversations.append(list(prompt))
        told = any("NameError" in m.content and "atom" in m.content for m in prompt if m.role == "user")
        script = FIXED if told else BROKEN
        return Completion(f"Here it is:\n```python\n{script}```\n", "stop", 0, 0)


def test_the_sandbox_error_reaches_the_model_and_the_repaired_script_runs(tmp_path: Path) -> None:
    writer = ScriptedWriter()
    folder, rows = write_and_run(
        "Energy per atom of bulk copper with EMT",
        writer,  # type: ignore[arg-type]
        tmp_path,
        Limits(wall_seconds=120),
    )
    assert folder == tmp_path / "attempt-2"
    assert len(writer.conversations) == 2
    repair = writer.conversations[1]
    assert [m.role for m in repair] == ["system", "user", "assistant", "user"]
    assert "len(atom)" in repair[2].content and "NameError" in repair[3].content
    assert (tmp_path / "attempt-1" / "simulate.py").read_text(encoding="utf-8").strip() == BROKEN.strip()
    from ase.build import bulk
    from ase.calculators.emt import EMT

    direct = bulk("Cu", "fcc", a=3.6)
    direct.calc = EMT()
    assert same_rows(
        rows, [{"variant": "Cu", "energy_per_atom_eV": direct.get_potential_energy() / len(direct)}]
    )
    assert json.loads((folder / "results.json").read_text(encoding="utf-8"))["rows"] == rows
