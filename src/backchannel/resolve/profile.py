"""Person profiles for matching: the names and identifying facts of one entity or cluster.

Built from current statements, so the screening index and the deduplicator always derive
from the knowledge base and can be rebuilt from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import orjson

from backchannel.model.partial_date import PartialDate
from backchannel.model.statement import State, StoredStatement
from backchannel.resolve.evidence import parse_dates


@dataclass(frozen=True, slots=True)
class NameEntry:
    text: str
    kind: str  # "name", or an alias kind: alias, kunya, nom-de-guerre, laqab, birth-name
    weak: bool  # a low-quality alias (UN "Low", FtM weakAlias)


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """A record a profile was built from, as its source identified it."""

    source: str
    source_id: str


@dataclass(frozen=True, slots=True)
class PersonProfile:
    entity_id: str
    names: tuple[NameEntry, ...]
    birth_dates: tuple[PartialDate, ...]
    nationalities: frozenset[str]
    genders: frozenset[str]
    birthplaces: frozenset[str]
    records: tuple[SourceRecord, ...]


class StatementLike(Protocol):
    """What a profile needs of a statement (stored statements and freshly extracted ones)."""

    @property
    def prop(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def qualifiers(self) -> dict[str, str]: ...
    @property
    def source(self) -> str: ...
    @property
    def record_id(self) -> str: ...
    @property
    def link(self) -> bool: ...


def _external_ids(s: StatementLike) -> list[str]:
    if s.qualifiers.get("type") != "json":
        return []
    try:
        ref = orjson.loads(s.value)
    except orjson.JSONDecodeError:
        return []
    if isinstance(ref, dict) and isinstance(ref.get("external_id"), str):
        return [ref["external_id"]]
    return []


def current(statements: Iterable[StoredStatement]) -> list[StoredStatement]:
    return [s for s in statements if s.state is State.CURRENT]


def profile_of(entity_id: str, statements: Iterable[StatementLike]) -> PersonProfile:
    """The matching profile of an entity from the statements given (pass current ones)."""
    names: dict[tuple[str, str], NameEntry] = {}
    births: list[str] = []
    nats: set[str] = set()
    genders: set[str] = set()
    places: set[str] = set()
    record_source: dict[str, str] = {}  # record id -> who delivered it
    external: dict[str, list[str]] = {}  # record id -> the ids its source gave it
    for s in statements:
        if s.prop == "name":
            names.setdefault((s.value, "name"), NameEntry(s.value, "name", False))
        elif s.prop == "alias":
            kind = s.qualifiers.get("kind", "alias")
            weak = s.qualifiers.get("quality") == "low"
            names.setdefault((s.value, kind), NameEntry(s.value, kind, weak))
        elif s.prop == "birth_date":
            births.append(s.value)
        elif s.prop == "nationality":
            nats.add(s.value.upper())
        elif s.prop == "gender":
            genders.add(s.value)
        elif s.prop == "birthplace":
            places.add(s.value.casefold())
        elif s.prop == "external_references":
            external.setdefault(s.record_id, []).extend(_external_ids(s))
        if not s.link:  # a relationship is its own record, not one of this person's
            record_source.setdefault(s.record_id, s.source)
    # Each record is named by the id its source gave it where it has one, else by ours.
    kept = {
        SourceRecord(source, ext)
        for rid, source in record_source.items()
        for ext in (external.get(rid) or [rid])
    }
    return PersonProfile(
        entity_id=entity_id,
        names=tuple(sorted(names.values(), key=lambda n: (n.kind != "name", n.text))),
        birth_dates=parse_dates(sorted(set(births))),
        nationalities=frozenset(nats),
        genders=frozenset(genders),
        birthplaces=frozenset(places),
        records=tuple(sorted(kept, key=lambda r: (r.source, r.source_id))),
    )
