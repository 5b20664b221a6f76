"""The release policy: a pure function from (statement, entity, partner, agreements) to a decision.

Default deny. A statement is released only if every rule lets it through; each rule that stops
it adds a machine-readable reason. An entity is released whole, redacted (some of its
statements withheld), or withheld. Nothing here reads the store or the clock: the caller
passes what the decision depends on, so a dry run and a real release decide identically.

Rules, in the order they are reported:

* the recipient's agreement is in force (active and within its dates);
* the kind of fact is a category the agreement covers, at person level when it is about a
  person (a statistics-only agreement releases no person-level facts);
* only current statements leave (not superseded or revoked ones);
* TLP: RED never leaves; nothing above the agreement's ceiling; AMBER+STRICT goes only to the
  partner organisation itself: never through an intermediary, never someone else's;
* the third-party rule, per statement: a fact originated by partner X reaches partner Y only
  if Y is X itself or X's agreement consents to Y (and to the intermediary, when relayed);
  facts from an originator nobody has classified are withheld;
* persons: their data-subject category must be one the agreement names (victims and
  witnesses are not released by default), their review must not be overdue, they must be in
  the agreement's scope judged on the facts being released (so the release itself does not
  disclose a withheld nationality), and they must keep a releasable name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from backchannel.liaison.agreement import AgreementStatus, Category, Granularity, Scope, Terms
from backchannel.model.assessment import assess_status
from backchannel.model.statement import State, StoredStatement
from backchannel.model.vocab import TLP, EntityKind, SubjectCategory

MEMBERSHIP = frozenset({"member-of", "leader-of"})
OWN = "own"  # an originator class: our own service's collection
PUBLIC = "public"  # an originator class: published sources (sanctions lists, press)


class Action(StrEnum):
    RELEASE = "release"
    REDACT = "redact"  # the entity is released without some of its statements
    WITHHOLD = "withhold"


@dataclass(frozen=True, order=True)
class Reason:
    """Why something is withheld: a stable code and a detail for people."""

    code: str
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "detail": self.detail}


@dataclass(frozen=True)
class Decision:
    action: Action
    reasons: tuple[Reason, ...] = ()

    @property
    def released(self) -> bool:
        return self.action is not Action.WITHHOLD


RELEASE = Decision(Action.RELEASE)


@dataclass(frozen=True)
class Context:
    """Everything a decision depends on.

    ``agreements``: every partner's current terms (the recipient's, and originators' for their
    consent). ``originators``: who each originator name is — a partner id, or :data:`OWN` /
    :data:`PUBLIC`. ``canonical``: entity id → canonical id (for group scopes and links).
    ``overdue``: canonical ids of persons whose review is overdue (DP-4).
    """

    recipient: str
    agreements: Mapping[str, Terms]
    originators: Mapping[str, str]
    now: datetime
    canonical: Mapping[str, str] = field(default_factory=dict)
    overdue: frozenset[str] = frozenset()

    # A context is a value: what is derived from it is computed once, on first use (cached
    # properties write to the instance dict, which a frozen dataclass allows). Deciding
    # hundreds of thousands of statements under one context repeated this work per statement.

    @cached_property
    def terms(self) -> Terms:
        return self.agreements.get(self.recipient, Terms())

    @cached_property
    def via(self) -> str | None:
        return self.terms.via

    def canon(self, entity_id: str) -> str:
        return self.canonical.get(entity_id, entity_id)

    @cached_property
    def agreement_reasons(self) -> tuple[Reason, ...]:
        """Why nothing may go to the recipient at all (empty when its agreement is in force)."""
        terms = self.terms
        if terms.status is AgreementStatus.NONE:
            return (Reason("no-agreement", f"no agreement with {self.recipient}"),)
        if not terms.in_force(self.now):
            return (Reason("agreement-not-in-force", f"agreement is {terms.status.value}"),)
        return ()

    @cached_property
    def allowed_subjects(self) -> frozenset[str]:
        return frozenset(c.value for c in self.terms.subject_categories)

    @cached_property
    def scope_group_ids(self) -> frozenset[str]:
        return frozenset(self.canon(g) for g in self.terms.scope.groups)

    @cached_property
    def statement_decisions(self) -> dict[tuple[object, ...], Decision]:
        """Memo of :func:`decide_statement`: a statement's decision depends only on its
        category, whether it is about a person, its state, its TLP and its originator."""
        return {}


_KIND_CATEGORY = {
    EntityKind.PERSON: Category.PERSONS,
    EntityKind.GROUP: Category.GROUPS,
    EntityKind.ORGANISATION: Category.GROUPS,
    EntityKind.LOCATION: Category.LOCATIONS,
    EntityKind.EVENT: Category.EVENTS,
    EntityKind.REPORT: Category.REPORTS,
}


def category_of(kind: EntityKind, prop: str) -> Category:
    if kind is EntityKind.PERSON and prop == "status":
        return Category.STATUS
    return _KIND_CATEGORY[kind]


def _agreement_reasons(ctx: Context) -> list[Reason]:
    return list(ctx.agreement_reasons)


def _consents(originator: str, to: str, ctx: Context) -> bool:
    if originator == to:
        return True
    terms = ctx.agreements.get(originator)
    return terms is not None and terms.status is not AgreementStatus.NONE and to in terms.consent_to


def third_party_reasons(s: StoredStatement, ctx: Context) -> list[Reason]:
    """The third-party rule for one statement (and for the intermediary, when relayed)."""
    origin = ctx.originators.get(s.originator)
    if origin is None:
        return [Reason("originator-unknown", f"no consent on record for {s.originator!r}")]
    if origin in (OWN, PUBLIC):
        return []
    out = []
    for party in (ctx.recipient, ctx.via):
        if party is not None and not _consents(origin, party, ctx):
            out.append(Reason("third-party", f"originated by {origin}, no consent for {party}"))
    return out


def _tlp_reasons(s: StoredStatement, ctx: Context) -> list[Reason]:
    if s.tlp is TLP.RED:
        return [Reason("tlp-red", "TLP:RED never leaves")]
    out = []
    if s.tlp.rank > ctx.terms.tlp_ceiling.rank:
        out.append(Reason("tlp-ceiling", f"{s.tlp.label} above {ctx.terms.tlp_ceiling.label}"))
    if s.tlp is TLP.AMBER_STRICT:
        if ctx.via is not None:
            out.append(Reason("tlp-amber-strict", f"would pass through {ctx.via}"))
        origin = ctx.originators.get(s.originator)
        if origin not in (OWN, PUBLIC, ctx.recipient):
            out.append(Reason("tlp-amber-strict", "another organisation's AMBER+STRICT"))
    return out


_PERSON = EntityKind.PERSON
_CURRENT = State.CURRENT
_WITHHOLD = Action.WITHHOLD


def decide_statement(s: StoredStatement, kind: EntityKind, ctx: Context) -> Decision:
    """Release or withhold one statement about an entity of ``kind``."""
    person = kind is _PERSON
    cat = Category.STATUS if person and s.prop == "status" else _KIND_CATEGORY[kind]
    key = (cat, person, s.state, s.tlp, s.originator)
    memo = ctx.statement_decisions
    decision = memo.get(key)
    if decision is None:
        decision = memo[key] = _decide_statement(s, cat, person, ctx)
    return decision


def _decide_statement(s: StoredStatement, cat: Category, person: bool, ctx: Context) -> Decision:
    """The rules of :func:`decide_statement`; reads only ``s``'s state, TLP and originator."""
    reasons = _agreement_reasons(ctx)
    terms = ctx.terms
    if cat not in terms.categories:
        reasons.append(Reason("category", f"{cat.value} not covered"))
    elif person and terms.granularity is not Granularity.PERSON:
        reasons.append(Reason("granularity", "statistics only"))
    if s.state is not State.CURRENT:
        reasons.append(Reason("not-current", s.state.value))
    reasons += _tlp_reasons(s, ctx)
    reasons += third_party_reasons(s, ctx)
    if reasons:
        return Decision(Action.WITHHOLD, tuple(reasons))
    return RELEASE


def decide_for_statistics(s: StoredStatement, ctx: Context) -> Decision:
    """May this statement count towards a statistics release? The same rules as a release
    (agreement in force, current, TLP, third-party rule), for the statistics category."""
    reasons = _agreement_reasons(ctx)
    if Category.STATISTICS not in ctx.terms.categories:
        reasons.append(Reason("category", "statistics not covered"))
    if s.state is not State.CURRENT:
        reasons.append(Reason("not-current", s.state.value))
    reasons += _tlp_reasons(s, ctx)
    reasons += third_party_reasons(s, ctx)
    return Decision(Action.WITHHOLD, tuple(reasons)) if reasons else RELEASE


def statistics_reasons(ctx: Context) -> list[Reason]:
    """Why no statistics at all may go to this partner (empty when they may)."""
    reasons = _agreement_reasons(ctx)
    if not reasons and Category.STATISTICS not in ctx.terms.categories:
        reasons.append(Reason("category", "statistics not covered"))
    return reasons


def person_may_count(entity_id: str, statements: Iterable[StoredStatement], ctx: Context) -> bool:
    """Persons whose category the agreement excludes, or whose review is overdue, are not
    used for anything released, statistics included."""
    cats = _subject_categories(statements) or {SubjectCategory.OTHER.value}
    return cats <= ctx.allowed_subjects and ctx.canon(entity_id) not in ctx.overdue


@dataclass(frozen=True)
class EntityDecision:
    """The decision on one (canonical) entity and on each of its statements."""

    entity_id: str
    kind: EntityKind
    decision: Decision
    statements: Mapping[str, Decision]  # statement id → decision

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity_id,
            "kind": self.kind.value,
            "action": self.decision.action.value,
            "reasons": [r.as_dict() for r in self.decision.reasons],
        }

    @property
    def released_ids(self) -> frozenset[str]:
        if not self.decision.released:
            return frozenset()
        return frozenset(sid for sid, d in self.statements.items() if d.released)


def _subject_categories(stmts: Iterable[StoredStatement]) -> set[str]:
    return {s.value for s in stmts if s.prop == "subject_category" and s.state is _CURRENT}


def scope_reasons(released: Sequence[StoredStatement], ctx: Context, scope: Scope) -> list[Reason]:
    """Why a person is outside ``scope``, judged on ``released`` statements only."""
    group_ids = (
        ctx.scope_group_ids
        if scope is ctx.terms.scope
        else frozenset(ctx.canon(g) for g in scope.groups)
    )
    out = []
    if scope.nationalities:
        nats = {s.value for s in released if s.prop == "nationality"}
        if not nats & scope.nationalities:
            out.append(Reason("scope-nationality", "no released nationality in scope"))
    if scope.groups:
        groups = {ctx.canon(s.value) for s in released if s.link and s.prop in MEMBERSHIP}
        if not groups & group_ids:
            out.append(Reason("scope-group", "no released membership of a group in scope"))
    if scope.statuses:
        # assess_status reads only status statements: handing it just those is the same.
        status = assess_status([s for s in released if s.prop == "status"]).status
        if status not in scope.statuses:
            out.append(Reason("scope-status", f"assessed {status.value} on released facts"))
    return out


@dataclass(frozen=True)
class Preselection:
    """What every entity released under a context has, whatever the state of its facts: a
    necessary condition read from the terms alone, so a store can read and decide only the
    entities that could pass. An entity failing it would be withheld anyway: its kind is not
    a category the agreement covers, or it is a person with no fact that could place them in
    the agreement's scope (scope is judged on released facts, a subset of all facts).

    Statuses in a scope add no condition here (they are assessed, not looked up), so this
    selects a superset of what is released, never less.
    """

    kinds: frozenset[EntityKind]  # kinds that may be released at all
    nationalities: frozenset[str] = frozenset()  # persons: one of these (empty: any)
    group_ids: frozenset[str] = frozenset()  # persons: member of one of these canonical groups

    def admits(
        self, entity_id: str, kind: EntityKind, statements: Iterable[StoredStatement], ctx: Context
    ) -> bool:
        """The condition checked on an entity in memory (what a store checks in its query)."""
        if kind not in self.kinds:
            return False
        if kind is not _PERSON:
            return True
        stmts = list(statements)
        if self.nationalities and not any(
            s.prop == "nationality" and s.value in self.nationalities for s in stmts
        ):
            return False
        return not self.group_ids or any(
            s.link and s.prop in MEMBERSHIP and ctx.canon(s.value) in self.group_ids for s in stmts
        )


def preselection(ctx: Context) -> Preselection:
    """The :class:`Preselection` of ``ctx``: nothing when the agreement is not in force."""
    if ctx.agreement_reasons:
        return Preselection(frozenset())
    terms = ctx.terms
    kinds = frozenset(k for k, cat in _KIND_CATEGORY.items() if cat in terms.categories)
    if terms.granularity is not Granularity.PERSON:
        kinds -= {_PERSON}
    return Preselection(kinds, terms.scope.nationalities, ctx.scope_group_ids)


def decide_entity(
    entity_id: str, kind: EntityKind, statements: Sequence[StoredStatement], ctx: Context
) -> EntityDecision:
    """Decide an entity (with the statements of every record merged into it)."""
    per = {s.id: decide_statement(s, kind, ctx) for s in statements}
    reasons = _agreement_reasons(ctx)
    cat = _KIND_CATEGORY[kind]
    if not reasons and cat not in ctx.terms.categories:
        reasons.append(Reason("category", f"{cat.value} not covered"))
    released = [s for s in statements if per[s.id].action is not _WITHHOLD]
    if kind is _PERSON and not reasons:
        if ctx.terms.granularity is not Granularity.PERSON:
            reasons.append(Reason("granularity", "statistics only"))
        cats = _subject_categories(statements) or {SubjectCategory.OTHER.value}
        for c in sorted(cats - ctx.allowed_subjects):
            reasons.append(Reason("subject-category", f"{c} not released under this agreement"))
        if ctx.canon(entity_id) in ctx.overdue:
            reasons.append(Reason("review-overdue", "the record's review date has passed"))
        reasons += scope_reasons(released, ctx, ctx.terms.scope)
    if not reasons and not any(s.prop == "name" and not s.link for s in released):
        reasons.append(Reason("no-name", "no releasable name"))
    if reasons:
        return EntityDecision(entity_id, kind, Decision(Action.WITHHOLD, tuple(reasons)), per)
    if len(released) == len(statements):
        return EntityDecision(entity_id, kind, RELEASE, per)
    withheld = sorted({r for d in per.values() for r in d.reasons})
    return EntityDecision(entity_id, kind, Decision(Action.REDACT, tuple(withheld)), per)
