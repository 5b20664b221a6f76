"""A partner's inbound collection: POSTed envelopes through the normal ingest path, status
resources, and withdrawals (TAXII 2.1 §4.3, §5.5, §5.7).

Objects a partner sends are validated, archived and turned into statements exactly like an
imported bundle (``store.archive.write_batch`` and the import's collection audit entry), under
an envelope with source and originator = the partner, channel ``taxii``, the default marking
from its agreement (its TLP ceiling, never below AMBER: unmarked partner information is not
ours to treat as public) and grade F6 unless an object carries its own ``confidence``. The
envelope, the archive rows, the inbound rows, the status and the audit entry are one
transaction. Re-sending an object version already held is a success that writes nothing new
(IN-4); a version held with other content is a failure for that object.

A DELETE withdraws versions from the partner's inbound collection only: what we received stays
in the archive (rule 1), and the withdrawal is logged as an alteration.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, delete, func, select

from backchannel.audit.log import Action, Event, append
from backchannel.errors import NotFound
from backchannel.ingest.stix_bundle import log_collection
from backchannel.model.envelope import Envelope
from backchannel.model.vocab import TLP, Credibility, Reliability
from backchannel.stix.validate import validate_object
from backchannel.store.archive import version_of, write_batch
from backchannel.store.partners import current_agreement, lock_partner
from backchannel.store.schema import taxii_inbound, taxii_status
from backchannel.store.timefmt import from_text, to_text
from backchannel.store.upsert import insert_ignore
from backchannel.taxii.collection import Collection
from backchannel.taxii.query import BadRequest, Filters, source_of, version_condition

CHANNEL = "taxii"
_MICROSECOND = timedelta(microseconds=1)


def _last_added(conn: Connection, partner_id: str) -> datetime:
    last = conn.execute(
        select(func.max(taxii_inbound.c.added_at)).where(taxii_inbound.c.partner_id == partner_id)
    ).scalar()
    return from_text(last) if last else datetime.min.replace(tzinfo=UTC)


def partner_envelope(conn: Connection, partner_id: str) -> Envelope:
    """How we grade what a partner sends over TAXII (see the module docstring)."""
    version = current_agreement(conn, partner_id)
    ceiling = version.terms.tlp_ceiling if version else TLP.AMBER
    return Envelope(
        source=partner_id,
        originator=partner_id,
        channel=CHANNEL,
        tlp=TLP.strictest([ceiling, TLP.AMBER]),
        reliability=Reliability.F,
        credibility=Credibility.CANNOT_BE_JUDGED,
    )


def _stamp(obj: Any) -> str | None:
    if isinstance(obj, dict):
        v = obj.get("modified") or obj.get("created")
        return v if isinstance(v, str) else None
    return None


def _entry(obj: Any, message: str | None = None) -> dict[str, Any]:
    oid = obj.get("id") if isinstance(obj, dict) else None
    out: dict[str, Any] = {"id": oid if isinstance(oid, str) else ""}
    stamp = _stamp(obj)
    if stamp:
        out["version"] = stamp
    if message:
        out["message"] = message
    return out


@dataclass(frozen=True, slots=True)
class Added:
    status: dict[str, Any]


def parse_envelope(body: bytes) -> list[Any]:
    """The ``objects`` of a TAXII envelope (§3.7); 400 for anything else."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequest("invalid envelope", why="the body is not JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("objects", []), list):
        raise BadRequest("invalid envelope", why="expected an object with an objects list")
    objects: list[Any] = doc.get("objects", [])
    return objects


def add_objects(
    conn: Connection,
    collection: Collection,
    objects: list[Any],
    *,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Ingest an envelope's objects into ``collection``; returns the status resource."""
    lock_partner(conn, collection.partner_id)  # date_added commits in order (see lock_partner)
    env = partner_envelope(conn, collection.partner_id)
    successes: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    valid: list[dict[str, Any]] = []
    for obj in objects:
        problems = validate_object(obj)
        if problems:
            p = problems[0]
            failures.append(_entry(obj, f"{p.prop}: {p.reason}"))
        else:
            valid.append(obj)
    result = write_batch(conn, env, valid, now)
    log_collection(conn, env, valid, result, actor=actor, now=now)
    conflicted = {c.index: c.problem for c in result.conflicts}
    at = to_text(now)
    # Each new version gets its own date_added, in arrival order and after everything already
    # in the collection, so pages keep the order objects were sent in and an incremental
    # reader's added_after never falls inside one envelope.
    step = max(now, _last_added(conn, collection.partner_id))
    rows: dict[tuple[str, str], tuple[Any, ...]] = {}
    for i, obj in enumerate(valid):
        if i in conflicted:
            p = conflicted[i]
            failures.append(_entry(obj, f"{p.prop}: {p.reason}"))
            continue
        successes.append(_entry(obj))
        key = (obj["id"], version_of(obj))
        if key not in rows:
            step += _MICROSECOND
            rows[key] = (collection.partner_id, key[0], key[1], obj["type"], to_text(step))
    insert_ignore(conn, taxii_inbound, list(rows.values()))
    status = {
        "id": str(uuid.uuid4()),
        "status": "complete",
        "request_timestamp": at,
        "total_count": len(objects),
        "success_count": len(successes),
        "successes": successes,
        "failure_count": len(failures),
        "failures": failures,
        "pending_count": 0,
        "pendings": [],
    }
    conn.execute(
        taxii_status.insert().values(
            id=status["id"],
            partner_id=collection.partner_id,
            collection_id=collection.id,
            request_timestamp=at,
            body=orjson.dumps(status).decode(),
        )
    )
    return status


def get_status(conn: Connection, partner_id: str | None, status_id: str) -> bytes:
    """A status resource, only for the partner that POSTed it (others: 404, rule 7)."""
    row = conn.execute(
        select(taxii_status.c.body).where(
            taxii_status.c.id == status_id, taxii_status.c.partner_id == partner_id
        )
    ).first()
    if row is None or partner_id is None:
        raise NotFound("status not found")
    return str(row.body).encode()


def withdraw(
    conn: Connection,
    collection: Collection,
    object_id: str,
    filters: Filters,
    *,
    actor: str,
    now: datetime,
) -> int:
    """Remove versions of an object from the inbound collection; 404 if none matched."""
    src = source_of(collection)
    t = src.table
    q = select(t.c.object_id, t.c.version).where(*src.where, t.c.object_id == object_id)
    if filters.spec_versions and "2.1" not in filters.spec_versions:
        raise NotFound("object not found")
    cond = version_condition(collection, t, filters.versions)
    if cond is not None:
        q = q.where(cond)
    keys = [(r.object_id, r.version) for r in conn.execute(q)]
    if not keys:
        raise NotFound("object not found")
    for oid, ver in keys:
        conn.execute(
            delete(taxii_inbound).where(
                taxii_inbound.c.partner_id == collection.partner_id,
                taxii_inbound.c.object_id == oid,
                taxii_inbound.c.version == ver,
            )
        )
    append(
        conn,
        Event(
            Action.ALTERATION,
            actor,
            subjects=[object_id],
            details={
                "taxii": "withdraw",
                "collection": collection.id,
                "versions": len(keys),
            },
        ),
        now=now,
    )
    return len(keys)
