"""Simulation as a background job: a request (or a spec) → spec → sandboxed script → results.

The same functions as ``sakuin simulate``: :func:`sakuin.simulate.request.read_request` reads the
request with the server's language model (questions it leaves open fail the job with those
questions), :func:`sakuin.simulate.run.run_simulation` runs the script in the sandbox; relaxation
steps become the job's progress, and the script, spec, tables, plots and structures its results.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from sakuin.config import SimulateSettings
from sakuin.errors import SimulationCancelledError
from sakuin.server.jobs import JobCancelledError, JobContext, JobKind, ModelLender
from sakuin.simulate.request import read_request
from sakuin.simulate.run import run_simulation
from sakuin.simulate.spec import TaskSpec
from sakuin.simulate.walls import walls_here


class SimulateParams(BaseModel):
    """A request in plain Japanese or English, or a spec written by hand (the request wins no guess)."""

    request: str | None = Field(None, max_length=4000, description="What to simulate, in plain words.")
    spec: dict[str, Any] | None = Field(None, description="A task spec (as `sakuin simulate --json` shows).")
    calculator: Literal["emt", "chgnet", "sevenn"] | None = Field(
        None, description="Potential to use unless the request names one."
    )

    @model_validator(mode="after")
    def _one_of(self) -> SimulateParams:
        if (self.request is None) == (self.spec is None):
            raise ValueError("give either a request or a spec")
        if self.spec is not None:
            self.task_spec()  # a spec that does not validate is refused at submission, not in the job
        return self

    def task_spec(self) -> TaskSpec:
        overrides = {"calculator": self.calculator} if self.calculator else {}
        return TaskSpec.model_validate({**(self.spec or {}), **overrides})


def simulate_kind(settings: SimulateSettings, model: ModelLender) -> JobKind:
    """The ``simulate`` job kind; ``model`` lends the server's language model to read a request."""

    def run(params: SimulateParams, context: JobContext) -> None:
        calculator = params.calculator or settings.calculator
        if params.spec is not None:
            spec = TaskSpec.model_validate(
                {**params.spec, **({"calculator": calculator} if params.calculator else {})}
            )
        else:
            context.report(0, 1, "reading the request")
            with model() as loaded:
                reading = read_request(params.request or "", loaded, calculator=calculator)
            spec = reading.require_spec()
        (context.output_dir / "spec.json").write_text(spec.model_dump_json(indent=1), encoding="utf-8")
        context.report(0, 1, walls_here().describe())
        relaxed = 0

        def on_event(event: dict[str, Any]) -> None:
            nonlocal relaxed
            if event.get("event") == "step":
                message = f"{event['label']}: step {event['step']}, E = {event['energy_eV']:.4f} eV"
                context.report(relaxed, relaxed + 1, message)
            elif event.get("event") == "relaxed":
                relaxed += 1
                context.report(relaxed, relaxed + 1, f"{event['label']}: relaxed")

        try:
            result = run_simulation(
                spec, context.output_dir, settings, on_event=on_event, should_cancel=context.cancelled
            )
        except SimulationCancelledError as exc:
            raise JobCancelledError from exc
        (context.output_dir / "result.json").write_text(
            json.dumps(result.as_json(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        finished = max(relaxed, 1)  # a run without relaxations (an equation of state) is one step
        context.report(finished, finished, "done" if not result.not_converged else "done (not all converged)")

    return JobKind(
        "simulate",
        "Run an atomistic simulation from a request or a spec (script, table, plots, structures).",
        SimulateParams,
        run,
    )
