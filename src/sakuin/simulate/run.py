"""Run a spec's script in the sandbox and read its results back: the one entry point for CLI and server.

``run_simulation(spec, folder, settings, on_event=..., should_cancel=...)`` is what a background job
calls: events (relaxation steps, results) go to ``on_event`` as they happen, ``should_cancel`` stops
the run, and the return value holds the result rows and the files written into ``folder``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sakuin.config import SimulateSettings
from sakuin.errors import SimulationFailedError
from sakuin.simulate.sandbox import Event, Limits, run_script
from sakuin.simulate.script import write_script
from sakuin.simulate.spec import StructureFile, TaskSpec
from sakuin.simulate.walls import walls_here

SCRIPT_NAME = "simulate.py"
DEFAULT_MEMORY_MIB = {"emt": 2048, "chgnet": 6144, "sevenn": 6144}


@dataclass
class SimulationResult:
    """Rows (one per variant, named quantities), the files written, and whether all converged."""

    spec: TaskSpec
    folder: Path
    rows: list[dict[str, Any]]
    seconds: float
    files: list[Path] = field(default_factory=list)
    sandbox: str = ""
    """Which walls the run had (:meth:`sakuin.simulate.walls.Walls.describe`)."""

    @property
    def script(self) -> Path:
        return self.folder / SCRIPT_NAME

    @property
    def not_converged(self) -> list[str]:
        """Variants whose relaxations hit the step limit: their numbers are not final."""
        return [str(row["variant"]) for row in self.rows if not row.get("converged", True)]

    def as_json(self) -> dict[str, Any]:
        return {
            "spec": self.spec.model_dump(mode="json"),
            "script": str(self.script),
            "folder": str(self.folder),
            "seconds": self.seconds,
            "sandbox": self.sandbox,
            "complete": not self.not_converged,
            "not_converged": self.not_converged,
            "rows": self.rows,
            "files": [str(path) for path in self.files],
        }


def limits_for(calculator: str, settings: SimulateSettings) -> Limits:
    """The sandbox limits for a calculator: torch-based potentials need a much larger address space."""
    memory = settings.memory_mib or DEFAULT_MEMORY_MIB[calculator]
    return Limits(
        wall_seconds=settings.wall_seconds,
        cpu_seconds=settings.cpu_seconds,
        memory_bytes=memory * 2**20,
        output_bytes=settings.output_mib * 2**20,
        threads=settings.threads,
    )


def prepare(spec: TaskSpec, folder: Path) -> tuple[TaskSpec, str]:
    """Put an uploaded structure file into ``folder`` (the script reads it there) and write the script."""
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(spec.structure, StructureFile):
        source = Path(spec.structure.path)
        if source.resolve() != (folder / source.name).resolve():
            shutil.copyfile(source, folder / source.name)
        spec = spec.model_copy(update={"structure": StructureFile(path=source.name)})
    return spec, write_script(spec, SCRIPT_NAME)


def run_simulation(
    spec: TaskSpec,
    folder: Path,
    settings: SimulateSettings,
    *,
    on_event: Callable[[Event], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> SimulationResult:
    """Write the script for ``spec`` into ``folder``, run it in the sandbox, return its results.

    Raises what :func:`sakuin.simulate.sandbox.run_script` raises, and
    :class:`SimulationFailedError` when the script ended without writing results.json.
    """
    spec, source = prepare(spec, folder)
    finished = run_script(
        source,
        folder,
        limits_for(spec.calculator, settings),
        filename=SCRIPT_NAME,
        model_written=False,  # a template filled from a validated spec
        on_event=on_event,
        should_cancel=should_cancel,
    )
    results = folder / "results.json"
    if not results.is_file():
        raise SimulationFailedError(f"the simulation finished without writing {results}; see its output")
    rows = json.loads(results.read_text(encoding="utf-8"))["rows"]
    files = sorted(
        path
        for path in folder.rglob("*")
        if path.suffix in {".json", ".csv", ".png", ".cif", ".xyz"}
        and path.relative_to(folder).parts[0] not in {"tmp", ".cache"}
    )
    return SimulationResult(spec, folder, rows, finished.seconds, files, walls_here().describe())
