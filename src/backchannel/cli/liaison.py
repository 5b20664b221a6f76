"""Commands for liaison: partners, agreements, releases and reviews."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import orjson
from rich.table import Table
from sqlalchemy import Connection

from backchannel.audit.key import parse_verifier_key, signing_key
from backchannel.audit.log import Action, Event, append
from backchannel.cli.context import AppContext, pass_app
from backchannel.cli.read import actor
from backchannel.errors import InvalidInput
from backchannel.liaison.policy import OWN, PUBLIC
from backchannel.liaison.receipt import verify_release
from backchannel.liaison.statistics import STATUSES
from backchannel.stix.bundle import BundleWriter
from backchannel.store.partners import (
    add_partner,
    agreement_history,
    change_agreement,
    current_agreement,
    get_partner,
    list_partners,
    set_originator,
)
from backchannel.store.releases import (
    Plan,
    plan_release,
    publish,
    receipt_for_release,
    released_objects,
)
from backchannel.store.requests import (
    RequestState,
    approve_request,
    deny_request,
    list_requests,
    preview_request,
    submit_request,
)
from backchannel.store.reviews import due_reviews, record_review
from backchannel.store.statistics import (
    partner_statistics,
    publish_statistics,
    statistics_note,
)


def _now() -> datetime:
    return datetime.now(UTC)


def _consulted(app: AppContext, conn: Connection, subjects: list[str], purpose: str) -> None:
    """A preview shows person data to the approver: log the consultation (LG-1)."""
    append(
        conn,
        Event(Action.CONSULTATION, actor(app), subjects=subjects, purpose=purpose),
        now=_now(),
    )


_output = click.option(
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
            now=_now(),
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
            now=_now(),
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
    text = terms_file.read_bytes() if terms_file else (terms_json or "").encode()
    try:
        changes = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput("not JSON", where=where, why=str(exc)) from None
    if not isinstance(changes, dict):
        raise InvalidInput("terms must be a JSON object", where=where)
    with app.store().write() as conn:
        v = change_agreement(
            conn, partner_id, changes, author=app.settings.user, reason=reason, now=_now()
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


@click.group()
def release() -> None:
    """Releases to partners: preview (a dry run with reasons) and publish."""


def _plan_dict(plan: Plan, *, reasons: bool) -> dict[str, Any]:
    out: dict[str, Any] = plan.summary()
    if reasons:
        out["decisions"] = [
            {
                "entity": d.entity_id,
                "kind": d.kind.value,
                "action": d.decision.action.value,
                "reasons": [r.as_dict() for r in d.decision.reasons],
            }
            for d in plan.decisions
        ]
    out["objects"] = plan.objects
    return out


@release.command("preview")
@click.option("--partner", "partner_id", required=True, help="The receiving partner.")
@click.option("--entity", "entities", multiple=True, help="Only these entities (repeatable).")
@pass_app
def release_preview(app: AppContext, partner_id: str, entities: tuple[str, ...]) -> None:
    """What a publish would release now, entity by entity, with the reasons for every
    withheld or redacted one. Nothing is released."""
    with app.store().write() as conn:
        plan = plan_release(conn, partner_id, now=_now(), entity_ids=list(entities) or None)
        _consulted(
            app, conn, [d.entity_id for d in plan.decisions], f"release preview {partner_id}"
        )
    if app.json:
        app.emit_json(_plan_dict(plan, reasons=True))
        return
    table = Table("entity", "kind", "decision", "reasons")
    for d in plan.decisions:
        table.add_row(
            d.entity_id,
            d.kind.value,
            d.decision.action.value,
            "; ".join(f"{r.code}: {r.detail}" for r in d.decision.reasons),
        )
    app.console.print(table)
    s = plan.summary()
    app.console.print(
        f"{s['new_versions']} new object versions, {s['revocations']} revocations, "
        f"{s['unchanged']} unchanged" + (f"; relayed through {plan.via}" if plan.via else "")
    )


@release.command("publish")
@click.option("--partner", "partner_id", required=True, help="The receiving partner.")
@click.option("--entity", "entities", multiple=True, help="Only these entities (repeatable).")
@click.option("--purpose", required=True, help="Purpose or case reference (audited).")
@pass_app
def release_publish(
    app: AppContext, partner_id: str, entities: tuple[str, ...], purpose: str
) -> None:
    """Publish a release: the partner can fetch it from now on, and the disclosure is in the
    audit log (in the same transaction)."""
    with app.store().write() as conn:
        pub = publish(
            conn,
            partner_id,
            author=app.settings.user,
            purpose=purpose,
            now=_now(),
            entity_ids=list(entities) or None,
        )
    if app.json:
        app.emit_json(pub.as_dict())
    elif not pub.seq:
        app.console.print(f"nothing new to publish to {partner_id}")
    else:
        app.console.print(
            f"release {pub.seq} to {partner_id}"
            + (f" through {pub.via}" if pub.via else "")
            + f": {pub.objects} object versions ({pub.revocations} revocations); "
            f"audit entries {', '.join(map(str, pub.audit_seqs))}"
        )


@release.command("bundle")
@click.option("--partner", "partner_id", required=True)
@click.option("--release", "release_seq", type=int, default=None, help="One release only.")
@_output
@pass_app
def release_bundle(
    app: AppContext, partner_id: str, release_seq: int | None, output: Path | None
) -> None:
    """The STIX bundle of what a partner was given (every version, or one release's)."""
    with app.store().read() as conn:
        get_partner(conn, partner_id)
        objects = released_objects(conn, partner_id, release_seq=release_seq)
    with ExitStack() as stack:
        out = stack.enter_context(output.open("wb")) if output else sys.stdout.buffer
        writer = BundleWriter(out, indent=True)
        for obj in objects:
            writer.write(obj)
        writer.close()


@release.command("stats")
@click.option("--partner", "partner_id", required=True, help="The receiving partner.")
@click.option("--k", "k", type=int, default=5, show_default=True, help="Suppress counts under k.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "stix"]),
    default="table",
    help="Output format (--json implies json).",
)
@click.option("--publish", is_flag=True, help="Publish it to the partner as a STIX note.")
@click.option("--purpose", default=None, help="Purpose or case reference (needed to publish).")
@pass_app
def release_stats(
    app: AppContext, partner_id: str, k: int, fmt: str, publish: bool, purpose: str | None
) -> None:
    """Counts of persons by group × nationality × status for a partner, with small counts
    suppressed (and enough others that they cannot be worked out from the totals)."""
    now = _now()
    with app.store().write() as conn:
        table = partner_statistics(conn, partner_id, now=now, k=k)
        note = statistics_note(conn, partner_id, table)[-1]
        pub = None
        if publish:
            if not purpose:
                raise InvalidInput("--publish needs --purpose")
            pub = publish_statistics(
                conn, partner_id, table, author=app.settings.user, purpose=purpose, now=now
            )
    if app.json or fmt == "json":
        app.emit_json(table.as_dict() | ({"release": pub.as_dict()} if pub else {}))
        return
    if fmt == "csv":
        click.echo(table.to_csv(), nl=False)
    elif fmt == "stix":
        click.echo(orjson.dumps(note, option=orjson.OPT_INDENT_2).decode())
    else:
        for group in table.groups:
            grid = Table(group.group, *[s.value for s in STATUSES], "total")
            for nat in [*group.nationalities, None]:
                grid.add_row(
                    nat or "total",
                    *[_cell(group.value(nat, s)) for s in [*STATUSES, None]],
                )
            app.console.print(grid)
    if pub:
        app.console.print(f"published as release {pub.seq} (audit {pub.audit_seqs[-1]})")


def _cell(value: int | None) -> str:
    return "·" if value is None else str(value)


@release.command("receipt")
@click.option("--partner", "partner_id", required=True)
@click.option("--release", "release_seq", type=int, required=True)
@_output
@pass_app
def release_receipt(
    app: AppContext, partner_id: str, release_seq: int, output: Path | None
) -> None:
    """The receipt for a release: its disclosure entry in the audit log, the inclusion proof
    and a signed checkpoint. Hand it to the partner with the bundle (`release bundle
    --release N`); `release verify` checks the two together, offline."""
    with app.store().write() as conn:
        doc = receipt_for_release(
            conn, partner_id, release_seq, signing_key(app.settings), now=_now()
        )
    data = orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"
    if output:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)


@release.command("verify")
@click.argument("receipt_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--bundle",
    "bundle_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The bundle of that release.",
)
@click.option(
    "--public-key",
    "key_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The log's public key (`audit public-key`).",
)
@click.option(
    "--partner", "partner_id", default=None, help="Check it was disclosed to this partner."
)
@pass_app
def release_verify(
    app: AppContext, receipt_file: Path, bundle_file: Path, key_file: Path, partner_id: str | None
) -> None:
    """Check a release bundle against its receipt with the public key alone (no database):
    the entry is in the signed log, it is a disclosure (to the partner), and the bundle is
    exactly the one disclosed. Exit 1 with the problems otherwise."""
    doc = _json_file(receipt_file)
    bundle = _json_file(bundle_file)
    objects = bundle.get("objects") if isinstance(bundle, dict) else None
    if not isinstance(objects, list):
        raise InvalidInput("not a STIX bundle", where=str(bundle_file))
    key = parse_verifier_key(key_file.read_text(encoding="utf-8").strip())
    problems = verify_release(doc, objects, key, partner_id=partner_id)
    if app.json:
        app.emit_json({"verified": not problems, "problems": problems})
    elif problems:
        for p in problems:
            click.echo(f"problem: {p}", err=True)
    else:
        app.console.print(f"verified: {len(objects)} objects, disclosure logged and signed")
    if problems:
        raise SystemExit(1)


def _json_file(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput("not JSON", where=str(path), why=str(exc)) from None


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
            conn, partner_id, query, purpose=purpose, created_by=app.settings.user, now=_now()
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
        preview = preview_request(conn, request_id, now=_now())
        _consulted(
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
            now=_now(),
            only=list(only) or None,
        )
    if app.json:
        app.emit_json(req.as_dict() | {"published": pub.as_dict() if pub else None})
    else:
        app.console.print(
            f"request {req.id} {req.state.value}"
            + (
                f": release {pub.seq}, {pub.objects} object versions"
                if pub
                else ": nothing to release"
            )
        )


@request_group.command("deny")
@click.argument("request_id", type=int)
@click.option("--reason", required=True, help="Why (the partner sees it).")
@pass_app
def request_deny(app: AppContext, request_id: int, reason: str) -> None:
    """Deny a request with a reason."""
    with app.store().write() as conn:
        req = deny_request(conn, request_id, approver=app.settings.user, reason=reason, now=_now())
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
        due = due_reviews(conn, _now(), within=timedelta(days=within_days))
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
            conn, entity_id, reviewer=app.settings.user, reason=reason, now=_now(), years=years
        )
    if app.json:
        app.emit_json(d.as_dict())
    else:
        app.console.print(f"{d.entity_id}: next review due {d.due}")


COMMANDS = [partner, agreement, release, request_group, review]
