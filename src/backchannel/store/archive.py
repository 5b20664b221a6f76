"""Writing received objects: the archive, deliveries, entities and statements, one batch at a time.

Everything here runs inside the caller's write transaction, so a batch lands whole or not at all.
Idempotence comes from keys, not from luck: a record is ``(stix_id, version)``, a delivery adds
the envelope, and statements have deterministic ids. Importing the same thing again therefore
finds every key present and writes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from backchannel.model.envelope import Envelope
from backchannel.model.statement import Statement
from backchannel.stix.extract import extract
from backchannel.stix.markings import tlp_of
from backchannel.stix.validate import Problem, normalise_timestamp
from backchannel.store.schema import (
    PROFILE_PROPS,
    SEARCHABLE_PROPS,
    delivery,
    entity,
    envelope,
    record,
    screen_dirty,
    statement,
)
from backchannel.store.timefmt import to_text
from backchannel.store.upsert import columns, insert_ignore, upsert_statements

_CHUNK = 500  # ids per IN (...) query: well under every backend's parameter limit


@dataclass(slots=True)
class Counts:
    """What a batch (or a whole import) did to the archive."""

    new: int = 0
    new_version: int = 0
    older_version: int = 0
    unchanged: int = 0
    redelivered: int = 0
    rejected: int = 0
    statements: int = 0

    @property
    def objects(self) -> int:
        """Objects read, whatever became of them."""
        return (
            self.new
            + self.new_version
            + self.older_version
            + self.unchanged
            + self.redelivered
            + self.rejected
        )

    def add(self, other: Counts) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class Conflict:
    """A received object whose (id, modified) is archived with different content."""

    index: int
    problem: Problem


@dataclass(slots=True)
class BatchResult:
    counts: Counts = field(default_factory=Counts)
    conflicts: list[Conflict] = field(default_factory=list)


def version_of(obj: dict[str, Any]) -> str:
    """The version key: normalised ``modified``, else ``created``, else empty (SCOs)."""
    ts = obj.get("modified") or obj.get("created")
    return normalise_timestamp(ts) if isinstance(ts, str) else ""


def ensure_envelope(conn: Connection, env: Envelope, received_at: datetime) -> None:
    row = (
        env.id,
        env.source,
        env.originator,
        env.channel,
        env.tlp.value,
        env.reliability.value,
        env.credibility.value,
        to_text(received_at),
    )
    insert_ignore(conn, envelope, [row])


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def write_batch(
    conn: Connection, env: Envelope, objects: Sequence[dict[str, Any]], received_at: datetime
) -> BatchResult:
    """Archive validated objects delivered in ``env``; returns counts and content conflicts."""
    result = BatchResult()
    counts = result.counts
    ids = sorted({o["id"] for o in objects})
    known: dict[str, dict[str, str]] = {}
    delivered: set[tuple[str, str]] = set()
    for chunk in _chunks(ids):
        for sid, ver, sha in conn.execute(
            select(record.c.stix_id, record.c.version, record.c.sha256).where(
                record.c.stix_id.in_(chunk)
            )
        ):
            known.setdefault(sid, {})[ver] = sha
        delivered.update(
            (sid, ver)
            for sid, ver in conn.execute(
                select(delivery.c.stix_id, delivery.c.version).where(
                    delivery.c.envelope_id == env.id, delivery.c.stix_id.in_(chunk)
                )
            )
        )
    # Records this envelope delivered before (any version): only their statements can exist.
    delivered_before = {sid for sid, _ver in delivered}
    now = to_text(received_at)
    records: list[tuple[Any, ...]] = []
    deliveries: list[tuple[Any, ...]] = []
    entities: dict[str, tuple[Any, ...]] = {}
    statements: dict[str, list[Any]] = {}
    for index, obj in enumerate(objects):
        sid = obj["id"]
        ver = version_of(obj)
        body = orjson.dumps(obj)
        sha = hashlib.sha256(orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)).hexdigest()
        versions = known.setdefault(sid, {})
        if ver in versions:
            if versions[ver] != sha:
                stamp = obj.get("modified") or obj.get("created")
                reason = (
                    f"version {stamp} is already archived with different content "
                    "(a changed object needs a new modified)"
                )
                result.conflicts.append(Conflict(index, Problem("modified", reason)))
                counts.rejected += 1
                continue
            if (sid, ver) in delivered:
                counts.unchanged += 1
                continue
            counts.redelivered += 1
        else:
            if not versions:
                counts.new += 1
            elif ver > max(versions):
                counts.new_version += 1
            else:
                counts.older_version += 1
            versions[ver] = sha
            tlp = tlp_of(obj)
            records.append(
                (
                    sid,
                    ver,
                    obj["type"],
                    body.decode(),
                    sha,
                    bool(obj.get("revoked", False)),
                    tlp.value if tlp else None,
                    now,
                )
            )
        delivered.add((sid, ver))
        deliveries.append((sid, ver, env.id, now))
        got = extract(obj, env, version=ver, seen_at=received_at)
        if got.entity_id is not None and got.kind is not None:
            entities.setdefault(got.entity_id, (got.entity_id, got.kind.value, obj["type"], now))
        for st in got.statements:
            _merge_row(statements, statement_row(st))
    if records or deliveries:
        ensure_envelope(conn, env, received_at)
    insert_ignore(conn, record, records)
    insert_ignore(conn, delivery, deliveries)
    insert_ignore(conn, entity, list(entities.values()))
    if conn.dialect.name == "sqlite":
        _index_for_search(conn, statements, delivered_before)
    dirty = sorted({r[_ENTITY] for r in statements.values() if r[_PROP] in PROFILE_PROPS})
    insert_ignore(conn, screen_dirty, [(e,) for e in dirty])
    upsert_statements(conn, [tuple(r) for r in statements.values()])
    counts.statements += len(statements)
    return result


def _index_for_search(
    conn: Connection, statements: dict[str, list[Any]], delivered_before: set[str]
) -> None:
    """Add new searchable statements to the SQLite FTS5 table (before they are inserted).

    Done here rather than by a trigger: a per-row trigger over every statement costs more than
    the whole FTS update. A statement can already exist only if its record came through the
    same envelope before, so only those few ids are looked up.
    """
    searchable = [r for r in statements.values() if r[_PROP] in SEARCHABLE_PROPS]
    maybe_known = [r[0] for r in searchable if r[_RECORD] in delivered_before]
    known: set[str] = set()
    for chunk in _chunks(maybe_known):
        known.update(
            conn.execute(select(statement.c.id).where(statement.c.id.in_(chunk))).scalars()
        )
    rows = [(r[_VALUE], r[_PROP], r[0], r[_ENTITY]) for r in searchable if r[0] not in known]
    if rows:
        conn.exec_driver_sql(
            "INSERT INTO statement_fts (value, prop, statement_id, entity_id) VALUES (?, ?, ?, ?)",
            rows,
        )


# Positions in a statement row (the statement table's column order).
_COLS = columns(statement)
_FIRST_VERSION, _LAST_VERSION = _COLS.index("first_version"), _COLS.index("last_version")
_FIRST_SEEN, _LAST_SEEN = _COLS.index("first_seen"), _COLS.index("last_seen")
_ENTITY, _PROP, _VALUE = _COLS.index("entity_id"), _COLS.index("prop"), _COLS.index("value")
_RECORD = _COLS.index("record_id")


def _merge_row(rows: dict[str, list[Any]], row: list[Any]) -> None:
    """Two versions in one batch stating the same fact: one statement, widest ranges."""
    old = rows.get(row[0])
    if old is None:
        rows[row[0]] = row
        return
    for i in (_FIRST_VERSION, _FIRST_SEEN):
        old[i] = min(old[i], row[i])
    for i in (_LAST_VERSION, _LAST_SEEN):
        old[i] = max(old[i], row[i])


def statement_row(s: Statement) -> list[Any]:
    """A statement as a row in the statement table's column order."""
    return [
        s.id,
        s.entity_id,
        s.prop,
        s.value,
        orjson.dumps(s.qualifiers, option=orjson.OPT_SORT_KEYS).decode(),
        s.link,
        s.record_id,
        s.record_version,
        s.record_version,
        s.envelope_id,
        s.source,
        s.originator,
        s.channel,
        s.tlp.value,
        s.reliability.value,
        s.credibility.value,
        s.valid_from,
        s.valid_to,
        to_text(s.first_seen),
        to_text(s.last_seen),
    ]
