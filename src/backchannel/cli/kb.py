"""Commands that write or dump the knowledge base: init, import, export."""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import click
import orjson
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from backchannel.audit.log import Action, Event, append
from backchannel.cli.context import AppContext, pass_app
from backchannel.errors import InvalidInput
from backchannel.ingest.formats import FORMATS, InputFormat, input_format
from backchannel.ingest.manifest import read_manifest
from backchannel.ingest.stix_bundle import BatchDone, ImportSummary, import_stix
from backchannel.model.envelope import Envelope
from backchannel.model.vocab import TLP, Credibility, Reliability
from backchannel.stix.validate import is_timestamp, normalise_timestamp
from backchannel.stix.writer import ExportFilter, export_archive, export_knowledge
from backchannel.store.backup import backup as store_backup
from backchannel.store.engine import Store
from backchannel.store.knowledge import table_counts


@click.command()
@pass_app
def init(app: AppContext) -> None:
    """Create the database, or upgrade its schema to this version."""
    store = app.store(create=True)
    with store.read() as conn:
        counts = table_counts(conn)
    store.close()
    if app.json:
        app.emit_json({"database": store.url, "ready": True, **counts})
    else:
        app.console.print(f"database ready: {store.url}")


def _envelope(
    source: str, originator: str | None, channel: str, tlp: str, reliability: str, credibility: str
) -> Envelope:
    if not source.strip():
        raise InvalidInput("--source must not be empty")
    return Envelope(
        source=source,
        originator=originator or source,
        channel=channel,
        tlp=TLP.parse(tlp),
        reliability=Reliability.parse(reliability),
        credibility=Credibility.parse(credibility),
    )


@click.command("import")
@click.argument("inputs", nargs=-1, metavar="FILE|DIR|-...")
@click.option("--source", default=None, help="Who delivered this (required unless --manifest).")
@click.option(
    "--originator",
    default=None,
    help="Who the information originally came from (default: the source).",
)
@click.option(
    "--channel",
    default="file",
    show_default=True,
    help="How it arrived: file, liaison, osint, taxii, …",
)
@click.option(
    "--tlp",
    default="amber",
    show_default=True,
    help="TLP 2.0 level for objects that carry no TLP marking of their own.",
)
@click.option(
    "--reliability", default="F", show_default=True, help="Admiralty source reliability A–F."
)
@click.option(
    "--credibility",
    default="6",
    show_default=True,
    help="Admiralty credibility 1–6 for objects without STIX confidence.",
)
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Import every bundle listed in a manifest with its envelope "
    "(as written by `backchannel synth`).",
)
@click.option(
    "--format",
    "fmt_name",
    default="stix",
    show_default=True,
    metavar="FORMAT",
    help="Input format, one of: "
    + "; ".join(f"{f.name} ({f.description})" for f in FORMATS.values())
    + ".",
)
@click.option(
    "--strict", is_flag=True, help="All or nothing: if any object is bad, nothing is written."
)
@click.option(
    "--batch-size",
    default=2000,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Objects per transaction.",
)
@pass_app
def import_(
    app: AppContext,
    inputs: tuple[str, ...],
    source: str | None,
    originator: str | None,
    channel: str,
    tlp: str,
    reliability: str,
    credibility: str,
    manifest: Path | None,
    fmt_name: str,
    strict: bool,
    batch_size: int,
) -> None:
    """Import STIX 2.1 bundles or other formats (files, directories, or - for stdin).

    Every record becomes a STIX object and is validated; bad ones are reported with file,
    position, id, property and reason and skipped while good ones land (unless --strict).
    Importing the same records again changes nothing. With --json, one line per committed
    batch, then a summary line.
    """
    if manifest is not None:
        if inputs or source:
            raise InvalidInput("--manifest replaces FILE arguments and --source")
        jobs = read_manifest(manifest)
    else:
        if not inputs:
            raise InvalidInput("nothing to import", why="give FILE, DIR or -, or --manifest")
        if source is None:
            raise InvalidInput(
                "--source is required", why="every record needs to say who delivered it"
            )
        jobs = [
            (list(inputs), _envelope(source, originator, channel, tlp, reliability, credibility))
        ]
    fmt = input_format(fmt_name)
    store = app.store(create=True)
    total = ImportSummary()
    try:
        for files, env in jobs:
            summary = _run_import(
                app, store, files, env, strict=strict, batch_size=batch_size, fmt=fmt
            )
            total.files.extend(summary.files)
            total.counts.add(summary.counts)
            total.rejections.extend(summary.rejections)
    finally:
        store.close()
    _report_import(app, total)
    if total.rejections:
        sys.exit(1)


def _run_import(
    app: AppContext,
    store: Store,
    files: list[str],
    env: Envelope,
    *,
    strict: bool,
    batch_size: int,
    fmt: InputFormat,
) -> ImportSummary:
    def on_batch(done: BatchDone) -> None:
        if app.json:
            app.emit_line(
                {
                    "event": "batch",
                    "batch": done.batch,
                    "file": done.file,
                    "through_position": done.through_position,
                    "objects": done.objects,
                    **done.counts.as_dict(),
                }
            )

    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.completed:,} objects"),
        TimeElapsedColumn(),
        console=app.console,
        transient=True,
        disable=app.json,
    ) as progress:
        task = progress.add_task(f"importing ({env.source})", total=None)
        return import_stix(
            store,
            files,
            env,
            actor=f"user:{app.settings.user}",
            strict=strict,
            batch_size=batch_size,
            on_batch=on_batch,
            on_object=lambda n: progress.update(task, completed=n),
            fmt=fmt,
        )


def _report_import(app: AppContext, summary: ImportSummary) -> None:
    if app.json:
        app.emit_line({"event": "summary", **summary.as_dict()})
        return
    c = summary.counts
    table = Table(title="import summary", show_header=False)
    for label, value in (
        ("new", c.new),
        ("new version", c.new_version),
        ("older version (kept as history)", c.older_version),
        ("from a new source", c.redelivered),
        ("unchanged", c.unchanged),
        ("rejected", c.rejected),
        ("statements written", c.statements),
    ):
        table.add_row(label, f"{value:,}")
    app.console.print(table)
    for r in summary.rejections[:50]:
        click.echo(f"rejected: {r}", err=True)
    if len(summary.rejections) > 50:
        click.echo(
            f"… and {len(summary.rejections) - 50} more problems (use --json for all)", err=True
        )


@click.command()
@click.option(
    "--knowledge",
    is_flag=True,
    help="Export the knowledge (entities from statements, with provenance) instead "
    "of the received objects.",
)
@click.option(
    "--all-versions", is_flag=True, help="Received objects: every version, not the newest only."
)
@click.option(
    "--type",
    "types",
    multiple=True,
    metavar="TYPE",
    help="Only these STIX types (received) or entity kinds: person, group, "
    "organisation, location, event, report (knowledge). Repeatable.",
)
@click.option(
    "--max-tlp",
    default="red",
    show_default=True,
    help="Only objects (or statements) marked at most this TLP level.",
)
@click.option(
    "--modified-since",
    default=None,
    metavar="TIMESTAMP",
    help="Only objects modified at or after this UTC timestamp (2024-01-01T00:00:00Z).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of stdout.",
)
@click.option("--purpose", default=None, help="Purpose or case reference, for the audit log.")
@pass_app
def export(
    app: AppContext,
    knowledge: bool,
    all_versions: bool,
    types: tuple[str, ...],
    max_tlp: str,
    modified_since: str | None,
    output: Path | None,
    purpose: str | None,
) -> None:
    """Export a STIX 2.1 bundle of received objects or of the knowledge.

    The export is logged (ids and count) before the bundle is written out.
    """
    since = None
    if modified_since is not None:
        if not is_timestamp(modified_since):
            raise InvalidInput(
                f"--modified-since {modified_since!r} is not a UTC timestamp",
                why="expected e.g. 2024-01-01T00:00:00Z",
            )
        since = normalise_timestamp(modified_since)
    if knowledge and all_versions:
        raise InvalidInput("--all-versions applies to received objects, not --knowledge")
    filt = ExportFilter(types=frozenset(types), max_tlp=TLP.parse(max_tlp), modified_since=since)
    store = app.store()
    # The bundle goes to a spool first: it is released only after its audit entry commits.
    with tempfile.SpooledTemporaryFile(max_size=64 << 20) as spool:
        try:
            with store.write() as conn:
                if knowledge:
                    n = export_knowledge(conn, spool, filt=filt)
                else:
                    n = export_archive(conn, spool, filt=filt, all_versions=all_versions)
                ids, digest = _bundle_ids(spool)
                event = Event(
                    Action.CONSULTATION,
                    f"user:{app.settings.user}",
                    subjects=ids,
                    purpose=purpose,
                    details={
                        "export": "knowledge" if knowledge else "received",
                        "objects": n,
                        "bundle_sha256": digest,
                    },
                )
                append(conn, event, now=datetime.now(UTC))
        finally:
            store.close()
        spool.seek(0)
        out: IO[bytes] = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115
        try:
            shutil.copyfileobj(spool, out)
            out.flush()
        finally:
            if output:
                out.close()
    if output:
        if app.json:
            app.emit_json({"output": str(output), "objects": n})
        else:
            app.console.print(f"wrote {n:,} objects to {output}")


def _bundle_ids(spool: IO[bytes]) -> tuple[list[str], str]:
    """The ids of the objects in a bundle as BundleWriter writes it, and its sha256."""
    spool.seek(0)
    digest = hashlib.sha256()
    ids = set()
    for line in spool:
        digest.update(line)
        body = line.rstrip(b"\n").removesuffix(b",")
        if body.startswith(b"{") and not body.startswith(b'{"type":"bundle"'):
            ids.add(orjson.loads(body)["id"])
    return sorted(ids), digest.hexdigest()


@click.command()
@click.argument("dest", type=click.Path(path_type=Path, dir_okay=False))
@pass_app
def backup(app: AppContext, dest: Path) -> None:
    """Copy the (SQLite) database to DEST while it stays in use, and check the copy: integrity,
    row counts and the audit tree's root must equal the database's at the same moment.
    DEST must not exist. PostgreSQL: use pg_dump (docs/operations.md)."""
    store = app.store()
    try:
        report = store_backup(store, dest)
    finally:
        store.close()
    if app.json:
        app.emit_json(report.as_dict())
        return
    app.console.print(
        f"backup written to {report.path} ({report.bytes:,} bytes): integrity {report.integrity}, "
        f"{report.counts['records']:,} records, {report.counts['statements']:,} statements, "
        f"audit log of {report.audit_size:,} entries with root {report.audit_root[:16]}…"
    )


COMMANDS = [init, import_, export, backup]
