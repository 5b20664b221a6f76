"""The demo's liaison set-up: fictional partners, their agreements, and first releases.

Matches the sources of :mod:`backchannel.synth.source`: Services A and B are our own, the news
monitor is public, Partners C and D are partner services whose facts fall under the
third-party rule. Safe to run again: what exists is left as it is, and publishing unchanged
data writes nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from backchannel.store.accounts import Role, create_account, issue_token, list_accounts
from backchannel.store.partners import (
    add_partner,
    change_agreement,
    current_agreement,
    originator_map,
    partner_ids,
    set_originator,
)
from backchannel.store.releases import Published, publish
from backchannel.store.schema import release
from backchannel.store.statistics import partner_statistics, publish_statistics

AUTHOR = "demo"

PARTNERS: list[tuple[str, str, list[str], dict[str, Any]]] = [
    (
        "partner-c",
        "Partner C (fictional liaison service)",
        ["Partner C"],
        {
            "status": "active",
            "tlp_ceiling": "amber",
            "categories": ["persons", "groups", "status"],
            "granularity": "person-level",
            "scope": {"nationalities": ["FR", "BE"]},
            "purpose": "returning foreign fighters of French or Belgian nationality",
            "retention_days": 1825,
        },
    ),
    (
        "partner-d",
        "Partner D (fictional liaison service)",
        ["Partner D"],
        {
            "status": "active",
            "tlp_ceiling": "amber",
            "categories": ["statistics", "groups"],
            "granularity": "statistics-only",
            "purpose": "annual counts of foreign fighters by fate",
        },
    ),
    (
        "partner-e",
        "Partner E (fictional; reached only through Partner C)",
        [],
        {
            "status": "active",
            "tlp_ceiling": "green",
            "categories": ["persons", "status"],
            "granularity": "person-level",
            "scope": {"nationalities": ["BE"]},
            "purpose": "Belgian nationals, relayed",
        },
    ),
]
ORIGINATORS = {"Service A": "own", "Service B": "own", "News Monitor": "public"}
# Added once every partner exists (they name each other).
LATER: dict[str, dict[str, Any]] = {
    "partner-c": {"onward_to": ["partner-e"]},
    "partner-d": {"consent_to": ["partner-c"]},
    "partner-e": {"via": "partner-c"},
}


@dataclass
class LiaisonDemo:
    releases: list[Published] = field(default_factory=list)
    statistics_cells: int = 0
    statistics_suppressed: int = 0


def set_up_liaison(conn: Connection, now: datetime) -> LiaisonDemo:
    existing = partner_ids(conn)
    known = originator_map(conn)
    for name, kind in ORIGINATORS.items():
        if name not in known:
            set_originator(conn, name, kind, author=AUTHOR, now=now)
    for pid, name, originators, _terms in PARTNERS:
        if pid not in existing:
            add_partner(conn, pid, name, originators=originators, author=AUTHOR, now=now)
    for pid, _name, _orig, terms in PARTNERS:
        if current_agreement(conn, pid) is None:
            change_agreement(
                conn,
                pid,
                terms | LATER.get(pid, {}),
                author=AUTHOR,
                reason="demo agreement",
                now=now,
            )
    out = LiaisonDemo()
    for pid in ("partner-c", "partner-e"):
        out.releases.append(publish(conn, pid, author=AUTHOR, purpose="demo release", now=now))
    done = conn.execute(
        select(func.count())
        .select_from(release)
        .where(release.c.partner_id == "partner-d", release.c.kind == "statistics")
    ).scalar()
    if done:
        return out
    table = partner_statistics(conn, "partner-d", now=now)
    values = [v for g in table.groups for v in g.values.values()]
    out.statistics_cells = len(values)
    out.statistics_suppressed = sum(v is None for v in values)
    out.releases.append(
        publish_statistics(
            conn, "partner-d", table, author=AUTHOR, purpose="demo statistics", now=now
        )
    )
    return out


DEMO_ACCOUNTS: list[tuple[str, Role, str | None]] = [
    ("analyst", Role.ANALYST, None),
    ("approver", Role.APPROVER, None),
    ("auditor", Role.AUDITOR, None),
    ("admin", Role.ADMIN, None),
    ("partner-c-system", Role.PARTNER, "partner-c"),
    ("partner-e-system", Role.PARTNER, "partner-e"),
]


def set_up_accounts(conn: Connection, now: datetime) -> dict[str, str]:
    """Demo accounts of every role, each with one API token. Tokens are returned only when
    the accounts are created (they are stored hashed and cannot be shown again)."""
    existing = {a.username for a in list_accounts(conn)}
    tokens = {}
    for name, role, partner in DEMO_ACCOUNTS:
        if name in existing:
            continue
        create_account(conn, name, role, partner_id=partner, now=now)
        tokens[name] = issue_token(conn, name, now=now, label="demo").token
    return tokens
