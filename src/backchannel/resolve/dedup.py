"""Deduplication logic, free of storage: score candidate pairs, then decide merges.

Scoring is pluggable (here on one machine; ``resolve/spark.py`` does the same on Spark) and
must return the same :class:`ScoredPair` list for the same input. Deciding is shared: pairs are
taken strongest first, and the system merges only when the score is at or above the auto-merge
threshold, the names do not rest on a kunya, and something besides the name agrees — never on a
kunya, never on names alone — and never across clusters an analyst has said are "not same".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field

import orjson

from backchannel.resolve.blocking import DEFAULT_MAX_BLOCK, blocking_keys, blocks, candidate_pairs
from backchannel.resolve.cluster import pair
from backchannel.resolve.evidence import birth_date_level, gender_level
from backchannel.resolve.matcher import Prepared, compare, prepare
from backchannel.resolve.name_stats import KeyCounts
from backchannel.resolve.profile import PersonProfile

AUTO_MERGE = 0.9
PROPOSE = 0.5


@dataclass(frozen=True, slots=True)
class ScoredPair:
    """A compared pair worth keeping (score at or above the proposal threshold)."""

    left: str
    right: str
    score: float
    may_auto_merge: bool
    reason: str  # the matcher's one-line explanation
    evidence: str  # the matcher's full evidence, JSON


@dataclass(slots=True)
class ScoringStats:
    candidate_pairs: int = 0
    compared: int = 0
    already_judged: int = 0
    same_cluster: int = 0


Scorer = Callable[
    [Mapping[str, PersonProfile], Mapping[str, str], Set[tuple[str, str]], float],
    tuple[list[ScoredPair], ScoringStats],
]


def score_pairs(
    profiles: Mapping[str, PersonProfile],
    canonical: Mapping[str, str],
    judged: Set[tuple[str, str]],
    propose: float,
    *,
    max_block: int = DEFAULT_MAX_BLOCK,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[ScoredPair], ScoringStats]:
    """Block, skip judged pairs and pairs already in one cluster, score the rest (one machine)."""
    stats = ScoringStats()
    prepared: dict[str, Prepared] = {}

    def get(eid: str) -> Prepared:
        got = prepared.get(eid)
        if got is None:
            got = prepared[eid] = prepare(profiles[eid])
        return got

    frequencies = KeyCounts(get(eid) for eid in sorted(profiles))
    keyed = ((eid, blocking_keys(n for _e, n in get(eid).names)) for eid in sorted(profiles))
    pairs = list(candidate_pairs(blocks(keyed), max_block=max_block))
    stats.candidate_pairs = len(pairs)
    out = []
    for n, (a, b) in enumerate(pairs, start=1):
        if progress is not None and n % 5_000 == 0:
            progress(n, len(pairs))
        if pair(a, b) in judged:
            stats.already_judged += 1
            continue
        if canonical.get(a, a) == canonical.get(b, b):
            stats.same_cluster += 1
            continue
        m = compare(get(a), get(b), stats=frequencies)
        stats.compared += 1
        if m.score >= propose:
            left, right = pair(a, b)
            out.append(
                ScoredPair(
                    left,
                    right,
                    m.score,
                    m.may_auto_merge,
                    m.explanation,
                    orjson.dumps(m.as_dict()).decode(),
                )
            )
    return sorted_pairs(out), stats


def sorted_pairs(scored: list[ScoredPair]) -> list[ScoredPair]:
    """The order decisions are taken in: strongest first, then by ids (deterministic)."""
    return sorted(scored, key=lambda p: (-round(p.score, 9), p.left, p.right))


def hard_conflict(a: PersonProfile, b: PersonProfile) -> bool:
    """Two records that cannot be one person: their birth dates or genders contradict."""
    return (
        birth_date_level(a.birth_dates, b.birth_dates) == "conflict"
        or gender_level(a.genders, b.genders) == "conflict"
    )


class ClusterState:
    """Union-find over canonical ids that refuses unions across a "not same", and (given a
    ``conflict`` test) unions that would put contradicting records into one cluster — so one
    wrong link cannot chain unrelated people together."""

    def __init__(
        self,
        canonical: Mapping[str, str],
        not_same: Set[tuple[str, str]],
        conflict: Callable[[str, str], bool] | None = None,
    ) -> None:
        self.parent: dict[str, str] = {}
        self.canonical = canonical
        self.conflict = conflict
        self.members: dict[str, list[str]] = {}
        for member, anchor in canonical.items():
            self.members.setdefault(anchor, []).append(member)
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

    def _members(self, root: str) -> list[str]:
        return self.members.get(root, [root])

    def can_join(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if rb in self.apart.get(ra, set()):
            return False
        if self.conflict is not None:
            for x in self._members(ra):
                for y in self._members(rb):
                    if self.conflict(x, y):
                        return False
        return True

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        keep, gone = min(ra, rb), max(ra, rb)
        self.parent[gone] = keep
        self.members[keep] = self._members(keep) + self._members(gone)
        self.members.pop(gone, None)
        moved = self.apart.pop(gone, set())
        self.apart.setdefault(keep, set()).update(moved)
        for other in moved:
            peers = self.apart.setdefault(other, set())
            peers.discard(gone)
            peers.add(keep)


@dataclass(slots=True)
class Decisions:
    merges: list[ScoredPair] = field(default_factory=list)
    proposals: list[ScoredPair] = field(default_factory=list)
    same_cluster: int = 0
    blocked_by_not_same: int = 0  # or by contradicting records in the two clusters


def decide(
    scored: list[ScoredPair], clusters: ClusterState, *, auto_merge: float = AUTO_MERGE
) -> Decisions:
    """Which scored pairs the system merges and which it proposes for review."""
    out = Decisions()
    for p in sorted_pairs(scored):
        if clusters.find(p.left) == clusters.find(p.right):
            out.same_cluster += 1
            continue
        if p.score >= auto_merge and p.may_auto_merge:
            if clusters.can_join(p.left, p.right):
                clusters.join(p.left, p.right)
                out.merges.append(p)
                continue
            out.blocked_by_not_same += 1
        out.proposals.append(p)
    return out
