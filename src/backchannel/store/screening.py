"""Keeping the screening profiles current, and loading the screening index from them.

Imports mark the persons whose profile-relevant statements changed (``screen_dirty``); before
an index is loaded, those profiles are recomputed from their current statements. ``rebuild``
recomputes every profile from scratch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, delete, func, insert, select

from backchannel.audit.log import Action
from backchannel.model.vocab import EntityKind
from backchannel.resolve.profile import current, profile_of
from backchannel.resolve.screening import (
    ScreeningIndex,
    decode_profile,
    encode_profile,
    merge_profiles,
)
from backchannel.store.engine import Store
from backchannel.store.knowledge import canonical_map, statements_for
from backchannel.store.schema import audit_entry, entity, screen_dirty, screen_profile

_CHUNK = 400


def _refresh(conn: Connection, ids: Sequence[str]) -> None:
    persons = {
        r.id
        for i in range(0, len(ids), _CHUNK)
        for r in conn.execute(
            select(entity.c.id).where(
                entity.c.id.in_(ids[i : i + _CHUNK]), entity.c.kind == EntityKind.PERSON.value
            )
        )
    }
    for i in range(0, len(ids), _CHUNK):
        chunk = list(ids[i : i + _CHUNK])
        conn.execute(delete(screen_profile).where(screen_profile.c.entity_id.in_(chunk)))
        wanted = [e for e in chunk if e in persons]
        stmts = statements_for(conn, wanted)
        rows = [
            {"entity_id": e, "profile": encode_profile(profile_of(e, current(stmts[e]))).decode()}
            for e in wanted
        ]
        if rows:
            conn.execute(insert(screen_profile), rows)
        conn.execute(delete(screen_dirty).where(screen_dirty.c.entity_id.in_(chunk)))


def refresh_profiles(conn: Connection) -> int:
    """Recompute the profiles of persons marked dirty; returns how many."""
    dirty = list(conn.execute(select(screen_dirty.c.entity_id)).scalars())
    _refresh(conn, dirty)
    return len(dirty)


def rebuild_profiles(conn: Connection, progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute every person's profile from the statements; returns how many persons."""
    conn.execute(delete(screen_profile))
    conn.execute(delete(screen_dirty))
    ids = list(
        conn.execute(
            select(entity.c.id)
            .where(entity.c.kind == EntityKind.PERSON.value)
            .order_by(entity.c.id)
        ).scalars()
    )
    step = 2_000
    for i in range(0, len(ids), step):
        _refresh(conn, ids[i : i + step])
        if progress is not None:
            progress(min(i + step, len(ids)), len(ids))
    return len(ids)


def load_index(store: Store, *, progress: Callable[[int], None] | None = None) -> ScreeningIndex:
    """Bring the profiles up to date, then build the in-memory index (one entry per person,
    records judged the same merged under their canonical id)."""
    with store.write() as conn:
        refresh_profiles(conn)
    index = ScreeningIndex()
    with store.read() as conn:
        canonical = canonical_map(conn)
        clusters: dict[str, list[str]] = {}
        for member, anchor in canonical.items():
            clusters.setdefault(anchor, []).append(member)
        pending: dict[str, list[bytes | str]] = {}
        rows = conn.execute(select(screen_profile.c.entity_id, screen_profile.c.profile))
        for n, (entity_id, data) in enumerate(rows, start=1):
            canon = canonical.get(entity_id)
            if canon is None:
                index.add(decode_profile(entity_id, data))
            else:
                parts = pending.setdefault(canon, [])
                parts.append(data)
                if len(parts) == len(clusters[canon]):
                    index.add(merge_profiles(canon, (decode_profile(canon, d) for d in parts)))
                    del pending[canon]
            if progress is not None and n % 10_000 == 0:
                progress(n)
        for canon, parts in pending.items():  # clusters with members that are not persons
            index.add(merge_profiles(canon, (decode_profile(canon, d) for d in parts)))
    index.finish()
    return index


# Every change to persons, their statements or their clusters appends one of these audit
# entries in its own transaction (imports, TAXII inbound, merges and judgements, erasure;
# tests/audit checks that every mutation is logged).
_CHANGES = (Action.COLLECTION, Action.ALTERATION, Action.COMBINATION, Action.ERASURE)


def knowledge_mark(conn: Connection) -> tuple[int, ...]:
    """The newest audit entry of each kind that changes the knowledge: equal marks mean no
    import, alteration, merge or erasure committed in between (index look-ups only)."""
    return tuple(
        conn.execute(
            select(func.max(audit_entry.c.seq)).where(audit_entry.c.action == a.value)
        ).scalar()
        or 0
        for a in _CHANGES
    )


class IndexCache:
    """One screening index for a long-running service, loaded again only when the knowledge
    changed (:func:`knowledge_mark`), so a screening request costs a look-up instead of
    loading every profile, yet never answers from before an import, a merge or an erasure
    that committed before the request began."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: ScreeningIndex | None = None
        self._mark: tuple[int, ...] | None = None
        self.loads = 0  # how many times the index was (re)built

    def index(self, store: Store) -> ScreeningIndex:
        with store.read() as conn:
            mark = knowledge_mark(conn)
        with self._lock:
            if self._index is None or mark != self._mark:
                # The mark is read before loading: a change committed meanwhile may already
                # be in the index, and will make the next request load again (harmless).
                self._index = load_index(store)
                self._mark = mark
                self.loads += 1
            return self._index
