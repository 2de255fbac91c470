"""CLI for the server: ``sakuin serve``, ``sakuin demo`` (``make run``) and ``sakuin accounts``
(passwords, admins, API tokens)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sakuin.server.accounts import Accounts
from sakuin.terminal import err, out, settings_of

if TYPE_CHECKING:
    from fastapi import FastAPI

accounts = typer.Typer(
    help="Who can log in to the server: passwords, admins, API tokens.", no_args_is_help=True
)


def _accounts(ctx: typer.Context) -> Accounts:
    from sakuin.knowledge.workspace import KnowledgeBase

    settings = settings_of(ctx)
    KnowledgeBase(settings).close()  # creates the store's tables (users) if this is a new data directory
    return Accounts(settings)


@accounts.command("set-password")
def set_password(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(help="An existing user (sakuin users add NAME).")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    admin: Annotated[
        bool | None, typer.Option("--admin/--no-admin", help="Make (or unmake) an admin.")
    ] = None,
) -> None:
    """Let a user log in to the web page (asks for the password unless --password-stdin)."""
    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else typer.prompt("password", hide_input=True, confirmation_prompt=True)
    )
    store = _accounts(ctx)
    store.set_password(user, password)
    if admin is not None:
        store.set_admin(user, admin)
    out.print(f"{user} can log in{' as an admin' if store.is_admin(user) else ''}")


@accounts.command("token")
def token(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(help="Whose token it is: the API acts as this user.")],
    label: Annotated[str, typer.Option(help="A name for the token, to revoke it later.")] = "cli",
) -> None:
    """Create an API token for scripts (printed once: send it as Authorization: Bearer TOKEN)."""
    out.print(_accounts(ctx).create_token(user, label), markup=False, highlight=False)


HostOption = Annotated[str | None, typer.Option(help="Interface to listen on (server.host).")]
PortOption = Annotated[int | None, typer.Option(help="TCP port (server.port).")]


def serve(ctx: typer.Context, host: HostOption = None, port: PortOption = None) -> None:
    """Serve the JSON API (/api/, schema at /openapi.json) and the web page."""
    from sakuin.server.app import create_app

    settings = settings_of(ctx)
    with err.status("loading the knowledge base…"):
        app = create_app(settings)
    _run(app, host or settings.server.host, port or settings.server.port, "sakuin at")


def demo(
    ctx: typer.Context,
    host: HostOption = None,
    port: PortOption = None,
    workspace: Annotated[
        Path | None, typer.Option(help="A workspace folder to serve instead of examples/workspace.")
    ] = None,
) -> None:
    """Serve the example company: load examples/workspace, give its users demo passwords, print them."""
    from sakuin.knowledge.commands import ingest_progress, summarise
    from sakuin.knowledge.manifest import read_workspace
    from sakuin.server.app import create_app
    from sakuin.server.demo import EXAMPLE_WORKSPACE, prepare_demo

    settings = settings_of(ctx)
    chosen = read_workspace(workspace or EXAMPLE_WORKSPACE)
    with err.status("loading the knowledge base…"):
        app = create_app(settings)
    with ingest_progress(len(chosen.entries(held_back=False))) as advance:
        report, users = prepare_demo(app.state.services, chosen, advance)
    summarise(report)
    table = Table("user", "password", "groups", title="demo users (log in at the URL below)")
    for user in users:
        groups = ", ".join(user.groups) + (" (admin)" if user.admin else "")
        table.add_row(user.name, user.password, escape(groups))
    out.print(table)
    _run(app, host or settings.server.host, port or settings.server.port, "sakuin demo at")


def _run(app: FastAPI, host: str, port: int, what: str) -> None:
    """Serve ``app`` until Ctrl-C, after saying where (on standard output, for scripts to read)."""
    import uvicorn

    out.print(f"{what} http://{host}:{port}/ (API schema: /openapi.json; Ctrl-C stops it)", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")
