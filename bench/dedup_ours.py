"""The system under test: our deduplication, as pure functions and end to end through a store.

``run`` calls ``score_pairs`` and ``decide`` (what ``store.dedup.deduplicate`` calls) on
profiles with no prior judgements; ``end_to_end`` imports a synthetic manifest into a fresh
SQLite store and runs ``deduplicate`` on it, timing each phase. ``analyse`` explains every
true pair we did not put in one cluster, and every wrong merge.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backchannel.resolve.blocking import DEFAULT_MAX_BLOCK, blocking_keys
from backchannel.resolve.dedup import (
    AUTO_MERGE,
    PROPOSE,
    ClusterState,
    ScoredPair,
    decide,
    hard_conflict,
    score_pairs,
)
from backchannel.resolve.matcher import Prepared, compare, prepare
from backchannel.resolve.name_similarity import name_similarity
from backchannel.resolve.profile import PersonProfile
from backchannel.resolve.token import Role
from dedup_metrics import clusters_from_pairs, true_pairs

NOW = datetime(2026, 2, 1, tzinfo=UTC)
SAMPLES = 6  # examples kept per failure reason


@dataclass(slots=True)
class OursRun:
    scored: list[ScoredPair]
    merges: list[ScoredPair]
    proposals: list[ScoredPair]
    clusters: dict[str, str]  # automatic merges only
    with_proposals: dict[str, str]  # if every proposal were accepted
    stats: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def _state(profiles: Mapping[str, PersonProfile]) -> ClusterState:
    """The cluster state ``store.dedup.deduplicate`` decides with, on a store with no
    judgements: no "not same", and no merge that puts contradicting records in one cluster."""
    return ClusterState({}, set(), conflict=lambda x, y: hard_conflict(profiles[x], profiles[y]))


def run(profiles: Mapping[str, PersonProfile], *, log: Callable[[str], None]) -> OursRun:
    """Score and decide with the defaults (auto-merge 0.9, propose 0.5), timed."""
    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] >= 15:
            last[0] = time.perf_counter()
            log(f"    scored {done:,}/{total:,} candidate pairs")

    t = time.perf_counter()
    scored, stats = score_pairs(profiles, {}, set(), PROPOSE, progress=progress)
    score_s = time.perf_counter() - t
    t = time.perf_counter()
    decisions = decide(scored, _state(profiles), auto_merge=AUTO_MERGE)
    decide_s = time.perf_counter() - t
    merges = [(p.left, p.right) for p in decisions.merges]
    proposed = [(p.left, p.right) for p in decisions.proposals]
    log(
        f"  ours: {stats.candidate_pairs:,} candidate pairs, {len(scored):,} scored ≥ {PROPOSE}, "
        f"{len(merges):,} merges, {len(proposed):,} proposals; "
        f"score {score_s:.1f}s, decide {decide_s:.1f}s"
    )
    return OursRun(
        scored=scored,
        merges=decisions.merges,
        proposals=decisions.proposals,
        clusters=clusters_from_pairs(profiles, merges),
        with_proposals=clusters_from_pairs(profiles, merges + proposed),
        stats={
            "candidate_pairs": stats.candidate_pairs,
            "compared": stats.compared,
            "scored_at_least_propose": len(scored),
            "merges": len(merges),
            "proposals": len(proposed),
        },
        seconds={"score": score_s, "decide": decide_s},
    )


def what_if(
    profiles: Mapping[str, PersonProfile],
    scored: list[ScoredPair],
    *,
    auto_merge: float,
    rule: bool,
) -> dict[str, str]:
    """Clusters if the auto-merge threshold were ``auto_merge`` and, with ``rule`` off, if
    merging did not need corroboration or a non-kunya name (a sensitivity, not the system).
    The cluster-level guard against contradicting records stays on."""
    pairs = scored if rule else [replace(p, may_auto_merge=True) for p in scored]
    decisions = decide(pairs, _state(profiles), auto_merge=auto_merge)
    return clusters_from_pairs(profiles, [(p.left, p.right) for p in decisions.merges])


# --------------------------------------------------------------------------------------------
# Why pairs were missed and merges were wrong


def _levels(a: Prepared, b: Prepared) -> tuple[float, str, dict[str, Any]]:
    m = compare(a, b)
    levels = {c.feature: c.level for c in m.contributions if c.feature != "bias"}
    combo = ", ".join(f"{k} {v}" for k, v in levels.items() if v != "missing") or "nothing"
    return m.score, combo, {"kunya_only": m.kunya_only, "corroborated": m.corroborated}


def _strong_alternative(a: Prepared, b: Prepared) -> float:
    """The best score between names of ``a`` and ``b`` that are neither weak nor kunyas."""
    best = 0.0
    for ea, pa in a.names:
        for eb, pb in b.names:
            if ea.weak or eb.weak or ea.kind == "kunya" or eb.kind == "kunya":
                continue
            if pa.is_weak or pb.is_weak or pa.is_kunya_only or pb.is_kunya_only:
                continue
            best = max(best, name_similarity(pa, pb).score)
    return best


def _has_kunya_part(a: Prepared, b: Prepared) -> bool:
    """Whether the best-matching names carry a kunya part ("Abu X al-Y", a nom de guerre)."""
    m = compare(a, b)
    return m.name is not None and any(
        t.role is Role.KUNYA for t in (*m.name.a.tokens, *m.name.b.tokens)
    )


def _names(p: PersonProfile) -> list[str]:
    return [n.text for n in p.names][:4]


def analyse(
    profiles: Mapping[str, PersonProfile],
    truth: Mapping[str, str],
    ours: OursRun,
    *,
    max_block: int = DEFAULT_MAX_BLOCK,
) -> dict[str, Any]:
    """Every true pair not put in one cluster, by the first reason it was lost; every false
    pair in a cluster, by whether a wrong merge joined it directly or chaining did."""
    prepared = {eid: prepare(p) for eid, p in profiles.items()}
    keys = {eid: blocking_keys(n for _e, n in p.names) for eid, p in prepared.items()}
    block_size: Counter[str] = Counter(k for ks in keys.values() for k in ks)
    scored = {(p.left, p.right): p for p in ours.scored}
    clusters = ours.clusters

    reasons: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    combos: dict[str, Counter[str]] = {}
    samples: dict[str, list[dict[str, Any]]] = {}
    for a, b in sorted(true_pairs(truth)):
        if clusters[a] == clusters[b]:
            continue
        shared = keys[a] & keys[b]
        s = scored.get((a, b))
        if not shared:
            reason = "not blocked: no name key in common"
        elif all(block_size[k] > max_block for k in shared):
            reason = f"not blocked: common keys only in blocks > {max_block}"
        elif s is None:
            reason = f"compared, score < {PROPOSE} (not proposed)"
        elif s.score < AUTO_MERGE:
            reason = f"proposed: {PROPOSE} ≤ score < {AUTO_MERGE}"
        elif not s.may_auto_merge:
            score, _c, flags = _levels(prepared[a], prepared[b])
            reason = (
                f"score ≥ {AUTO_MERGE}, held back: name rests on a kunya"
                if flags["kunya_only"]
                else f"score ≥ {AUTO_MERGE}, held back: no corroborating fact"
            )
            if flags["kunya_only"] and _strong_alternative(prepared[a], prepared[b]) >= 0.92:
                notes["held back on a kunya although a strong full-name pair scores ≥ 0.92"] += 1
        else:
            reason = (
                f"score ≥ {AUTO_MERGE}, mergeable, refused: its clusters hold contradicting records"
            )
        reasons[reason] += 1
        score, combo, flags = _levels(prepared[a], prepared[b])
        combos.setdefault(reason, Counter())[combo] += 1
        bucket = samples.setdefault(reason, [])
        if len(bucket) < SAMPLES:
            bucket.append(
                {
                    "a": a,
                    "b": b,
                    "names_a": _names(profiles[a]),
                    "names_b": _names(profiles[b]),
                    "score": round(score, 3),
                    "levels": combo,
                    "shared_keys": sorted(shared)[:6],
                    **flags,
                }
            )

    wrong_merges = [p for p in ours.merges if truth[p.left] != truth[p.right]]
    wrong_combos: Counter[str] = Counter()
    for p in wrong_merges:
        if _has_kunya_part(prepared[p.left], prepared[p.right]):
            notes["wrong merges whose best name pair has a kunya part (Abu X al-Y)"] += 1
    wrong_samples = []
    for p in wrong_merges:
        _s, combo, _f = _levels(prepared[p.left], prepared[p.right])
        wrong_combos[combo] += 1
        if len(wrong_samples) < SAMPLES:
            wrong_samples.append(
                {
                    "a": p.left,
                    "b": p.right,
                    "names_a": _names(profiles[p.left]),
                    "names_b": _names(profiles[p.right]),
                    "score": round(p.score, 3),
                    "levels": combo,
                }
            )
    # Calibration at this corpus size: how often a scored pair is truly the same, by score band.
    bands: dict[int, list[float]] = {}
    for p in ours.scored:
        band = bands.setdefault(min(int(p.score * 20), 19), [0.0, 0.0, 0.0])
        band[0] += 1
        band[1] += p.score
        band[2] += truth[p.left] == truth[p.right]
    calibration = [
        {
            "band": f"{b / 20:.2f}–{(b + 1) / 20:.2f}",
            "pairs": int(n),
            "mean_score": round(total / n, 3),
            "observed_same": round(same / n, 3),
        }
        for b, (n, total, same) in sorted(bands.items())
    ]
    false_in_cluster = _false_pairs(clusters, truth)
    direct = sum(1 for p in wrong_merges if clusters[p.left] == clusters[p.right])
    return {
        "missed_pairs": sum(reasons.values()),
        "calibration": calibration,
        "missed_by_reason": dict(reasons.most_common()),
        "notes": dict(notes),
        "missed_level_combos": {r: dict(c.most_common(8)) for r, c in combos.items()},
        "missed_samples": samples,
        "false_pairs": false_in_cluster,
        "wrong_merges": len(wrong_merges),
        "false_pairs_joined_directly": direct,
        "false_pairs_by_chaining": false_in_cluster - direct,
        "wrong_merge_level_combos": dict(wrong_combos.most_common(8)),
        "wrong_merge_samples": wrong_samples,
        "block_sizes": {
            "keys": len(block_size),
            "oversized_keys": sum(1 for n in block_size.values() if n > max_block),
            "records_with_no_usable_key": sum(
                1 for ks in keys.values() if not any(2 <= block_size[k] <= max_block for k in ks)
            ),
        },
    }


def _false_pairs(clusters: Mapping[str, str], truth: Mapping[str, str]) -> int:
    by: dict[str, Counter[str]] = {}
    for r, c in clusters.items():
        by.setdefault(c, Counter())[truth[r]] += 1
    total = 0
    for members in by.values():
        n = sum(members.values())
        same = sum(k * (k - 1) // 2 for k in members.values())
        total += n * (n - 1) // 2 - same
    return total


# --------------------------------------------------------------------------------------------
# End to end through a store


@dataclass(slots=True)
class EndToEnd:
    clusters: dict[str, str]
    summary: dict[str, int]
    seconds: dict[str, float]
    objects: int
    db_mb: float

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def end_to_end(
    manifest: Path, work: Path, *, analyze: bool, log: Callable[[str], None]
) -> EndToEnd:
    """Import every bundle of ``manifest`` into a new SQLite store, then ``deduplicate``.

    Phases: import (``import_stix`` per bundle); ``ANALYZE`` if ``analyze`` (a workaround the
    system does not do: without statistics SQLite plans the profile query as a scan of every
    record per chunk of entities, which makes the next phase quadratic); profiles
    (``refresh_profiles``: building the profiles of the persons the import marked dirty,
    which ``deduplicate`` would otherwise do
    first), dedup (``deduplicate``: load profiles, block, score, decide, write judgements,
    proposals and clusters). Schema creation is not timed.
    """
    from backchannel.ingest.manifest import read_manifest
    from backchannel.ingest.stix_bundle import import_stix
    from backchannel.store import open_store
    from backchannel.store.dedup import deduplicate
    from backchannel.store.knowledge import canonical_map
    from backchannel.store.screening import refresh_profiles

    db = work / f"dedup-{time.time_ns()}.sqlite"
    store = open_store(str(db), create=True)
    seconds: dict[str, float] = {}
    objects = 0
    try:
        t = time.perf_counter()
        for files, envelope in read_manifest(manifest):
            objects += import_stix(store, files, envelope).counts.objects
        seconds["import"] = time.perf_counter() - t
        log(f"  store: imported {objects:,} objects in {seconds['import']:.1f}s")
        if analyze:
            t = time.perf_counter()
            with store.write() as conn:
                conn.exec_driver_sql("ANALYZE")
            seconds["analyze"] = time.perf_counter() - t
        t = time.perf_counter()
        with store.write() as conn:
            refreshed = refresh_profiles(conn)
        seconds["profiles"] = time.perf_counter() - t
        log(f"  store: {refreshed:,} profiles in {seconds['profiles']:.1f}s")
        last = [time.perf_counter()]

        def progress(done: int, total: int) -> None:
            if time.perf_counter() - last[0] >= 15:
                last[0] = time.perf_counter()
                log(f"    store: scored {done:,}/{total:,} candidate pairs")

        t = time.perf_counter()
        with store.write() as conn:
            summary = deduplicate(conn, now=NOW, progress=progress)
        seconds["dedup"] = time.perf_counter() - t
        log(f"  store: deduplicate {seconds['dedup']:.1f}s: {summary.as_dict()}")
        with store.read() as conn:
            canonical = canonical_map(conn)
    finally:
        store.close()
    size = db.stat().st_size / 1e6
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return EndToEnd(canonical, summary.as_dict(), seconds, objects, size)
