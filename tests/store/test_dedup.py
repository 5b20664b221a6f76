"""Batch deduplication on synthetic data with ground truth, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

from sqlalchemy import func, select

from backchannel.audit import log as audit_log
from backchannel.ingest.manifest import read_manifest
from backchannel.ingest.stix_bundle import import_stix
from backchannel.resolve.cluster import Verdict
from backchannel.resolve.matcher import compare, prepare
from backchannel.resolve.screening import decode_profile
from backchannel.store.dedup import deduplicate
from backchannel.store.engine import Store
from backchannel.store.judgement import cluster_of, record_judgement
from backchannel.store.knowledge import canonical_map
from backchannel.store.schema import judgement, screen_profile
from backchannel.synth import generate
from backchannel.synth.labelled import read_truth
from tests.conftest import Clock

NOW = datetime(2026, 2, 1, tzinfo=UTC)


def _load(store: Store, tmp: Path, clock: Clock) -> dict[str, str]:
    summary = generate(tmp / "data", persons=150, seed=23)
    for files, env in read_manifest(summary.manifest):
        import_stix(store, files, env, clock=clock)
    return read_truth(summary.truth)


def _pairs(groups: dict[str, str]) -> set[tuple[str, str]]:
    by: dict[str, list[str]] = {}
    for member, group in groups.items():
        by.setdefault(group, []).append(member)
    return {tuple(sorted(p)) for m in by.values() for p in combinations(m, 2)}  # type: ignore[misc]


def test_dedup_is_precise_idempotent_and_respects_not_same(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    truth = _load(store, tmp_path, clock)
    with store.write() as conn:
        first = deduplicate(conn, now=NOW)
    assert first.merged > 0 and first.proposed > 0
    with store.read() as conn:
        found = _pairs(canonical_map(conn))
        merged = conn.execute(select(judgement.c.left_id, judgement.c.right_id)).all()
        profiles = {
            e: decode_profile(e, d)
            for e, d in conn.execute(select(screen_profile.c.entity_id, screen_profile.c.profile))
        }
    true_pairs = _pairs(truth)
    precision = len(found & true_pairs) / len(found)
    recall = len(found & true_pairs) / len(true_pairs)
    print(
        f"dedup on 150 synthetic persons: pairwise precision {precision:.3f}, "
        f"recall {recall:.3f} (automatic merges only; the rest are proposals)"
    )
    assert precision >= 0.95
    # The system never merged on a kunya, nor on names alone.
    for left, right in merged:
        m = compare(prepare(profiles[left]), prepare(profiles[right]))
        assert not m.kunya_only and m.corroborated
    # Re-running finds nothing new to merge and writes no judgement.
    with store.write() as conn:
        again = deduplicate(conn, now=NOW)
        assert conn.execute(select(func.count()).select_from(judgement)).scalar_one() == len(merged)
    assert again.merged == 0 and again.already_judged >= first.merged
    # The merges are in the audit log: one combination entry naming every merged record.
    with store.read() as conn:
        combined = [e for e in audit_log.entries(conn) if e.action is audit_log.Action.COMBINATION]
    assert len(combined) == 1 and combined[0].details["merges"] == len(merged)
    assert set(combined[0].subjects) == {i for pair in merged for i in pair}
    # An analyst's "not same" splits a merged pair and keeps it apart on the next run.
    left, right = merged[0]
    with store.write() as conn:
        record_judgement(
            conn, left, right, Verdict.NOT_SAME, author="ana", reason="different mothers", now=NOW
        )
    with store.write() as conn:
        deduplicate(conn, now=NOW)
    with store.read() as conn:
        _canonical, members_left = cluster_of(conn, left)
        assert right not in members_left
