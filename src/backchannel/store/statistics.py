"""Statistics for a partner, fed from the store through the release policy.

Only facts the partner's agreement lets count are counted (agreement in force with the
statistics category, current, within the TLP ceiling, third-party rule), only persons it does
not exclude (data-subject category, overdue review), and only groups whose name may be given.
Suppression is :mod:`backchannel.liaison.statistics`'s.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection

from backchannel.errors import InvalidInput
from backchannel.liaison.policy import (
    MEMBERSHIP,
    decide_for_statistics,
    person_may_count,
    statistics_reasons,
)
from backchannel.liaison.statistics import DEFAULT_K, PersonFacts, StatisticsTable, build_statistics
from backchannel.model.assessment import assess_status
from backchannel.model.vocab import EntityKind
from backchannel.store.knowledge import label_of
from backchannel.store.releases import canonical_views, policy_context

_CODE = re.compile(r"^[A-Z]{2}$")


def partner_statistics(
    conn: Connection, partner_id: str, *, now: datetime, k: int = DEFAULT_K
) -> StatisticsTable:
    """Counts by group × nationality × status for one partner, suppressed below ``k``."""
    ctx = policy_context(conn, partner_id, now)
    reasons = statistics_reasons(ctx)
    if reasons:
        raise InvalidInput(
            f"no statistics may go to {partner_id}",
            why="; ".join(f"{r.code}: {r.detail}" for r in reasons),
        )
    views = canonical_views(conn)
    group_name: dict[str, str] = {}
    for v in views:
        if v.kind in (EntityKind.GROUP, EntityKind.ORGANISATION):
            names = [
                s
                for s in v.statements
                if s.prop == "name" and decide_for_statistics(s, ctx).released
            ]
            if names:
                group_name[v.id] = label_of(names, v.id)
    persons = []
    for v in views:
        if v.kind is not EntityKind.PERSON or not person_may_count(v.id, v.statements, ctx):
            continue
        usable = [s for s in v.statements if decide_for_statistics(s, ctx).released]
        groups = {
            group_name[ctx.canon(s.value)]
            for s in usable
            if s.link and s.prop in MEMBERSHIP and ctx.canon(s.value) in group_name
        }
        nats = {s.value for s in usable if s.prop == "nationality" and _CODE.match(s.value)}
        persons.append(
            PersonFacts(frozenset(groups), frozenset(nats), assess_status(usable).status)
        )
    scope = ctx.terms.scope
    in_scope = (
        sorted(group_name[ctx.canon(g)] for g in scope.groups if ctx.canon(g) in group_name)
        if scope.groups
        else None
    )
    return build_statistics(
        persons,
        generated=now,
        k=k,
        nationalities=sorted(scope.nationalities) or None,
        groups=in_scope,
    )
