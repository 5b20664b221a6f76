"""The Spark scorer against the single-machine scorer: same pairs, counts and clusters.

Needs pyspark (the ``spark`` or ``test`` extra) and Java; skipped, saying why, without them.
One local session serves the whole module, since starting it dominates the run time.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from backchannel.ingest.manifest import read_manifest
from backchannel.ingest.stix_bundle import import_stix
from backchannel.resolve.cluster import Verdict
from backchannel.resolve.dedup import ScoredPair, Scorer, ScoringStats, score_pairs
from backchannel.resolve.matcher import prepare
from backchannel.resolve.name_stats import KeyCounts
from backchannel.resolve.profile import PersonProfile
from backchannel.resolve.screening import decode_profile
from backchannel.store import Store, open_store
from backchannel.store.dedup import DedupSummary, deduplicate
from backchannel.store.judgement import record_judgement
from backchannel.store.knowledge import canonical_map
from backchannel.store.schema import cluster_member, judgement, proposal, screen_profile
from backchannel.store.screening import refresh_profiles
from backchannel.synth import generate
from tests.conftest import Clock

if importlib.util.find_spec("pyspark") is None:
    pytest.skip(
        "pyspark is not installed (pip install -e '.[spark]'): Spark scorer not tested",
        allow_module_level=True,
    )
if (
    shutil.which("java") is None
    and not Path(os.environ.get("JAVA_HOME", "/nonexistent"), "bin", "java").exists()
):
    pytest.skip(
        "no Java (neither on PATH nor in JAVA_HOME): Spark cannot start", allow_module_level=True
    )

from pyspark.sql import SparkSession

from backchannel.resolve.spark import (
    key_frequencies,
    local_spark_session,
    profile_frame,
    score_pairs_spark,
    spark_scorer,
)

NOW = datetime(2026, 2, 1, tzinfo=UTC)
LATER = datetime(2026, 2, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    with local_spark_session() as session:
        yield session


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite knowledge base holding 200 synthetic persons, closed, ready to be copied."""
    tmp = tmp_path_factory.mktemp("spark")
    summary = generate(tmp / "data", persons=200, seed=41)
    path = tmp / "base.db"
    store = open_store(str(path), create=True)
    try:
        for files, env in read_manifest(summary.manifest):
            import_stix(store, files, env, clock=Clock())
    finally:
        store.close()
    return path


def _copy(base: Path, to: Path) -> Store:
    for suffix in ("", "-wal", "-shm"):  # a closed WAL database may keep its side files
        src = base.with_name(base.name + suffix)
        if src.exists():
            shutil.copyfile(src, to.with_name(to.name + suffix))
    return open_store(str(to))


@dataclass
class Recording:
    """A scorer that keeps what it returned, so both scorers' outputs can be compared."""

    scorer: Scorer
    runs: list[tuple[list[ScoredPair], ScoringStats]] = field(default_factory=list)

    def __call__(
        self,
        profiles: Mapping[str, PersonProfile],
        canonical: Mapping[str, str],
        judged: Set[tuple[str, str]],
        propose: float,
    ) -> tuple[list[ScoredPair], ScoringStats]:
        out = self.scorer(profiles, canonical, judged, propose)
        self.runs.append(out)
        return out


def _local(
    profiles: Mapping[str, PersonProfile],
    canonical: Mapping[str, str],
    judged: Set[tuple[str, str]],
    propose: float,
) -> tuple[list[ScoredPair], ScoringStats]:
    return score_pairs(profiles, canonical, judged, propose)


def _state(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """What resolution leaves behind: clusters, proposals (less their time), judgements."""
    with store.read() as conn:
        return {
            "clusters": sorted(tuple(r) for r in conn.execute(select(cluster_member))),
            "proposals": sorted(
                tuple(r)
                for r in conn.execute(
                    select(
                        proposal.c.left_id,
                        proposal.c.right_id,
                        proposal.c.score,
                        proposal.c.evidence,
                    )
                )
            ),
            "judgements": [
                tuple(r)
                for r in conn.execute(
                    select(
                        judgement.c.seq,
                        judgement.c.left_id,
                        judgement.c.right_id,
                        judgement.c.verdict,
                        judgement.c.author,
                        judgement.c.reason,
                        judgement.c.retracts,
                    ).order_by(judgement.c.seq)
                )
            ],
        }


def _assert_same_pairs(local: list[ScoredPair], spark: list[ScoredPair]) -> None:
    assert [(p.left, p.right) for p in spark] == [(p.left, p.right) for p in local]
    for s, m in zip(spark, local, strict=True):
        assert s.score == pytest.approx(m.score, abs=1e-9, rel=0)
        assert (s.may_auto_merge, s.reason, s.evidence) == (m.may_auto_merge, m.reason, m.evidence)


def _run(store: Store, scorer: Scorer, now: datetime) -> DedupSummary:
    with store.write() as conn:
        return deduplicate(conn, now=now, scorer=scorer)


def test_spark_scorer_gives_the_same_pairs_and_clusters(
    spark: SparkSession, imported: Path, tmp_path: Path
) -> None:
    one, other = _copy(imported, tmp_path / "local.db"), _copy(imported, tmp_path / "spark.db")
    local, distributed = Recording(_local), Recording(spark_scorer(spark))
    try:
        # A first run on a fresh knowledge base, then one after analysts have judged: the
        # judged and already-clustered pairs are skipped the same way.
        first = (_run(one, local, NOW), _run(other, distributed, NOW))
        assert first[0].merged > 0 and first[0].proposed > 0
        with one.read() as conn:
            reviewed = [
                tuple(r) for r in conn.execute(select(proposal.c.left_id, proposal.c.right_id))
            ]
        for store in (one, other):
            with store.write() as conn:
                for (left, right), verdict in zip(
                    reviewed[:6], [Verdict.SAME, Verdict.NOT_SAME] * 3, strict=True
                ):
                    record_judgement(
                        conn, left, right, verdict, author="ana", reason="checked", now=NOW
                    )
        second = (_run(one, local, LATER), _run(other, distributed, LATER))
        assert second[0].already_judged > 0 and second[0].same_cluster > 0
        for (lp, ls), (sp, ss) in zip(local.runs, distributed.runs, strict=True):
            assert lp, "nothing scored: the comparison would prove nothing"
            _assert_same_pairs(lp, sp)
            assert ss == ls
        assert first[1] == first[0] and second[1] == second[0]
        assert _state(other) == _state(one)
    finally:
        one.close()
        other.close()


def test_spark_skips_the_same_oversized_blocks(
    spark: SparkSession, imported: Path, tmp_path: Path
) -> None:
    store = _copy(imported, tmp_path / "blocks.db")
    try:
        with store.write() as conn:
            refresh_profiles(conn)
            profiles = {
                e: decode_profile(e, d)
                for e, d in conn.execute(
                    select(screen_profile.c.entity_id, screen_profile.c.profile)
                )
            }
            canonical = canonical_map(conn)
    finally:
        store.close()
    assert profiles
    # A small max_block drops most blocks, so the rule itself is what is compared.
    local = score_pairs(profiles, canonical, set(), 0.0, max_block=3)
    distributed = score_pairs_spark(profiles, canonical, set(), 0.0, spark=spark, max_block=3)
    assert distributed[1] == local[1]
    assert (
        0
        < local[1].candidate_pairs
        < score_pairs(profiles, canonical, set(), 0.0)[1].candidate_pairs
    )
    _assert_same_pairs(local[0], distributed[0])
    # The name-part frequencies behind the rarity feature are the local scorer's too.
    counts = KeyCounts(prepare(p) for p in profiles.values())
    frequencies = key_frequencies(profile_frame(spark, profiles))
    assert frequencies.n == counts.n
    assert frequencies.counts == dict(counts.counts)
    # A session someone else started is used, not stopped.
    with local_spark_session() as again:
        assert again is spark
    assert spark.range(3).count() == 3
