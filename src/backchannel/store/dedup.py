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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select

from backchannel.audit.log import Action, Event, append
from backchannel.resolve.cluster import Verdict
from backchannel.resolve.dedup import (
    AUTO_MERGE,
    PROPOSE,
    ClusterState,
    Scorer,
    decide,
    hard_conflict,
    score_pairs,
)
from backchannel.resolve.screening import decode_profile
from backchannel.store.judgement import effective_judgements, rebuild_clusters
from backchannel.store.knowledge import canonical_map
from backchannel.store.schema import judgement, proposal, screen_profile
from backchannel.store.screening import refresh_profiles
from backchannel.store.timefmt import to_text

SYSTEM = "system"
__all__ = ["AUTO_MERGE", "PROPOSE", "DedupSummary", "deduplicate"]


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

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__slots__}


def deduplicate(
    conn: Connection,
    *,
    now: datetime,
    auto_merge: float = AUTO_MERGE,
    propose: float = PROPOSE,
    scorer: Scorer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DedupSummary:
    """Run blocking, scoring and merging over every person; replaces the proposals.

    ``scorer`` defaults to the single-machine scorer; the Spark scorer gives the same pairs.
    """
    refresh_profiles(conn)
    profiles = {
        eid: decode_profile(eid, data)
        for eid, data in conn.execute(select(screen_profile.c.entity_id, screen_profile.c.profile))
    }
    judged = effective_judgements(tuple(r) for r in conn.execute(select(judgement)))
    not_same = {p for p, j in judged.items() if j.verdict is Verdict.NOT_SAME}
    canonical = canonical_map(conn)
    if scorer is None:
        scored, stats = score_pairs(profiles, canonical, set(judged), propose, progress=progress)
    else:
        scored, stats = scorer(profiles, canonical, set(judged), propose)
    state = ClusterState(
        canonical, not_same, conflict=lambda x, y: hard_conflict(profiles[x], profiles[y])
    )
    decisions = decide(scored, state, auto_merge=auto_merge)
    created = to_text(now)
    conn.execute(delete(proposal))
    if decisions.proposals:
        conn.execute(
            insert(proposal),
            [
                {
                    "left_id": p.left,
                    "right_id": p.right,
                    "score": p.score,
                    "evidence": p.evidence,
                    "created_at": created,
                }
                for p in decisions.proposals
            ],
        )
    if decisions.merges:
        conn.execute(
            insert(judgement),
            [
                {
                    "left_id": p.left,
                    "right_id": p.right,
                    "verdict": Verdict.SAME.value,
                    "author": SYSTEM,
                    "reason": p.reason,
                    "created_at": created,
                }
                for p in decisions.merges
            ],
        )
        # One combination entry for the run, naming every record it merged (LG-1).
        merged = sorted({i for p in decisions.merges for i in (p.left, p.right)})
        event = Event(
            Action.COMBINATION,
            "system",
            subjects=merged,
            details={"merges": len(decisions.merges), "proposals": len(decisions.proposals)},
        )
        append(conn, event, now=now)
    return DedupSummary(
        records=len(profiles),
        candidate_pairs=stats.candidate_pairs,
        compared=stats.compared,
        already_judged=stats.already_judged,
        same_cluster=stats.same_cluster + decisions.same_cluster,
        merged=len(decisions.merges),
        proposed=len(decisions.proposals),
        blocked_by_not_same=decisions.blocked_by_not_same,
        clustered_records=rebuild_clusters(conn),
    )


def list_proposals(conn: Connection, *, limit: int) -> list[dict[str, Any]]:
    """The pairs the last run proposes for review, best first, with the matcher's evidence."""
    rows = conn.execute(
        select(proposal).order_by(proposal.c.score.desc(), proposal.c.left_id).limit(limit)
    ).all()
    return [
        {
            "left": r.left_id,
            "right": r.right_id,
            "score": r.score,
            "evidence": orjson.loads(r.evidence),
        }
        for r in rows
    ]
