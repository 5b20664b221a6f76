"""Clustering quality against ground truth: pairwise and B-cubed precision, recall and F1.

Both take a clustering as ``record id -> cluster label`` over the same records as the truth
(``record id -> true entity``). Records missing from the clustering count as singletons.
Definitions are in ``bench/README.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def _c2(n: int) -> int:
    return n * (n - 1) // 2


@dataclass(frozen=True, slots=True)
class Quality:
    records: int
    true_pairs: int
    found_pairs: int
    correct_pairs: int
    pair_precision: float
    pair_recall: float
    pair_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    true_clusters: int  # true entities with two or more records
    exact_clusters: int  # of those, found exactly (same members, nothing else)
    largest_cluster: int  # records in the biggest found cluster

    @property
    def exact_rate(self) -> float:
        return self.exact_clusters / self.true_clusters if self.true_clusters else 1.0

    def as_dict(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {k: getattr(self, k) for k in self.__slots__}
        out["exact_rate"] = self.exact_rate
        return out


def quality(found: Mapping[str, str], truth: Mapping[str, str]) -> Quality:
    """Pairwise and B-cubed scores of ``found`` against ``truth`` (over the truth's records)."""
    records = list(truth)
    label = {r: found.get(r, "\x00" + r) for r in records}
    joint = Counter((label[r], truth[r]) for r in records)
    size_found = Counter(label[r] for r in records)
    size_true = Counter(truth[r] for r in records)
    correct = sum(_c2(n) for n in joint.values())
    found_pairs = sum(_c2(n) for n in size_found.values())
    true_pairs = sum(_c2(n) for n in size_true.values())
    p = correct / found_pairs if found_pairs else 1.0
    r = correct / true_pairs if true_pairs else 1.0
    # B-cubed: each record's share of its found cluster that is truly its own (precision) and
    # of its true cluster that was found with it (recall), averaged over records.
    bp = sum(n * n / size_found[f] for (f, _t), n in joint.items()) / len(records)
    br = sum(n * n / size_true[t] for (_f, t), n in joint.items()) / len(records)
    exact = sum(
        1
        for (f, t), n in joint.items()
        if size_true[t] >= 2 and n == size_true[t] and n == size_found[f]
    )
    return Quality(
        records=len(records),
        true_pairs=true_pairs,
        found_pairs=found_pairs,
        correct_pairs=correct,
        pair_precision=p,
        pair_recall=r,
        pair_f1=_f1(p, r),
        bcubed_precision=bp,
        bcubed_recall=br,
        bcubed_f1=_f1(bp, br),
        true_clusters=sum(1 for n in size_true.values() if n >= 2),
        exact_clusters=exact,
        largest_cluster=max(size_found.values(), default=0),
    )


class UnionFind:
    """Connected components over record ids, for turning accepted pairs into clusters."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(x, x) != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def clusters_from_pairs(records: Iterable[str], pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``record -> cluster label`` from the connected components of ``pairs``."""
    uf = UnionFind()
    for a, b in pairs:
        uf.union(a, b)
    return {r: uf.find(r) for r in records}


def true_pairs(truth: Mapping[str, str]) -> set[tuple[str, str]]:
    """Every unordered pair of records (sorted ids) of the same true entity."""
    by: dict[str, list[str]] = {}
    for record, entity in truth.items():
        by.setdefault(entity, []).append(record)
    out: set[tuple[str, str]] = set()
    for members in by.values():
        members.sort()
        out.update(
            (members[i], members[j])
            for i in range(len(members))
            for j in range(i + 1, len(members))
        )
    return out
