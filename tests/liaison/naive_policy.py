"""A deliberately naive reference for the release rules, for the oracle tests.

Written from docs/liaison.md and the docstring of ``liaison/policy.py`` only: it imports nothing
from ``backchannel`` and reads agreements in their JSON form (the ``agreement set --terms``
fields), so a bug in the real parser or policy cannot hide here by being shared. Every rule is a
plain ``if`` that says no; whatever survives every rule may leave. Slow and repetitive on
purpose.

A statement is anything with the attributes ``id``, ``prop``, ``value``, ``link``,
``originator``, ``tlp``, ``state``, ``reliability``, ``credibility`` and ``valid_from``;
enumerations are compared by their text (``str(...)``).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

TLP_ORDER = ["clear", "green", "amber", "amber+strict", "red"]
DEFAULT_SUBJECT_CATEGORIES = ["suspect", "convicted", "other"]
STATUSES = ["at-large", "killed", "detained", "returned", "unknown"]
MEMBERSHIP_PROPS = ["member-of", "leader-of"]

Terms = Mapping[str, Any]  # one agreement, as JSON


@dataclass(frozen=True)
class NaiveDecision:
    """The reference's verdict on one entity."""

    entity_released: bool
    statement_released: dict[str, bool]  # statement id → may this statement leave?
    released_ids: frozenset[str]  # what actually goes (empty when the entity is withheld)


def in_force(terms: Terms | None, today: date) -> bool:
    """Active, and today within the inclusive effective dates."""
    if terms is None:
        return False
    if terms.get("status", "none") != "active":
        return False
    start = terms.get("effective_from")
    if start is not None and today < date.fromisoformat(start):
        return False
    end = terms.get("effective_until")
    return not (end is not None and today > date.fromisoformat(end))


def fact_category(kind: str, prop: str) -> str | None:
    """Which agreement category a fact about an entity of ``kind`` belongs to."""
    if kind == "person" and prop == "status":
        return "status"
    return entity_category(kind)


def entity_category(kind: str) -> str | None:
    if kind == "person":
        return "persons"
    if kind == "group":
        return "groups"
    if kind == "organisation":
        return "groups"
    if kind == "location":
        return "locations"
    if kind == "event":
        return "events"
    if kind == "report":
        return "reports"
    return None  # a kind nobody listed is covered by no agreement


def originator_consents(origin: str, party: str, agreements: Mapping[str, Terms]) -> bool:
    """May partner ``origin``'s facts reach ``party``?"""
    if origin == party:
        return True  # a partner always gets its own facts back
    terms = agreements.get(origin)
    if terms is None:
        return False
    if terms.get("status", "none") == "none":
        return False  # consent in an agreement that no longer exists does not count
    return party in terms.get("consent_to", [])


def statement_may_leave(
    s: Any,
    kind: str,
    *,
    recipient: str,
    agreements: Mapping[str, Terms],
    originators: Mapping[str, str],
    today: date,
) -> bool:
    """Every rule that applies to a single statement; True only if none says no."""
    terms = agreements.get(recipient)
    if not in_force(terms, today):
        return False
    assert terms is not None
    category = fact_category(kind, str(s.prop))
    if category is None:
        return False
    if category not in terms.get("categories", []):
        return False
    if kind == "person" and terms.get("granularity", "statistics-only") != "person-level":
        return False
    if str(s.state) != "current":
        return False
    tlp = str(s.tlp)
    if tlp == "red":
        return False
    ceiling = terms.get("tlp_ceiling", "clear")
    if TLP_ORDER.index(tlp) > TLP_ORDER.index(ceiling):
        return False
    origin = originators.get(str(s.originator))
    if origin is None:
        return False  # nobody classified this originator: fail closed
    via = terms.get("via")
    if tlp == "amber+strict":
        if via is not None:
            return False  # never through an intermediary
        if origin != "own" and origin != "public" and origin != recipient:
            return False  # never someone else's
    if origin != "own" and origin != "public":
        if not originator_consents(origin, recipient, agreements):
            return False
        if via is not None and not originator_consents(origin, via, agreements):
            return False
    return True


def latest_day(text: str | None) -> date | None:
    """The latest day a partial date (``2019``, ``2019-03``, ``2019-03-02``, ``A/B``) may
    mean; None when undated or unreadable."""
    if not text:
        return None
    last = text.strip().split("/")[-1]
    parts = last.split("-")
    try:
        if len(parts) == 1 and len(parts[0]) == 4:
            return date(int(parts[0]), 12, 31)
        if len(parts) == 2 and len(parts[0]) == 4 and len(parts[1]) == 2:
            year, month = int(parts[0]), int(parts[1])
            return date(year, month, calendar.monthrange(year, month)[1])
        if len(parts) == 3 and [len(p) for p in parts] == [4, 2, 2]:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None
    return None


def _beats(a: Any, b: Any) -> bool:
    """Does status assertion ``a`` win over ``b``? Later date, then better reliability (A
    best), then better credibility (1 best); the statement id breaks exact ties (any fixed
    order would do; this is the one the assessment uses)."""
    da, db = latest_day(a.valid_from), latest_day(b.valid_from)
    if da != db:
        if da is None:
            return False
        if db is None:
            return True
        return da > db
    if str(a.reliability) != str(b.reliability):
        return str(a.reliability) < str(b.reliability)
    if str(a.credibility) != str(b.credibility):
        return str(a.credibility) < str(b.credibility)
    return str(a.id) > str(b.id)


def assessed_status(statements: Sequence[Any]) -> str:
    """A person's status from current assertions: credible ones (A–C and 1–3) first."""
    pool = [s for s in statements if s.prop == "status" and str(s.state) == "current"]
    if not pool:
        return "unknown"
    credible = []
    for s in pool:
        if str(s.reliability) in ("A", "B", "C") and str(s.credibility) in ("1", "2", "3"):
            credible.append(s)
    candidates = credible if credible else pool
    best = candidates[0]
    for s in candidates[1:]:
        if _beats(s, best):
            best = s
    return str(best.value) if best.value in STATUSES else "unknown"


def decide(
    entity_id: str,
    kind: str,
    statements: Sequence[Any],
    *,
    recipient: str,
    agreements: Mapping[str, Terms],
    originators: Mapping[str, str],
    today: date,
    canonical: Mapping[str, str] | None = None,
    overdue: frozenset[str] = frozenset(),
) -> NaiveDecision:
    """Which of an entity's statements may leave for ``recipient``, and may the entity."""
    canonical = canonical or {}
    per: dict[str, bool] = {}
    for s in statements:
        per[s.id] = statement_may_leave(
            s,
            kind,
            recipient=recipient,
            agreements=agreements,
            originators=originators,
            today=today,
        )
    released = [s for s in statements if per[s.id]]
    ok = True
    if not in_force(agreements.get(recipient), today):
        ok = False
    terms = agreements.get(recipient) or {}
    if entity_category(kind) not in terms.get("categories", []):
        ok = False
    if kind == "person":
        if terms.get("granularity", "statistics-only") != "person-level":
            ok = False
        # The person's category, from every current statement (released or not): a victim
        # stays a victim even when the statement saying so may not leave.
        categories = set()
        for s in statements:
            if s.prop == "subject_category" and str(s.state) == "current":
                categories.add(str(s.value))
        if not categories:
            categories = {"other"}
        allowed = terms.get("subject_categories", DEFAULT_SUBJECT_CATEGORIES)
        for c in categories:
            if c not in allowed:
                ok = False
        if canonical.get(entity_id, entity_id) in overdue:
            ok = False
        scope = terms.get("scope", {})
        # Judged on released facts only: presence must not reveal a withheld fact.
        wanted_nats = scope.get("nationalities", [])
        if wanted_nats:
            found = False
            for s in released:
                if s.prop == "nationality" and s.value in wanted_nats:
                    found = True
            if not found:
                ok = False
        wanted_groups = scope.get("groups", [])
        if wanted_groups:
            wanted = {canonical.get(g, g) for g in wanted_groups}
            found = False
            for s in released:
                if (
                    s.link
                    and s.prop in MEMBERSHIP_PROPS
                    and canonical.get(s.value, s.value) in wanted
                ):
                    found = True
            if not found:
                ok = False
        wanted_statuses = scope.get("statuses", [])
        if wanted_statuses and assessed_status(released) not in wanted_statuses:
            ok = False
    has_name = False
    for s in released:
        if s.prop == "name" and not s.link:
            has_name = True
    if not has_name:
        ok = False
    ids = frozenset(s.id for s in released) if ok else frozenset()
    return NaiveDecision(ok, per, ids)
