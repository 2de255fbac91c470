"""``sakuin simulate``: request → spec → script (shown) → sandboxed run with live progress → results."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any, cast, get_args

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.syntax import Syntax
from rich.table import Table

from sakuin.config import SimulateSettings
from sakuin.errors import SimulationFailedError, SimulationSpecError
from sakuin.models import load_model
from sakuin.simulate.request import build_spec, read_request
from sakuin.simulate.run import SimulationResult, limits_for, prepare, run_simulation
from sakuin.simulate.spec import Calculator, TaskSpec
from sakuin.simulate.walls import walls_here
from sakuin.terminal import err, out, settings_of


def simulate_command(
    ctx: typer.Context,
    request: Annotated[str, typer.Argument(help="What to simulate, in Japanese or English.")] = "",
    calculator: Annotated[
        str | None, typer.Option(help="chgnet, sevenn (universal ML potentials) or emt (fast, few elements).")
    ] = None,
    spec_file: Annotated[
        Path | None, typer.Option("--spec", help="Run a spec JSON file instead of reading a request.")
    ] = None,
    folder: Annotated[
        Path | None,
        typer.Option(help="Where the script and results go (default: a new folder in the data dir)."),
    ] = None,
    show_script: Annotated[
        bool, typer.Option("--show-script", help="Print the script before running.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Run without asking for confirmation.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print spec, script path and results as JSON.")
    ] = False,
    free_form: Annotated[
        bool,
        typer.Option("--free-form", help="Let a larger model write the script, repairing it from errors."),
    ] = False,
) -> None:
    """Simulate what a request asks (e.g. "Pt(111), O on fcc, atom 19 → Fe, Pt, V, Ni: adsorption energy")."""
    settings = settings_of(ctx)
    chosen = calculator or settings.simulate.calculator
    if chosen not in get_args(Calculator):
        raise SimulationSpecError(f"unknown calculator '{chosen}'; choose {', '.join(get_args(Calculator))}")
    folder = folder or settings.simulations_dir / time.strftime("%Y%m%d-%H%M%S")
    err.print(walls_here().describe())
    if free_form:
        from sakuin.simulate.freeform import write_and_run

        limits = limits_for("chgnet", settings.simulate)  # the script may load an ML potential
        worked, rows = write_and_run(request, load_model(settings), folder, limits)
        out.print_json(json.dumps({"script": str(worked / "simulate.py"), "rows": rows}, ensure_ascii=False))
        return
    if spec_file is not None:
        fields = json.loads(spec_file.read_text(encoding="utf-8"))
        spec = build_spec({**fields, **({"calculator": calculator} if calculator else {})})
    else:
        with err.status(f"loading {settings.model.name} and reading the request…"):
            reading = read_request(request, load_model(settings), calculator=cast(Calculator, chosen))
        spec = reading.require_spec()
    _, script = prepare(spec, folder)
    if not as_json:
        out.print(
            "[bold]spec[/] "
            + json.dumps(spec.model_dump(mode="json", exclude={"request"}), ensure_ascii=False)
        )
    if show_script:
        out.print(Syntax(script, "python", line_numbers=True))
    if not yes and not typer.confirm(f"Run {folder / 'simulate.py'} now?", default=True, err=True):
        err.print(f"not run; the script is at {folder / 'simulate.py'}")
        return
    result = _run_with_progress(spec, folder, settings.simulate)
    if as_json:
        out.print_json(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        _print_result(result)
    if result.not_converged:
        raise SimulationFailedError(
            f"relaxation did not converge within the step limit for {', '.join(result.not_converged)}; "
            "those numbers are last energies, not results (raise the step limit or fmax)"
        )


def _run_with_progress(spec: TaskSpec, folder: Path, settings: SimulateSettings) -> SimulationResult:
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err) as bar:
        task = bar.add_task("starting the calculator…", total=None)

        def on_event(event: dict[str, Any]) -> None:
            if event["event"] == "step":
                bar.update(
                    task,
                    description=f"{event['label']}: step {event['step']}, E = {event['energy_eV']:.4f} eV",
                )
            elif event["event"] == "relaxed":
                state = "converged" if event["converged"] else "[red]NOT converged[/]"
                bar.console.print(
                    f"  {event['label']}: {state} after {event['steps']} steps, "
                    f"E = {event['energy_eV']:.4f} eV"
                )

        return run_simulation(spec, folder, settings, on_event=on_event)


def _print_result(result: SimulationResult) -> None:
    columns = list(result.rows[0])
    table = Table(*columns, title=f"{result.spec.property.replace('_', ' ')} ({result.spec.calculator})")
    for row in result.rows:
        table.add_row(*(f"{v:.4f}" if isinstance(v, float) else str(v) for v in row.values()))
    out.print(table)
    out.print(
        f"{len(result.files)} files in {result.folder} (script: {result.script}) in {result.seconds:.1f} s"
    )
