"""Batch deduplication: blocking → pairwise scoring → "same" judgements and review proposals.

The system merges a pair only when the score is at or above the auto-merge threshold, the
names do not rest on a kunya, and something besides the name agrees (birth date, nationality
or birthplace): never on a kunya, never on names alone. Weak names (a single or very common
name, a low-quality alias) lower the score, which is what keeps them from merging alone. A pair
already judged (same, not same or unsure) is never proposed or merged again, and no merge may
join two clusters between which an analyst has said "not same". Re-running changes nothing
that was judged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from sqlalchemy import Connection, delete, insert, select

from backchannel.resolve.blocking import blocking_keys, blocks, candidate_pairs
from backchannel.resolve.cluster import Verdict, pair
from backchannel.resolve.matcher import Prepared, compare, prepare
from backchannel.resolve.screening import decode_profile
from backchannel.store.judgement import effective_judgements, rebuild_clusters
from backchannel.store.knowledge import canonical_map
from backchannel.store.schema import judgement, proposal, screen_profile
from backchannel.store.screening import refresh_profiles
from backchannel.store.timefmt import to_text

AUTO_MERGE = 0.9
PROPOSE = 0.5
SYSTEM = "system"


@dataclass(slots=True)
class DedupSummary:
    records: int = 0
    candidate_pairs: int = 0
    compared: int = 0
    already_judged: int = 0
    same_cluster: int = 0
    merged: int = 0
    proposed: int = 0
    blocked_by_not_same: int = 0
    clustered_records: int = 0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__slots__ if k != "notes"}


class _Clusters:
    """Union-find over canonical ids, refusing unions across a "not same"."""

    def __init__(self, canonical: dict[str, str], not_same: set[tuple[str, str]]) -> None:
        self.parent: dict[str, str] = {}
        self.canonical = canonical
        self.apart: dict[str, set[str]] = {}
        for a, b in not_same:
            ra, rb = self.find(a), self.find(b)
            self.apart.setdefault(ra, set()).add(rb)
            self.apart.setdefault(rb, set()).add(ra)

    def find(self, x: str) -> str:
        x = self.canonical.get(x, x)
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(x, x) != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def can_join(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        return rb not in self.apart.get(ra, set())

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        keep, gone = min(ra, rb), max(ra, rb)
        self.parent[gone] = keep
        merged = self.apart.pop(gone, set())
        self.apart.setdefault(keep, set()).update(merged)
        for other in merged:
            peers = self.apart.setdefault(other, set())
            peers.discard(gone)
            peers.add(keep)


def deduplicate(
    conn: Connection,
    *,
    now: datetime,
    auto_merge: float = AUTO_MERGE,
    propose: float = PROPOSE,
    progress: Callable[[int, int], None] | None = None,
) -> DedupSummary:
    """Run blocking, scoring and merging over every person; replaces the proposals."""
    summary = DedupSummary()
    refresh_profiles(conn)
    profiles = {
        eid: decode_profile(eid, data)
        for eid, data in conn.execute(select(screen_profile.c.entity_id, screen_profile.c.profile))
    }
    summary.records = len(profiles)
    prepared: dict[str, Prepared] = {}

    def get(eid: str) -> Prepared:
        got = prepared.get(eid)
        if got is None:
            got = prepared[eid] = prepare(profiles[eid])
        return got

    keyed = ((eid, blocking_keys(n for _e, n in get(eid).names)) for eid in sorted(profiles))
    pairs = list(candidate_pairs(blocks(keyed)))
    summary.candidate_pairs = len(pairs)
    judged = effective_judgements(tuple(r) for r in conn.execute(select(judgement)))
    not_same = {p for p, j in judged.items() if j.verdict is Verdict.NOT_SAME}
    clusters = _Clusters(canonical_map(conn), not_same)
    merges: list[dict[str, object]] = []
    proposals: list[dict[str, object]] = []
    created = to_text(now)
    scored = []
    for n, (a, b) in enumerate(pairs, start=1):
        if progress is not None and n % 5_000 == 0:
            progress(n, len(pairs))
        if pair(a, b) in judged:
            summary.already_judged += 1
            continue
        if clusters.find(a) == clusters.find(b):
            summary.same_cluster += 1
            continue
        m = compare(get(a), get(b))
        summary.compared += 1
        if m.score >= propose:
            scored.append((m.score, a, b, m))
    # Strongest evidence first, so a weaker link never pre-empts a stronger one.
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    for score, a, b, m in scored:
        if clusters.find(a) == clusters.find(b):
            summary.same_cluster += 1
            continue
        evidence = orjson.dumps(m.as_dict()).decode()
        if score >= auto_merge and m.may_auto_merge:
            if clusters.can_join(a, b):
                clusters.join(a, b)
                left, right = pair(a, b)
                merges.append(
                    {
                        "left_id": left,
                        "right_id": right,
                        "verdict": Verdict.SAME.value,
                        "author": SYSTEM,
                        "reason": m.explanation,
                        "created_at": created,
                    }
                )
                summary.merged += 1
                continue
            summary.blocked_by_not_same += 1
        left, right = pair(a, b)
        proposals.append(
            {
                "left_id": left,
                "right_id": right,
                "score": score,
                "evidence": evidence,
                "created_at": created,
            }
        )
    conn.execute(delete(proposal))
    if proposals:
        conn.execute(insert(proposal), proposals)
    summary.proposed = len(proposals)
    if merges:
        conn.execute(insert(judgement), merges)
    summary.clustered_records = rebuild_clusters(conn)
    return summary
