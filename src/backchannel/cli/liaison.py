"""Commands for liaison: partners and their agreements (shared helpers for the release and
request commands live here too)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from rich.table import Table
from sqlalchemy import Connection

from backchannel.audit.log import Action, Event, append
from backchannel.cli.context import AppContext, parse_json, pass_app, read_text
from backchannel.cli.read import actor
from backchannel.errors import InvalidInput
from backchannel.liaison.policy import OWN, PUBLIC
from backchannel.store.partners import (
    add_partner,
    agreement_history,
    change_agreement,
    current_agreement,
    get_partner,
    list_partners,
    set_originator,
)


def now_utc() -> datetime:
    return datetime.now(UTC)


def log_consultation(app: AppContext, conn: Connection, subjects: list[str], purpose: str) -> None:
    """A preview shows person data to the approver: log the consultation (LG-1)."""
    append(
        conn,
        Event(Action.CONSULTATION, actor(app), subjects=subjects, purpose=purpose),
        now=now_utc(),
    )


output_option = click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write here instead of standard output.",
)


@click.group()
def partner() -> None:
    """Partner services: who they are and under which names their data arrives."""


@partner.command("add")
@click.argument("partner_id")
@click.option("--name", required=True, help="The partner organisation's name.")
@click.option("--contact", "contacts", multiple=True, help="A contact (repeatable).")
@click.option(
    "--originator",
    "originators",
    multiple=True,
    help="An originator name under which this partner's data arrives (repeatable; its id "
    "always is one).",
)
@pass_app
def partner_add(
    app: AppContext,
    partner_id: str,
    name: str,
    contacts: tuple[str, ...],
    originators: tuple[str, ...],
) -> None:
    """Register a partner. It has no agreement (nothing is released) until one is set."""
    with app.store().write() as conn:
        p = add_partner(
            conn,
            partner_id,
            name,
            contacts=contacts,
            originators=originators,
            author=app.settings.user,
            now=now_utc(),
        )
    if app.json:
        app.emit_json(p.as_dict())
    else:
        app.console.print(f"partner {p.id} added ({p.name}); no agreement yet")


@partner.command("list")
@pass_app
def partner_list(app: AppContext) -> None:
    """All partners with their current agreement status."""
    with app.store().read() as conn:
        rows = [(p, current_agreement(conn, p.id)) for p in list_partners(conn)]
    if app.json:
        app.emit_json([p.as_dict() | {"agreement": a.as_dict() if a else None} for p, a in rows])
        return
    table = Table("partner", "name", "agreement", "version", "granularity", "via")
    for p, a in rows:
        t = a.terms if a else None
        table.add_row(
            p.id,
            p.name,
            t.status.value if t else "none",
            str(a.version) if a else "-",
            t.granularity.value if t else "-",
            (t.via or "direct") if t else "-",
        )
    app.console.print(table)


@partner.command("originator")
@click.argument("name")
@click.argument("kind", type=click.Choice(["own", "public", "partner"]))
@click.option("--partner", "partner_id", default=None, help="The partner, for kind 'partner'.")
@pass_app
def partner_originator(app: AppContext, name: str, kind: str, partner_id: str | None) -> None:
    """Say who an originator (as recorded on imported facts) is.

    own: our service's own collection; public: published sources (sanctions lists, press);
    partner: a partner's (the third-party rule applies). Facts from an originator nobody has
    classified are never released. A classification is never changed afterwards.
    """
    kinds = {"own": OWN, "public": PUBLIC, "partner": "partner"}
    with app.store().write() as conn:
        set_originator(
            conn,
            name,
            kinds[kind],
            partner_id=partner_id,
            author=app.settings.user,
            now=now_utc(),
        )
    if app.json:
        app.emit_json({"originator": name, "kind": kind, "partner": partner_id})
    else:
        app.console.print(f"originator {name!r}: {partner_id or kind}")


@click.group()
def agreement() -> None:
    """Agreements with partners: versioned terms that say what may be released."""


_TERMS_HELP = """Terms as JSON (a partial object changes only those fields), e.g.
'{"status": "active", "tlp_ceiling": "amber", "categories": ["persons", "status"],
"granularity": "person-level", "scope": {"nationalities": ["AU"]}, "purpose": "CT"}'.
See docs/liaison.md for every field."""


@agreement.command("set")
@click.argument("partner_id")
@click.option("--terms", "terms_json", default=None, help=_TERMS_HELP)
@click.option(
    "--file",
    "terms_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the terms from this JSON file instead.",
)
@click.option("--reason", required=True, help="Why the terms change (kept in the history).")
@pass_app
def agreement_set(
    app: AppContext,
    partner_id: str,
    terms_json: str | None,
    terms_file: Path | None,
    reason: str,
) -> None:
    """Change a partner's agreement: a new version is added, the old ones are kept.

    The whole result is validated; an invalid combination is rejected and nothing changes.
    """
    if (terms_json is None) == (terms_file is None):
        raise InvalidInput("give the terms with exactly one of --terms or --file")
    where = str(terms_file) if terms_file else "--terms"
    changes = parse_json(read_text(terms_file) if terms_file else terms_json or "", where=where)
    if not isinstance(changes, dict):
        raise InvalidInput("terms must be a JSON object", where=where)
    with app.store().write() as conn:
        v = change_agreement(
            conn, partner_id, changes, author=app.settings.user, reason=reason, now=now_utc()
        )
    if app.json:
        app.emit_json(v.as_dict())
    else:
        app.console.print(f"agreement with {partner_id}: version {v.version} ({v.terms.status})")


@agreement.command("show")
@click.argument("partner_id")
@click.option("--history", is_flag=True, help="Every version, oldest first.")
@pass_app
def agreement_show(app: AppContext, partner_id: str, history: bool) -> None:
    """A partner's current agreement (or its whole history)."""
    with app.store().read() as conn:
        get_partner(conn, partner_id)
        versions = agreement_history(conn, partner_id)
    if not history:
        versions = versions[-1:]
    if app.json:
        app.emit_json([v.as_dict() for v in versions])
        return
    if not versions:
        app.console.print(f"{partner_id}: no agreement (nothing is released)")
    for v in versions:
        app.console.print(
            f"[bold]version {v.version}[/] by {v.author} at {v.created_at}: {v.reason}"
        )
        for key, value in v.terms.as_dict().items():
            app.console.print(f"  {key}: {value}")


COMMANDS = [partner, agreement]
