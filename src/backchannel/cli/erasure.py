"""The command that erases a person: erase."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from backchannel.cli.context import AppContext, pass_app
from backchannel.store.erasure import erase_person


@click.command()
@click.argument("entity_id")
@click.option(
    "--reason",
    required=True,
    help="Why (retention period, legal order). Logged only as a keyed hash.",
)
@pass_app
def erase(app: AppContext, entity_id: str, reason: str) -> None:
    """Erase a person: every record merged into ENTITY_ID, everything derived from them, and
    the relationships and references to them, in one transaction with one audit entry.

    Partners that were given the person get a revocation notice (a last version with
    `revoked: true` and no personal data); the earlier copies kept of what they were given are
    deleted. Other records that referred to the person keep everything but the reference and
    are listed for review, since their free text may still mention the person. This cannot be
    undone. See docs/erasure.md.
    """
    store = app.store()
    try:
        with store.write() as conn:
            report = erase_person(
                conn, entity_id, actor=app.settings.user, reason=reason, now=datetime.now(UTC)
            )
    finally:
        store.close()
    if app.json:
        app.emit_json(report.as_dict())
        return
    app.console.print(
        f"erased {len(report.members)} record(s) of {report.canonical_id}: "
        + ", ".join(f"{n} {t}" for t, n in sorted(report.deleted.items()) if n)
    )
    for notice in report.notices:
        app.console.print(
            f"revocation notice to {notice['partner']}: release {notice['release']}, "
            f"{notice['revocations']} object(s)"
        )
    for record_id in report.review:
        app.console.print(f"review {record_id}: it may still mention the person in its text")
    app.console.print(f"audit entry {report.audit_seq}")


COMMANDS = [erase]
