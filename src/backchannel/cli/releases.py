"""Commands for releases to partners: preview, publish, bundles, statistics, receipts."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

import click
import orjson
from rich.table import Table

from backchannel.audit.key import parse_verifier_key, signing_key
from backchannel.cli.context import AppContext, parse_json, pass_app, read_text
from backchannel.cli.liaison import log_consultation, now_utc, output_option
from backchannel.errors import InvalidInput
from backchannel.liaison.receipt import verify_release
from backchannel.liaison.statistics import STATUSES
from backchannel.stix.bundle import BundleWriter
from backchannel.store.partners import (
    get_partner,
)
from backchannel.store.releases import (
    plan_release,
    publish,
    receipt_for_release,
    released_objects,
)
from backchannel.store.statistics import (
    partner_statistics,
    publish_statistics,
    statistics_note,
)


@click.group()
def release() -> None:
    """Releases to partners: preview (a dry run with reasons) and publish."""


@release.command("preview")
@click.option("--partner", "partner_id", required=True, help="The receiving partner.")
@click.option("--entity", "entities", multiple=True, help="Only these entities (repeatable).")
@pass_app
def release_preview(app: AppContext, partner_id: str, entities: tuple[str, ...]) -> None:
    """What a publish would release now, entity by entity, with the reasons for every
    withheld or redacted one. Nothing is released."""
    with app.store().write() as conn:
        plan = plan_release(conn, partner_id, now=now_utc(), entity_ids=list(entities) or None)
        log_consultation(
            app, conn, [d.entity_id for d in plan.decisions], f"release preview {partner_id}"
        )
    if app.json:
        app.emit_json(plan.as_dict())
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
    if plan.passed_over:
        app.console.print(
            f"{plan.passed_over} more entities withheld without being read: of a kind the "
            "agreement does not cover, or persons with no fact in its scope"
        )
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
            now=now_utc(),
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
@output_option
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
    now = now_utc()
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
@output_option
@pass_app
def release_receipt(
    app: AppContext, partner_id: str, release_seq: int, output: Path | None
) -> None:
    """The receipt for a release: its disclosure entry in the audit log, the inclusion proof
    and a signed checkpoint. Hand it to the partner with the bundle (`release bundle
    --release N`); `release verify` checks the two together, offline."""
    with app.store().write() as conn:
        doc = receipt_for_release(
            conn, partner_id, release_seq, signing_key(app.settings), now=now_utc()
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
    doc = parse_json(read_text(receipt_file), where=str(receipt_file))
    bundle = parse_json(read_text(bundle_file), where=str(bundle_file))
    objects = bundle.get("objects") if isinstance(bundle, dict) else None
    if not isinstance(objects, list):
        raise InvalidInput("not a STIX bundle", where=str(bundle_file))
    key = parse_verifier_key(read_text(key_file))
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


COMMANDS = [release]
