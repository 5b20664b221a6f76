"""Commands for partners' requests and for reviews of stored persons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import click
from rich.table import Table

from backchannel.cli.context import AppContext, pass_app
from backchannel.cli.liaison import log_consultation, now_utc
from backchannel.liaison.statistics import STATUSES
from backchannel.store.requests import (
    RequestState,
    approve_request,
    deny_request,
    list_requests,
    preview_request,
    submit_request,
)
from backchannel.store.reviews import due_reviews, record_review


@click.group("request")
def request_group() -> None:
    """Partners' requests: queued for an approver, who approves all, part, or denies."""


@request_group.command("submit")
@click.option("--partner", "partner_id", required=True, help="The asking partner.")
@click.option("--nationality", "nationalities", multiple=True, help="ISO code (repeatable).")
@click.option("--group", "groups", multiple=True, help="A group's entity id (repeatable).")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice([s.value for s in STATUSES]),
    help="Assessed status (repeatable).",
)
@click.option("--entity", "entities", multiple=True, help="A person's entity id (repeatable).")
@click.option("--purpose", required=True, help="The partner's stated purpose.")
@pass_app
def request_submit(
    app: AppContext,
    partner_id: str,
    nationalities: tuple[str, ...],
    groups: tuple[str, ...],
    statuses: tuple[str, ...],
    entities: tuple[str, ...],
    purpose: str,
) -> None:
    """Queue a partner's request (e.g. persons of nationality AU in group G, with status)."""
    query: dict[str, Any] = {"entities": list(entities)}
    for key, values in (
        ("nationalities", nationalities),
        ("groups", groups),
        ("statuses", statuses),
    ):
        if values:
            query[key] = list(values)
    with app.store().write() as conn:
        req = submit_request(
            conn, partner_id, query, purpose=purpose, created_by=app.settings.user, now=now_utc()
        )
    if app.json:
        app.emit_json(req.as_dict())
    else:
        app.console.print(f"request {req.id} from {partner_id} queued for an approver")


@request_group.command("list")
@click.option("--partner", "partner_id", default=None)
@click.option("--state", type=click.Choice([s.value for s in RequestState]), default=None)
@pass_app
def request_list(app: AppContext, partner_id: str | None, state: str | None) -> None:
    """Requests, oldest first."""
    with app.store().read() as conn:
        reqs = list_requests(
            conn, partner_id=partner_id, state=RequestState(state) if state else None
        )
    if app.json:
        app.emit_json([r.as_dict() for r in reqs])
        return
    table = Table("id", "partner", "state", "query", "purpose", "decided by")
    for r in reqs:
        q = {k: v for k, v in (r.scope.as_dict() | {"entities": list(r.entities)}).items() if v}
        table.add_row(str(r.id), r.partner_id, r.state.value, str(q), r.purpose, r.decided_by or "")
    app.console.print(table)


@request_group.command("show")
@click.argument("request_id", type=int)
@pass_app
def request_show(app: AppContext, request_id: int) -> None:
    """A request with the policy preview: the persons it would release and why."""
    with app.store().write() as conn:
        preview = preview_request(conn, request_id, now=now_utc())
        log_consultation(
            app, conn, [d.entity_id for d in preview.matches], f"request {request_id} preview"
        )
    if app.json:
        app.emit_json(preview.as_dict())
        return
    r = preview.request
    app.console.print(f"request {r.id} from {r.partner_id} ({r.state.value}): {r.purpose}")
    for d in preview.matches:
        why = "; ".join(f"{x.code}: {x.detail}" for x in d.decision.reasons)
        app.console.print(f"  {d.decision.action.value:8} {d.entity_id} {why}")
    s = preview.plan.summary()
    app.console.print(
        f"{len(preview.matches)} matching persons may be released; "
        f"{s['new_versions']} new object versions"
    )


@request_group.command("approve")
@click.argument("request_id", type=int)
@click.option("--only", "only", multiple=True, help="Approve only these persons (repeatable).")
@click.option("--reason", default="", help="Why (recorded).")
@pass_app
def request_approve(app: AppContext, request_id: int, only: tuple[str, ...], reason: str) -> None:
    """Approve a request (all matches, or --only some) and publish the release."""
    with app.store().write() as conn:
        req, pub = approve_request(
            conn,
            request_id,
            approver=app.settings.user,
            reason=reason,
            now=now_utc(),
            only=list(only) or None,
        )
    if app.json:
        app.emit_json(req.as_dict() | {"published": pub.as_dict() if pub else None})
    else:
        app.console.print(
            f"request {req.id} {req.state.value}"
            + (
                f": release {pub.seq}, {pub.objects} object versions"
                if pub and pub.seq
                else ": nothing new to release"
            )
        )


@request_group.command("deny")
@click.argument("request_id", type=int)
@click.option("--reason", required=True, help="Why (the partner sees it).")
@pass_app
def request_deny(app: AppContext, request_id: int, reason: str) -> None:
    """Deny a request with a reason."""
    with app.store().write() as conn:
        req = deny_request(
            conn, request_id, approver=app.settings.user, reason=reason, now=now_utc()
        )
    if app.json:
        app.emit_json(req.as_dict())
    else:
        app.console.print(f"request {req.id} denied")


@click.group()
def review() -> None:
    """Periodic review of stored persons (default every five years)."""


@review.command("due")
@click.option("--within-days", type=int, default=183, help="Also list what falls due soon.")
@pass_app
def review_due(app: AppContext, within_days: int) -> None:
    """Persons whose review is overdue (not releasable) or falls due soon."""
    with app.store().read() as conn:
        due = due_reviews(conn, now_utc(), within=timedelta(days=within_days))
    if app.json:
        app.emit_json([d.as_dict() for d in due])
        return
    table = Table("person", "due", "state", "last review")
    for d in due:
        table.add_row(d.entity_id, d.due, "overdue" if d.overdue else "due soon", d.last_review)
    app.console.print(table)
    app.console.print(f"{len(due)} persons")


@review.command("done")
@click.argument("entity_id")
@click.option("--reason", required=True, help="Why the record is still needed.")
@click.option("--years", type=int, default=5, help="Next review in this many years (1-5).")
@pass_app
def review_done(app: AppContext, entity_id: str, reason: str, years: int) -> None:
    """Record a review of a person: keep it, with a reason, until the next review."""
    with app.store().write() as conn:
        d = record_review(
            conn, entity_id, reviewer=app.settings.user, reason=reason, now=now_utc(), years=years
        )
    if app.json:
        app.emit_json(d.as_dict())
    else:
        app.console.print(f"{d.entity_id}: next review due {d.due}")


COMMANDS = [request_group, review]
