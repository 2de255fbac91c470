"""CLI for the server: ``sakuin serve`` and ``sakuin accounts`` (passwords, admins, API tokens)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from sakuin.server.accounts import Accounts
from sakuin.terminal import err, out, settings_of

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


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Interface to listen on (server.host).")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (server.port).")] = None,
) -> None:
    """Serve the JSON API (/api/, schema at /openapi.json) and the web page."""
    import uvicorn

    from sakuin.server.app import create_app

    settings = settings_of(ctx)
    chosen_host, chosen_port = host or settings.server.host, port or settings.server.port
    with err.status("loading the knowledge base…"):
        app = create_app(settings)
    err.print(f"sakuin at http://{chosen_host}:{chosen_port}/ (API schema: /openapi.json)")
    uvicorn.run(app, host=chosen_host, port=chosen_port, log_level="warning")
