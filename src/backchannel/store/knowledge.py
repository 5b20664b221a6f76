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
from sqlalchemy import Connection, Row, and_, func, select, text

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


def _statement_query() -> Any:
    """Statements with the newest version of their record and its revoked flag.

    Correlated on each statement's record (primary-key look-ups), so reading one entity never
    scans the whole archive; a group-by over every record made profile refreshes quadratic.
    """
    newest = record.alias("newest")
    latest_version = (
        select(func.max(newest.c.version))
        .where(newest.c.stix_id == statement.c.record_id)
        .scalar_subquery()
    )
    return select(
        statement,
        record.c.version.label("latest_version"),
        record.c.revoked.label("latest_revoked"),
    ).select_from(
        statement.join(
            record,
            and_(record.c.stix_id == statement.c.record_id, record.c.version == latest_version),
        )
    )


def _to_stored(row: Row[Any]) -> StoredStatement:
    m = row._mapping
    if m["latest_revoked"]:
        state = State.REVOKED
    elif m["last_version"] < m["latest_version"]:
        state = State.SUPERSEDED
    else:
        state = State.CURRENT
    return StoredStatement(
        id=m["id"],
        entity_id=m["entity_id"],
        prop=m["prop"],
        value=m["value"],
        qualifiers=orjson.loads(m["qualifiers"]),
        link=bool(m["link"]),
        record_id=m["record_id"],
        first_version=m["first_version"],
        last_version=m["last_version"],
        source=m["source"],
        originator=m["originator"],
        channel=m["channel"],
        tlp=TLP(m["tlp"]),
        reliability=Reliability(m["reliability"]),
        credibility=Credibility(m["credibility"]),
        valid_from=m["valid_from"],
        valid_to=m["valid_to"],
        first_seen=m["first_seen"],
        last_seen=m["last_seen"],
        state=state,
    )


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


def statements_for(conn: Connection, entity_ids: Sequence[str]) -> dict[str, list[StoredStatement]]:
    out: dict[str, list[StoredStatement]] = {eid: [] for eid in entity_ids}
    for i in range(0, len(entity_ids), 500):
        chunk = entity_ids[i : i + 500]
        for row in conn.execute(_statement_query().where(statement.c.entity_id.in_(chunk))):
            out[row.entity_id].append(_to_stored(row))
    return {k: _order(v) for k, v in out.items()}


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
    mentioned = _order(
        _to_stored(r)
        for r in conn.execute(
            _statement_query().where(statement.c.value.in_(members), statement.c.link)
        )
    )
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
            s = stmts[r.id]
            yield EntityView(r.id, EntityKind(r.kind), r.stix_type, label_of(s, r.id), s, [])


_TLP = {t.value: t for t in TLP}
_RELIABILITY = {r.value: r for r in Reliability}
_CREDIBILITY = {c.value: c for c in Credibility}
_KIND = {k.value: k for k in EntityKind}


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
            gc.enable()


def all_entities(conn: Connection) -> list[EntityView]:
    """Every entity with its statements, read in one pass (for whole-base work such as a
    release projection): the newest version of every record first, then one scan of the
    statement table, instead of a correlated look-up per statement in chunks of entities.
    The result equals :func:`iter_entities` (tested)."""
    newest_version = (
        select(record.c.stix_id, func.max(record.c.version).label("v"))
        .group_by(record.c.stix_id)
        .subquery()
    )
    newest: dict[str, tuple[str, bool]] = {
        sid: (version, bool(revoked))
        for sid, version, revoked in conn.execute(
            select(record.c.stix_id, record.c.version, record.c.revoked).join(
                newest_version,
                and_(
                    record.c.stix_id == newest_version.c.stix_id,
                    record.c.version == newest_version.c.v,
                ),
            )
        )
    }
    c = statement.c
    cols = (
        c.id, c.entity_id, c.prop, c.value, c.qualifiers, c.link, c.record_id,
        c.first_version, c.last_version, c.source, c.originator, c.channel, c.tlp,
        c.reliability, c.credibility, c.valid_from, c.valid_to, c.first_seen, c.last_seen,
    )  # fmt: skip
    by_entity: dict[str, list[StoredStatement]] = {}
    current, superseded, revoked = State.CURRENT, State.SUPERSEDED, State.REVOKED
    loads = orjson.loads
    for r in conn.execute(select(*cols)):
        latest = newest.get(r[6])
        if latest is None:
            continue  # a statement whose record is gone (cannot happen: foreign to erasure)
        if latest[1]:
            state = revoked
        elif r[8] < latest[0]:
            state = superseded
        else:
            state = current
        stored = StoredStatement(
            r[0], r[1], r[2], r[3], loads(r[4]), bool(r[5]), r[6], r[7], r[8], r[9], r[10],
            r[11], _TLP[r[12]], _RELIABILITY[r[13]], _CREDIBILITY[r[14]], r[15], r[16], r[17],
            r[18], state,
        )  # fmt: skip
        by_entity.setdefault(r[1], []).append(stored)
    out = []
    for eid, kind, stix_type in conn.execute(
        select(entity.c.id, entity.c.kind, entity.c.stix_type).order_by(entity.c.id)
    ):
        stmts = _order(by_entity.get(eid, ()))
        out.append(EntityView(eid, _KIND[kind], stix_type, label_of(stmts, eid), stmts, []))
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
