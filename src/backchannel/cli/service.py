"""Commands for the HTTP service: serve, and the accounts and tokens it admits."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from rich.table import Table

from backchannel.cli.context import AppContext, pass_app
from backchannel.errors import InvalidInput
from backchannel.store.accounts import (
    Role,
    create_account,
    issue_token,
    list_accounts,
    list_tokens,
    revoke_token,
    set_disabled,
)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port.")
@pass_app
def serve(app: AppContext, host: str, port: int) -> None:
    """Serve the REST API (/api/v1, OpenAPI at /api/v1/openapi.json) and TAXII 2.1 (/taxii2/).

    Listens on 127.0.0.1 unless told otherwise; put a TLS-terminating proxy in front of it
    for anything but local use. Callers authenticate with API tokens (`account token`).
    """
    import uvicorn

    from backchannel.api.app import create_app

    uvicorn.run(create_app(app.settings), host=host, port=port, log_level="info")


@click.group()
def account() -> None:
    """Accounts (users with a role, partner systems bound to a partner) and API tokens."""


@account.command("add")
@click.argument("username")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="What it may do."
)
@click.option("--partner", "partner_id", default=None, help="For role partner: which partner.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read a password (for logging in to get tokens) from standard input.",
)
@pass_app
def account_add(
    app: AppContext, username: str, role: str, partner_id: str | None, password_stdin: bool
) -> None:
    """Create an account. Partner accounts use tokens only (no password)."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    if password is not None and Role(role) is Role.PARTNER:
        raise InvalidInput("partner accounts have no password; issue a token instead")
    with app.store().write() as conn:
        acc = create_account(
            conn, username, Role(role), password=password, partner_id=partner_id, now=_now()
        )
    if app.json:
        app.emit_json(acc.as_dict())
    else:
        app.console.print(f"account {acc.username} ({acc.role.value}) created")


@account.command("list")
@pass_app
def account_list(app: AppContext) -> None:
    """Every account with its role and state."""
    with app.store().read() as conn:
        accounts = list_accounts(conn)
    if app.json:
        app.emit_json([a.as_dict() for a in accounts])
        return
    table = Table("id", "username", "role", "partner", "state")
    for a in accounts:
        table.add_row(
            str(a.id),
            a.username,
            a.role.value,
            a.partner_id or "",
            "disabled" if a.disabled else "active",
        )
    app.console.print(table)


@account.command("token")
@click.argument("username")
@click.option("--label", default="", help="What the token is for (shown in lists).")
@pass_app
def account_token(app: AppContext, username: str, label: str) -> None:
    """Issue an API token for an account. It is printed once and stored only as a hash."""
    with app.store().write() as conn:
        issued = issue_token(conn, username, now=_now(), label=label)
    if app.json:
        app.emit_json({"token_id": issued.id, "token": issued.token})
    else:
        click.echo(issued.token)
        click.echo(
            f"token {issued.id} for {username}: store it now, it is not shown again", err=True
        )


@account.command("tokens")
@click.argument("username")
@pass_app
def account_tokens(app: AppContext, username: str) -> None:
    """An account's tokens (ids, labels, when issued and revoked; never the tokens)."""
    with app.store().read() as conn:
        tokens = list_tokens(conn, username)
    if app.json:
        app.emit_json(tokens)
        return
    table = Table("id", "label", "issued", "revoked")
    for t in tokens:
        table.add_row(str(t["id"]), t["label"], t["created_at"], t["revoked_at"] or "")
    app.console.print(table)


@account.command("revoke")
@click.argument("token_id", type=int)
@pass_app
def account_revoke(app: AppContext, token_id: int) -> None:
    """Revoke a token: refused from the very next request."""
    with app.store().write() as conn:
        revoke_token(conn, token_id, now=_now())
    app.console.print(f"token {token_id} revoked")


@account.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Enable it again instead.")
@pass_app
def account_disable(app: AppContext, username: str, enable: bool) -> None:
    """Disable an account (all its tokens stop working at once), or enable it again."""
    with app.store().write() as conn:
        acc = set_disabled(conn, username, not enable)
    app.console.print(f"account {acc.username} {'disabled' if acc.disabled else 'enabled'}")


def _now() -> datetime:
    return datetime.now(UTC)


COMMANDS = [serve, account]
