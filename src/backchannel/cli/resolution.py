"""Commands that record identity judgements: judge, unmerge."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

import click

from backchannel.cli.context import AppContext, pass_app
from backchannel.errors import InvalidInput
from backchannel.resolve.cluster import Judgement, Verdict
from backchannel.store.judgement import cluster_of, record_judgement, retract, unmerge


def _judgement_dict(j: Judgement) -> dict[str, object]:
    return {
        "seq": j.seq,
        "left": j.left_id,
        "right": j.right_id,
        "verdict": j.verdict.value,
        "author": j.author,
        "reason": j.reason,
        "at": j.created_at,
    }


@click.command()
@click.argument("first")
@click.argument("second")
@click.argument("verdict", type=click.Choice([v.value for v in Verdict]))
@click.option("--reason", required=True, help="Why: recorded with the judgement.")
@click.option("--author", default=None, help="Who judges (default: the login name).")
@pass_app
def judge(
    app: AppContext, first: str, second: str, verdict: str, reason: str, author: str | None
) -> None:
    """Record that two records are the same person (or not, or unsure).

    Judgements are never overwritten: a new one on the same pair takes effect, the old one stays
    on record. "same" merges the two clusters; "not-same" keeps the pair from being proposed or
    merged again.
    """
    store = app.store()
    try:
        with store.write() as conn:
            j = record_judgement(
                conn,
                first,
                second,
                Verdict(verdict),
                author=author or getpass.getuser(),
                reason=reason,
                now=datetime.now(UTC),
            )
            canonical, members = cluster_of(conn, first)
    finally:
        store.close()
    if app.json:
        app.emit_json({"judgement": _judgement_dict(j), "cluster": canonical, "members": members})
    else:
        app.console.print(f"judgement {j.seq}: {j.left_id} {j.verdict.value} {j.right_id}")
        app.console.print(f"cluster {canonical}: {len(members)} record(s)")


@click.command("unmerge")
@click.argument("entity_id", required=False)
@click.option(
    "--judgement",
    "seq",
    type=int,
    default=None,
    help="Retract this one judgement (by number) instead.",
)
@click.option("--reason", required=True, help="Why: recorded with the retraction.")
@click.option("--author", default=None, help="Who retracts (default: the login name).")
@pass_app
def unmerge_(
    app: AppContext, entity_id: str | None, seq: int | None, reason: str, author: str | None
) -> None:
    """Undo merges: retract every "same" judgement tying ENTITY_ID to others, or one judgement.

    Retractions are recorded; nothing is deleted, and the clusters become exactly what they
    were without the retracted judgements.
    """
    if (entity_id is None) == (seq is None):
        raise InvalidInput("give either ENTITY_ID or --judgement N")
    who = author or getpass.getuser()
    now = datetime.now(UTC)
    store = app.store()
    try:
        with store.write() as conn:
            if seq is not None:
                undone = [retract(conn, seq, author=who, reason=reason, now=now)]
            else:
                assert entity_id is not None
                undone = unmerge(conn, entity_id, author=who, reason=reason, now=now)
    finally:
        store.close()
    if app.json:
        app.emit_json({"retracted": [_judgement_dict(j) for j in undone]})
    else:
        for j in undone:
            app.console.print(
                f"retracted judgement {j.seq}: {j.left_id} {j.verdict.value} {j.right_id}"
            )


COMMANDS = [judge, unmerge_]
