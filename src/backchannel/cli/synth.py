"""Commands that make fictional data: synth, demo."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
import orjson
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from backchannel.cli.context import AppContext, pass_app
from backchannel.ingest.manifest import read_manifest
from backchannel.ingest.stix_bundle import import_stix
from backchannel.store.dedup import deduplicate
from backchannel.store.knowledge import canonical_map, person_stats, table_counts
from backchannel.synth.liaison import set_up_accounts, set_up_liaison

if TYPE_CHECKING:
    from backchannel.synth import SynthSummary


def _bar(app: AppContext) -> Progress:
    """A progress bar with a count, on stderr's console, silent under --json."""
    return Progress(
        *Progress.get_default_columns()[:1],
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=app.console,
        transient=True,
        disable=app.json,
    )


def _generate(app: AppContext, out: Path, persons: int, seed: int) -> SynthSummary:
    from backchannel.synth import generate  # imported late: only these commands need it

    with _bar(app) as progress:
        task = progress.add_task("generating persons", total=persons)
        return generate(
            out, persons=persons, seed=seed, progress=lambda n: progress.update(task, completed=n)
        )


@click.command()
@click.option(
    "--persons",
    default=1000,
    show_default=True,
    type=click.IntRange(1, 10_000_000),
    help="How many true (fictional) persons.",
)
@click.option(
    "--seed",
    default=1,
    show_default=True,
    type=int,
    help="Random seed; the same seed gives byte-identical output.",
)
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write.",
)
@pass_app
def synth(app: AppContext, persons: int, seed: int, out: Path) -> None:
    """Write a fictional dataset as STIX bundles from several sources, with a manifest of their
    envelopes and a ground-truth file mapping every person record to its true person."""
    summary = _generate(app, out, persons, seed)
    if app.json:
        app.emit_json(
            {
                "persons": summary.persons,
                "records": summary.records,
                "objects": summary.objects,
                "bundles": [str(b) for b in summary.bundles],
                "manifest": str(summary.manifest),
                "truth": str(summary.truth),
            }
        )
        return
    app.console.print(
        f"wrote {summary.objects:,} objects ({summary.records:,} person records of "
        f"{summary.persons:,} persons) in {len(summary.bundles)} bundles to {out}\n"
        f"import them with: backchannel import --manifest {summary.manifest}"
    )


@click.command()
@click.option(
    "--persons",
    default=300,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="How many true (fictional) persons the demo data describes.",
)
@click.option(
    "--seed", default=1, show_default=True, type=int, help="Random seed of the demo data."
)
@click.option(
    "--data-dir",
    default=Path("demo-data"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the synthetic bundles are written.",
)
@pass_app
def demo(app: AppContext, persons: int, seed: int, data_dir: Path) -> None:
    """Create the knowledge base, load synthetic demo data, resolve duplicates, and summarise
    what is in it.

    Safe to run again: the data is regenerated identically and re-importing changes nothing.
    """
    summary = _generate(app, data_dir, persons, seed)
    store = app.store(create=True)
    try:
        with _bar(app) as progress:
            task = progress.add_task("importing", total=summary.objects)
            results = []

            def advance_from(offset: int) -> Callable[[int], None]:
                return lambda seen: progress.update(task, completed=offset + seen)

            done = 0
            for files, env in read_manifest(summary.manifest):
                r = import_stix(store, files, env, on_object=advance_from(done))
                done += r.counts.objects
                results.append((env, r))
        with store.write() as conn:
            resolved = deduplicate(conn, now=datetime.now(UTC))
        with store.write() as conn:
            liaison = set_up_liaison(conn, datetime.now(UTC))
            tokens = set_up_accounts(conn, datetime.now(UTC))
        token_file = data_dir / "demo-tokens.json"
        if tokens:
            # Shown once: kept beside the demo data, readable by this user only.
            token_file.touch(mode=0o600)
            token_file.write_bytes(orjson.dumps(tokens, option=orjson.OPT_INDENT_2) + b"\n")
        with store.read() as conn:
            counts = table_counts(conn)
            cells = person_stats(conn)
            canonical = canonical_map(conn)
        # Records merged into clusters count once per cluster.
        persons = counts["persons"] - len(canonical) + len(set(canonical.values()))
    finally:
        store.close()
    if app.json:
        app.emit_json(
            {
                "database": store.url,
                "data": str(data_dir),
                **counts,
                "persons_after_resolution": persons,
                "resolution": resolved.as_dict(),
                "releases": [p.as_dict() for p in liaison.releases],
                "imports": [{"source": e.source, **r.counts.as_dict()} for e, r in results],
            }
        )
        return
    from rich.table import Table

    app.console.print(f"[bold]backchannel demo[/bold] — database {store.url}")
    imp = Table(title="imports", title_justify="left")
    for col in ("source", "originator", "grade", "TLP", "new", "unchanged", "rejected"):
        imp.add_column(col)
    for env, r in results:
        imp.add_row(
            env.source,
            env.originator,
            env.reliability.value + env.credibility.value,
            env.tlp.label,
            f"{r.counts.new:,}",
            f"{r.counts.unchanged:,}",
            f"{r.counts.rejected:,}",
        )
    app.console.print(imp)
    kb = Table(title="knowledge base", title_justify="left", show_header=False)
    for key in ("records", "statements", "persons", "groups", "locations", "reports"):
        kb.add_row("person records" if key == "persons" else key, f"{counts[key]:,}")
    kb.add_row("persons after resolution", f"{persons:,}")
    app.console.print(kb)
    app.console.print(
        f"resolution: {resolved.merged:,} merges by the system (corroborated, never on a "
        f"kunya), {resolved.proposed:,} pairs proposed for review (backchannel proposals)"
    )
    by_status: dict[str, int] = {}
    for (_g, _n, s), c in cells.items():
        by_status[s] = by_status.get(s, 0) + c
    app.console.print(
        "person-cells by assessed status: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(by_status.items()))
    )
    for pub in liaison.releases:
        app.console.print(
            f"release {pub.seq} to {pub.partner_id}"
            + (f" through {pub.via}" if pub.via else "")
            + f": {pub.objects:,} object versions, {pub.revocations:,} revocations"
        )
    if liaison.statistics_cells:
        app.console.print(
            f"statistics for partner-d: {liaison.statistics_cells} values, "
            f"{liaison.statistics_suppressed} suppressed (counts under 5 and their complements)"
        )
    if token_file.exists():
        app.console.print(
            f"demo API tokens (analyst, approver, auditor, admin, partner systems): {token_file}"
        )
    app.console.print(
        "next: backchannel stats · backchannel search NAME · backchannel show ID · "
        "backchannel release preview --partner partner-c · backchannel audit verify"
    )


COMMANDS = [synth, demo]
