"""Commands on the audit log: verify, checkpoint, log, prove, consistency, receipts, public key."""

from __future__ import annotations

import base64
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
import orjson
from rich.table import Table

from backchannel.audit import log
from backchannel.audit.checkpoint import checkpoint as sign_checkpoint
from backchannel.audit.key import (
    parse_verifier_key,
    signing_key,
)
from backchannel.audit.receipt import receipt as make_receipt
from backchannel.audit.receipt import verify_receipt as check_receipt
from backchannel.audit.verify import verify as verify_log
from backchannel.cli.context import AppContext, parse_json, pass_app, read_text
from backchannel.errors import InvalidInput


@click.group()
def audit() -> None:
    """The tamper-evident audit log: verify it, sign checkpoints, prove entries, receipts."""


@audit.command("verify")
@click.option(
    "--against",
    "against",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A checkpoint note handed out earlier: detect a rolled-back or forked log. Repeatable.",
)
@click.option(
    "--public-key",
    "public_key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Verify signatures with this public key (default: the key of the audit key file).",
)
@click.option("--json", "as_json", is_flag=True, help="JSON output (as the global --json).")
@pass_app
def verify_(
    app: AppContext, against: tuple[Path, ...], public_key: Path | None, as_json: bool
) -> None:
    """Recompute the whole tree and check every entry, node and checkpoint.

    Exits 0 when the log verifies; otherwise prints one line per problem and exits 1.
    """
    notes = [read_text(p) for p in against]
    if public_key is not None:
        key = parse_verifier_key(read_text(public_key))
    else:
        key = signing_key(app.settings).verifier
    store = app.store()
    try:
        with store.read() as conn:
            report = verify_log(conn, key, against=notes)
    finally:
        store.close()
    if app.json or as_json:
        app.emit_json(report.as_dict())
    elif report.ok:
        app.console.print(
            f"audit log verified: {report.size} entries, root {report.root.hex()}, "
            f"{report.checkpoints} stored and {report.against} handed-out checkpoint(s) "
            "consistent"
        )
    for problem in report.problems:
        click.echo(f"audit: {problem}", err=True)
    if not report.ok:
        sys.exit(1)


@audit.command("checkpoint")
@pass_app
def checkpoint_(app: AppContext) -> None:
    """Sign the current tree head, store it, and print the checkpoint note."""
    key = signing_key(app.settings)
    store = app.store()
    try:
        with store.write() as conn:
            note = sign_checkpoint(conn, key, datetime.now(UTC))
    finally:
        store.close()
    if app.json:
        app.emit_json({"checkpoint": note})
    else:
        click.echo(note, nl=False)


@audit.command("log")
@click.option("--subject", default=None, help="Only entries about this id.")
@click.option(
    "--limit",
    default=50,
    show_default=True,
    type=click.IntRange(1, 1_000_000),
    help="At most this many entries (newest first, or oldest first with --subject).",
)
@click.option("--json", "as_json", is_flag=True, help="JSON output (as the global --json).")
@pass_app
def log_(app: AppContext, subject: str | None, limit: int, as_json: bool) -> None:
    """List audit entries: who did what to which ids, when, why and for whom."""
    store = app.store()
    try:
        with store.read() as conn:
            if subject is not None:
                found = log.entries_about(conn, subject, limit=limit)
            else:
                found = log.entries(conn, limit=limit, newest_first=True)
    finally:
        store.close()
    if app.json or as_json:
        app.emit_json([e.as_dict() for e in found])
        return
    table = Table(title=f"{len(found)} audit entr(ies)", title_justify="left")
    for col in ("seq", "at (UTC)", "action", "actor", "purpose", "recipient", "subjects"):
        table.add_column(col)
    for e in found:
        subjects = ", ".join(e.subjects[:3]) + (
            f" … (+{len(e.subjects) - 3})" * (len(e.subjects) > 3)
        )
        table.add_row(
            str(e.seq),
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.action.value,
            e.actor,
            e.purpose or "",
            e.recipient or "",
            subjects,
        )
    app.console.print(table)


@audit.command("prove")
@click.argument("seq", type=int)
@click.option("--size", type=int, default=None, help="Tree size to prove against (default: now).")
@pass_app
def prove(app: AppContext, seq: int, size: int | None) -> None:
    """Print the RFC 9162 inclusion proof of entry SEQ (JSON, hashes in hex)."""
    store = app.store()
    try:
        with store.read() as conn:
            proof = log.inclusion_proof(conn, seq, size)
    finally:
        store.close()
    app.emit_json(proof.as_dict())


@audit.command("consistency")
@click.argument("first", type=int)
@click.argument("second", type=int)
@pass_app
def consistency(app: AppContext, first: int, second: int) -> None:
    """Print the RFC 9162 consistency proof from tree size FIRST to SECOND (JSON, hex)."""
    if first > second:
        raise InvalidInput(f"FIRST ({first}) must not exceed SECOND ({second})")
    store = app.store()
    try:
        with store.read() as conn:
            path = log.consistency_proof(conn, first, second)
            roots = [log.root(conn, first).hex(), log.root(conn, second).hex()]
    finally:
        store.close()
    app.emit_json(
        {
            "first": first,
            "second": second,
            "first_root": roots[0],
            "second_root": roots[1],
            "path": [h.hex() for h in path],
        }
    )


@audit.command("receipt")
@click.argument("seq", type=int)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the receipt to this file instead of stdout.",
)
@pass_app
def receipt_(app: AppContext, seq: int, output: Path | None) -> None:
    """Write a receipt for entry SEQ: the entry, its inclusion proof and a signed checkpoint."""
    key = signing_key(app.settings)
    store = app.store()
    try:
        with store.write() as conn:
            doc = make_receipt(conn, seq, key, now=datetime.now(UTC))
    finally:
        store.close()
    data = orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)
        if not app.json:
            app.console.print(f"receipt for entry {seq} written to {output}")


@audit.command("verify-receipt")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    "public_key",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The log's public key (as printed by `audit public-key`).",
)
@pass_app
def verify_receipt_(app: AppContext, file: Path, public_key: Path) -> None:
    """Check a receipt offline with the log's public key (no database needed)."""
    key = parse_verifier_key(read_text(public_key))
    doc = parse_json(read_text(file), where=str(file))
    if not isinstance(doc, dict):
        raise InvalidInput(f"{file} is not a receipt")
    problems = check_receipt(doc, key)
    if app.json:
        app.emit_json({"verified": not problems, "problems": problems})
    elif not problems:
        app.console.print(f"receipt verified: entry {doc['index']} of {doc['tree_size']}")
    for problem in problems:
        click.echo(f"receipt: {problem}", err=True)
    if problems:
        sys.exit(1)


@audit.command("public-key")
@pass_app
def public_key_(app: AppContext) -> None:
    """Print the log's public key for partners and the oversight body (creates the key pair)."""
    key = signing_key(app.settings).verifier
    if app.json:
        app.emit_json(
            {
                "verifier_key": key.encode(),
                "name": key.name,
                "ed25519": base64.b64encode(key.public).decode(),
            }
        )
    else:
        click.echo(key.encode())


COMMANDS = [audit]
