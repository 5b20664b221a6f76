"""Statements: one fact about one entity, from one record, with its provenance."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

import orjson

from backchannel.model.vocab import TLP, Credibility, Reliability


class Statement(NamedTuple):
    """A single sourced fact (a named tuple: millions are made on the import path).

    ``value`` is text; for relationships it is the id of the other entity. ``qualifiers`` holds
    the structured detail of the fact (an alias's kind, a name's script, a status's place) and
    is part of its identity; it is never mutated. ``record_id``/``record_version`` name the
    archived object version the fact was read from; ``source``/``originator``/``reliability``
    come from its envelope unless the fact carries its own (a status assertion with its own
    source).
    """

    entity_id: str
    prop: str
    value: str
    qualifiers: dict[str, str]
    record_id: str
    record_version: str
    envelope_id: str
    source: str
    originator: str
    channel: str
    tlp: TLP
    reliability: Reliability
    credibility: Credibility
    first_seen: datetime
    last_seen: datetime
    link: bool = False
    valid_from: str | None = None
    valid_to: str | None = None

    @property
    def id(self) -> str:
        """Deterministic id: the same fact from the same record and provenance is one statement.

        The record version and the seen times are deliberately not part of the id: a newer
        version repeating a fact extends that statement's ``last_version`` instead of
        duplicating it.
        """
        key = orjson.dumps(
            [
                *self[:3],
                sorted(self.qualifiers.items()),
                self.link,
                *self[4:5],
                *self[6:13],
                self.valid_from,
                self.valid_to,
            ]
        )
        return hashlib.sha256(key).hexdigest()[:40]


class State(StrEnum):
    """Where a stored statement stands relative to the newest version of its record."""

    CURRENT = "current"
    SUPERSEDED = "superseded"  # a newer version of the record no longer says it
    REVOKED = "revoked"  # the record's newest version is revoked


@dataclass(slots=True)
class StoredStatement:
    """A statement as read back from the store, with its state.

    Treat it as immutable (use ``dataclasses.replace``). It is not ``frozen`` only because a
    frozen dataclass sets every field through ``object.__setattr__``: eight times slower to
    build, and whole-base reads (release projections, statistics) build millions.
    """

    id: str
    entity_id: str
    prop: str
    value: str
    qualifiers: dict[str, str]
    link: bool
    record_id: str
    first_version: str
    last_version: str
    source: str
    originator: str
    channel: str
    tlp: TLP
    reliability: Reliability
    credibility: Credibility
    valid_from: str | None
    valid_to: str | None
    first_seen: str
    last_seen: str
    state: State

    @property
    def grade(self) -> str:
        """Admiralty grade as analysts write it, e.g. ``B2``."""
        return self.reliability.value + self.credibility.value

    def as_dict(self) -> dict[str, Any]:
        """Every field as JSON-ready values, and the grade."""
        d = asdict(self)
        for key in ("tlp", "reliability", "credibility", "state"):
            d[key] = d[key].value
        d["grade"] = self.grade
        return d
