"""CLI for grounded writing: ``write``, its alias ``ask``, and ``write-calibrate``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from pydantic import BaseModel, ConfigDict, ValidationError
from rich.markup import escape
from rich.progress import track
from rich.table import Table

from sakuin.config import save_setting
from sakuin.errors import SakuinError
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.memorize.commands import adapted_model
from sakuin.terminal import err, model_of, out, settings_of
from sakuin.write.evidence import calibrate
from sakuin.write.request import read_request
from sakuin.write.retrieval import retrieve
from sakuin.write.writer import WriteResult, chosen_options, write_stream

AsUser = Annotated[str, typer.Option("--as", help="The user asking: only what they may read is used.")]


class LabelledRequestError(SakuinError):
    """A labelled-requests file for calibration that cannot be used."""


def write(
    ctx: typer.Context,
    request: Annotated[str, typer.Argument(help="What to write or ask ('-' reads standard input).")],
    user: AsUser,
    mode: Annotated[
        Literal["auto", "rag", "long-context"] | None,
        typer.Option(help="rag: passages; long-context: whole documents; auto: whole when they fit."),
    ] = None,
    style: Annotated[
        Literal["auto", "extractive", "abstractive"] | None,
        typer.Option(help="extractive: cited source sentences; abstractive: the model writes freely."),
    ] = None,
    length: Annotated[int | None, typer.Option(min=20, help="Target length in characters.")] = None,
    tone: Annotated[str | None, typer.Option(help="formal, casual or persuasive.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object at the end.")] = False,
    adapter: Annotated[
        str | None, typer.Option(help="Write with this adapter's knowledge (if --as may use it).")
    ] = None,
) -> None:
    """Write from what the user may read, citing it as [1], [2]; or say that nothing covers it."""
    settings = settings_of(ctx)
    options = chosen_options(settings.write, mode=mode, style=style)
    text = sys.stdin.read() if request == "-" else request
    kb = KnowledgeBase(settings)
    model = adapted_model(ctx, adapter, user) if adapter else model_of(ctx)
    result: WriteResult | None = None
    for event in write_stream(kb, model, text, user, options, target_chars=length, tone=tone):
        if isinstance(event, WriteResult):
            result = event
        elif not as_json:
            out.print(escape(event), end="", highlight=False)
    assert result is not None
    if as_json:
        out.print_json(json.dumps(result.to_json(), ensure_ascii=False))
        return
    out.print()
    _print_sources(result)


def _print_sources(result: WriteResult) -> None:
    if result.refused:
        err.print(f"[dim]refused: evidence {result.evidence:.2f} < threshold {result.threshold:.2f}[/]")
        return
    out.print(f"[dim]{result.mode}, {result.style}, {result.stats.total_s:.1f} s[/]")
    for source in result.sources:
        if source.number in result.cited:
            out.print(
                f"[bold][{source.number}][/] {escape(source.title)} — {escape(source.source)} "
                f"({source.start}-{source.end}{''.join(', ' + r.describe() for r in source.regions)})",
                highlight=False,
            )
    why = {"citation": "citation does not resolve", "number": "a number its source does not hold"}
    for dropped in result.dropped:
        err.print(f"[yellow]dropped ({why[dropped.reason]}):[/] {escape(dropped.sentence)}")


class LabelledRequest(BaseModel):
    """One line of a calibration file: a request, who asks, and whether their documents cover it."""

    model_config = ConfigDict(extra="ignore")

    request: str
    user: str
    answerable: bool


def read_labelled(path: Path) -> list[LabelledRequest]:
    """JSON lines of {"request", "user", "answerable"}; other fields are ignored."""
    if not path.is_file():
        raise LabelledRequestError(f"{path} not found; give a JSON-lines file of labelled requests.")
    labelled = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            labelled.append(LabelledRequest.model_validate_json(line))
        except ValidationError as exc:
            raise LabelledRequestError(
                f"{path}:{number}: needs request (text), user (name) and answerable (true/false)."
            ) from exc
    return labelled


def write_calibrate(
    ctx: typer.Context,
    labelled_file: Annotated[Path, typer.Argument(help='JSON lines: {"request", "user", "answerable"}.')],
    save: Annotated[
        bool, typer.Option(help="Save the threshold to the data directory's config.toml.")
    ] = False,
) -> None:
    """Derive the refusal threshold from labelled requests; report precision and recall of refusing."""
    settings = settings_of(ctx)
    labelled = read_labelled(labelled_file)
    kb = KnowledgeBase(settings)
    requests = [read_request(item.request) for item in labelled]
    cases = [
        (request, retrieve(kb, request, item.user, settings.write.passages))
        for request, item in zip(
            track(requests, description="retrieving", console=err, transient=True), labelled, strict=True
        )
    ]
    found = calibrate(cases, [item.answerable for item in labelled])
    table = Table(
        "threshold", "translation similarity", "translation margin", "refuse precision", "refuse recall",
        "F1", "answerable", "unanswerable",
    )  # fmt: skip
    table.add_row(
        f"{found.threshold:.3f}", f"{found.translation_similarity:.3f}", f"{found.translation_margin:.4f}",
        f"{found.precision:.3f}", f"{found.recall:.3f}", f"{found.f1:.3f}", str(found.answerable),
        str(found.unanswerable),
    )  # fmt: skip
    out.print(table)
    if save:
        for key, value in (
            ("write.evidence_threshold", found.threshold),
            ("write.translation_similarity", found.translation_similarity),
            ("write.translation_margin", found.translation_margin),
        ):
            path = save_setting(settings, key, round(value, 4))
            out.print(f"saved {key} = {value:.4f} to {path}")
