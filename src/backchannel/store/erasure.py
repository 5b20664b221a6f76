"""Erasure of a person (retention ran out, or a legal order): explicit, audited, no orphans.

Design rule 1 says nothing is overwritten; erasure is its one exception, and it is explicit:
one call, one write transaction, one ``erasure`` audit entry. The person is the whole cluster
the given id belongs to (every record judged the same). What goes:

- the members' statements (and, through its delete trigger, the SQLite full-text index, which
  is then merged so the deleted terms leave its segments too), archived records, deliveries
  and entity rows; screening profiles and dirty marks; cluster rows; proposals; reviews;
- the judgements naming a member. Judgements are append-only in normal operation; erasure is
  the single exception, because a judgement row is itself a statement about the person (who
  was judged the same as whom, and the analyst's free-text reason). The clusters of entities
  that were judged against a member are recomputed from the judgements that remain;
- link statements of other entities pointing at a member, and relationship records whose
  source or target is a member (with their statements and deliveries);
- references to a member inside other archived records (a report's ``object_refs``, say):
  removed from the stored body (the archive is otherwise kept exactly as received). A record
  left with an empty reference list was only about the person and is erased whole. Free text
  cannot be redacted reliably by machine, so such records, and records whose text contains one
  of the person's names, are listed in :attr:`ErasureReport.review` for an analyst;
- releases: every partner that was given an object of the person gets a final version of it
  with ``revoked: true`` that keeps only what STIX requires (the name becomes ``[erased]``),
  published through :func:`~backchannel.store.releases.write_release` so each notice is a
  release with its own disclosure entry; the earlier stored bodies of those objects are deleted
  (they are personal data). Released relationship objects pointing at the person's object are
  revoked the same way.

The audit log is not touched: its leaves hold ids, counts and hashes only (LG-7), its tables
are append-only, and the tree still verifies. The erasure entry carries the erased ids, the
counts, and the reason only as a keyed hash (the reason may name the person); whoever holds
the reason (the order, the retention rule) can show that it is the one recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, and_, delete, func, or_, select, update

from backchannel.audit.log import Action, Event, append, keyed_hash, query_secret
from backchannel.errors import InvalidInput, NotFound
from backchannel.model.vocab import EntityKind
from backchannel.stix.validate import REQUIRED
from backchannel.store.judgement import _recluster, cluster_of
from backchannel.store.releases import _bump, canonical_bytes, write_release
from backchannel.store.schema import (
    cluster_member,
    delivery,
    entity,
    judgement,
    proposal,
    record,
    release_object,
    review,
    screen_dirty,
    screen_profile,
    statement,
)

ERASED = "[erased]"
NOTICE_PURPOSE = "erasure notice: revoke and delete every copy of these objects"
_CHUNK = 400
_NAME_PROPS = ("name", "alias", "aliases")
_MIN_NAME = 4  # shorter names match too much text to be worth flagging
# What a revocation notice keeps besides STIX's required properties: nothing personal.
_NOTICE_KEEP = ("type", "spec_version", "id", "created", "modified", "object_marking_refs")
_NOTICE_EXTRA: dict[str, tuple[str, ...]] = {
    "identity": ("identity_class",),
    "relationship": ("relationship_type", "source_ref", "target_ref"),
}


@dataclass
class ErasureReport:
    """What an erasure removed, whom it notified, and where it is in the audit log."""

    entity_id: str
    canonical_id: str
    members: list[str]
    deleted: dict[str, int] = field(default_factory=dict)  # table → rows deleted
    rewritten: list[str] = field(default_factory=list)  # records whose references were removed
    review: list[str] = field(default_factory=list)  # records that may still mention the person
    recipients: list[str] = field(default_factory=list)  # partners that had been given it
    notices: list[dict[str, Any]] = field(default_factory=list)  # one per notified partner
    audit_seq: int = -1

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity_id,
            "canonical": self.canonical_id,
            "members": self.members,
            "deleted": dict(sorted(self.deleted.items())),
            "rewritten": self.rewritten,
            "review": self.review,
            "recipients": self.recipients,
            "notices": self.notices,
            "audit": self.audit_seq,
        }


def _chunks(items: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(set(items))
    for i in range(0, len(ordered), _CHUNK):
        yield ordered[i : i + _CHUNK]


def _actor(name: str) -> str:
    return name if ":" in name else f"user:{name}"


def erase_person(
    conn: Connection, entity_id: str, *, actor: str, reason: str, now: datetime
) -> ErasureReport:
    """Erase the person ``entity_id`` (with every record merged into it) in the caller's
    write transaction; see the module docstring for what goes and what partners are told."""
    if not reason.strip():
        raise InvalidInput("an erasure needs a reason", why="the retention rule or legal order")
    row = conn.execute(select(entity.c.kind).where(entity.c.id == entity_id)).first()
    if row is None:
        raise NotFound(f"no entity {entity_id}")
    if row.kind != EntityKind.PERSON.value:
        raise InvalidInput(f"{entity_id} is a {row.kind}", why="only persons are erased this way")
    canonical, members = cluster_of(conn, entity_id)
    ids = frozenset(members)
    report = ErasureReport(entity_id, canonical, sorted(ids))
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # Overwrite freed space in the database pages instead of leaving the bytes there.
        previous = conn.exec_driver_sql("PRAGMA secure_delete").scalar()
        conn.exec_driver_sql("PRAGMA secure_delete=ON")

    mentions = _name_mentions(conn, ids)
    erase_records, rewrites = _referencing_records(conn, ids)
    _notify_partners(conn, ids, report, actor=actor, now=now)

    gone = ids | erase_records
    counts = report.deleted
    counts["statement"] = _delete_statements(conn, ids, gone)
    counts["delivery"] = _delete_in(conn, delivery, delivery.c.stix_id, gone)
    counts["record"] = _delete_in(conn, record, record.c.stix_id, gone)
    counts["entity"] = _delete_in(conn, entity, entity.c.id, gone)
    counts["screen_profile"] = _delete_in(conn, screen_profile, screen_profile.c.entity_id, ids)
    counts["screen_dirty"] = _delete_in(conn, screen_dirty, screen_dirty.c.entity_id, ids)
    counts["cluster_member"] = _delete_in(conn, cluster_member, cluster_member.c.entity_id, ids)
    counts["review"] = _delete_in(conn, review, review.c.entity_id, ids)
    counts["proposal"] = _delete_pairs(conn, proposal, proposal.c.left_id, proposal.c.right_id, ids)
    counts["judgement"] = _delete_judgements(conn, ids)
    for (stix_id, version), body in sorted(rewrites.items()):
        if stix_id in erase_records:
            continue
        conn.execute(
            update(record)
            .where(record.c.stix_id == stix_id, record.c.version == version)
            .values(body=orjson.dumps(body).decode(), sha256=_sha256(body))
        )
    report.rewritten = sorted({sid for sid, _v in rewrites} - erase_records)
    report.review = sorted((set(report.rewritten) | mentions) - gone)
    counts["record_rewritten"] = len(report.rewritten)
    if sqlite:
        # Deleted FTS5 rows stay in the index segments until they are merged: merge them now.
        conn.exec_driver_sql("INSERT INTO statement_fts(statement_fts) VALUES('optimize')")
        conn.exec_driver_sql(f"PRAGMA secure_delete={int(previous or 0)}")

    details: dict[str, str | int | bool | None] = {
        f"deleted_{table}": n for table, n in sorted(counts.items()) if table != "release_object"
    }
    details |= {
        "release_objects_deleted": counts.get("release_object", 0),
        "recipients": len(report.recipients),
        "notices": len(report.notices),
        "notice_releases": ",".join(str(n["release"]) for n in report.notices),
        "review": len(report.review),
        "reason_hmac": keyed_hash(query_secret(conn), reason.strip()),
    }
    report.audit_seq = append(
        conn,
        Event(Action.ERASURE, _actor(actor), subjects=sorted(gone), details=details),
        now=now,
    )
    return report


def _sha256(body: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _delete_in(conn: Connection, table: Any, column: Any, ids: Iterable[str]) -> int:
    n = 0
    for chunk in _chunks(ids):
        n += conn.execute(delete(table).where(column.in_(chunk))).rowcount
    return n


def _delete_pairs(conn: Connection, table: Any, left: Any, right: Any, ids: Iterable[str]) -> int:
    n = 0
    for chunk in _chunks(ids):
        n += conn.execute(delete(table).where(or_(left.in_(chunk), right.in_(chunk)))).rowcount
    return n


def _delete_statements(conn: Connection, ids: frozenset[str], gone: frozenset[str]) -> int:
    """The members' statements, links to them, and every statement read from an erased
    record (the SQLite FTS rows follow through the ``statement_fts_delete`` trigger)."""
    n = 0
    for chunk in _chunks(gone):
        n += conn.execute(
            delete(statement).where(
                or_(statement.c.entity_id.in_(chunk), statement.c.record_id.in_(chunk))
            )
        ).rowcount
    for chunk in _chunks(ids):
        n += conn.execute(
            delete(statement).where(statement.c.link, statement.c.value.in_(chunk))
        ).rowcount
    return n


def _delete_judgements(conn: Connection, ids: frozenset[str]) -> int:
    """Judgements naming a member (the one exception to their append-only rule), then the
    clusters of the entities they were judged against, recomputed from what remains."""
    cond: list[ColumnElement[bool]] = []
    neighbours: set[str] = set()
    n = 0
    for chunk in _chunks(ids):
        touching = or_(judgement.c.left_id.in_(chunk), judgement.c.right_id.in_(chunk))
        cond.append(touching)
        for left, right in conn.execute(
            select(judgement.c.left_id, judgement.c.right_id).where(touching)
        ):
            neighbours.update({left, right})
    # Retractions point at the judgements they undo (same pair): both go in one statement.
    for touching in cond:
        n += conn.execute(delete(judgement).where(touching)).rowcount
    rest = sorted(neighbours - ids)
    if rest:
        _recluster(conn, rest)
    return n


def _name_mentions(conn: Connection, ids: frozenset[str]) -> set[str]:
    """Records of other entities whose statements contain one of the person's names."""
    names: set[str] = set()
    for chunk in _chunks(ids):
        names.update(
            v.strip()
            for v in conn.execute(
                select(statement.c.value).where(
                    statement.c.entity_id.in_(chunk),
                    statement.c.prop.in_(_NAME_PROPS),
                    ~statement.c.link,
                )
            ).scalars()
        )
    out: set[str] = set()
    for name in sorted(n for n in names if len(n) >= _MIN_NAME):
        query = select(statement.c.record_id).where(
            func.lower(statement.c.value).contains(name.lower(), autoescape=True)
        )
        out.update(r for r in conn.execute(query).scalars() if r not in ids)
    return out


def _drop_refs(value: Any, ids: frozenset[str]) -> tuple[Any, bool]:
    """``value`` without references to ``ids`` (in ``*_ref``/``*_refs`` properties, at any
    depth); the flag says whether a reference list was left empty."""
    emptied = False
    if isinstance(value, list):
        items = []
        for item in value:
            new, e = _drop_refs(item, ids)
            items.append(new)
            emptied |= e
        return items, emptied
    if not isinstance(value, dict):
        return value, False
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key.endswith("_ref") and item in ids:
            continue
        if key.endswith("_refs") and isinstance(item, list):
            kept = [r for r in item if r not in ids]
            emptied |= bool(item) and not kept
            out[key] = kept
            continue
        new, e = _drop_refs(item, ids)
        out[key] = new
        emptied |= e
    return out, emptied


def _referencing_records(
    conn: Connection, ids: frozenset[str]
) -> tuple[frozenset[str], dict[tuple[str, str], dict[str, Any]]]:
    """Other archived records that refer to a member: (records to erase whole, rewritten
    bodies of the others by (stix_id, version)).

    A full scan per member id: erasure is rare, and a text match also finds references in
    properties the extractor does not turn into statements.
    """
    erase: set[str] = set()
    rewrites: dict[tuple[str, str], dict[str, Any]] = {}
    for member in sorted(ids):
        query = select(record.c.stix_id, record.c.version, record.c.type, record.c.body).where(
            record.c.body.contains(member, autoescape=True)
        )
        for stix_id, version, stix_type, body in conn.execute(query):
            if stix_id in ids:
                continue
            obj = orjson.loads(body)
            if stix_type == "relationship" and (
                obj.get("source_ref") in ids or obj.get("target_ref") in ids
            ):
                erase.add(stix_id)
                continue
            new, emptied = _drop_refs(rewrites.get((stix_id, version), obj), ids)
            if emptied:
                erase.add(stix_id)  # it was only about the erased person
            rewrites[(stix_id, version)] = new
    return frozenset(erase), rewrites


def _notice_body(prev: dict[str, Any], modified: str) -> dict[str, Any]:
    """The last version of a released object: revoked, with nothing but what STIX requires."""
    kind = prev["type"]
    keep = (*_NOTICE_KEEP, *REQUIRED.get(kind, ()), *_NOTICE_EXTRA.get(kind, ()))
    body = {k: prev[k] for k in keep if k in prev}
    if "name" in body:
        body["name"] = ERASED
    return body | {"modified": modified, "revoked": True}


def _released_objects(conn: Connection, ids: frozenset[str]) -> dict[str, dict[str, str]]:
    """partner → {object id → canonical id} of every released object about a member, and of
    released relationships pointing at one of those objects."""
    found: dict[str, dict[str, str]] = {}
    for chunk in _chunks(ids):
        query = select(
            release_object.c.partner_id, release_object.c.object_id, release_object.c.canonical_id
        ).where(release_object.c.canonical_id.in_(chunk))
        for partner_id, object_id, cid in conn.execute(query):
            found.setdefault(partner_id, {})[object_id] = cid
    for partner_id, objects in found.items():
        for object_id in sorted(o for o in objects if not o.startswith("relationship--")):
            rels = select(release_object.c.object_id, release_object.c.canonical_id).where(
                release_object.c.partner_id == partner_id,
                release_object.c.type == "relationship",
                release_object.c.body.contains(object_id, autoescape=True),
            )
            for row in conn.execute(rels):
                objects.setdefault(row.object_id, row.canonical_id)
    return found


def _notify_partners(
    conn: Connection, ids: frozenset[str], report: ErasureReport, *, actor: str, now: datetime
) -> None:
    """Revocation notices to every partner that was given the person; old bodies deleted."""
    deleted = 0
    for partner_id, objects in sorted(_released_objects(conn, ids).items()):
        report.recipients.append(partner_id)
        notices: list[dict[str, Any]] = []
        for object_id in sorted(objects):
            where = and_(
                release_object.c.partner_id == partner_id,
                release_object.c.object_id == object_id,
            )
            latest = conn.execute(
                select(release_object.c.version, release_object.c.body, release_object.c.revoked)
                .where(where)
                .order_by(release_object.c.version.desc())
                .limit(1)
            ).one()
            prev = orjson.loads(latest.body)
            if latest.revoked:
                # Already revoked (the partner was told before): keep that last version, but
                # only in its minimal form, since STIX allows no version after a revocation.
                body = _notice_body(prev, latest.version)
                raw = canonical_bytes(body)
                conn.execute(
                    update(release_object)
                    .where(where, release_object.c.version == latest.version)
                    .values(body=raw.decode(), sha256=_hash(raw))
                )
                keep_from = latest.version
            else:
                body = _notice_body(prev, _bump(latest.version, now))
                notices.append(body)
                keep_from = body["modified"]
            deleted += conn.execute(
                delete(release_object).where(where, release_object.c.version < keep_from)
            ).rowcount
        if not notices:
            continue
        published = write_release(
            conn,
            partner_id,
            notices,
            kind="objects",
            canonical_of={o["id"]: objects[o["id"]] for o in notices},
            revocations=len(notices),
            author=actor,
            purpose=NOTICE_PURPOSE,
            now=now,
        )
        report.notices.append(
            {
                "partner": partner_id,
                "release": published.seq,
                "revocations": len(notices),
                "audit": list(published.audit_seqs),
            }
        )
    report.deleted["release_object"] = deleted


def _hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()
