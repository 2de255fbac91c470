"""CLI for the knowledge base: users, groups, ingest, docs and search (wrapping ``KnowledgeBase``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sakuin.knowledge.access import parse_readers
from sakuin.knowledge.ingest import IngestReport, IngestResult, files_under
from sakuin.knowledge.search import Mode
from sakuin.knowledge.store.base import SearchFilters
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.terminal import err, out, settings_of

users = typer.Typer(help="Users who ask questions and read documents.", no_args_is_help=True)
groups = typer.Typer(help="Groups of users; documents can be shared with a group.", no_args_is_help=True)
docs = typer.Typer(help="Documents in the knowledge base.", no_args_is_help=True)
workspace = typer.Typer(help="Workspaces: users, groups and documents from a manifest.", no_args_is_help=True)

AsUser = Annotated[str, typer.Option("--as", help="The user asking: only what they may read is used.")]
ReadersOption = Annotated[
    str, typer.Option("--readers", help="Who may read: user:NAME, group:NAME or everyone, comma-separated.")
]
IncludeOption = Annotated[
    list[str] | None, typer.Option("--include", help="Glob of files to take (repeatable).")
]
ExcludeOption = Annotated[
    list[str] | None, typer.Option("--exclude", help="Glob of files to leave out (repeatable).")
]


def _kb(ctx: typer.Context) -> KnowledgeBase:
    return KnowledgeBase(settings_of(ctx))


@users.command("add")
def users_add(ctx: typer.Context, names: Annotated[list[str], typer.Argument(help="User names.")]) -> None:
    """Add users (adding an existing user changes nothing)."""
    kb = _kb(ctx)
    for name in names:
        kb.store.add_user(name)
    out.print(f"users: {', '.join(kb.store.users())}")


@users.command("list")
def users_list(ctx: typer.Context) -> None:
    """List users and the groups they are in."""
    kb = _kb(ctx)
    member_of: dict[str, list[str]] = {}
    for group, members in kb.store.groups().items():
        for member in members:
            member_of.setdefault(member, []).append(group)
    table = Table("user", "groups")
    for user in kb.store.users():
        table.add_row(user, ", ".join(member_of.get(user, [])))
    out.print(table)


@groups.command("add")
def groups_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Group name.")],
    members: Annotated[str, typer.Option(help="Comma-separated users to put in it.")] = "",
) -> None:
    """Create a group (or add members to an existing one)."""
    kb = _kb(ctx)
    kb.store.add_group(name, [m.strip() for m in members.split(",") if m.strip()])
    out.print(f"{name}: {', '.join(kb.store.groups()[name])}")


@groups.command("remove-members")
def groups_remove_members(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Group name.")],
    members: Annotated[str, typer.Option(help="Comma-separated users to take out.")],
) -> None:
    """Take users out of a group; it applies to their very next request."""
    kb = _kb(ctx)
    kb.store.remove_members(name, [m.strip() for m in members.split(",") if m.strip()])
    out.print(f"{name}: {', '.join(kb.store.groups()[name])}")


@groups.command("list")
def groups_list(ctx: typer.Context) -> None:
    """List groups and their members."""
    table = Table("group", "members")
    for group, members in _kb(ctx).store.groups().items():
        table.add_row(group, ", ".join(members))
    out.print(table)


def ingest(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A file or a folder (searched recursively).")],
    readers: ReadersOption,
    include: IncludeOption = None,
    exclude: ExcludeOption = None,
    tag: Annotated[list[str] | None, typer.Option(help="Tag the documents (repeatable).")] = None,
    rows: Annotated[bool, typer.Option(help="CSV/JSONL: one document per row.")] = False,
    text_field: Annotated[str | None, typer.Option(help="With --rows: the column holding the text.")] = None,
    title_field: Annotated[
        str | None, typer.Option(help="With --rows: the column holding the title.")
    ] = None,
) -> None:
    """Add or update documents; unchanged files are skipped, bad files reported (exit 1 if any failed)."""
    kb = _kb(ctx)
    who = parse_readers(readers)
    total = len(files_under(path, include or ["*"], exclude or []))
    with ingest_progress(total) as advance:
        report = kb.ingestor.ingest_path(
            path,
            who,
            include=include or ["*"],
            exclude=exclude or [],
            tags=tag or [],
            rows=rows,
            text_field=text_field,
            title_field=title_field,
            progress=advance,
        )
    summarise(report)


@contextmanager
def ingest_progress(files: int, doing: str = "ingesting") -> Iterator[Callable[[IngestResult], None]]:
    """A progress bar over ``files`` files (a table's rows are one file); yields the callback
    that advances it per result."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(doing, total=files)
        seen: set[str] = set()

        def advance(result: IngestResult) -> None:
            file = result.source.split("#", 1)[0]
            if file not in seen:
                seen.add(file)
                progress.advance(task)
            if result.status == "failed":
                err.print(f"[red]failed[/] {escape(result.reason)}")

        yield advance


def summarise(report: IngestReport, what: str = "ingest") -> None:
    """One line of counts, then each skipped file; exit 1 when any file failed."""
    summary = ", ".join(
        f"{report.count(s)} {s}" for s in ("added", "updated", "unchanged", "skipped", "failed")
    )
    out.print(f"{what}: {summary}")
    for result in report.results:
        if result.status == "skipped":
            err.print(f"[yellow]skipped[/] {escape(result.source)}: {escape(result.reason)}")
    if report.failed:
        raise typer.Exit(1)


@workspace.command("load")
def workspace_load(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="A folder with a workspace.toml.")],
    held_back: Annotated[
        bool, typer.Option("--held-back", help="Also load the documents the manifest holds back.")
    ] = False,
) -> None:
    """Create a workspace's users and groups and ingest its documents with their readers."""
    from sakuin.knowledge.manifest import load_workspace, read_workspace

    chosen = read_workspace(folder)
    with ingest_progress(len(chosen.entries(held_back=held_back))) as advance:
        report = load_workspace(_kb(ctx), chosen, held_back=held_back, progress=advance)
    summarise(report)
    users = ", ".join(chosen.manifest.users.names)
    groups = "; ".join(f"{g}: {', '.join(m)}" for g, m in chosen.manifest.groups.items())
    out.print(f"users: {users}\ngroups: {groups}")


def watch_command(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="The folder to keep in sync.", exists=True, file_okay=False)],
    readers: ReadersOption,
    include: IncludeOption = None,
    exclude: ExcludeOption = None,
) -> None:
    """Ingest a folder, then follow it: new and changed files are ingested, deleted ones removed."""
    import threading

    from sakuin.knowledge.watch import watch

    def show(result: IngestResult) -> None:
        if result.status != "unchanged":
            detail = f": {escape(result.reason)}" if result.reason else ""
            err.print(f"{result.status} {escape(result.source)}{detail}")

    err.print(f"watching {folder} (Ctrl-C to stop)")
    stop = threading.Event()
    try:
        watch(
            _kb(ctx),
            folder,
            parse_readers(readers),
            include=include or ["*"],
            exclude=exclude or [],
            stop=stop,
            report=show,
        )
    except KeyboardInterrupt:
        stop.set()


@docs.command("list")
def docs_list(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option("--as", help="Only what this user may read.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List documents (all of them, or those a user may read)."""
    records = _kb(ctx).store.documents(user)
    if as_json:
        out.print_json(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "title": r.title,
                        "name": r.name,
                        "source": r.source,
                        "chunks": r.chunks,
                        "readers": sorted(str(x) for x in r.readers),
                        "tags": list(r.tags),
                        "updated": r.updated.isoformat(),
                    }
                    for r in records
                ],
                ensure_ascii=False,
            )
        )
        return
    table = Table("id", "title", "name", "chunks", "readers", "updated")
    for r in records:
        table.add_row(
            str(r.id),
            r.title,
            r.name,
            str(r.chunks),
            ", ".join(sorted(str(x) for x in r.readers)),
            r.updated.strftime("%Y-%m-%d %H:%M"),
        )
    out.print(table)


@docs.command("show")
def docs_show(ctx: typer.Context, document_id: int, user: AsUser) -> None:
    """Print a document's text, if the user may read it."""
    kb = _kb(ctx)
    record = kb.store.document(document_id, user)
    out.rule(f"{record.title} ({record.name})")
    out.print(f"source: {record.source}", markup=False, highlight=False, style="dim")
    out.print(kb.store.document_text(document_id, user), markup=False, highlight=False)


@docs.command("delete")
def docs_delete(ctx: typer.Context, document_id: int) -> None:
    """Delete a document with its chunks and vectors."""
    _kb(ctx).store.delete_document(document_id)
    out.print(f"deleted document {document_id}")


@docs.command("reembed")
def docs_reembed(ctx: typer.Context) -> None:
    """Chunk and embed every document again from its stored text, as an ingest today would.

    For a store built by an earlier sakuin (passages embedded without their title) or before the
    chunk sizes changed; readers, names and tags stay. Exit 1 if any document failed.
    """
    kb = _kb(ctx)
    files = {record.source.split("#", 1)[0] for record in kb.store.documents()}
    with ingest_progress(len(files), "embedding") as advance:
        report = kb.ingestor.reembed(progress=advance)
    summarise(report, "reembed")


@docs.command("share")
def docs_share(
    ctx: typer.Context,
    document_id: int,
    readers: Annotated[str, typer.Option(help="The new readers: user:NAME, group:NAME or everyone.")],
) -> None:
    """Replace who may read a document; it applies to the very next request."""
    kb = _kb(ctx)
    kb.store.set_readers(document_id, parse_readers(readers))
    now = ", ".join(sorted(str(r) for r in kb.store.document(document_id).readers))
    out.print(f"document {document_id} readers: {now}")


def search_command(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for (Japanese or English).")],
    user: AsUser,
    mode: Annotated[str, typer.Option(help="lexical, dense or hybrid.")] = "hybrid",
    k: Annotated[int, typer.Option("-k", min=1, help="How many results.")] = 5,
    path: Annotated[
        str | None, typer.Option(help="Only names (paths as ingested) starting with this.")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Only sources (as read) starting with this.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Only documents with this tag (repeatable).")] = None,
    after: Annotated[datetime | None, typer.Option(help="Only documents updated since (YYYY-MM-DD).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Search what a user may read: lexical (BM25), dense, or both fused."""
    if mode not in ("lexical", "dense", "hybrid"):
        raise typer.BadParameter("mode must be lexical, dense or hybrid", param_hint="--mode")
    chosen: Mode = mode  # type: ignore[assignment]
    filters = SearchFilters(source, after, tuple(tag or []), name_prefix=path)
    hits = _kb(ctx).search(query, user, k=k, mode=chosen, filters=filters)
    if as_json:
        out.print_json(json.dumps([h.__dict__ for h in hits], ensure_ascii=False, default=list))
        return
    if not hits:
        out.print("no readable document matches")
    for rank, hit in enumerate(hits, start=1):
        context = f" [dim]{escape(' > '.join(hit.headings))}[/]" if hit.headings else ""
        out.print(
            f"[bold]{rank}. {escape(hit.title)}[/] ({escape(hit.name)} {hit.start}-{hit.end}, "
            f"score {hit.score:.3f}){context}"
        )
        out.print("   " + escape(hit.text.replace("\n", " ")[:300]))
