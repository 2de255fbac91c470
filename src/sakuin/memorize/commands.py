"""CLI for knowledge injection: ``sakuin memorize`` (train, propose, eval, sweep, merge, fictional)
and ``sakuin adapters`` (list, show, delete, share).

``sakuin memorize FACTS --out NAME`` trains; the other words after ``memorize`` are subcommands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.memorize.facts import load_facts, write_facts
from sakuin.memorize.options import ARMS, DEFAULT_TARGETS, REPLAY_LOSSES, ReplayLoss, TrainConfig
from sakuin.models import LanguageModel
from sakuin.terminal import err, out, settings_of

AsUser = Annotated[
    str, typer.Option("--as", help="The user: only adapters they may use, facts they may read.")
]
ReplayFile = Annotated[
    Path | None, typer.Option(help="General text, one per line, mixed in against forgetting.")
]
ReplayRatio = Annotated[
    float, typer.Option(min=0.0, max=1.0, help="Replay texts added per training text of a batch.")
]
ReplayLossOption = Annotated[
    str | None,
    typer.Option(
        "--replay-loss",
        help="What replayed text teaches: base = the base model's predictions on it (KL divergence; "
        "keeps general ability at less cost to recall; the default), text = the text itself "
        "(the default with --replay-previous, whose facts the base model does not know).",
    ),
]


def _replay_loss(value: str | None, *, replay_previous: bool = False) -> ReplayLoss:
    if value is None:
        return "text" if replay_previous else "base"
    if value not in REPLAY_LOSSES:
        raise typer.BadParameter(f"use {' or '.join(REPLAY_LOSSES)}", param_hint="--replay-loss")
    return value


def _replay_texts(path: Path | None) -> list[str]:
    """The non-empty lines of a replay file (none without one)."""
    if path is None:
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class _TrainByDefault(TyperGroup):
    """``memorize FACTS ...`` means ``memorize train FACTS ...``."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["train", *args]
        return super().resolve_command(ctx, args)


memorize = typer.Typer(
    cls=_TrainByDefault,
    help="Teach the model facts with LoRA: sakuin memorize FACTS --out NAME --as USER.",
    no_args_is_help=True,
)
adapters = typer.Typer(
    help="Adapters: knowledge in weights, usable by who may read its sources.", no_args_is_help=True
)


def _kb(ctx: typer.Context) -> KnowledgeBase:
    return KnowledgeBase(settings_of(ctx))


def adapted_model(ctx: typer.Context, adapter: str, user: str | None) -> LanguageModel:
    """The configured model with ``adapter`` merged in, if ``user`` may use it."""
    from sakuin.memorize.use import load_adapted

    if not user:
        raise typer.BadParameter("an adapter is used as someone: add --as USER", param_hint="--as")
    with err.status(f"loading {settings_of(ctx).model.name} with adapter {adapter}…"):
        return load_adapted(settings_of(ctx), _kb(ctx).store, adapter, user)


def _threads(ctx: typer.Context) -> None:
    import torch

    threads = settings_of(ctx).model.threads
    if threads:
        torch.set_num_threads(threads)


@memorize.command("train")
def train_command(
    ctx: typer.Context,
    facts: Annotated[
        Path, typer.Argument(help="A JSONL fact set (subject, relation, object, lang, sentence).")
    ],
    out_name: Annotated[str, typer.Option("--out", help="Name of the adapter to save.")],
    user: AsUser,
    paraphrases: Annotated[int, typer.Option(min=1, help="Restatements per fact.")] = 30,
    arm: Annotated[
        str, typer.Option(help="diverse: N distinct restatements; repeated: one, N times.")
    ] = "diverse",
    rewrites: Annotated[
        int, typer.Option(min=0, help="Restatements per fact the model writes (filtered) besides templates.")
    ] = 0,
    rank: Annotated[int, typer.Option(min=1)] = 16,
    alpha: Annotated[int, typer.Option(min=1)] = 32,
    targets: Annotated[str, typer.Option(help="Comma-separated module names LoRA adapts.")] = ",".join(
        DEFAULT_TARGETS
    ),
    lr: Annotated[float, typer.Option(help="Learning rate.")] = 1e-3,
    epochs: Annotated[int, typer.Option(min=1)] = 1,
    batch: Annotated[int, typer.Option(min=1)] = 8,
    seed: Annotated[int, typer.Option()] = 0,
    replay: ReplayFile = None,
    replay_ratio: ReplayRatio = 0.25,
    replay_loss: ReplayLossOption = None,
    on_top_of: Annotated[
        str | None, typer.Option(help="Start from this adapter: the new one knows both fact sets.")
    ] = None,
    replay_previous: Annotated[
        bool, typer.Option(help="With --on-top-of: mix its facts' restatements in against forgetting.")
    ] = False,
    checkpoint_every: Annotated[int, typer.Option(min=1, help="Steps between checkpoints.")] = 25,
    fresh: Annotated[bool, typer.Option("--fresh", help="Discard a checkpoint of an earlier run.")] = False,
    merge_into: Annotated[
        Path | None, typer.Option(help="Also write the base model with the adapter merged in here.")
    ] = None,
) -> None:
    """Train FACTS into adapter --out (an interrupted run resumes when started again)."""
    from sakuin.memorize.teach import Lesson, teach

    if arm not in ARMS:
        raise typer.BadParameter("use diverse or repeated", param_hint="--arm")
    _threads(ctx)
    config = TrainConfig(
        rank=rank,
        alpha=alpha,
        target_modules=tuple(t.strip() for t in targets.split(",") if t.strip()),
        learning_rate=lr,
        epochs=epochs,
        batch_size=batch,
        seed=seed,
        replay_ratio=replay_ratio if replay or replay_previous else 0.0,
        replay_loss=_replay_loss(replay_loss, replay_previous=replay_previous),
        checkpoint_every=checkpoint_every,
    )
    general = _replay_texts(replay)
    lesson = Lesson(paraphrases, arm, rewrites)
    manifest = teach(
        settings_of(ctx),
        _kb(ctx),
        load_facts(facts),
        out_name,
        user,
        lesson=lesson,
        config=config,
        replay=general,
        on_top_of=on_top_of,
        replay_previous=replay_previous,
        fresh=fresh,
    )
    training = manifest.training
    out.print(
        f"saved adapter {manifest.name}: {manifest.facts} facts, {training['texts']} texts, "
        f"{training['steps']} steps in {training['seconds']:.0f} s, final loss {training['final_loss']:.3f}"
    )
    if merge_into:
        from sakuin.memorize.use import write_merged

        write_merged(settings_of(ctx), _kb(ctx).store, manifest.name, user, merge_into)
        out.print(f"wrote the merged model to {merge_into} (outside sakuin's permissions: guard the folder)")


@memorize.command("propose")
def propose_command(
    ctx: typer.Context,
    user: AsUser,
    out_file: Annotated[Path, typer.Option("--out", help="JSONL to write, for review before training.")],
    source: Annotated[str, typer.Option(help="Only documents whose name or source starts with this.")] = "",
) -> None:
    """Propose facts from the documents the user may read; each keeps its document."""
    from sakuin.memorize.propose import propose

    found = propose(_kb(ctx).store, user, source)
    write_facts(found, out_file)
    out.print(
        f"wrote {len(found)} proposed facts to {out_file}; review them, then sakuin memorize {out_file}"
    )


@memorize.command("eval")
def eval_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Adapter to probe.")],
    user: AsUser,
    generate: Annotated[bool, typer.Option(help="Also answer greedily (slower).")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Recall of the adapter's facts on held-out question forms, before and after."""
    from sakuin.memorize.evaluate import evaluate

    _threads(ctx)
    report = evaluate(settings_of(ctx), _kb(ctx).store, name, user, generate=generate)
    if as_json:
        out.print_json(json.dumps(report, ensure_ascii=False))
        return
    table = Table("", "accuracy", "mean rank", "generation", "chance")
    for when in ("before", "after"):
        r = report[when]
        gen = "-" if r["generation"] is None else f"{r['generation']:.2f}"
        table.add_row(when, f"{r['accuracy']:.2f}", f"{r['mean_rank']:.2f}", gen, f"{r['chance']:.2f}")
    out.print(table)


@memorize.command("sweep")
def sweep_command(
    ctx: typer.Context,
    facts: Annotated[Path, typer.Argument(help="A JSONL fact set.")],
    paraphrases: Annotated[str, typer.Option(help="Comma-separated N values.")] = "1,3,10,30,100",
    arms: Annotated[str, typer.Option(help="Comma-separated: diverse, repeated.")] = "diverse,repeated",
    batch: Annotated[int, typer.Option(min=1)] = 8,
    lr: Annotated[float, typer.Option()] = 1e-3,
    seed: Annotated[int, typer.Option()] = 0,
    replay: ReplayFile = None,
    replay_ratio: ReplayRatio = 0.25,
    replay_loss: ReplayLossOption = None,
    generate: Annotated[bool, typer.Option(help="Also probe by greedy generation.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Recall against N restatements, diverse and repeated at equal exposures (nothing is saved)."""
    from sakuin.memorize.base import base_model
    from sakuin.memorize.sweep import sweep

    try:
        counts = [int(n) for n in paraphrases.split(",")]
    except ValueError:
        message = f"{paraphrases!r} is not a comma-separated list of whole numbers"
        raise typer.BadParameter(message, param_hint="--paraphrases") from None
    if min(counts) < 1:
        raise typer.BadParameter("every N must be at least 1", param_hint="--paraphrases")
    chosen_arms = [a.strip() for a in arms.split(",") if a.strip()]
    if not chosen_arms or set(chosen_arms) - set(ARMS):
        raise typer.BadParameter("use diverse, repeated or both", param_hint="--arms")
    _threads(ctx)
    general = _replay_texts(replay)
    config = TrainConfig(
        batch_size=batch,
        learning_rate=lr,
        seed=seed,
        replay_ratio=replay_ratio if general else 0.0,
        replay_loss=_replay_loss(replay_loss),
    )
    rows = sweep(
        base_model(settings_of(ctx)).directory, load_facts(facts), counts, arms=chosen_arms,  # type: ignore[arg-type]
        config=config, replay=general, generate=generate,
        on_point=None if as_json else lambda row: err.print(json.dumps(row)),
    )  # fmt: skip
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("arm", "N", "steps", "train s", "accuracy", "mean rank", "generation")
    for r in rows:
        gen = "-" if r["generation"] is None else f"{r['generation']:.2f}"
        arm = f"{r['arm']} + replay {r['replay_ratio']:g}" if r["replay_ratio"] else r["arm"]
        table.add_row(
            arm, str(r["paraphrases"]), str(r["steps"]), f"{r['train_s']:.0f}", f"{r['accuracy']:.2f}",
            f"{r['mean_rank']:.2f}", gen,
        )  # fmt: skip
    out.print(table)


@memorize.command("merge")
def merge_command(
    ctx: typer.Context,
    names: Annotated[list[str], typer.Argument(help="Adapters to combine.")],
    out_name: Annotated[str, typer.Option("--out", help="Name of the merged adapter.")],
    user: AsUser,
    method: Annotated[str, typer.Option(help="linear, cat, ties, dare_ties or svd.")] = "ties",
    weights: Annotated[
        str | None, typer.Option(help="Comma-separated, one per adapter (default 1 each).")
    ] = None,
    density: Annotated[float, typer.Option(min=0.0, max=1.0, help="ties / dare_ties: share kept.")] = 0.5,
) -> None:
    """Combine adapters with one of peft's weighted-adapter methods into a new adapter."""
    from sakuin.memorize.merge import check_method, merge_adapters

    check_method(method)
    chosen = [float(w) for w in weights.split(",")] if weights else None
    manifest = merge_adapters(
        settings_of(ctx),
        _kb(ctx).store,
        names,
        out_name,
        user,
        method=method,
        weights=chosen,
        density=density,
    )
    out.print(f"saved adapter {manifest.name} ({method} of {', '.join(names)})")


@memorize.command("fictional")
def fictional_command(
    out_file: Annotated[Path, typer.Option("--out", help="JSONL to write.")],
    count: Annotated[int, typer.Option(min=1)] = 50,
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Write a seeded set of fictional JA + EN facts no model can know."""
    from sakuin.memorize.fictional import fictional_facts

    write_facts(fictional_facts(count, seed=seed), out_file)
    out.print(f"wrote {count} fictional facts to {out_file}")


@adapters.command("list")
def adapters_list(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option("--as", help="Only adapters this user may use.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List adapters (all, or those a user may use)."""
    from sakuin.memorize.adapters import registry
    from sakuin.memorize.permissions import may_use

    store = _kb(ctx).store
    manifests, corrupt = registry(settings_of(ctx)).manifests()
    for name in corrupt:
        err.print(f"[yellow]adapter {name} is corrupt; delete it: sakuin adapters delete {name}[/]")
    shown = [m for m in manifests if user is None or may_use(m, user, store)]
    if as_json:
        out.print_json(json.dumps([m.to_json() for m in shown], ensure_ascii=False))
        return
    table = Table("name", "owner", "base model", "facts", "documents", "created")
    for m in shown:
        table.add_row(m.name, m.owner, m.base_model, str(m.facts), ",".join(map(str, m.documents)), m.created)
    out.print(table)


@adapters.command("show")
def adapters_show(ctx: typer.Context, name: str, user: AsUser) -> None:
    """Print an adapter's manifest, if the user may use it."""
    from sakuin.memorize.use import usable_manifest

    out.print_json(json.dumps(usable_manifest(settings_of(ctx), _kb(ctx).store, name, user).to_json()))


@adapters.command("delete")
def adapters_delete(ctx: typer.Context, name: str, user: AsUser) -> None:
    """Delete an adapter (its owner only), with the document that holds its own facts."""
    from sakuin.memorize.adapters import AdapterError, registry
    from sakuin.memorize.permissions import facts_document_source

    kb = _kb(ctx)
    adapters_here = registry(settings_of(ctx))
    owner = _owner_of(adapters_here.folder(name) / "manifest.json")
    if owner is not None and owner != user:
        raise AdapterError(f"only {owner}, who made adapter '{name}', may delete it.")
    adapters_here.delete(name)
    own = kb.store.document_by_source(facts_document_source(name))
    if own is not None:
        kb.store.delete_document(own.id)
    out.print(f"deleted adapter {name}")


def _owner_of(manifest: Path) -> str | None:
    """The owner a manifest names, or None for a folder too corrupt to say (which anyone may delete)."""
    try:
        data: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
        return str(data["owner"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


@adapters.command("share")
def adapters_share(
    ctx: typer.Context,
    name: str,
    user: AsUser,
    readers: Annotated[str, typer.Option(help="Who else may use it: user:NAME, group:NAME or everyone.")],
) -> None:
    """Share an adapter whose facts came from no document (its owner only)."""
    from sakuin.memorize.adapters import registry
    from sakuin.memorize.permissions import share

    kb = _kb(ctx)
    chosen = share(kb, registry(settings_of(ctx)).manifest(name), user, readers)
    out.print(f"adapter {name} may now be used by {', '.join(sorted(map(str, chosen)))}")
