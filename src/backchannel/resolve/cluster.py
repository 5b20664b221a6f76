"""Clusters: the connected components of effective "same" judgements (rule 4).

Pure functions, no storage. A cluster's canonical id is the id of its *anchor*, the member that
entered the knowledge base first (ties broken by id). New records are never earlier than the
ones already known, so a cluster keeps its canonical id as it grows; when two clusters merge,
the older anchor wins; when a retraction splits a cluster, the part holding the anchor keeps the
id and each other part gets its own oldest member's id. Clusters are therefore a function of the
judgements alone, and retracting a judgement restores the earlier clusters exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    SAME = "same"
    NOT_SAME = "not-same"
    UNSURE = "unsure"


@dataclass(frozen=True, slots=True)
class Judgement:
    """One analyst's (or the system's) verdict on a pair, as stored."""

    seq: int
    left_id: str
    right_id: str
    verdict: Verdict
    author: str
    reason: str
    created_at: str

    def as_dict(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "left": self.left_id,
            "right": self.right_id,
            "verdict": self.verdict.value,
            "author": self.author,
            "reason": self.reason,
            "at": self.created_at,
        }


def pair(a: str, b: str) -> tuple[str, str]:
    """The stored order of a pair: judgements are symmetric."""
    return (a, b) if a <= b else (b, a)


def components(edges: Iterable[tuple[str, str]]) -> list[set[str]]:
    """Connected components (of two or more members) of an undirected graph."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, set[str]] = {}
    for x in parent:
        groups.setdefault(find(x), set()).add(x)
    return [g for g in groups.values() if len(g) > 1]


def canonical_ids(
    edges: Iterable[tuple[str, str]], seen_order: Callable[[str], tuple[str, str]]
) -> dict[str, str]:
    """Map every clustered entity to its cluster's anchor (the member first seen)."""
    out: dict[str, str] = {}
    for group in components(edges):
        anchor = min(group, key=seen_order)
        for member in group:
            out[member] = anchor
    return out
