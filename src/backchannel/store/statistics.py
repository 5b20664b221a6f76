"""Statistics for a partner, fed from the store through the release policy.

Only facts the partner's agreement lets count are counted (agreement in force with the
statistics category, current, within the TLP ceiling, third-party rule), only persons it does
not exclude (data-subject category, overdue review), and only groups whose name may be given.
Suppression is :mod:`backchannel.liaison.statistics`'s.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from backchannel.errors import InvalidInput
from backchannel.liaison.agreement import Terms
from backchannel.liaison.policy import (
    MEMBERSHIP,
    decide_for_statistics,
    person_may_count,
    statistics_reasons,
)
from backchannel.liaison.project import handling_marking
from backchannel.liaison.statistics import DEFAULT_K, PersonFacts, StatisticsTable, build_statistics
from backchannel.model.assessment import assess_status
from backchannel.model.vocab import EntityKind
from backchannel.stix.extension import PROJECT_IDENTITY
from backchannel.store.knowledge import label_of
from backchannel.store.partners import current_terms
from backchannel.store.releases import (
    Published,
    canonical_views,
    policy_context,
    released_objects,
    write_release,
)

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


def statistics_note(
    conn: Connection, partner_id: str, table: StatisticsTable
) -> list[dict[str, Any]]:
    """The STIX objects of a statistics release: the note (marked at the agreement's TLP
    ceiling and with its handling conditions) and those conditions' marking."""
    terms = current_terms(conn).get(partner_id, Terms())
    handling = handling_marking(partner_id, terms)
    note = table.to_stix_note(
        created_by_ref=PROJECT_IDENTITY, tlp=terms.tlp_ceiling, object_refs=[PROJECT_IDENTITY]
    )
    note["object_marking_refs"] = [*note["object_marking_refs"], handling["id"]]
    return [handling, note]


def publish_statistics(
    conn: Connection,
    partner_id: str,
    table: StatisticsTable,
    *,
    author: str,
    purpose: str,
    now: datetime,
) -> Published:
    objects = statistics_note(conn, partner_id, table)
    held = {o["id"] for o in released_objects(conn, partner_id)}
    return write_release(
        conn,
        partner_id,
        [o for o in objects if o["id"] not in held],
        kind="statistics",
        canonical_of={},
        revocations=0,
        author=author,
        purpose=purpose,
        now=now,
    )
