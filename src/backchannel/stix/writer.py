"""Exporting STIX 2.1: received objects as received, and the knowledge as STIX.

The knowledge export builds one object per entity from its current statements: persons as
``identity`` with the person-profile extension, other entities as the type they arrived as,
relationships from link statements. Every object also carries the provenance extension listing
the statements it was built from, so importing the export elsewhere restores who said what.
Objects are marked with the strictest TLP among the statements they contain.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

import orjson
from sqlalchemy import Connection, select

from backchannel.model.envelope import NAMESPACE
from backchannel.model.statement import State, StoredStatement
from backchannel.model.vocab import TLP, EntityKind
from backchannel.stix.bundle import BundleWriter
from backchannel.stix.extension import (
    PERSON_PROFILE,
    PROVENANCE,
    extension_definitions,
    project_identity,
)
from backchannel.stix.extract import is_reference
from backchannel.stix.markings import TLP2_IDS, tlp2_marking_definition
from backchannel.store.knowledge import EntityView, iter_entities, label_of
from backchannel.store.schema import delivery, envelope, record
from backchannel.store.timefmt import stix_time

# STIX properties that are lists (of strings or objects) on the types we rebuild.
LIST_PROPS = frozenset(
    [
        "aliases",
        "labels",
        "goals",
        "roles",
        "sectors",
        "threat_actor_types",
        "report_types",
        "object_refs",
        "external_references",
        "kill_chain_phases",
        "personal_motivations",
        "secondary_motivations",
        "infrastructure_types",
        "malware_types",
        "tool_types",
        "indicator_types",
    ]
)
_STORED_AS = {"alias": "aliases", "object_ref": "object_refs"}
_PROFILE_PROPS = frozenset(
    [
        "name",
        "alias",
        "birth_date",
        "birthplace",
        "nationality",
        "gender",
        "subject_category",
        "status",
    ]
)


@dataclass(frozen=True, slots=True)
class ExportFilter:
    """What to export: STIX types (or entity kinds), a TLP ceiling, a modified-since bound."""

    types: frozenset[str] = frozenset()
    max_tlp: TLP = TLP.RED
    modified_since: str | None = None  # normalised timestamp text


def export_archive(
    conn: Connection, out: IO[bytes], *, filt: ExportFilter, all_versions: bool = False
) -> int:
    """Received objects exactly as received (JSON values), newest version or every version."""
    env_tlp: dict[tuple[str, str], TLP] = {}
    for sid, ver, tlp in conn.execute(
        select(delivery.c.stix_id, delivery.c.version, envelope.c.tlp).join(
            envelope, delivery.c.envelope_id == envelope.c.id
        )
    ):
        level = TLP(tlp)
        key = (sid, ver)
        env_tlp[key] = TLP.strictest([level, env_tlp[key]]) if key in env_tlp else level
    q = select(
        record.c.stix_id, record.c.version, record.c.type, record.c.body, record.c.tlp
    ).order_by(record.c.stix_id, record.c.version)
    if filt.types:
        q = q.where(record.c.type.in_(sorted(filt.types)))
    writer = BundleWriter(out)
    pending: tuple[str, str, Any, str | None] | None = None

    def emit(sid: str, ver: str, body: str, tlp: str | None) -> None:
        level = TLP(tlp) if tlp else env_tlp.get((sid, ver), TLP.RED)
        if level.rank > filt.max_tlp.rank:
            return
        if filt.modified_since and ver < filt.modified_since:
            return
        writer.write(orjson.loads(body))

    for sid, ver, _type, body, tlp in conn.execute(q):
        if all_versions:
            emit(sid, ver, body, tlp)
            continue
        if pending is not None and pending[0] != sid:
            emit(*pending)
        pending = (sid, ver, body, tlp)
    if pending is not None and not all_versions:
        emit(*pending)
    writer.close()
    return writer.count


def _included(s: StoredStatement, filt: ExportFilter) -> bool:
    return s.state is State.CURRENT and s.tlp.rank <= filt.max_tlp.rank


def statement_extension(stmts: Sequence[StoredStatement], *, name_sources: bool) -> dict[str, Any]:
    """A property extension listing statements with their grade, marking and validity, and
    (``name_sources``: the provenance extension) who reported them, when."""
    items = []
    for s in stmts:
        item: dict[str, Any] = {"property": s.prop, "value": s.value}
        if name_sources:
            item |= {"source": s.source, "originator": s.originator, "channel": s.channel}
        item |= {
            "reliability": s.reliability.value,
            "credibility": int(s.credibility.value),
            "tlp": s.tlp.value,
        }
        if name_sources:
            item |= {"first_seen": s.first_seen, "last_seen": s.last_seen}
        if s.qualifiers:
            item["qualifiers"] = dict(sorted(s.qualifiers.items()))
        if s.valid_from is not None:
            item["valid_from"] = s.valid_from
        if s.valid_to is not None:
            item["valid_to"] = s.valid_to
        items.append(item)
    items.sort(key=lambda i: orjson.dumps(i, option=orjson.OPT_SORT_KEYS))
    return {"extension_type": "property-extension", "statements": items}


def _provenance(stmts: Sequence[StoredStatement]) -> dict[str, Any]:
    return statement_extension(stmts, name_sources=True)


def _decoded(s: StoredStatement) -> Any:
    return orjson.loads(s.value) if s.qualifiers.get("type") == "json" else s.value


def _best(stmts: Sequence[StoredStatement]) -> StoredStatement:
    return min(stmts, key=lambda s: (s.reliability.value, s.credibility.value, s.value))


def _common(view: EntityView, stmts: Sequence[StoredStatement], kind: str) -> dict[str, Any]:
    strictest = TLP.strictest([s.tlp for s in stmts])
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": view.id,
        "created": stix_time(min(s.first_seen for s in stmts)),
        "modified": stix_time(max(s.last_seen for s in stmts)),
        "object_marking_refs": [TLP2_IDS[strictest]],
    }


def _uniq(values: Iterable[Any]) -> list[Any]:
    seen: dict[bytes, Any] = {}
    for v in values:
        seen.setdefault(orjson.dumps(v, option=orjson.OPT_SORT_KEYS), v)
    return [seen[k] for k in sorted(seen)]


def _profile(stmts: Sequence[StoredStatement]) -> dict[str, Any]:
    by: dict[str, list[StoredStatement]] = {}
    for s in stmts:
        by.setdefault(s.prop, []).append(s)
    p: dict[str, Any] = {"extension_type": "property-extension"}
    names = _uniq({"value": s.value, **s.qualifiers} for s in by.get("name", ()))
    if names:
        p["names"] = names
    aliases = _uniq(
        {
            "value": s.value,
            "kind": s.qualifiers.get("kind", "alias"),
            **{k: s.qualifiers[k] for k in ("script", "quality") if k in s.qualifiers},
        }
        for s in by.get("alias", ())
    )
    if aliases:
        p["aliases"] = aliases
    births = []
    for s in by.get("birth_date", ()):
        first, _, last = s.value.partition("/")
        item: dict[str, Any] = {"earliest": first, "latest": last} if last else {"date": first}
        if s.qualifiers.get("approximate") == "true":
            item["approximate"] = True
        births.append(item)
    if births:
        p["birth_dates"] = _uniq(births)
    places = _uniq({"name": s.value, **s.qualifiers} for s in by.get("birthplace", ()))
    if places:
        p["birthplaces"] = places
    nats = sorted({s.value for s in by.get("nationality", ())})
    if nats:
        p["nationalities"] = nats
    for prop in ("gender", "subject_category"):
        if by.get(prop):
            p[prop] = _best(by[prop]).value
    statuses = []
    for s in by.get("status", ()):
        item = {"status": s.value, **s.qualifiers}
        item.setdefault("source", s.source)
        if s.valid_from:
            item["date"] = s.valid_from
        item["reliability"] = s.reliability.value
        item["credibility"] = int(s.credibility.value)
        statuses.append(item)
    if statuses:
        p["status_assertions"] = _uniq(statuses)
    return p


def entity_object(
    view: EntityView, stmts: Sequence[StoredStatement], *, provenance: bool = True
) -> dict[str, Any]:
    """One entity as a STIX object built from the given (non-link) statements, with the
    provenance extension naming their sources unless ``provenance`` is false (releases)."""
    if view.kind is EntityKind.PERSON:
        obj = _common(view, stmts, "identity")
        obj["name"] = label_of(stmts, view.id)
        obj["identity_class"] = "individual"
        rest = [s for s in stmts if s.prop not in _PROFILE_PROPS]
        obj["extensions"] = {PERSON_PROFILE: _profile(stmts)}
    else:
        obj = _common(view, stmts, view.stix_type)
        if view.stix_type == "identity":
            obj["identity_class"] = "organization"
        rest = list(stmts)
        if "name" not in {s.prop for s in stmts}:
            obj["name"] = view.label
    grouped: dict[str, list[StoredStatement]] = {}
    for s in rest:
        grouped.setdefault(_STORED_AS.get(s.prop, s.prop), []).append(s)
    for prop, group in sorted(grouped.items()):
        if prop in LIST_PROPS:
            obj[prop] = _uniq(_decoded(s) for s in group)
        else:
            obj[prop] = _decoded(_best(group))
    exts = obj.setdefault("extensions", {})
    if provenance:
        exts[PROVENANCE] = _provenance(stmts)
    return obj


def relationship_objects(
    view: EntityView, links: Sequence[StoredStatement], *, provenance: bool = True
) -> list[dict[str, Any]]:
    """One relationship per (type, target, validity), carrying its statements in the
    provenance extension unless ``provenance`` is false (releases)."""
    groups: dict[tuple[str, str, str | None, str | None], list[StoredStatement]] = {}
    for s in links:
        groups.setdefault((s.prop, s.value, s.valid_from, s.valid_to), []).append(s)
    out = []
    for (rtype, target, start, stop), group in sorted(groups.items(), key=lambda kv: str(kv[0])):
        key = orjson.dumps([view.id, rtype, target, start, stop])
        obj: dict[str, Any] = {
            "type": "relationship",
            "spec_version": "2.1",
            "id": "relationship--" + str(uuid.uuid5(NAMESPACE, key.decode())),
            "created": stix_time(min(s.first_seen for s in group)),
            "modified": stix_time(max(s.last_seen for s in group)),
            "relationship_type": rtype,
            "source_ref": view.id,
            "target_ref": target,
            "object_marking_refs": [TLP2_IDS[TLP.strictest([s.tlp for s in group])]],
        }
        if start:
            obj["start_time"] = start
        if stop:
            obj["stop_time"] = stop
        obj["extensions"] = {PROVENANCE: _provenance(group)} if provenance else {}
        out.append(obj)
    return out


def export_knowledge(conn: Connection, out: IO[bytes], *, filt: ExportFilter) -> int:
    """The knowledge as STIX: entities and their relationships, with provenance and markings."""
    kinds = [EntityKind(t) for t in filt.types if t in EntityKind._value2member_map_] or None
    writer = BundleWriter(out)
    writer.write(project_identity())
    for ext in extension_definitions():
        writer.write(ext)
    for level in TLP:
        writer.write(tlp2_marking_definition(level))
    for view in iter_entities(conn, kinds=kinds):
        stmts = [s for s in view.statements if _included(s, filt)]
        # Relationship-derived links become relationship objects; reference properties
        # (a report's object_refs) stay properties of the object.
        facts = [s for s in stmts if not s.link or is_reference(s.prop)]
        links = [s for s in stmts if s.link and not is_reference(s.prop)]
        if not facts:
            continue
        obj = entity_object(view, facts)
        if filt.modified_since and obj["modified"] < filt.modified_since[:23] + "Z":
            continue
        writer.write(obj)
        for rel in relationship_objects(view, links):
            writer.write(rel)
    writer.close()
    return writer.count
