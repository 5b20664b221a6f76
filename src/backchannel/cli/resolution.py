"""Commands that record identity judgements: judge, unmerge."""

from __future__ import annotations

import getpass
from contextlib import ExitStack
from datetime import UTC, datetime

import click
from rich.progress import Progress
from rich.table import Table

from backchannel.cli.context import AppContext, pass_app
from backchannel.errors import InvalidInput
from backchannel.resolve.cluster import Verdict
from backchannel.resolve.dedup import Scorer
from backchannel.store.dedup import AUTO_MERGE, PROPOSE, deduplicate, list_proposals
from backchannel.store.judgement import cluster_of, record_judgement, retract, unmerge


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
        app.emit_json({"judgement": j.as_dict(), "cluster": canonical, "members": members})
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
        app.emit_json({"retracted": [j.as_dict() for j in undone]})
    else:
        for j in undone:
            app.console.print(
                f"retracted judgement {j.seq}: {j.left_id} {j.verdict.value} {j.right_id}"
            )


@click.command("resolve")
@click.option(
    "--auto-merge",
    default=AUTO_MERGE,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Score at or above which the system records a 'same' judgement itself "
    "(only with strong names and corroborating evidence).",
)
@click.option(
    "--propose",
    default=PROPOSE,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Score at or above which a pair is proposed for review.",
)
@click.option(
    "--engine",
    default="local",
    show_default=True,
    type=click.Choice(["local", "spark"]),
    help="Score pairs on this machine, or on Apache Spark in local mode (needs the 'spark' "
    "extra and Java); both give the same pairs and clusters.",
)
@pass_app
def resolve_(app: AppContext, auto_merge: float, propose: float, engine: str) -> None:
    """Find records of the same person: blocking, scoring, merges and review proposals.

    Judged pairs are never proposed or merged again, and no merge joins clusters an analyst
    has said are not the same. Safe to re-run.
    """
    if propose > auto_merge:
        raise InvalidInput("--propose must not exceed --auto-merge")
    store = app.store()
    try:
        with (
            ExitStack() as stack,
            Progress(
                *Progress.get_default_columns(),
                console=app.console,
                transient=True,
                disable=app.json,
            ) as progress,
        ):
            task = progress.add_task("scoring candidate pairs", total=None)
            scorer = _spark_scorer(stack) if engine == "spark" else None
            with store.write() as conn:
                summary = deduplicate(
                    conn,
                    now=datetime.now(UTC),
                    auto_merge=auto_merge,
                    propose=propose,
                    scorer=scorer,
                    progress=lambda n, total: progress.update(task, completed=n, total=total),
                )
    finally:
        store.close()
    if app.json:
        app.emit_json(summary.as_dict())
        return
    table = Table(title="resolution", title_justify="left", show_header=False)
    for key, value in summary.as_dict().items():
        table.add_row(key.replace("_", " "), f"{value:,}")
    app.console.print(table)
    app.console.print("review proposals with: backchannel proposals")


def _spark_scorer(stack: ExitStack) -> Scorer:
    """The Spark scorer on a local session that ``stack`` stops."""
    try:
        from backchannel.resolve.spark import local_spark_session, spark_scorer
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in ("pyspark", "py4j"):
            raise  # a bug, not a missing extra
        raise InvalidInput(
            "--engine spark needs pyspark", why=f"install the 'spark' extra: {exc}"
        ) from None
    return spark_scorer(stack.enter_context(local_spark_session()))


@click.command()
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="At most this many proposals, best first.",
)
@pass_app
def proposals(app: AppContext, limit: int) -> None:
    """Pairs the last `resolve` run proposes for review, best first, with the evidence."""
    store = app.store()
    try:
        with store.read() as conn:
            rows = list_proposals(conn, limit=limit)
    finally:
        store.close()
    if app.json:
        app.emit_json(rows)
        return
    table = Table(title=f"{len(rows)} proposal(s)", title_justify="left")
    for col in ("score", "left", "right", "why"):
        table.add_column(col, overflow="fold")
    for r in rows:
        ev = r["evidence"]
        why = ev["name"]["detail"] if ev.get("name") else ""
        levels = ", ".join(
            f"{f['feature']} {f['level']}"
            for f in ev["features"]
            if f["feature"] not in ("bias", "name") and f["level"] != "missing"
        )
        table.add_row(f"{r['score']:.2f}", r["left"], r["right"], f"{why}; {levels}".strip("; "))
    app.console.print(table)
    app.console.print("decide with: backchannel judge LEFT RIGHT same|not-same|unsure --reason …")


COMMANDS = [judge, unmerge_, resolve_, proposals]
