"""Commands for name screening and derived data: screen, rebuild."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import orjson
from rich.table import Table

from backchannel.cli.context import AppContext, pass_app
from backchannel.errors import InvalidInput
from backchannel.model.partial_date import parse_partial_date
from backchannel.resolve.screening import (
    MATCH_THRESHOLD,
    REVIEW_THRESHOLD,
    Candidate,
    ScreeningIndex,
    query_profile,
)
from backchannel.store.judgement import rebuild_clusters
from backchannel.store.screening import load_index, rebuild_profiles

_QUERY_FIELDS = {"id", "name", "birth_date", "nationality", "gender"}


def _check_query(q: dict[str, Any], where: str) -> None:
    unknown = set(q) - _QUERY_FIELDS
    if unknown:
        raise InvalidInput(
            f"unknown field(s) {sorted(unknown)}",
            where=where,
            why=f"expected {sorted(_QUERY_FIELDS)}",
        )
    if not isinstance(q.get("name"), str) or not q["name"].strip():
        raise InvalidInput("'name' must be a non-empty string", where=where)
    for key in ("id", "birth_date", "nationality", "gender"):
        if key in q and q[key] is not None and not isinstance(q[key], str):
            raise InvalidInput(f"'{key}' must be a string", where=where)
    if q.get("birth_date"):
        parse_partial_date(q["birth_date"], where=f"{where}: birth_date")
    nat = q.get("nationality")
    if nat and (len(nat) != 2 or not nat.isalpha()):
        raise InvalidInput(f"nationality {nat!r} is not an ISO 3166-1 alpha-2 code", where=where)


def _screen_one(index: ScreeningIndex, q: dict[str, Any], top: int) -> list[Candidate]:
    profile = query_profile(
        q["name"],
        birth_date=q.get("birth_date"),
        nationality=q.get("nationality"),
        gender=q.get("gender"),
        query_id=str(q.get("id", "query")),
    )
    return index.screen(profile, top=top)


@click.command()
@click.option("--name", default=None, help="The name to screen, in any script.")
@click.option("--birth-date", default=None, help="YYYY, YYYY-MM, YYYY-MM-DD or a range A/B.")
@click.option("--nationality", default=None, help="ISO 3166-1 alpha-2 code.")
@click.option(
    "--gender",
    type=click.Choice(["male", "female"]),
    default=None,
    help="The person's gender, if known.",
)
@click.option(
    "--top",
    default=10,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="At most this many candidates per query.",
)
@click.option(
    "--queries",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Batch mode: JSON lines {id, name, birth_date?, "
    "nationality?, gender?}; writes one JSON line per query.",
)
@pass_app
def screen(
    app: AppContext,
    name: str | None,
    birth_date: str | None,
    nationality: str | None,
    gender: str | None,
    top: int,
    queries: Path | None,
) -> None:
    """Do we know this person? Candidates ranked by a calibrated score, each explained.

    Candidates at or above the match threshold are matches; those in the review band below it
    are shown for an analyst to judge. Records judged the same are screened as one person.
    """
    if (name is None) == (queries is None):
        raise InvalidInput("give either --name or --queries FILE")
    single: dict[str, Any] | None = None
    if name is not None:
        single = {"id": "query", "name": name}
        for key, value in (
            ("birth_date", birth_date),
            ("nationality", nationality),
            ("gender", gender),
        ):
            if value is not None:
                single[key] = value
        _check_query(single, "query")
    store = app.store()
    try:
        index = load_index(store)
    finally:
        store.close()
    if single is not None:
        _print_single(app, single, _screen_one(index, single, top))
        return
    assert queries is not None
    failed = 0
    with queries.open("rb") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"{queries}:{line_no}"
            try:
                q = orjson.loads(line)
                if not isinstance(q, dict):
                    raise InvalidInput("expected a JSON object", where=where)
                _check_query(q, where)
            except orjson.JSONDecodeError as exc:
                failed += 1
                click.echo(f"error: {where}: malformed JSON ({exc})", err=True)
                continue
            except InvalidInput as exc:
                failed += 1
                click.echo(f"error: {exc.message}", err=True)
                continue
            found = _screen_one(index, q, top)
            app.emit_line({"id": q.get("id"), "candidates": [c.as_dict() for c in found]})
    if failed:
        sys.exit(1)


def _print_single(app: AppContext, q: dict[str, Any], found: list[Candidate]) -> None:
    if app.json:
        app.emit_json({"id": q["id"], "candidates": [c.as_dict() for c in found]})
        return
    if not found:
        app.console.print(f"no candidate for {q['name']!r} scores {REVIEW_THRESHOLD} or more")
        return
    table = Table(
        title=f"candidates for {q['name']!r} (match ≥ {MATCH_THRESHOLD}, "
        f"review ≥ {REVIEW_THRESHOLD})",
        title_justify="left",
    )
    for col in ("#", "score", "", "name", "entity", "why"):
        table.add_column(col, overflow="fold")
    for rank, c in enumerate(found, start=1):
        table.add_row(
            str(rank),
            f"{c.score:.2f}",
            "match" if c.is_match else "review",
            c.name,
            c.entity_id,
            c.match.explanation,
        )
    app.console.print(table)


@click.command()
@pass_app
def rebuild(app: AppContext) -> None:
    """Rebuild derived data from the truth: screening profiles (from statements) and clusters
    (from judgements)."""
    store = app.store()
    try:
        with store.write() as conn:
            persons = rebuild_profiles(conn)
            clustered = rebuild_clusters(conn)
    finally:
        store.close()
    if app.json:
        app.emit_json({"profiles": persons, "clustered_records": clustered})
    else:
        app.console.print(
            f"rebuilt {persons:,} screening profiles; {clustered:,} records in clusters"
        )


COMMANDS = [screen, rebuild]
