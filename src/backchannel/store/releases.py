"""Releases in the store: preview (a dry run) and publish (versioned objects + audit entry).

Publishing writes, in one transaction, the new object versions a partner may now fetch, the
revocations of what it may no longer hold, the release row and its audit entry (LG-2: if the
audit write fails, nothing is published). Objects are versioned by content: publishing again
with nothing changed writes nothing new; changed released content is a new version with a
later ``modified``; an object that may no longer be shared gets a last version with
``revoked: true``. A revoked id is never reused: if the entity becomes releasable again it
gets a new id (a "generation" in the id key), because STIX forbids un-revoking.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, func, insert, select, update

from backchannel.audit.key import SigningKey
from backchannel.audit.log import Action as AuditAction
from backchannel.audit.log import Event, append, database_secret
from backchannel.audit.receipt import receipt
from backchannel.errors import InvalidInput, NotFound
from backchannel.liaison.policy import MEMBERSHIP, Context, EntityDecision, preselection
from backchannel.liaison.project import (
    Projected,
    Projection,
    handling_marking,
    partner_object_id,
    project,
    release_grading_definition,
)
from backchannel.liaison.receipt import canonical_bytes as canonical_bytes
from backchannel.liaison.receipt import manifest_hash as manifest_hash
from backchannel.liaison.receipt import version_of as version_of
from backchannel.model.vocab import TLP, EntityKind
from backchannel.stix.extension import PROVENANCE, extension_definitions, project_identity
from backchannel.stix.markings import tlp2_marking_definition
from backchannel.stix.validate import validate_object
from backchannel.store.knowledge import (
    EntityView,
    all_entities,
    canonical_map,
    entities_by_id,
    gc_paused,
    label_of,
)
from backchannel.store.partners import (
    current_agreement,
    current_terms,
    get_partner,
    lock_partner,
    originator_map,
)
from backchannel.store.reviews import overdue_ids
from backchannel.store.schema import cluster_member, entity, release, release_object, statement
from backchannel.store.timefmt import from_text, stix_time, to_text

_MS = timedelta(milliseconds=1)
# canonical_views(only=…) looks entities up by id when they are under 1/LOOKUP_SHARE of the
# base, and scans the whole base otherwise (measured at 100k persons: look-ups of 94% of the
# base took 1.4× the scan; of 10%, a fifth of it).
LOOKUP_SHARE = 3


def canonical_views(conn: Connection, *, only: Iterable[str] | None = None) -> list[EntityView]:
    """Every canonical entity with the statements of all records merged into it."""
    with gc_paused():
        return _canonical_views(conn, only)


def _canonical_views(conn: Connection, only: Iterable[str] | None) -> list[EntityView]:
    canon = canonical_map(conn)
    if only is None:
        views = all_entities(conn)
    else:
        wanted = {canon.get(e, e) for e in only}
        ids = {*wanted, *(e for e, c in canon.items() if c in wanted)}
        total = conn.execute(select(func.count()).select_from(entity)).scalar_one()
        # Look-ups by id pay off for a part of the base; for most of it one scan (of the
        # kinds wanted) is faster.
        if len(ids) * LOOKUP_SHARE < total:
            views = entities_by_id(conn, ids)
        else:
            kind_of = {e: k for e, k in conn.execute(select(entity.c.id, entity.c.kind))}
            kinds = {EntityKind(kind_of[e]) for e in ids if e in kind_of}
            views = [v for v in all_entities(conn, kinds=kinds) if v.id in ids]
    # Collect each cluster's members first and build one view per cluster at the end: building
    # a new view at every merge copied the statement lists again and again.
    merged: dict[str, list[EntityView]] = {}
    for view in views:
        merged.setdefault(canon.get(view.id, view.id), []).append(view)
    out = []
    for cid in sorted(merged):
        parts = merged[cid]
        first = parts[0]
        if len(parts) == 1 and first.id == cid:
            # A record that is its own cluster: iter_entities already labelled these very
            # statements with this fallback, so label_of would only repeat that pass.
            out.append(
                EntityView(
                    cid,
                    first.kind,
                    first.stix_type,
                    first.label,
                    list(first.statements),
                    [],
                    (first.id,),
                )
            )
            continue
        statements = [s for v in parts for s in v.statements]
        out.append(
            EntityView(
                cid,
                first.kind,
                first.stix_type,
                label_of(statements, cid),
                statements,
                [],
                tuple(sorted(v.id for v in parts)),
            )
        )
    return out


def policy_context(conn: Connection, partner_id: str, now: datetime) -> Context:
    return Context(
        recipient=partner_id,
        agreements=current_terms(conn),
        originators=originator_map(conn),
        now=now,
        canonical=canonical_map(conn),
        overdue=overdue_ids(conn, now),
    )


def preselected(conn: Connection, ctx: Context) -> set[str]:
    """Canonical ids of the entities that could be released under ``ctx``: those meeting its
    :func:`~backchannel.liaison.policy.preselection`, looked up in the database so that a
    partner whose agreement covers, say, two nationalities does not have the whole base read
    and decided. Every other entity would be withheld by the policy anyway."""
    pre = preselection(ctx)
    canon = ctx.canon
    out: set[str] = set()
    others = sorted(k.value for k in pre.kinds if k is not EntityKind.PERSON)
    if others:
        q = select(entity.c.id).where(entity.c.kind.in_(others))
        out |= {canon(e) for e in conn.execute(q).scalars()}
    if EntityKind.PERSON not in pre.kinds:
        return out
    persons = select(entity.c.id).where(entity.c.kind == EntityKind.PERSON.value)
    if not pre.nationalities and not pre.group_ids:
        return out | {canon(e) for e in conn.execute(persons).scalars()}
    # Person records with a fact that could place them in scope, read with their kind from
    # the database rather than by reading every person first.
    of_person = select(statement.c.entity_id).join(entity, entity.c.id == statement.c.entity_id)
    of_person = of_person.where(entity.c.kind == EntityKind.PERSON.value).distinct()
    found: set[str] | None = None
    if pre.nationalities:
        q = of_person.where(
            statement.c.prop == "nationality",
            statement.c.value.in_(sorted(pre.nationalities)),
        )
        found = {canon(e) for e in conn.execute(q).scalars()}
    if pre.group_ids:
        targets = sorted(
            {*pre.group_ids, *(e for e, c in ctx.canonical.items() if c in pre.group_ids)}
        )
        members: set[str] = set()
        for i in range(0, len(targets), 500):
            q = of_person.where(
                statement.c.link,
                statement.c.prop.in_(sorted(MEMBERSHIP)),
                statement.c.value.in_(targets[i : i + 500]),
            )
            members |= {canon(e) for e in conn.execute(q).scalars()}
        found = members if found is None else found & members
    return out | (found or set())


def canonical_count(conn: Connection) -> int:
    """How many canonical entities the base holds (records merged into another count once)."""
    entities = conn.execute(select(func.count()).select_from(entity)).scalar_one()
    merged = conn.execute(
        select(func.count())
        .select_from(cluster_member)
        .where(cluster_member.c.entity_id != cluster_member.c.canonical_id)
    ).scalar_one()
    return int(entities - merged)


@dataclass(frozen=True)
class Latest:
    version: str
    created: str
    body: dict[str, Any]
    revoked: bool
    canonical_id: str


def _latest(conn: Connection, partner_id: str) -> dict[str, Latest]:
    newest = (
        select(release_object.c.object_id, func.max(release_object.c.version).label("v"))
        .where(release_object.c.partner_id == partner_id)
        .group_by(release_object.c.object_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            release_object.c.object_id,
            release_object.c.version,
            release_object.c.body,
            release_object.c.revoked,
            release_object.c.canonical_id,
        )
        .join(
            newest,
            (release_object.c.object_id == newest.c.object_id)
            & (release_object.c.version == newest.c.v),
        )
        .where(release_object.c.partner_id == partner_id)
    )
    out = {}
    for r in rows:
        body = orjson.loads(r.body)
        out[r.object_id] = Latest(r.version, body["created"], body, bool(r.revoked), r.canonical_id)
    return out


def _content(body: dict[str, Any]) -> bytes:
    rest = {k: v for k, v in body.items() if k not in ("created", "modified")}
    return orjson.dumps(rest, option=orjson.OPT_SORT_KEYS)


@dataclass
class Plan:
    """What a publish would write: new versions, revocations, unchanged objects."""

    partner_id: str
    via: str | None
    decisions: list[EntityDecision]
    # Entities not decided because no fact of theirs could let them pass (a kind the
    # agreement does not cover, or a person outside its scope by every fact): withheld.
    passed_over: int = 0
    new: list[dict[str, Any]] = field(default_factory=list)  # complete object versions
    revoked: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    canonical_of: dict[str, str] = field(default_factory=dict)  # object id → canonical id

    @property
    def objects(self) -> list[dict[str, Any]]:
        return [*self.new, *self.revoked]

    def summary(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for d in self.decisions:
            counts[d.decision.action.value] = counts.get(d.decision.action.value, 0) + 1
        return {
            "partner": self.partner_id,
            "via": self.via,
            "entities": counts,
            "passed_over": self.passed_over,
            "new_versions": len(self.new),
            "revocations": len(self.revoked),
            "unchanged": len(self.unchanged),
        }

    def as_dict(self) -> dict[str, Any]:
        """The summary, every decision with its reasons, and the object versions."""
        decisions = [d.as_dict() for d in self.decisions]
        return self.summary() | {"decisions": decisions, "objects": self.objects}


def _bump(previous: str, now: datetime) -> str:
    """A `modified` later than the previous version's and not earlier than now."""
    candidate = stix_time(to_text(now))
    prev = datetime.strptime(previous, "%Y-%m-%dT%H:%M:%S.%fZ")
    if candidate <= previous:
        candidate = (prev + _MS).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z"
    return candidate


def plan_release(
    conn: Connection,
    partner_id: str,
    *,
    now: datetime,
    entity_ids: Sequence[str] | None = None,
) -> Plan:
    """The dry run: decisions with reasons, and the object versions a publish would write."""
    with gc_paused():  # millions of acyclic objects: see knowledge.gc_paused
        run = project_partner(conn, partner_id, now, include=entity_ids or ())
        return plan_from(run, now=now, entity_ids=entity_ids)


@dataclass
class PartnerProjection:
    """One pass over the base for one partner: the policy context, the canonical views of
    every entity that could be released (see :func:`preselected`) or was released before,
    the decisions and objects of the projection, and what the partner already holds. Plans
    for the whole base or any selection are cut from it without reading the base again."""

    partner_id: str
    ctx: Context
    views: dict[str, EntityView]
    projection: Projection
    latest: dict[str, Latest]
    handling: dict[str, Any]
    passed_over: int = 0  # canonical entities not decided: the preselection excludes them


def project_partner(
    conn: Connection, partner_id: str, now: datetime, *, include: Iterable[str] = ()
) -> PartnerProjection:
    """Read what could be released to ``partner_id`` (and the entities in ``include``, so a
    preview can explain them) and project it (pauses the cyclic GC)."""
    with gc_paused():
        return _project_partner(conn, partner_id, now, include)


def _project_partner(
    conn: Connection, partner_id: str, now: datetime, include: Iterable[str]
) -> PartnerProjection:
    get_partner(conn, partner_id)  # NotFound for an unknown partner
    ctx = policy_context(conn, partner_id, now)
    latest = _latest(conn, partner_id)
    # Every entity that could be released, not only a selection: a partial release must map
    # references to the same ids and carry the objects its selection refers to. What was
    # released before is decided again, so a revocation comes with its reasons.
    wanted = preselected(conn, ctx)
    wanted |= {ctx.canon(lv.canonical_id) for lv in latest.values() if not lv.revoked}
    wanted |= {ctx.canon(e) for e in include}
    views = [v for v in canonical_views(conn, only=wanted) if v.statements]
    secret = database_secret(conn, "release-ids")
    dead = {oid for oid, lv in latest.items() if lv.revoked}

    def object_id(canonical: str, stix_type: str) -> str:
        generation = 0
        while True:
            key = canonical if generation == 0 else f"{canonical}\x1f{generation}"
            oid = partner_object_id(secret, partner_id, key, stix_type)
            if oid not in dead:
                return oid
            generation += 1

    handling = handling_marking(partner_id, ctx.terms)
    projection = project(views, ctx, object_id, handling=handling["id"])
    return PartnerProjection(
        partner_id,
        ctx,
        {v.id: v for v in views},
        projection,
        latest,
        handling,
        passed_over=max(0, canonical_count(conn) - len(views)),
    )


def plan_from(
    run: PartnerProjection, *, now: datetime, entity_ids: Sequence[str] | None = None
) -> Plan:
    """The plan for the whole projection, or for a selection of entities (with the objects
    they refer to; other objects are left alone)."""
    partner_id, ctx, projection = run.partner_id, run.ctx, run.projection
    latest, handling = run.latest, run.handling
    selected = _selection(projection.objects, entity_ids, ctx.canonical)
    decisions = [d for d in projection.decisions if selected is None or d.entity_id in selected]
    plan = Plan(
        partner_id, ctx.via, decisions, passed_over=run.passed_over if selected is None else 0
    )
    stamp = stix_time(to_text(now))
    produced: set[str] = set()
    for p in projection.objects:
        if selected is not None and p.object_id not in selected.objects:
            continue
        produced.add(p.object_id)
        plan.canonical_of[p.object_id] = p.canonical_id
        prev = latest.get(p.object_id)
        if prev is not None and not prev.revoked and _content(prev.body) == _content(p.content):
            plan.unchanged.append(p.object_id)
            continue
        created = prev.created if prev is not None else stix_time(p.first_seen)
        modified = _bump(prev.version, now) if prev is not None else max(stamp, created)
        plan.new.append(_versioned(p.content, created, modified))
    if projection.objects and handling["id"] not in latest:
        plan.new.insert(0, handling)
        plan.canonical_of[handling["id"]] = handling["id"]
    shared = {o["id"] for o in supporting_objects()}
    for oid, prev in sorted(latest.items()):
        if prev.revoked or oid in produced or oid in shared:
            continue
        if prev.body["type"] == "marking-definition":
            continue  # markings are never revoked: objects released under them keep them
        cid = prev.canonical_id
        if selected is not None and cid not in selected:
            continue  # a partial release leaves other objects alone
        body = dict(prev.body) | {"revoked": True, "modified": _bump(prev.version, now)}
        plan.revoked.append(body)
        plan.canonical_of[oid] = cid
    return plan


class _Selection(set[str]):
    """Canonical ids chosen for a partial release, and the object ids it writes."""

    objects: set[str]


def _selection(
    objects: Sequence[Projected],
    entity_ids: Sequence[str] | None,
    canonical: Mapping[str, str],
) -> _Selection | None:
    """The objects of the chosen entities plus, transitively, those they refer to."""
    if entity_ids is None:
        return None
    chosen = _Selection(canonical.get(e, e) for e in entity_ids)
    by_id = {p.object_id: p for p in objects}
    todo = [p for p in objects if p.canonical_id in chosen]
    chosen.objects = set()
    while todo:
        p = todo.pop()
        if p.object_id in chosen.objects:
            continue
        chosen.objects.add(p.object_id)
        for ref in _refs(p.content):
            if ref in by_id and ref not in chosen.objects:
                todo.append(by_id[ref])
    return chosen


def _refs(obj: dict[str, Any]) -> set[str]:
    refs = {obj[k] for k in ("source_ref", "target_ref") if k in obj}
    return refs | set(obj.get("object_refs", ()))


def _versioned(content: dict[str, Any], created: str, modified: str) -> dict[str, Any]:
    head = {k: content[k] for k in ("type", "spec_version", "id")}
    return (
        head
        | {"created": created, "modified": modified}
        | {k: v for k, v in content.items() if k not in head}
    )


def supporting_objects() -> list[dict[str, Any]]:
    """Objects every release may refer to: our identity, extension definitions, TLP markings."""
    used = [d for d in extension_definitions() if d["id"] != PROVENANCE]  # sources stay home
    out = [project_identity(), *used, release_grading_definition()]
    out += [tlp2_marking_definition(level) for level in TLP if level is not TLP.RED]
    return out


def _check_valid(objects: Iterable[dict[str, Any]]) -> None:
    """Fail closed: an object our validator rejects is never published (IN-3)."""
    for obj in objects:
        problems = validate_object(obj)
        if problems:
            p = problems[0]
            raise InvalidInput(
                f"release object {obj.get('id')} is not valid STIX",
                why=f"{p.prop}: {p.reason}",
            )


@dataclass(frozen=True)
class Published:
    seq: int
    partner_id: str
    via: str | None
    objects: int
    revocations: int
    bundle_sha256: str
    audit_seqs: tuple[int, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "release": self.seq,
            "partner": self.partner_id,
            "via": self.via,
            "objects": self.objects,
            "revocations": self.revocations,
            "bundle_sha256": self.bundle_sha256,
            "audit": list(self.audit_seqs),
        }


def publish(
    conn: Connection,
    partner_id: str,
    *,
    author: str,
    purpose: str,
    now: datetime,
    entity_ids: Sequence[str] | None = None,
    request_id: int | None = None,
) -> Published:
    """Publish a release in the caller's write transaction, with its audit entries."""
    with gc_paused():
        plan = plan_release(conn, partner_id, now=now, entity_ids=entity_ids)
        return publish_plan(
            conn, plan, author=author, purpose=purpose, now=now, request_id=request_id
        )


def publish_plan(
    conn: Connection,
    plan: Plan,
    *,
    author: str,
    purpose: str,
    now: datetime,
    request_id: int | None = None,
) -> Published:
    """Publish what a plan (made in this transaction) says."""
    return write_release(
        conn,
        plan.partner_id,
        plan.objects,
        kind="objects",
        canonical_of=plan.canonical_of,
        revocations=len(plan.revoked),
        author=author,
        purpose=purpose,
        now=now,
        request_id=request_id,
    )


def write_release(
    conn: Connection,
    partner_id: str,
    objects: Sequence[dict[str, Any]],
    *,
    kind: str,
    canonical_of: dict[str, str],
    revocations: int,
    author: str,
    purpose: str,
    now: datetime,
    request_id: int | None = None,
) -> Published:
    """Make object versions visible to a partner and log the disclosure, in one transaction.

    Checks first (relay rights, STIX validity: fail closed), then writes the release, its
    objects (with the shared objects they refer to, the first time) and the audit entries: one
    per leg, so a relayed release records both the intermediary and the final recipient.
    """
    if not purpose.strip():
        raise InvalidInput("a release needs a purpose or case reference")
    get_partner(conn, partner_id)
    version = current_agreement(conn, partner_id)
    via = version.terms.via if version else None
    _check_relay(conn, partner_id, via, now)
    _check_valid([*objects, *supporting_objects()])
    present = set(
        conn.execute(
            select(release_object.c.object_id).where(release_object.c.partner_id == partner_id)
        ).scalars()
    )
    if not objects:
        # Nothing new for the partner: no release, nothing disclosed, nothing to log.
        return Published(0, partner_id, via, 0, 0, "", ())
    first_time = [o for o in supporting_objects() if o["id"] not in present]
    written = [*first_time, *objects]
    digest = manifest_hash(written)
    lock_partner(conn, partner_id)
    at = to_text(_after_last_added(conn, partner_id, now))
    seq: int = conn.execute(
        insert(release).values(
            partner_id=partner_id,
            via=via,
            kind=kind,
            published_at=at,
            author=author,
            purpose=purpose.strip(),
            request_id=request_id,
            agreement_version=version.version if version else 0,
            objects=len(written),
            bundle_sha256=digest,
            audit_seq=-1,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    rows = []
    for obj in written:
        body = canonical_bytes(obj)
        rows.append(
            {
                "partner_id": partner_id,
                "object_id": obj["id"],
                "version": version_of(obj),
                "release_seq": seq,
                "canonical_id": canonical_of.get(obj["id"], obj["id"]),
                "type": obj["type"],
                "body": body.decode(),
                "sha256": hashlib.sha256(body).hexdigest(),
                "revoked": bool(obj.get("revoked", False)),
                "added_at": at,
            }
        )
    if rows:
        conn.execute(insert(release_object), rows)
    subjects = sorted(
        {canonical_of.get(o["id"], o["id"]) for o in objects} | {o["id"] for o in objects}
    )
    details: dict[str, str | int | bool | None] = {
        "release": seq,
        "kind": kind,
        "agreement_version": version.version if version else 0,
        "objects": len(written),
        "revocations": revocations,
        "bundle_sha256": digest,
    }
    legs = [(via, details | {"relay_to": partner_id, "leg": 1})] if via else []
    legs.append((partner_id, details | ({"via": via, "leg": 2} if via else {})))
    audit = [
        append(
            conn,
            Event(
                AuditAction.DISCLOSURE,
                actor=f"user:{author}",
                subjects=subjects,
                purpose=purpose.strip(),
                recipient=recipient,
                details=leg,
            ),
            now=now,
        )
        for recipient, leg in legs
    ]
    conn.execute(update(release).where(release.c.seq == seq).values(audit_seq=audit[-1]))
    return Published(seq, partner_id, via, len(written), revocations, digest, tuple(audit))


def _check_relay(conn: Connection, partner_id: str, via: str | None, now: datetime) -> None:
    """A relayed release needs the intermediary's own agreement in force and allowing it to
    pass our data on to the final recipient."""
    if via is None:
        return
    terms = current_terms(conn).get(via)
    if terms is None or not terms.in_force(now):
        raise InvalidInput(
            f"cannot relay to {partner_id} through {via}",
            why=f"no agreement with {via} in force",
        )
    if partner_id not in terms.onward_to:
        raise InvalidInput(
            f"cannot relay to {partner_id} through {via}",
            why=f"{via}'s agreement does not allow onward sharing to {partner_id}",
        )


def released_objects(
    conn: Connection, partner_id: str, *, release_seq: int | None = None
) -> list[dict[str, Any]]:
    """The object versions a partner was given (all, or one release's), oldest first."""
    q = select(release_object.c.body).where(release_object.c.partner_id == partner_id)
    if release_seq is not None:
        q = q.where(release_object.c.release_seq == release_seq)
    q = q.order_by(release_object.c.added_at, release_object.c.object_id, release_object.c.version)
    return [orjson.loads(b) for b in conn.execute(q).scalars()]


def _after_last_added(conn: Connection, partner_id: str, now: datetime) -> datetime:
    """``now``, or just after the partner's newest object if that is later (a clock step back,
    or a concurrent publish that committed first): date_added never goes backwards."""
    last = conn.execute(
        select(func.max(release_object.c.added_at)).where(release_object.c.partner_id == partner_id)
    ).scalar()
    if last is None:
        return now
    return max(now, from_text(last) + timedelta(microseconds=1))


def receipt_for_release(
    conn: Connection, partner_id: str, release_seq: int, key: SigningKey, *, now: datetime
) -> dict[str, Any]:
    """The audit receipt of a release's disclosure entry (the partner's leg)."""
    row = conn.execute(
        select(release.c.audit_seq)
        .where(release.c.seq == release_seq)
        .where(release.c.partner_id == partner_id)
    ).first()
    if row is None:
        raise NotFound(f"no release {release_seq} to {partner_id}")
    return receipt(conn, row.audit_seq, key, now=now)
