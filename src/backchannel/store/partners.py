"""Partners, originators and versioned agreements in the store.

Agreement versions are appended, never updated: the current terms are the newest version,
and the history says who changed what, when and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, func, insert, select

from backchannel.errors import InvalidInput, NotFound
from backchannel.liaison.agreement import Terms, check_partner_id, check_terms, parse_terms
from backchannel.liaison.policy import OWN, PUBLIC
from backchannel.store.schema import agreement, originator, partner
from backchannel.store.timefmt import to_text

ORIGINATOR_KINDS = ("partner", OWN, PUBLIC)


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    contacts: tuple[str, ...]
    created_at: str
    originators: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "contacts": list(self.contacts),
            "created_at": self.created_at,
            "originators": list(self.originators),
        }


@dataclass(frozen=True)
class AgreementVersion:
    partner_id: str
    version: int
    terms: Terms
    author: str
    reason: str
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "partner": self.partner_id,
            "version": self.version,
            "terms": self.terms.as_dict(),
            "author": self.author,
            "reason": self.reason,
            "created_at": self.created_at,
        }


def partner_ids(conn: Connection) -> frozenset[str]:
    return frozenset(conn.execute(select(partner.c.id)).scalars())


def add_partner(
    conn: Connection,
    partner_id: str,
    name: str,
    *,
    contacts: Sequence[str] = (),
    originators: Sequence[str] = (),
    author: str,
    now: datetime,
) -> Partner:
    """Register a partner; its id is also an originator name of its own."""
    check_partner_id(partner_id)
    if not name.strip():
        raise InvalidInput("a partner needs a name")
    if partner_id in partner_ids(conn):
        raise InvalidInput(f"partner {partner_id!r} already exists")
    at = to_text(now)
    conn.execute(
        insert(partner).values(
            id=partner_id,
            name=name.strip(),
            contacts=orjson.dumps(list(contacts)).decode(),
            created_at=at,
            created_by=author,
        )
    )
    for name_ in dict.fromkeys([partner_id, *originators]):
        set_originator(conn, name_, "partner", partner_id=partner_id, author=author, now=now)
    return get_partner(conn, partner_id)


def get_partner(conn: Connection, partner_id: str) -> Partner:
    row = conn.execute(select(partner).where(partner.c.id == partner_id)).first()
    if row is None:
        raise NotFound(f"no partner {partner_id!r}")
    names = conn.execute(
        select(originator.c.name)
        .where(originator.c.partner_id == partner_id)
        .order_by(originator.c.name)
    ).scalars()
    return Partner(
        row.id, row.name, tuple(orjson.loads(row.contacts)), row.created_at, tuple(names)
    )


def lock_partner(conn: Connection, partner_id: str) -> None:
    """Serialise writes to one partner's collections until the transaction ends, so their
    date_added values commit in order and an `added_after` reader never misses one. SQLite
    writers are serialised already (BEGIN IMMEDIATE); PostgreSQL needs a row lock — FOR NO KEY
    UPDATE, which conflicts with itself but not with the KEY SHARE locks that inserts of rows
    referring to the partner take."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            select(partner.c.id).where(partner.c.id == partner_id).with_for_update(key_share=True)
        )


def list_partners(conn: Connection) -> list[Partner]:
    return [get_partner(conn, pid) for pid in sorted(partner_ids(conn))]


def set_originator(
    conn: Connection,
    name: str,
    kind: str,
    *,
    partner_id: str | None = None,
    author: str,
    now: datetime,
) -> None:
    """Say who an originator name is. Once classified, a name is never reclassified: facts
    already released under one classification must not change meaning afterwards."""
    if kind not in ORIGINATOR_KINDS:
        raise InvalidInput(f"unknown originator kind {kind!r}", why="partner, own or public")
    if (kind == "partner") != (partner_id is not None):
        raise InvalidInput("an originator of kind 'partner' needs the partner, others none")
    if not name.strip():
        raise InvalidInput("an originator needs a name")
    existing = conn.execute(select(originator).where(originator.c.name == name)).first()
    if existing is not None:
        if existing.kind == kind and existing.partner_id == partner_id:
            return
        raise InvalidInput(
            f"originator {name!r} is already classified as {existing.partner_id or existing.kind}",
            why="an originator's classification is never changed",
        )
    conn.execute(
        insert(originator).values(
            name=name,
            kind=kind,
            partner_id=partner_id,
            created_at=to_text(now),
            created_by=author,
        )
    )


def originator_map(conn: Connection) -> dict[str, str]:
    """Originator name → partner id, or ``own`` / ``public`` (the policy's view)."""
    return {
        r.name: r.partner_id if r.kind == "partner" else r.kind
        for r in conn.execute(select(originator))
    }


def _version(row: Any) -> AgreementVersion:
    return AgreementVersion(
        row.partner_id,
        row.version,
        parse_terms(orjson.loads(row.terms)),
        row.author,
        row.reason,
        row.created_at,
    )


def agreement_history(conn: Connection, partner_id: str) -> list[AgreementVersion]:
    get_partner(conn, partner_id)
    rows = conn.execute(
        select(agreement).where(agreement.c.partner_id == partner_id).order_by(agreement.c.version)
    )
    return [_version(r) for r in rows]


def current_agreement(conn: Connection, partner_id: str) -> AgreementVersion | None:
    row = conn.execute(
        select(agreement)
        .where(agreement.c.partner_id == partner_id)
        .order_by(agreement.c.version.desc())
        .limit(1)
    ).first()
    return None if row is None else _version(row)


def current_terms(conn: Connection) -> dict[str, Terms]:
    """Every partner's current terms (partners without an agreement have none: no entry)."""
    newest = (
        select(agreement.c.partner_id, func.max(agreement.c.version).label("v"))
        .group_by(agreement.c.partner_id)
        .subquery()
    )
    rows = conn.execute(
        select(agreement).join(
            newest,
            (agreement.c.partner_id == newest.c.partner_id) & (agreement.c.version == newest.c.v),
        )
    )
    return {r.partner_id: _version(r).terms for r in rows}


def change_agreement(
    conn: Connection,
    partner_id: str,
    changes: dict[str, Any],
    *,
    author: str,
    reason: str,
    now: datetime,
) -> AgreementVersion:
    """Append a new version: the current terms with ``changes`` applied, validated whole."""
    get_partner(conn, partner_id)
    if not reason.strip():
        raise InvalidInput("an agreement change needs a reason")
    current = current_agreement(conn, partner_id)
    terms = parse_terms(changes, base=current.terms if current else None)
    check_terms(partner_id, terms, partner_ids(conn))
    version = (current.version if current else 0) + 1
    conn.execute(
        insert(agreement).values(
            partner_id=partner_id,
            version=version,
            terms=orjson.dumps(terms.as_dict()).decode(),
            author=author,
            reason=reason.strip(),
            created_at=to_text(now),
        )
    )
    return AgreementVersion(partner_id, version, terms, author, reason.strip(), to_text(now))
