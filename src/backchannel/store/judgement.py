"""Judgements (append-only) and the clusters derived from them.

Nothing here deletes a judgement: a retraction is a new row pointing at the one it undoes. The
effective verdict on a pair is its latest judgement that has not been retracted. After every
change the cluster table is recomputed for the connected component(s) touched, using the anchor
rule of :mod:`backchannel.resolve.cluster`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select

from backchannel.audit.log import Action, Event, append
from backchannel.errors import InvalidInput, NotFound
from backchannel.resolve.cluster import Judgement, Verdict, canonical_ids, pair
from backchannel.store.schema import cluster_member, entity, judgement
from backchannel.store.timefmt import to_text

RETRACT = "retract"


JudgementRow = tuple[Any, ...]  # a row of the judgement table, in column order


def _rows_touching(conn: Connection, ids: Sequence[str]) -> list[JudgementRow]:
    out: list[JudgementRow] = []
    for i in range(0, len(ids), 400):
        chunk = ids[i : i + 400]
        out.extend(
            tuple(r)
            for r in conn.execute(
                select(judgement).where(
                    or_(judgement.c.left_id.in_(chunk), judgement.c.right_id.in_(chunk))
                )
            )
        )
    return out


def effective_judgements(rows: Iterable[JudgementRow]) -> dict[tuple[str, str], Judgement]:
    """The latest non-retracted judgement of every pair among ``rows`` (judgement rows)."""
    rows = sorted(rows, key=lambda r: int(str(r[0])))
    retracted = {r[7] for r in rows if r[3] == RETRACT}
    out: dict[tuple[str, str], Judgement] = {}
    for seq, left, right, verdict, author, reason, created, _ret in rows:
        if verdict == RETRACT or seq in retracted:
            continue
        out[(str(left), str(right))] = Judgement(
            int(str(seq)),
            str(left),
            str(right),
            Verdict(str(verdict)),
            str(author),
            str(reason),
            str(created),
        )
    # A pair whose latest judgements were retracted falls back to the one before.
    return out


def judgements_of(conn: Connection, entity_id: str) -> list[Judgement]:
    """Effective judgements involving one entity, oldest first."""
    eff = effective_judgements(_rows_touching(conn, [entity_id]))
    return sorted(eff.values(), key=lambda j: j.seq)


def verdict_between(conn: Connection, a: str, b: str) -> Judgement | None:
    left, right = pair(a, b)
    rows = conn.execute(
        select(judgement).where(judgement.c.left_id == left, judgement.c.right_id == right)
    ).all()
    return effective_judgements(tuple(r) for r in rows).get((left, right))


def _component(conn: Connection, start: Iterable[str]) -> tuple[set[str], list[tuple[str, str]]]:
    """Every entity connected to ``start`` by effective "same" judgements, and those edges."""
    seen = set(start)
    frontier = list(seen)
    edges: set[tuple[str, str]] = set()
    while frontier:
        eff = effective_judgements(_rows_touching(conn, frontier))
        frontier = []
        for (left, right), j in eff.items():
            if j.verdict is not Verdict.SAME:
                continue
            edges.add((left, right))
            for node in (left, right):
                if node not in seen:
                    seen.add(node)
                    frontier.append(node)
    return seen, sorted(edges)


def _recluster(conn: Connection, start: Iterable[str]) -> None:
    nodes, edges = _component(conn, start)
    order = {
        r.id: (r.first_seen, r.id)
        for r in conn.execute(
            select(entity.c.id, entity.c.first_seen).where(entity.c.id.in_(sorted(nodes)))
        )
    }
    mapping = canonical_ids(edges, lambda e: order.get(e, ("~", e)))
    for i in range(0, len(nodes), 400):
        chunk = sorted(nodes)[i : i + 400]
        conn.execute(delete(cluster_member).where(cluster_member.c.entity_id.in_(chunk)))
    if mapping:
        conn.execute(
            insert(cluster_member),
            [{"entity_id": e, "canonical_id": c} for e, c in sorted(mapping.items())],
        )


def _log(
    conn: Connection,
    action: Action,
    author: str,
    left: str,
    right: str,
    details: dict[str, str | int],
    now: datetime,
) -> None:
    """Audit entry for a judgement, in its transaction; the reason (free text) stays out."""
    actor = author if ":" in author else f"user:{author}"
    append(conn, Event(action, actor, subjects=(left, right), details=details), now=now)


def record_judgement(
    conn: Connection,
    a: str,
    b: str,
    verdict: Verdict,
    *,
    author: str,
    reason: str,
    now: datetime,
) -> Judgement:
    """Append a judgement on the pair (a, b) and update the clusters it touches."""
    if a == b:
        raise InvalidInput("an entity cannot be judged against itself", where=a)
    if not reason.strip():
        raise InvalidInput("a judgement needs a reason", why="say why, for the record")
    query = select(entity.c.id, entity.c.kind).where(entity.c.id.in_([a, b]))
    kinds: dict[str, str] = {r.id: r.kind for r in conn.execute(query)}
    for e in (a, b):
        if e not in kinds:
            raise NotFound(f"no entity {e}")
    if kinds[a] != kinds[b]:
        raise InvalidInput(f"cannot judge a {kinds[a]} against a {kinds[b]}", where=f"{a} {b}")
    left, right = pair(a, b)
    created = to_text(now)
    seq = conn.execute(
        insert(judgement).values(
            left_id=left,
            right_id=right,
            verdict=verdict.value,
            author=author,
            reason=reason,
            created_at=created,
        )
    ).inserted_primary_key
    assert seq is not None
    _recluster(conn, [left, right])
    action = Action.COMBINATION if verdict is Verdict.SAME else Action.ALTERATION
    _log(
        conn, action, author, left, right, {"judgement": int(seq[0]), "verdict": verdict.value}, now
    )
    return Judgement(int(seq[0]), left, right, verdict, author, reason, created)


def retract(conn: Connection, seq: int, *, author: str, reason: str, now: datetime) -> Judgement:
    """Retract one judgement (by its number); returns the judgement retracted."""
    row = conn.execute(select(judgement).where(judgement.c.seq == seq)).first()
    if row is None or row.verdict == RETRACT:
        raise NotFound(f"no judgement {seq}")
    already = conn.execute(select(judgement.c.seq).where(judgement.c.retracts == seq)).first()
    if already is not None:
        raise InvalidInput(f"judgement {seq} is already retracted", why=f"by {already.seq}")
    new = conn.execute(
        insert(judgement).values(
            left_id=row.left_id,
            right_id=row.right_id,
            verdict=RETRACT,
            author=author,
            reason=reason,
            created_at=to_text(now),
            retracts=seq,
        )
    ).inserted_primary_key
    assert new is not None
    _recluster(conn, [row.left_id, row.right_id])
    details: dict[str, str | int] = {"judgement": int(new[0]), "retracts": seq, "verdict": RETRACT}
    _log(conn, Action.ALTERATION, author, row.left_id, row.right_id, details, now)
    return Judgement(
        row.seq,
        row.left_id,
        row.right_id,
        Verdict(row.verdict),
        row.author,
        row.reason,
        row.created_at,
    )


def unmerge(
    conn: Connection, entity_id: str, *, author: str, reason: str, now: datetime
) -> list[Judgement]:
    """Retract every effective "same" judgement that ties ``entity_id`` to others."""
    tied = [j for j in judgements_of(conn, entity_id) if j.verdict is Verdict.SAME]
    if not tied:
        raise InvalidInput(f"{entity_id} is not merged with anything")
    return [retract(conn, j.seq, author=author, reason=reason, now=now) for j in tied]


def cluster_of(conn: Connection, entity_id: str) -> tuple[str, list[str]]:
    """(canonical id, members) of the entity's cluster; a singleton is its own cluster."""
    row = conn.execute(
        select(cluster_member.c.canonical_id).where(cluster_member.c.entity_id == entity_id)
    ).first()
    if row is None:
        return entity_id, [entity_id]
    members = (
        conn.execute(
            select(cluster_member.c.entity_id)
            .where(cluster_member.c.canonical_id == row.canonical_id)
            .order_by(cluster_member.c.entity_id)
        )
        .scalars()
        .all()
    )
    return row.canonical_id, list(members)


def rebuild_clusters(conn: Connection) -> int:
    """Recompute the whole cluster table from the judgements; returns clustered entities."""
    rows = [tuple(r) for r in conn.execute(select(judgement))]
    eff = effective_judgements(rows)
    edges = sorted(p for p, j in eff.items() if j.verdict is Verdict.SAME)
    nodes = sorted({n for e in edges for n in e})
    order = {
        r.id: (r.first_seen, r.id)
        for i in range(0, len(nodes), 400)
        for r in conn.execute(
            select(entity.c.id, entity.c.first_seen).where(entity.c.id.in_(nodes[i : i + 400]))
        )
    }
    mapping = canonical_ids(edges, lambda e: order.get(e, ("~", e)))
    conn.execute(delete(cluster_member))
    if mapping:
        conn.execute(
            insert(cluster_member),
            [{"entity_id": e, "canonical_id": c} for e, c in sorted(mapping.items())],
        )
    return len(mapping)
