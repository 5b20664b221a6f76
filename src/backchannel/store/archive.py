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
from backchannel.store.schema import delivery, entity, envelope, record
from backchannel.store.timefmt import to_text
from backchannel.store.upsert import insert_ignore, upsert_statements

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
    insert_ignore(
        conn,
        envelope,
        [
            {
                "id": env.id,
                "source": env.source,
                "originator": env.originator,
                "channel": env.channel,
                "tlp": env.tlp.value,
                "reliability": env.reliability.value,
                "credibility": env.credibility.value,
                "first_received_at": to_text(received_at),
            }
        ],
    )


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
    now = to_text(received_at)
    records: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []
    entities: dict[str, dict[str, Any]] = {}
    statements: dict[str, dict[str, Any]] = {}
    for index, obj in enumerate(objects):
        sid = obj["id"]
        ver = version_of(obj)
        body = orjson.dumps(obj)
        sha = hashlib.sha256(orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)).hexdigest()
        versions = known.setdefault(sid, {})
        if ver in versions:
            if versions[ver] != sha:
                result.conflicts.append(
                    Conflict(
                        index,
                        Problem(
                            "modified",
                            f"version {obj.get('modified') or obj.get('created')} is "
                            "already archived with different content (a changed object needs a new "
                            "modified)",
                        ),
                    )
                )
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
                {
                    "stix_id": sid,
                    "version": ver,
                    "type": obj["type"],
                    "body": body.decode(),
                    "sha256": sha,
                    "revoked": bool(obj.get("revoked", False)),
                    "tlp": tlp.value if tlp else None,
                    "archived_at": now,
                }
            )
        delivered.add((sid, ver))
        deliveries.append(
            {"stix_id": sid, "version": ver, "envelope_id": env.id, "received_at": now}
        )
        got = extract(obj, env, version=ver, seen_at=received_at)
        if got.entity_id is not None and got.kind is not None:
            entities.setdefault(
                got.entity_id,
                {
                    "id": got.entity_id,
                    "kind": got.kind.value,
                    "stix_type": obj["type"],
                    "first_seen": now,
                },
            )
        for st in got.statements:
            _merge_row(statements, statement_row(st))
    if records or deliveries:
        ensure_envelope(conn, env, received_at)
    insert_ignore(conn, record, records)
    insert_ignore(conn, delivery, deliveries)
    insert_ignore(conn, entity, list(entities.values()))
    upsert_statements(conn, list(statements.values()))
    counts.statements += len(statements)
    return result


def _merge_row(rows: dict[str, dict[str, Any]], row: dict[str, Any]) -> None:
    """Two versions in one batch stating the same fact: one statement, widest ranges."""
    old = rows.get(row["id"])
    if old is None:
        rows[row["id"]] = row
        return
    for key in ("first_version", "first_seen"):
        old[key] = min(old[key], row[key])
    for key in ("last_version", "last_seen"):
        old[key] = max(old[key], row[key])


def statement_row(s: Statement) -> dict[str, Any]:
    return {
        "id": s.id,
        "entity_id": s.entity_id,
        "prop": s.prop,
        "value": s.value,
        "qualifiers": orjson.dumps(s.qualifiers, option=orjson.OPT_SORT_KEYS).decode(),
        "link": s.link,
        "record_id": s.record_id,
        "first_version": s.record_version,
        "last_version": s.record_version,
        "envelope_id": s.envelope_id,
        "source": s.source,
        "originator": s.originator,
        "channel": s.channel,
        "tlp": s.tlp.value,
        "reliability": s.reliability.value,
        "credibility": s.credibility.value,
        "valid_from": s.valid_from,
        "valid_to": s.valid_to,
        "first_seen": to_text(s.first_seen),
        "last_seen": to_text(s.last_seen),
    }
