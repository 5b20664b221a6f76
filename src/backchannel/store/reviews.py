"""Review dates of stored persons (DP-4): every person is reviewed at least every few years.

A person's review is due a review period (default five years, INTERPOL's pattern) after it
was first seen or last reviewed; reviews are appended, never edited. An overdue person is
not releasable until someone reviews it (and extends it with a reason) or erases it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select

from backchannel.errors import InvalidInput, NotFound
from backchannel.model.vocab import EntityKind
from backchannel.store.knowledge import canonical_map
from backchannel.store.schema import entity, review
from backchannel.store.timefmt import from_text, to_text

REVIEW_YEARS = 5
REMINDER = timedelta(days=183)  # remind six months before a review falls due


def _years(start: datetime, years: int) -> datetime:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


@dataclass(frozen=True)
class Due:
    entity_id: str  # canonical id
    due: str
    overdue: bool
    last_review: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity_id,
            "due": self.due,
            "overdue": self.overdue,
            "last_review": self.last_review,
        }


def due_dates(conn: Connection, *, years: int = REVIEW_YEARS) -> dict[str, tuple[str, str | None]]:
    """Canonical person id → (due, last review time or None)."""
    canon = canonical_map(conn)
    first: dict[str, str] = {}
    for eid, seen in conn.execute(
        select(entity.c.id, entity.c.first_seen).where(entity.c.kind == EntityKind.PERSON.value)
    ):
        cid = canon.get(eid, eid)
        if cid not in first or seen < first[cid]:
            first[cid] = seen
    reviewed: dict[str, tuple[str, str]] = {}
    for eid, at, nxt in conn.execute(
        select(review.c.entity_id, review.c.reviewed_at, review.c.next_due).order_by(review.c.seq)
    ):
        reviewed[canon.get(eid, eid)] = (nxt, at)
    out: dict[str, tuple[str, str | None]] = {}
    for cid, seen in first.items():
        if cid in reviewed:
            out[cid] = (reviewed[cid][0], reviewed[cid][1])
        else:
            out[cid] = (to_text(_years(from_text(seen), years)), None)
    return out


def overdue_ids(conn: Connection, now: datetime, *, years: int = REVIEW_YEARS) -> frozenset[str]:
    stamp = to_text(now)
    return frozenset(cid for cid, (due, _) in due_dates(conn, years=years).items() if due < stamp)


def due_reviews(
    conn: Connection, now: datetime, *, within: timedelta = REMINDER, years: int = REVIEW_YEARS
) -> list[Due]:
    """Persons whose review is overdue or falls due within ``within``, soonest first."""
    horizon = to_text(now + within)
    stamp = to_text(now)
    out = [
        Due(cid, due, due < stamp, last)
        for cid, (due, last) in due_dates(conn, years=years).items()
        if due <= horizon
    ]
    return sorted(out, key=lambda d: (d.due, d.entity_id))


def record_review(
    conn: Connection,
    entity_id: str,
    *,
    reviewer: str,
    reason: str,
    now: datetime,
    years: int = REVIEW_YEARS,
) -> Due:
    """Record that a person was reviewed and may be kept: the next review is due in
    ``years``. The reason is required (why keeping the record is still necessary)."""
    if not reason.strip():
        raise InvalidInput("a review needs a reason", why="why the record is still needed")
    if not 1 <= years <= REVIEW_YEARS:
        raise InvalidInput(f"review period {years} years", why=f"between 1 and {REVIEW_YEARS}")
    row = conn.execute(select(entity.c.kind).where(entity.c.id == entity_id)).first()
    if row is None:
        raise NotFound(f"no entity {entity_id}")
    if row.kind != EntityKind.PERSON.value:
        raise InvalidInput(f"{entity_id} is a {row.kind}", why="reviews are of persons")
    cid = canonical_map(conn).get(entity_id, entity_id)
    nxt = to_text(_years(now, years))
    conn.execute(
        insert(review).values(
            entity_id=cid,
            reviewed_at=to_text(now),
            reviewer=reviewer,
            reason=reason.strip(),
            next_due=nxt,
        )
    )
    return Due(cid, nxt, False, to_text(now))


def review_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(review)).scalar_one())
