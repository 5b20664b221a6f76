"""Partners and the terms of their agreements: pure types, parsing and validation.

An agreement's terms are one value (:class:`Terms`); the store keeps every version of them with
who changed what, when and why. Terms are validated as a whole: an invalid combination is
rejected with the field and the reason, never repaired into something wider.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from backchannel.errors import InvalidInput
from backchannel.ingest.country import country_code, country_name
from backchannel.model.vocab import TLP, Status, SubjectCategory

PARTNER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class AgreementStatus(StrEnum):
    ACTIVE = "active"  # releases flow as the terms say
    SUSPENDED = "suspended"  # nothing flows; what was released is revoked at the next publish
    NONE = "none"  # no agreement (yet, or any more)


class Category(StrEnum):
    """What kinds of facts an agreement covers."""

    GROUPS = "groups"
    PERSONS = "persons"
    STATUS = "status"  # status assertions on persons: killed, detained, ...
    LOCATIONS = "locations"
    EVENTS = "events"
    REPORTS = "reports"
    STATISTICS = "statistics"


class Granularity(StrEnum):
    PERSON = "person-level"
    STATISTICS = "statistics-only"


# Data-subject categories released only when an agreement names them (DP-1): victims and
# witnesses are protected by default.
DEFAULT_SUBJECT_CATEGORIES = frozenset(
    {SubjectCategory.SUSPECT, SubjectCategory.CONVICTED, SubjectCategory.OTHER}
)


@dataclass(frozen=True)
class Scope:
    """Which persons an agreement covers. An empty set means "no restriction" on that axis.

    Scopes select on what a person did and where (nationality, group, status), never on
    special categories (design rule 9): there is no field for them.
    """

    nationalities: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()  # entity ids of groups (any member of their cluster)
    statuses: frozenset[Status] = frozenset()

    def as_dict(self) -> dict[str, Any]:
        return {
            "nationalities": sorted(self.nationalities),
            "groups": sorted(self.groups),
            "statuses": sorted(s.value for s in self.statuses),
        }


@dataclass(frozen=True)
class Terms:
    """One version of an agreement with a partner."""

    status: AgreementStatus = AgreementStatus.NONE
    effective_from: str | None = None  # YYYY-MM-DD, inclusive
    effective_until: str | None = None  # YYYY-MM-DD, inclusive
    tlp_ceiling: TLP = TLP.CLEAR
    categories: frozenset[Category] = frozenset()
    granularity: Granularity = Granularity.STATISTICS
    scope: Scope = field(default_factory=Scope)
    subject_categories: frozenset[SubjectCategory] = DEFAULT_SUBJECT_CATEGORIES
    purpose: str = ""
    retention_days: int | None = None  # how long the partner may keep what it receives
    onward_to: frozenset[str] = frozenset()  # partners this partner may pass our data on to
    consent_to: frozenset[str] = frozenset()  # partners that may receive facts it originated
    via: str | None = None  # releases go through this intermediary partner

    def in_force(self, now: datetime) -> bool:
        """Active, and today lies within the effective dates."""
        if self.status is not AgreementStatus.ACTIVE:
            return False
        today = now.date().isoformat()
        if self.effective_from and today < self.effective_from:
            return False
        return not (self.effective_until and today > self.effective_until)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "effective_from": self.effective_from,
            "effective_until": self.effective_until,
            "tlp_ceiling": self.tlp_ceiling.value,
            "categories": sorted(c.value for c in self.categories),
            "granularity": self.granularity.value,
            "scope": self.scope.as_dict(),
            "subject_categories": sorted(c.value for c in self.subject_categories),
            "purpose": self.purpose,
            "retention_days": self.retention_days,
            "onward_to": sorted(self.onward_to),
            "consent_to": sorted(self.consent_to),
            "via": self.via,
        }


_FIELDS = frozenset(Terms.__dataclass_fields__) | {"scope"}
_SCOPE_FIELDS = frozenset({"nationalities", "groups", "statuses"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _bad(field_name: str, problem: str, why: str) -> InvalidInput:
    return InvalidInput(f"agreement field {field_name!r}: {problem}", why=why)


def _enum_set(name: str, values: Any, enum: type[StrEnum]) -> frozenset[Any]:
    if not isinstance(values, list | tuple | set | frozenset):
        raise _bad(name, f"expected a list, got {type(values).__name__}", "it lists values")
    out = set()
    for v in values:
        try:
            out.add(enum(v))
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise _bad(name, f"unknown value {v!r}", f"expected some of: {allowed}") from None
    return frozenset(out)


def _one(name: str, value: Any, enum: type[StrEnum]) -> Any:
    (only,) = _enum_set(name, [value], enum)
    return only


def _str_set(name: str, values: Any) -> frozenset[str]:
    if not isinstance(values, list | tuple | set | frozenset) or not all(
        isinstance(v, str) and v for v in values
    ):
        raise _bad(name, "expected a list of non-empty strings", "it lists identifiers")
    return frozenset(values)


def _date(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.match(value):
        raise _bad(name, f"{value!r} is not a date", "expected YYYY-MM-DD")
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise _bad(name, f"{value!r} is not a calendar date", "expected YYYY-MM-DD") from None
    return value


def parse_terms(data: Mapping[str, Any], *, base: Terms | None = None) -> Terms:
    """Terms from a JSON-like mapping (a partial one updates ``base``); raises
    :class:`InvalidInput` naming the field at the first problem. Unknown fields are errors:
    a misspelt restriction must not silently vanish."""
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise _bad(unknown[0], "unknown field", "expected one of: " + ", ".join(sorted(_FIELDS)))
    terms = base or Terms()
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key == "status":
            changes[key] = _one(key, value, AgreementStatus)
        elif key in ("effective_from", "effective_until"):
            changes[key] = _date(key, value)
        elif key == "tlp_ceiling":
            if not isinstance(value, str):
                raise _bad(key, f"{value!r} is not a TLP level", "expected a TLP 2.0 level")
            changes[key] = TLP.parse(value)
        elif key == "categories":
            changes[key] = _enum_set(key, value, Category)
        elif key == "granularity":
            changes[key] = _one(key, value, Granularity)
        elif key == "subject_categories":
            changes[key] = _enum_set(key, value, SubjectCategory)
        elif key == "purpose":
            if not isinstance(value, str):
                raise _bad(key, "expected text", "the purpose the data may be used for")
            changes[key] = value.strip()
        elif key == "retention_days":
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value <= 0
            ):
                raise _bad(key, f"{value!r} is not a positive number of days", "or null")
            changes[key] = value
        elif key in ("onward_to", "consent_to"):
            changes[key] = _str_set(key, value)
        elif key == "via":
            if value is not None and not (isinstance(value, str) and PARTNER_ID.match(value)):
                raise _bad(key, f"{value!r} is not a partner id", "or null for direct")
            changes[key] = value
        elif key == "scope":
            changes[key] = parse_scope(value, terms.scope)
    return replace(terms, **changes)


def parse_scope(value: Any, base: Scope) -> Scope:
    if not isinstance(value, Mapping):
        raise _bad("scope", "expected an object", "with nationalities, groups, statuses")
    unknown = sorted(set(value) - _SCOPE_FIELDS)
    if unknown:
        raise _bad(
            f"scope.{unknown[0]}",
            "unknown field",
            "scopes select on nationalities, groups and statuses only (no special categories)",
        )
    nats = base.nationalities
    if "nationalities" in value:
        nats = frozenset()
        for n in _str_set("scope.nationalities", value["nationalities"]):
            code = n.upper() if country_name(n) else country_code(n)
            if code is None:
                raise _bad("scope.nationalities", f"unknown country {n!r}", "ISO 3166-1 alpha-2")
            nats |= {code}
    groups = _str_set("scope.groups", value["groups"]) if "groups" in value else base.groups
    statuses = (
        _enum_set("scope.statuses", value["statuses"], Status)
        if "statuses" in value
        else base.statuses
    )
    return Scope(nats, groups, statuses)


def check_terms(partner_id: str, terms: Terms, known_partners: frozenset[str]) -> None:
    """Reject combinations that make no sense or would widen an audience (AC-7)."""
    if terms.tlp_ceiling is TLP.RED:
        raise _bad("tlp_ceiling", "red", "TLP:RED is never released to anyone")
    if (
        terms.effective_from
        and terms.effective_until
        and terms.effective_until < terms.effective_from
    ):
        raise _bad("effective_until", "before effective_from", "the period would be empty")
    if terms.status is AgreementStatus.ACTIVE:
        if not terms.categories:
            raise _bad("categories", "empty", "an active agreement must name what it covers")
        if not terms.purpose:
            raise _bad("purpose", "empty", "data is shared for a stated purpose")
    if terms.granularity is Granularity.STATISTICS:
        person_level = terms.categories - {Category.STATISTICS, Category.GROUPS}
        if person_level:
            cat = sorted(c.value for c in person_level)[0]
            raise _bad(
                "categories",
                f"{cat!r} with granularity statistics-only",
                "a statistics-only agreement releases no person-level facts; "
                "set granularity person-level or drop the category",
            )
    if Category.STATUS in terms.categories and Category.PERSONS not in terms.categories:
        raise _bad("categories", "'status' without 'persons'", "status assertions are on persons")
    for name in ("onward_to", "consent_to"):
        for pid in sorted(getattr(terms, name)):
            if pid not in known_partners:
                raise _bad(name, f"unknown partner {pid!r}", "name registered partners only")
            if pid == partner_id:
                raise _bad(name, f"names the partner itself ({pid!r})", "it is not a third party")
    if terms.via is not None:
        if terms.via == partner_id:
            raise _bad("via", "the partner itself", "an intermediary is another partner")
        if terms.via not in known_partners:
            raise _bad("via", f"unknown partner {terms.via!r}", "name a registered partner")


def check_partner_id(partner_id: str) -> str:
    if not PARTNER_ID.match(partner_id):
        raise InvalidInput(
            f"invalid partner id {partner_id!r}",
            why="lower-case letters, digits and hyphens, starting with a letter or digit",
        )
    return partner_id
