"""``taxii pull``: import a partner's TAXII 2.1 collection, incrementally."""

from __future__ import annotations

import os

import click
import httpx

from backchannel.cli.context import AppContext, pass_app
from backchannel.errors import InvalidInput
from backchannel.model.envelope import Envelope
from backchannel.model.vocab import TLP, Credibility, Reliability
from backchannel.taxii.client import PullSummary, pull


@click.group()
def taxii() -> None:
    """TAXII 2.1 client (the server runs under `serve`, at /taxii2/)."""


def _secret(var: str) -> str:
    value = os.environ.get(var, "")
    if not value:
        raise InvalidInput(f"environment variable {var} is not set or empty")
    return value


@taxii.command("pull")
@click.argument("url")
@click.option("--collection", required=True, help="Collection id.")
@click.option("--since", default=None, help="added_after for this pull (default: last position).")
@click.option("--token-env", default=None, metavar="VAR", help="Bearer token from $VAR.")
@click.option("--user", default=None, help="HTTP Basic user (with --password-env).")
@click.option("--password-env", default=None, metavar="VAR", help="HTTP Basic password from $VAR.")
@click.option("--source", required=True, help="The partner delivering (recorded as source).")
@click.option("--originator", default=None, help="Who the information came from (default: source).")
@click.option("--tlp", default="amber", show_default=True, help="Marking for unmarked objects.")
@click.option("--reliability", default="F", show_default=True, help="Admiralty A–F.")
@click.option("--credibility", default="6", show_default=True, help="Default credibility 1–6.")
@click.option("--page-size", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@pass_app
def taxii_pull(
    app: AppContext,
    url: str,
    collection: str,
    since: str | None,
    token_env: str | None,
    user: str | None,
    password_env: str | None,
    source: str,
    originator: str | None,
    tlp: str,
    reliability: str,
    credibility: str,
    page_size: int,
) -> None:
    """Pull every object version added to a collection since the last pull from URL (an API
    root or discovery URL). Each page is imported and the position saved in one transaction,
    so an interrupted pull resumes where it stopped."""
    if token_env and user:
        raise InvalidInput("give --token-env or --user/--password-env, not both")
    auth: httpx.Auth | None = None
    headers: dict[str, str] = {}
    if token_env:
        headers["Authorization"] = f"Bearer {_secret(token_env)}"
    elif user:
        if not password_env:
            raise InvalidInput("--user needs --password-env")
        auth = httpx.BasicAuth(user, _secret(password_env))
    if not source.strip():
        raise InvalidInput("--source must not be empty")
    envelope = Envelope(
        source=source,
        originator=originator or source,
        channel="taxii",
        tlp=TLP.parse(tlp),
        reliability=Reliability.parse(reliability),
        credibility=Credibility.parse(credibility),
    )

    def progress(s: PullSummary) -> None:
        if not app.json:
            app.console.print(f"page {s.pages}: {s.objects} objects, up to {s.added_last}")

    with httpx.Client(auth=auth, headers=headers, timeout=120) as client:
        summary = pull(
            app.store(),
            client,
            url,
            collection,
            envelope,
            since=since,
            page_size=page_size,
            actor=f"user:{app.settings.user}",
            on_page=progress,
        )
    if app.json:
        app.emit_json(summary.as_dict())
    else:
        c = summary.counts
        app.console.print(
            f"pulled {summary.objects} objects in {summary.pages} pages: {c.new} new, "
            f"{c.new_version} new versions, {c.unchanged} unchanged, "
            f"{len(summary.rejected)} rejected"
        )
        for line in summary.rejected[:20]:
            app.console.print(f"  rejected {line}")


COMMANDS = [taxii]
