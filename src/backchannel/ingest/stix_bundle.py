"""Import STIX 2.1 bundles: stream, validate, archive in batches, derive statements.

Each batch is one transaction, so a crash never leaves half a batch; because every write is
keyed, running the same import again after a crash finishes the job without duplicates. Bad
objects are reported (file, position, id, property, reason) and skipped while good ones land;
with ``strict`` the whole import is one transaction and nothing lands if anything is bad.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection

from backchannel.audit.log import Action, Event, append
from backchannel.errors import InvalidInput
from backchannel.ingest.formats import STIX, InputFormat
from backchannel.model.envelope import Envelope
from backchannel.stix.reader import Located, expand_inputs
from backchannel.stix.validate import validate_object
from backchannel.store.archive import BatchResult, Counts, version_of, write_batch
from backchannel.store.engine import Store

DEFAULT_BATCH = 2000


@dataclass(frozen=True, slots=True)
class Rejection:
    """A received object that was not archived, and why."""

    file: str
    position: int
    object_id: str | None
    prop: str
    reason: str

    def __str__(self) -> str:
        oid = self.object_id or "(no id)"
        return f"{self.file}: object {self.position} ({oid}): {self.prop}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "position": self.position,
            "id": self.object_id,
            "property": self.prop,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class BatchDone:
    """Reported after each batch's transaction has committed."""

    batch: int
    file: str
    through_position: int
    objects: int
    counts: Counts


@dataclass(slots=True)
class ImportSummary:
    files: list[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    rejections: list[Rejection] = field(default_factory=list)
    committed: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            **self.counts.as_dict(),
            "committed": self.committed,
            "rejections": [r.as_dict() for r in self.rejections],
        }


class StrictImportFailed(InvalidInput):
    """Raised by a strict import with rejections; nothing was written."""

    def __init__(self, summary: ImportSummary) -> None:
        self.summary = summary
        n = len(summary.rejections)
        super().__init__(
            f"{n} object(s) rejected; strict import wrote nothing",
            where=str(summary.rejections[0]) if n else None,
        )


def log_collection(
    conn: Connection,
    envelope: Envelope,
    objects: list[dict[str, Any]],
    result: BatchResult,
    *,
    actor: str,
    now: datetime,
) -> None:
    """One audit entry per batch that archived or re-delivered something (ids, counts, hash)."""
    c = result.counts
    if not (c.new or c.new_version or c.older_version or c.redelivered):
        return  # nothing collected: a repeated import writes nothing, not even to the log
    conflicted = {conflict.index for conflict in result.conflicts}
    keys = sorted(
        (obj["id"], version_of(obj)) for i, obj in enumerate(objects) if i not in conflicted
    )
    append(
        conn,
        Event(
            Action.COLLECTION,
            actor,
            subjects=sorted({sid for sid, _version in keys}),
            details={
                "envelope": envelope.id,
                "objects": len(keys),
                "new": c.new,
                "new_version": c.new_version,
                "older_version": c.older_version,
                "redelivered": c.redelivered,
                "statements": c.statements,
                # sha256 of the sorted (id, version) pairs of the batch
                "batch_sha256": hashlib.sha256(orjson.dumps(keys)).hexdigest(),
            },
        ),
        now=now,
    )


def import_stix(
    store: Store,
    inputs: list[str],
    envelope: Envelope,
    *,
    strict: bool = False,
    batch_size: int = DEFAULT_BATCH,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_batch: Callable[[BatchDone], None] | None = None,
    on_object: Callable[[int], None] | None = None,
    fmt: InputFormat | None = None,
    actor: str = "system",
) -> ImportSummary:
    """Import files, directories or ``-`` (stdin), delivered under ``envelope``.

    ``fmt`` says how to read them (default: STIX 2.1 bundles); every format yields STIX
    objects, so validation, archiving and statements are the same for all. Each batch that
    archives something is logged as a *collection* by ``actor`` in the batch's transaction.
    """
    fmt = fmt or STIX
    files = expand_inputs(inputs, suffixes=fmt.suffixes)
    summary = ImportSummary(files=files)
    batch_no = 0

    @contextlib.contextmanager
    def transaction(outer: Connection | None) -> Iterator[Connection]:
        if outer is not None:
            yield outer
        else:
            with store.write() as conn:
                yield conn

    def flush(conn_outer: Connection | None, batch: list[Located]) -> None:
        nonlocal batch_no
        if not batch:
            return
        received_at = clock()
        with transaction(conn_outer) as conn:
            objects = [loc.obj for loc in batch]
            result = write_batch(conn, envelope, objects, received_at)
            log_collection(conn, envelope, objects, result, actor=actor, now=received_at)
        for conflict in result.conflicts:
            loc = batch[conflict.index]
            summary.rejections.append(
                Rejection(
                    loc.file,
                    loc.position,
                    loc.obj.get("id"),
                    conflict.problem.prop,
                    conflict.problem.reason,
                )
            )
        summary.counts.add(result.counts)
        batch_no += 1
        if on_batch is not None and conn_outer is None:
            on_batch(
                BatchDone(batch_no, batch[-1].file, batch[-1].position, len(batch), result.counts)
            )
        batch.clear()

    def run(conn_outer: Connection | None) -> None:
        batch: list[Located] = []
        seen = 0
        for name in files:
            for loc in fmt.read(name):
                seen += 1
                problems = loc.problems or validate_object(loc.obj)
                if problems:
                    oid = loc.obj.get("id") if isinstance(loc.obj, dict) else None
                    summary.counts.rejected += 1
                    summary.rejections.extend(
                        Rejection(
                            loc.file,
                            loc.position,
                            oid if isinstance(oid, str) else None,
                            p.prop,
                            p.reason,
                        )
                        for p in problems
                    )
                else:
                    batch.append(loc)
                    if len(batch) >= batch_size:
                        flush(conn_outer, batch)
                if on_object is not None and seen % 1000 == 0:
                    on_object(seen)
            flush(conn_outer, batch)  # batches never span files: positions stay meaningful
        if on_object is not None:
            on_object(seen)

    if not strict:
        run(None)
        return summary
    try:
        with store.write() as conn:
            run(conn)
            if summary.rejections:
                raise StrictImportFailed(summary)
    except StrictImportFailed:
        summary.committed = False
        summary.counts = Counts(rejected=summary.counts.rejected)
        raise
    return summary
