"""From a received STIX object to knowledge: the entity it describes and the statements it makes.

* Entity-kind objects (identity, threat-actor, intrusion-set, campaign, incident, location,
  report) become entities; their properties become statements, one per value.
* Relationships become ``link`` statements on their source entity (``member-of`` → group id),
  and so do reference properties (a report's ``object_refs`` → ``object_ref`` links),
  with ``start_time``/``stop_time`` as validity.
* The person-profile extension becomes typed statements (name, alias, birth_date, status, …);
  a status assertion with its own source or grade keeps it.
* An object carrying the provenance extension (a knowledge export) restores exactly the
  statements listed there instead.
Other objects (malware, attack-pattern, custom types) are archived but make no statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from backchannel.model.envelope import Envelope
from backchannel.model.grade import confidence_to_credibility
from backchannel.model.statement import Statement
from backchannel.model.vocab import TLP, Credibility, EntityKind, Reliability
from backchannel.stix.extension import PERSON_PROFILE, PROJECT_IDENTITY, PROVENANCE
from backchannel.stix.markings import tlp_of

ENTITY_TYPES: dict[str, EntityKind] = {
    "threat-actor": EntityKind.GROUP,
    "intrusion-set": EntityKind.GROUP,
    "campaign": EntityKind.EVENT,
    "incident": EntityKind.EVENT,
    "location": EntityKind.LOCATION,
    "report": EntityKind.REPORT,
}

# Bookkeeping properties: they describe the record, not the entity.
_SKIP = frozenset(
    [
        "type",
        "id",
        "spec_version",
        "created",
        "modified",
        "created_by_ref",
        "object_marking_refs",
        "granular_markings",
        "extensions",
        "confidence",
        "revoked",
        "lang",
        "identity_class",
    ]
)

# Plural STIX list properties stored under the singular name statements use.
_PROP_NAMES = {"object_refs": "object_ref", "aliases": "alias"}


def is_reference(prop: str) -> bool:
    """A property whose values are ids of other objects (stored as link statements)."""
    return prop.endswith(("_ref", "_refs"))


def entity_kind(obj: dict[str, Any]) -> EntityKind | None:
    kind = obj["type"]
    if kind == "identity":
        return (
            EntityKind.PERSON
            if obj.get("identity_class") == "individual"
            else EntityKind.ORGANISATION
        )
    return ENTITY_TYPES.get(kind)


def is_entity_id(stix_id: str) -> bool:
    kind = stix_id.partition("--")[0]
    return kind == "identity" or kind in ENTITY_TYPES


@dataclass(frozen=True, slots=True)
class Extracted:
    entity_id: str | None
    kind: EntityKind | None
    statements: list[Statement]


class _Maker:
    """Builds statements that share one object's provenance."""

    __slots__ = (
        "channel",
        "credibility",
        "envelope",
        "envelope_id",
        "originator",
        "record_id",
        "reliability",
        "seen_at",
        "source",
        "tlp",
        "version",
    )

    def __init__(
        self, obj: dict[str, Any], envelope: Envelope, version: str, seen_at: datetime
    ) -> None:
        self.envelope = envelope
        self.record_id: str = obj["id"]
        self.version = version
        self.seen_at = seen_at
        self.envelope_id = envelope.id
        self.source = envelope.source
        self.originator = envelope.originator
        self.channel = envelope.channel
        self.reliability = envelope.reliability
        self.tlp = tlp_of(obj) or envelope.tlp
        conf = obj.get("confidence")
        self.credibility = (
            confidence_to_credibility(conf) if conf is not None else envelope.credibility
        )

    def make(
        self,
        entity_id: str,
        prop: str,
        value: str,
        *,
        qualifiers: dict[str, str] | None = None,
        link: bool = False,
        valid_from: str | None = None,
        valid_to: str | None = None,
        reliability: Reliability | None = None,
        credibility: Credibility | None = None,
    ) -> Statement:
        return Statement(
            entity_id,
            prop,
            value,
            qualifiers or {},
            self.record_id,
            self.version,
            self.envelope_id,
            self.source,
            self.originator,
            self.channel,
            self.tlp,
            reliability or self.reliability,
            credibility or self.credibility,
            self.seen_at,
            self.seen_at,
            link,
            valid_from,
            valid_to,
        )


def _text(value: Any) -> tuple[str, dict[str, str]]:
    if isinstance(value, str):
        return value, {}
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode(), {"type": "json"}


def extract(
    obj: dict[str, Any], envelope: Envelope, *, version: str, seen_at: datetime
) -> Extracted:
    """The entity and statements of one validated object."""
    maker = _Maker(obj, envelope, version, seen_at)
    exts = obj.get("extensions") or {}
    if PROVENANCE in exts:
        return _carried(obj, exts[PROVENANCE], maker)
    if obj["type"] == "relationship":
        return Extracted(None, None, _relationship(obj, maker))
    kind = entity_kind(obj)
    if kind is None or obj["id"] == PROJECT_IDENTITY:
        # Our own publisher identity heads every export: bookkeeping, not knowledge.
        return Extracted(None, None, [])
    eid: str = obj["id"]
    out: list[Statement] = []
    profile = exts.get(PERSON_PROFILE) if kind is EntityKind.PERSON else None
    profile_names = {n["value"] for n in profile.get("names", ())} if profile else set()
    for prop, raw in obj.items():
        if prop in _SKIP or raw is None:
            continue
        if prop == "name" and raw in profile_names:
            continue  # the profile states this name with its script
        values = raw if isinstance(raw, list) else [raw]
        name = _PROP_NAMES.get(prop, prop)
        link = is_reference(prop)
        for v in values:
            text, quals = _text(v)
            out.append(maker.make(eid, name, text, qualifiers=quals, link=link))
    if profile:
        out.extend(_profile(eid, profile, maker))
    return Extracted(eid, kind, out)


def _relationship(obj: dict[str, Any], maker: _Maker) -> list[Statement]:
    source, target = obj["source_ref"], obj["target_ref"]
    if not is_entity_id(source):
        return []
    return [
        maker.make(
            source,
            obj["relationship_type"],
            target,
            link=True,
            valid_from=obj.get("start_time"),
            valid_to=obj.get("stop_time"),
        )
    ]


def _profile(eid: str, p: dict[str, Any], maker: _Maker) -> list[Statement]:
    out: list[Statement] = []
    for n in p.get("names", ()):
        quals = {k: n[k] for k in ("script", "lang", "transliteration_of", "system") if k in n}
        out.append(maker.make(eid, "name", n["value"], qualifiers=quals))
    for a in p.get("aliases", ()):
        quals = {k: a[k] for k in ("kind", "script", "quality") if k in a}
        out.append(maker.make(eid, "alias", a["value"], qualifiers=quals))
    for b in p.get("birth_dates", ()):
        text = b["date"] if "date" in b else f"{b['earliest']}/{b['latest']}"
        quals = {"approximate": "true"} if b.get("approximate") else {}
        out.append(maker.make(eid, "birth_date", text, qualifiers=quals))
    for place in p.get("birthplaces", ()):
        quals = {"country": place["country"]} if "country" in place else {}
        out.append(maker.make(eid, "birthplace", place["name"], qualifiers=quals))
    for country in p.get("nationalities", ()):
        out.append(maker.make(eid, "nationality", country))
    for prop in ("gender", "subject_category"):
        if prop in p:
            out.append(maker.make(eid, prop, p[prop]))
    for s in p.get("status_assertions", ()):
        quals = {k: s[k] for k in ("place", "country", "source", "source_ref") if k in s}
        out.append(
            maker.make(
                eid,
                "status",
                s["status"],
                qualifiers=quals,
                valid_from=s.get("date"),
                reliability=Reliability(s["reliability"]) if "reliability" in s else None,
                credibility=Credibility(str(int(s["credibility"]))) if "credibility" in s else None,
            )
        )
    return out


def _carried(obj: dict[str, Any], ext: dict[str, Any], maker: _Maker) -> Extracted:
    """Statements restored from a knowledge export's provenance extension."""
    if obj["type"] == "relationship":
        eid, kind = obj["source_ref"], None
    else:
        eid, kind = obj["id"], entity_kind(obj)
    out: list[Statement] = []
    for s in ext["statements"]:
        out.append(
            Statement(
                entity_id=eid,
                prop=s["property"],
                value=s["value"],
                record_id=maker.record_id,
                record_version=maker.version,
                envelope_id=maker.envelope.id,
                source=s["source"],
                originator=s["originator"],
                channel=s["channel"],
                tlp=TLP(s["tlp"]),
                reliability=Reliability(s["reliability"]),
                credibility=Credibility(str(int(s["credibility"]))),
                first_seen=_parse_time(s["first_seen"]),
                last_seen=_parse_time(s["last_seen"]),
                qualifiers=dict(s.get("qualifiers", {})),
                link=obj["type"] == "relationship" or is_reference(s["property"]),
                valid_from=s.get("valid_from"),
                valid_to=s.get("valid_to"),
            )
        )
    return Extracted(None if kind is None else eid, kind, out)


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
