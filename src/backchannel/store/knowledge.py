"""Reading knowledge back: entities, their statements with state, search, statistics."""

from __future__ import annotations

import contextlib
import gc
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, func, select, text

from backchannel.errors import NotFound
from backchannel.model.assessment import Assessment, assess_status
from backchannel.model.statement import State, StoredStatement
from backchannel.model.vocab import TLP, Credibility, EntityKind, Reliability
from backchannel.store.schema import (
    SEARCHABLE_PROPS,
    cluster_member,
    entity,
    record,
    statement,
)


@dataclass(frozen=True, slots=True)
class EntityView:
    id: str
    kind: EntityKind
    stix_type: str
    label: str
    statements: list[StoredStatement]
    mentioned_by: list[StoredStatement]  # links from other entities to this one
    members: tuple[str, ...] = ()  # the records merged into this entity (itself if none)

    def current(self, prop: str | None = None) -> list[StoredStatement]:
        return [
            s
            for s in self.statements
            if s.state is State.CURRENT and (prop is None or s.prop == prop)
        ]

    @property
    def assessment(self) -> Assessment:
        return assess_status(self.statements)

    def as_dict(self) -> dict[str, Any]:
        """The entity with its assessment (persons), members and every statement."""
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind.value,
            "stix_type": self.stix_type,
            "label": self.label,
        }
        if self.kind is EntityKind.PERSON:
            a = self.assessment
            out["assessment"] = {
                "status": a.status.value,
                "reason": a.reason,
                "statement": a.basis.id if a.basis else None,
            }
        out["members"] = list(self.members)
        out["statements"] = [s.as_dict() for s in self.statements]
        out["linked_from"] = [s.as_dict() for s in self.mentioned_by]
        return out


_TLP = {t.value: t for t in TLP}
_RELIABILITY = {r.value: r for r in Reliability}
_CREDIBILITY = {c.value: c for c in Credibility}
_KIND = {k.value: k for k in EntityKind}
_CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit

_c = statement.c
_COLUMNS = (
    _c.id, _c.entity_id, _c.prop, _c.value, _c.qualifiers, _c.link, _c.record_id,
    _c.first_version, _c.last_version, _c.source, _c.originator, _c.channel, _c.tlp,
    _c.reliability, _c.credibility, _c.valid_from, _c.valid_to, _c.first_seen, _c.last_seen,
)  # fmt: skip
_RECORD_ID = 6  # positions in _COLUMNS
_LAST_VERSION = 8

Newest = dict[str, tuple[str, bool]]  # record id → (newest version, revoked)


def _newest_of(conn: Connection, record_ids: Iterable[str] | None) -> Newest:
    """The newest version of each record (of every record when ``record_ids`` is None), and
    whether that version revoked it: a statement's state depends on both."""
    out: Newest = {}
    q = select(record.c.stix_id, record.c.version, record.c.revoked)
    if record_ids is None:
        chunks: Iterable[list[str] | None] = [None]
    else:
        ids = sorted(set(record_ids))
        chunks = [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
    for chunk in chunks:
        rows = conn.execute(q if chunk is None else q.where(record.c.stix_id.in_(chunk)))
        for part in rows.partitions(10_000):
            for sid, version, revoked in part:
                seen = out.get(sid)
                if seen is None or version > seen[0]:
                    out[sid] = (version, bool(revoked))
    return out


def _statement_rows(
    conn: Connection, entity_ids: Sequence[str] | None, kinds: Iterable[EntityKind] | None = None
) -> Iterator[Sequence[Any]]:
    """Raw statement rows (in :data:`_COLUMNS` order) of some entities, or of all (of some
    kinds)."""
    q = select(*_COLUMNS)
    if entity_ids is None:
        if kinds is not None:
            of_kind = select(entity.c.id).where(entity.c.kind.in_(sorted(k.value for k in kinds)))
            q = q.where(statement.c.entity_id.in_(of_kind))
        for part in conn.execute(q).partitions(10_000):
            yield from part
        return
    for i in range(0, len(entity_ids), _CHUNK):
        chunk = entity_ids[i : i + _CHUNK]
        yield from conn.execute(q.where(statement.c.entity_id.in_(chunk))).all()


def _stored(rows: Iterable[Sequence[Any]], newest: Newest) -> dict[str, list[StoredStatement]]:
    """Rows turned into statements with their state, grouped by entity (unordered)."""
    by_entity: dict[str, list[StoredStatement]] = {}
    current, superseded, revoked = State.CURRENT, State.SUPERSEDED, State.REVOKED
    loads = orjson.loads
    for r in rows:
        latest = newest.get(r[_RECORD_ID])
        if latest is None:
            continue  # a statement whose record is gone (cannot happen: foreign to erasure)
        if latest[1]:
            state = revoked
        elif r[_LAST_VERSION] < latest[0]:
            state = superseded
        else:
            state = current
        stored = StoredStatement(
            r[0], r[1], r[2], r[3], loads(r[4]), bool(r[5]), r[6], r[7], r[8], r[9], r[10],
            r[11], _TLP[r[12]], _RELIABILITY[r[13]], _CREDIBILITY[r[14]], r[15], r[16], r[17],
            r[18], state,
        )  # fmt: skip
        by_entity.setdefault(r[1], []).append(stored)
    return by_entity


def _order(stmts: Iterable[StoredStatement]) -> list[StoredStatement]:
    return sorted(stmts, key=lambda s: (s.prop, s.value, s.first_seen, s.id))


def label_of(statements: Sequence[StoredStatement], fallback: str) -> str:
    """Display name: a current Latin-script name, best graded first, else any name."""
    names = [s for s in statements if s.prop == "name" and s.state is State.CURRENT]
    if not names:
        names = [s for s in statements if s.prop == "name"]
    if not names:
        return fallback
    latin = [s for s in names if s.qualifiers.get("script", "Latn") == "Latn"] or names
    best = min(latin, key=lambda s: (s.reliability.value, s.credibility.value, s.value))
    return best.value


def _stored_rows(
    conn: Connection, rows: Sequence[Sequence[Any]]
) -> dict[str, list[StoredStatement]]:
    """Some statement rows as statements, their state read from just their records."""
    return _stored(rows, _newest_of(conn, (r[_RECORD_ID] for r in rows)))


def _view(eid: str, kind: str, stix_type: str, stmts: list[StoredStatement]) -> EntityView:
    return EntityView(eid, _KIND[kind], stix_type, label_of(stmts, eid), stmts, [])


def statements_for(conn: Connection, entity_ids: Sequence[str]) -> dict[str, list[StoredStatement]]:
    """The statements of some entities, each list in display order, with their state."""
    by_entity = _stored_rows(conn, list(_statement_rows(conn, list(entity_ids))))
    return {eid: _order(by_entity.get(eid, ())) for eid in entity_ids}


def _linking_to(conn: Connection, entity_ids: Sequence[str]) -> list[StoredStatement]:
    """Link statements (of any entity) whose target is one of ``entity_ids``."""
    q = select(*_COLUMNS).where(statement.c.link)
    rows = [
        r
        for i in range(0, len(entity_ids), _CHUNK)
        for r in conn.execute(q.where(statement.c.value.in_(entity_ids[i : i + _CHUNK])))
    ]
    return [s for stmts in _stored_rows(conn, rows).values() for s in stmts]


def canonical_map(conn: Connection) -> dict[str, str]:
    """Every clustered entity's canonical id (entities not listed are their own)."""
    return {
        r.entity_id: r.canonical_id
        for r in conn.execute(select(cluster_member.c.entity_id, cluster_member.c.canonical_id))
    }


def get_entity(conn: Connection, entity_id: str) -> EntityView:
    """One entity, merged with every record judged the same, with every statement of each.

    Asking for any member of a cluster gives the whole cluster under its canonical id.
    Raises :class:`NotFound`.
    """
    row = conn.execute(select(entity).where(entity.c.id == entity_id)).first()
    if row is None:
        raise NotFound(f"no entity {entity_id}")
    canonical = conn.execute(
        select(cluster_member.c.canonical_id).where(cluster_member.c.entity_id == entity_id)
    ).scalar()
    if canonical is None:
        members = [entity_id]
        canonical = entity_id
    else:
        members = list(
            conn.execute(
                select(cluster_member.c.entity_id)
                .where(cluster_member.c.canonical_id == canonical)
                .order_by(cluster_member.c.entity_id)
            ).scalars()
        )
    by_member = statements_for(conn, members)
    stmts = _order(s for m in members for s in by_member[m])
    mentioned = _order(_linking_to(conn, members))
    return EntityView(
        canonical,
        EntityKind(row.kind),
        row.stix_type,
        label_of(stmts, canonical),
        stmts,
        mentioned,
        tuple(members),
    )


def iter_entities(
    conn: Connection, *, kinds: Sequence[EntityKind] | None = None, chunk: int = 500
) -> Iterator[EntityView]:
    """All entities (optionally of some kinds), in id order, with their statements."""
    q = select(entity.c.id, entity.c.kind, entity.c.stix_type).order_by(entity.c.id)
    if kinds:
        q = q.where(entity.c.kind.in_([k.value for k in kinds]))
    rows = list(conn.execute(q))
    for i in range(0, len(rows), chunk):
        part = rows[i : i + chunk]
        stmts = statements_for(conn, [r.id for r in part])
        for r in part:
            yield _view(r.id, r.kind, r.stix_type, stmts[r.id])


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of acyclic objects are built: its
    repeated full passes over them took 40% of a whole-base read (measured at 100k persons).
    Reference counting still frees everything; the collector resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # What was built meanwhile sits in the youngest generation, so the first
            # collection after re-enabling would walk all of it (3.2 s after a whole-base
            # plan, measured). freeze + unfreeze moves it to the oldest generation instead,
            # which only the rare full collections visit.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def all_entities(
    conn: Connection, *, kinds: Iterable[EntityKind] | None = None
) -> list[EntityView]:
    """Every entity (optionally of some kinds) with its statements, read in one pass (for
    whole-base work such as a release projection): the newest version of every record first,
    then one scan of the statement table, instead of look-ups in chunks of entities. The
    result equals :func:`iter_entities` (tested)."""
    kinds = None if kinds is None else frozenset(kinds)
    by_entity = _stored(_statement_rows(conn, None, kinds), _newest_of(conn, None))
    q = select(entity.c.id, entity.c.kind, entity.c.stix_type).order_by(entity.c.id)
    if kinds is not None:
        q = q.where(entity.c.kind.in_(sorted(k.value for k in kinds)))
    return [
        _view(eid, kind, stix_type, _order(by_entity.get(eid, ())))
        for eid, kind, stix_type in conn.execute(q)
    ]


def entities_by_id(conn: Connection, entity_ids: Iterable[str]) -> list[EntityView]:
    """Some entities with their statements, in id order (unknown ids are left out): the
    chunked form of :func:`all_entities` for when only a part of the base is wanted."""
    ids = sorted(set(entity_ids))
    stmts = statements_for(conn, ids)
    q = select(entity.c.id, entity.c.kind, entity.c.stix_type)
    out = [
        _view(eid, kind, stix_type, stmts[eid])
        for i in range(0, len(ids), _CHUNK)
        for eid, kind, stix_type in conn.execute(q.where(entity.c.id.in_(ids[i : i + _CHUNK])))
    ]
    out.sort(key=lambda v: v.id)
    return out


@dataclass(frozen=True, slots=True)
class SearchHit:
    entity_id: str
    kind: EntityKind
    label: str
    matched: list[str]


_TOKEN = re.compile(r"\w+", re.UNICODE)


def search(conn: Connection, query: str, *, limit: int = 20) -> list[SearchHit]:
    """Entities whose names, aliases or descriptions contain every word of ``query``."""
    tokens = _TOKEN.findall(query)
    if not tokens:
        return []
    if conn.dialect.name == "sqlite":
        fts = " AND ".join('"' + t.replace('"', '""') + '"' for t in tokens)
        rows = conn.execute(
            text(
                "SELECT entity_id, prop, value FROM statement_fts WHERE statement_fts MATCH :q "
                "ORDER BY rank LIMIT :n"
            ),
            {"q": fts, "n": limit * 50},
        ).all()
    else:
        tsv = func.to_tsvector(text("'simple'"), statement.c.value)
        tsq = func.plainto_tsquery(text("'simple'"), " ".join(tokens))
        rows = conn.execute(
            select(statement.c.entity_id, statement.c.prop, statement.c.value)
            .where(statement.c.prop.in_(SEARCHABLE_PROPS), tsv.bool_op("@@")(tsq))
            .order_by(statement.c.entity_id)
            .limit(limit * 50)
        ).all()
    # Name and alias hits rank before hits in descriptions.
    rows = sorted(rows, key=lambda r: r[1] not in ("name", "alias"))
    matches: dict[str, list[str]] = {}
    for eid, _prop, value in rows:
        if eid not in matches and len(matches) >= limit:
            continue
        found = matches.setdefault(eid, [])
        if value not in found and len(found) < 5:
            found.append(value)
    if not matches:
        return []
    ids = list(matches)
    stmts = statements_for(conn, ids)
    kinds = dict(conn.execute(select(entity.c.id, entity.c.kind).where(entity.c.id.in_(ids))).all())
    return [
        SearchHit(
            eid,
            EntityKind(kinds[eid]) if eid in kinds else EntityKind.REPORT,
            label_of(stmts[eid], eid),
            matches[eid],
        )
        for eid in ids
        if eid in kinds
    ]


MEMBERSHIP = ("member-of", "leader-of")


def person_stats(conn: Connection) -> Counter[tuple[str, str, str]]:
    """Persons counted by (group, nationality, assessed status), over current statements.

    A person in two groups or with two nationalities counts once in each cell they belong to;
    ``(none)`` and ``(unknown)`` stand for a missing group or nationality.
    """
    group_names: dict[str, str] = {}
    for view in iter_entities(conn, kinds=[EntityKind.GROUP]):
        group_names[view.id] = view.label
    # Count persons, not records: records judged the same count once, with all their facts.
    canonical = canonical_map(conn)
    persons: dict[str, list[StoredStatement]] = {}
    for p in iter_entities(conn, kinds=[EntityKind.PERSON]):
        persons.setdefault(canonical.get(p.id, p.id), []).extend(p.statements)
    counts: Counter[tuple[str, str, str]] = Counter()
    for stmts in persons.values():
        current = [s for s in stmts if s.state is State.CURRENT]
        groups = sorted(
            {group_names.get(s.value, s.value) for s in current if s.link and s.prop in MEMBERSHIP}
        ) or ["(none)"]
        nats = sorted({s.value for s in current if s.prop == "nationality"}) or ["(unknown)"]
        status = assess_status(stmts).status.value
        for g in groups:
            for n in nats:
                counts[(g, n, status)] += 1
    return counts


def table_counts(conn: Connection) -> dict[str, int]:
    """Row counts of the truth tables, for summaries."""
    out = {}
    for name, table in (("records", record), ("entities", entity), ("statements", statement)):
        out[name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
    for kind in EntityKind:
        out[kind.value + "s"] = conn.execute(
            select(func.count()).select_from(entity).where(entity.c.kind == kind.value)
        ).scalar_one()
    return out
