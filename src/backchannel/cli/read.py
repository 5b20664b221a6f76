"""Commands that read the knowledge base: show, search, stats."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from rich.table import Table

from backchannel.audit.log import Action, Event, append, keyed_hash, query_secret
from backchannel.cli.context import AppContext, pass_app
from backchannel.model.statement import State, StoredStatement
from backchannel.store.knowledge import get_entity, person_stats, search


def _short(text: str, width: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _statement_table(
    title: str, stmts: list[StoredStatement], *, show_entity: bool = False
) -> Table:
    table = Table(title=title, title_justify="left")
    if show_entity:
        table.add_column("from")
    for col in ("property", "value", "detail", "source", "grade", "TLP", "valid", "state"):
        table.add_column(col)
    for s in stmts:
        detail = ", ".join(f"{k}={v}" for k, v in sorted(s.qualifiers.items()) if k != "type")
        valid = "–".join(x for x in (s.valid_from or "", s.valid_to or "") if x)
        source = s.source if s.source == s.originator else f"{s.source} (from {s.originator})"
        state = (
            s.state.value
            if s.state is State.CURRENT
            else f"[dim]{s.state.value} (v{s.first_version[:10]}…{s.last_version[:10]})[/dim]"
        )
        row = [s.prop, _short(s.value), detail, source, s.grade, s.tlp.label, valid, state]
        table.add_row(*([s.entity_id] if show_entity else []), *row)
    return table


def actor(app: AppContext) -> str:
    """Who is acting, for the audit log."""
    return f"user:{app.settings.user}"


@click.command()
@click.argument("entity_id")
@click.option("--purpose", default=None, help="Purpose or case reference, for the audit log.")
@pass_app
def show(app: AppContext, entity_id: str, purpose: str | None) -> None:
    """An entity with every statement: value, source, grade, marking, validity and history.

    The consultation is logged (who, when, which ids, why) before anything is shown.
    """
    store = app.store()
    try:
        with store.write() as conn:
            view = get_entity(conn, entity_id)
            shown = {view.id, *view.members}
            event = Event(
                Action.CONSULTATION,
                actor(app),
                subjects=sorted(shown),
                purpose=purpose,
                details={"statements": len(view.statements), "linked_from": len(view.mentioned_by)},
            )
            append(conn, event, now=datetime.now(UTC))
    finally:
        store.close()
    if app.json:
        app.emit_json(view.as_dict())
        return
    app.console.print(f"[bold]{view.label}[/bold]  {view.kind.value}  {view.id}")
    if view.kind.value == "person":
        a = view.assessment
        app.console.print(f"assessed status: [bold]{a.status.value}[/bold] — {a.reason}")
    merged = len(view.members) > 1
    if merged:
        app.console.print(f"merged from {len(view.members)} records: " + ", ".join(view.members))
    app.console.print(_statement_table("statements", view.statements, show_entity=merged))
    if view.mentioned_by:
        app.console.print(_statement_table("linked from", view.mentioned_by, show_entity=True))


@click.command("search")
@click.argument("text")
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="At most this many entities.",
)
@click.option("--purpose", default=None, help="Purpose or case reference, for the audit log.")
@pass_app
def search_(app: AppContext, text: str, limit: int, purpose: str | None) -> None:
    """Find entities by words in their names, aliases (any script) or descriptions.

    The search is logged with the ids it returned; the query itself only as a keyed hash.
    """
    store = app.store()
    try:
        with store.write() as conn:
            hits = search(conn, text, limit=limit)
            event = Event(
                Action.CONSULTATION,
                actor(app),
                subjects=[h.entity_id for h in hits],
                purpose=purpose,
                details={"query_hmac": keyed_hash(query_secret(conn), text), "hits": len(hits)},
            )
            append(conn, event, now=datetime.now(UTC))
    finally:
        store.close()
    if app.json:
        app.emit_json(
            [
                {"id": h.entity_id, "kind": h.kind.value, "label": h.label, "matched": h.matched}
                for h in hits
            ]
        )
        return
    if not hits:
        app.console.print(f"no entity matches {text!r}")
        return
    table = Table(title=f"{len(hits)} match(es) for {text!r}", title_justify="left")
    for col in ("id", "kind", "name", "matched"):
        table.add_column(col)
    for h in hits:
        table.add_row(
            h.entity_id, h.kind.value, h.label, "; ".join(_short(m, 60) for m in h.matched)
        )
    app.console.print(table)


@click.command()
@pass_app
def stats(app: AppContext) -> None:
    """Persons by group × nationality × assessed status."""
    store = app.store()
    try:
        with store.read() as conn:
            counts = person_stats(conn)
    finally:
        store.close()
    rows = sorted(counts.items())
    if app.json:
        app.emit_json(
            [{"group": g, "nationality": n, "status": s, "persons": c} for (g, n, s), c in rows]
        )
        return
    table = Table(title="persons by group × nationality × status", title_justify="left")
    for col in ("group", "nationality", "status", "persons"):
        table.add_column(col, justify="right" if col == "persons" else "left")
    for (g, n, s), c in rows:
        table.add_row(g, n, s, f"{c:,}")
    app.console.print(table)


COMMANDS = [show, search_, stats]
