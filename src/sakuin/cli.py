"""The ``sakuin`` command: one subcommand per capability, each a thin wrapper of the Python API."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from sakuin.classify import commands as classify_commands
from sakuin.config import load_settings
from sakuin.curate import commands as curate_commands
from sakuin.errors import SakuinError
from sakuin.knowledge import commands as knowledge_commands
from sakuin.memorize import commands as memorize_commands
from sakuin.models import Message
from sakuin.server import commands as server_commands
from sakuin.simulate import commands as simulate_commands
from sakuin.terminal import err, model_of, out, settings_of
from sakuin.vision import commands as vision_commands
from sakuin.write import commands as write_commands

app = typer.Typer(
    name="sakuin",
    help="sakuin (索引): put your organisation's private knowledge to work with language models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Data directory (default: SAKUIN_DATA_DIR or ~/.local/share/sakuin)."),
    ] = None,
    backend: Annotated[
        str | None, typer.Option(help="Model backend: llama_cpp, transformers or openai.")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Packaged model name, GGUF file, model directory or server model.")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="openai backend: the server's base URL, e.g. http://127.0.0.1:8080/v1."),
    ] = None,
    precision: Annotated[
        str | None,
        typer.Option(help="transformers backend: float32, bfloat16 (2-3x faster on AMX CPUs) or auto."),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    """Settings come from flags, then SAKUIN_* variables, then config.toml in the data directory."""
    chosen: dict[str, Any] = {
        k: v
        for k, v in {"backend": backend, "name": model, "base_url": base_url, "precision": precision}.items()
        if v
    }
    ctx.obj = load_settings(data_dir, **({"model": chosen} if chosen else {}))


@app.command()
def generate(
    ctx: typer.Context,
    prompt: Annotated[str, typer.Argument(help="Text for the model to continue ('-' reads standard input).")],
    max_tokens: Annotated[int, typer.Option(min=1, help="Most tokens to generate.")] = 128,
    temperature: Annotated[
        float, typer.Option(min=0.0, help="0 is greedy; higher samples more freely.")
    ] = 0.0,
    stop: Annotated[
        list[str] | None, typer.Option(help="Stop before this text (repeatable; \\n allowed).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed for sampling.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of streaming text.")
    ] = False,
    adapter: Annotated[
        str | None, typer.Option(help="Use this adapter's knowledge (needs --as: who may use it).")
    ] = None,
    user: Annotated[str | None, typer.Option("--as", help="The user asking, for --adapter.")] = None,
) -> None:
    """Continue a prompt, streaming tokens as they are decoded."""
    text = sys.stdin.read() if prompt == "-" else prompt
    stops = [s.encode().decode("unicode_escape") if "\\" in s else s for s in stop or []]
    model = memorize_commands.adapted_model(ctx, adapter, user) if adapter else model_of(ctx)
    if as_json:
        done = model.generate(text, max_tokens=max_tokens, temperature=temperature, stop=stops, seed=seed)
        out.print_json(json.dumps(done.__dict__, ensure_ascii=False))
        return
    _print_stream(model.stream(text, max_tokens=max_tokens, temperature=temperature, stop=stops, seed=seed))


@app.command()
def chat(
    ctx: typer.Context,
    message: Annotated[
        list[str] | None,
        typer.Option("--message", "-m", help="Send these user messages in order and exit (no prompt)."),
    ] = None,
    system: Annotated[str | None, typer.Option(help="A system message to start the conversation.")] = None,
    max_tokens: Annotated[int, typer.Option(min=1)] = 256,
    temperature: Annotated[float, typer.Option(min=0.0)] = 0.0,
) -> None:
    """Talk to a model that has a chat template (e.g. --model qwen2.5-coder-0.5b-instruct)."""
    model = model_of(ctx)
    history: list[Message] = [Message("system", system)] if system else []

    def turn(user: str) -> None:
        history.append(Message("user", user))
        out.print("[bold]model>[/] ", end="")
        reply = _print_stream(model.stream(history, max_tokens=max_tokens, temperature=temperature))
        history.append(Message("assistant", reply))

    if message:
        for user in message:
            out.print(f"[bold]you>[/] {escape(user)}")
            turn(user)
        return
    err.print("[dim]Type a message; an empty line or Ctrl-D ends the chat.[/]")
    while True:
        try:
            user = out.input("[bold]you>[/] ")
        except EOFError:
            return
        if not user.strip():
            return
        turn(user)


def _print_stream(pieces: Iterator[str]) -> str:
    """Print text as it arrives; return all of it."""
    text = ""
    for piece in pieces:
        text += piece
        out.print(piece, end="", markup=False, highlight=False, soft_wrap=True)
    out.print()
    return text


@app.command()
def models(
    ctx: typer.Context,
    load: Annotated[
        bool, typer.Option("--load", help="Load the configured model and measure time and memory.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """Show the configured model, the packaged ones, where weights are and what they take."""
    from sakuin.models.inventory import list_models, measure_load

    settings = settings_of(ctx)
    if as_json:
        rows = [
            {**entry.__dict__, "weights": str(entry.weights) if entry.weights else None}
            for entry in list_models(settings)
        ]
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"models (backend: {settings.model.backend}, data: {settings.data_dir})")
    for column in ("", "name", "chat", "weights", "size", "licence", "about"):
        table.add_column(column, overflow="fold")
    for entry in list_models(settings):
        size = f"{entry.size_bytes / 2**20:.0f} MiB" if entry.size_bytes else "-"
        table.add_row(
            "*" if entry.configured else "",
            entry.name,
            "yes" if entry.chat else "no",
            str(entry.weights or (f"not installed: {entry.missing}" if entry.missing else "-")),
            size,
            entry.licence,
            entry.summary,
        )
    out.print(table)
    if load:
        report = measure_load(settings)
        out.print(
            f"loaded {settings.model.name} with {settings.model.backend} in {report.seconds:.2f} s; "
            f"resident memory {report.resident_bytes / 2**20:.0f} MiB "
            f"(+{report.resident_bytes_added / 2**20:.0f} MiB for the model), "
            f"context window {report.model.context_length} tokens"
        )


@app.command("serve-model")
def serve_model(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8001,
) -> None:
    """Serve the configured model over the OpenAI-compatible API (/v1/completions, /v1/chat/completions)."""
    import uvicorn

    from sakuin.models.openai_server import create_app

    model = model_of(ctx)
    err.print(f"serving {model.name} at http://{host}:{port}/v1")
    uvicorn.run(create_app(model), host=host, port=port, log_level="warning")


@app.command()
def config(ctx: typer.Context) -> None:
    """Print the settings in effect (secrets hidden) and where the file lives."""
    settings = settings_of(ctx)
    out.print(f"# {settings.config_file} ({'present' if settings.config_file.is_file() else 'absent'})")
    out.print_json(settings.model_dump_json())


@app.command()
def tour(ctx: typer.Context) -> None:
    """A short tour of the default model: few-shot answers (JA + EN) and label scoring."""
    from sakuin.demo import answers, label_reviews

    started = time.perf_counter()
    model = model_of(ctx)
    out.print(
        f"[bold]{model.name}[/] loaded in {time.perf_counter() - started:.1f} s "
        f"(context {model.context_length} tokens)\n"
    )
    out.rule("few-shot completion")
    for answer in answers(model):
        out.print(f"{answer.question}  →  [bold green]{answer.answer}[/]")
    out.rule("label scoring (one pass per review, no generation)")
    table = Table("review", "positive", "negative")
    for row in label_reviews(model):
        table.add_row(row.text, *(f"{row.probabilities[label]:.2f}" for label in ("positive", "negative")))
    out.print(table)
    out.print('\nTry: sakuin generate "日本の首都は" · sakuin models --load · sakuin --help')


app.add_typer(knowledge_commands.users, name="users")
app.add_typer(knowledge_commands.groups, name="groups")
app.add_typer(knowledge_commands.docs, name="docs")
app.add_typer(knowledge_commands.workspace, name="workspace")
app.command("ingest")(knowledge_commands.ingest)
app.command("search")(knowledge_commands.search_command)
app.command("watch")(knowledge_commands.watch_command)
app.command("write")(write_commands.write)
app.command("ask", help="Alias of write, for short questions.")(write_commands.write)
app.command("write-calibrate")(write_commands.write_calibrate)
app.add_typer(server_commands.accounts, name="accounts")
app.command("serve")(server_commands.serve)
app.command("simulate")(simulate_commands.simulate_command)
app.command("classify")(classify_commands.classify)
app.command("choose")(classify_commands.choose)
app.command("demo")(server_commands.demo)
app.add_typer(memorize_commands.memorize, name="memorize")
app.add_typer(memorize_commands.adapters, name="adapters")
app.add_typer(curate_commands.curate, name="curate")
app.command("see")(vision_commands.see)


def main() -> None:
    """Entry point: a SakuinError becomes one red line and a non-zero exit (traceback with --debug)."""
    try:
        app()
    except SakuinError as exc:
        if "--debug" in sys.argv:
            raise
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(exc.exit_code)
