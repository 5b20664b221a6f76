"""Pair scoring on Apache Spark, for knowledge bases that outgrow one machine.

The same blocking rules, features and model as :func:`backchannel.resolve.dedup.score_pairs`,
run by the same library functions on Spark's Python workers, so on the same data it returns
the same :class:`ScoredPair` list and the same counts — and :func:`decide` then makes the same
clusters. Profiles travel in their compact stored form (:func:`encode_profile`).

The executors must be able to import ``backchannel``: in local mode they run the driver's own
interpreter (:func:`local_spark_session` sees to that); on a cluster, install the package on
the workers.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Set
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from operator import add

import orjson
from pyspark import Broadcast
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from backchannel.resolve.blocking import DEFAULT_MAX_BLOCK, blocking_keys
from backchannel.resolve.cluster import pair
from backchannel.resolve.dedup import ScoredPair, Scorer, ScoringStats, sorted_pairs
from backchannel.resolve.matcher import NameStats, Prepared, compare, prepare
from backchannel.resolve.name_stats import KeyCounts
from backchannel.resolve.profile import PersonProfile
from backchannel.resolve.screening import decode_profile, encode_profile

# What happens to a candidate pair before scoring (the local scorer's order of checks).
JUDGED, SAME_CLUSTER, COMPARE = "judged", "same-cluster", "compare"


@dataclass(frozen=True, slots=True)
class KeyFrequencies:
    """Name-part frequencies over all profiles, summed from each partition's :class:`KeyCounts`
    (the matcher's :class:`NameStats`, as the local scorer's ``KeyCounts`` of every profile)."""

    n: int
    counts: dict[str, int]

    def df(self, key: str) -> int:
        return self.counts.get(key, 0)


@contextmanager
def local_spark_session(*, cores: int = 2, app_name: str = "backchannel") -> Iterator[SparkSession]:
    """A Spark session in local mode on loopback only, stopped on exit.

    The Python workers run this interpreter (``sys.executable``), so they import the same
    ``backchannel``. Nothing is downloaded: no ``spark.jars.packages``. A session already
    active in this process is used as it is and left running.
    """
    created = SparkSession.getActiveSession() is None
    # pyspark reads PYSPARK_PYTHON once, when the context starts; restore it afterwards.
    before = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    try:
        spark = (
            SparkSession.builder.master(f"local[{cores}]")
            .appName(app_name)
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", str(4 * cores))
            .config("spark.default.parallelism", str(4 * cores))
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
    finally:
        if before is None:
            os.environ.pop("PYSPARK_PYTHON", None)
        else:
            os.environ["PYSPARK_PYTHON"] = before
    if not created:
        yield spark
        return
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


def spark_scorer(spark: SparkSession, *, max_block: int = DEFAULT_MAX_BLOCK) -> Scorer:
    """A :data:`Scorer` for :func:`backchannel.store.dedup.deduplicate` running on ``spark``."""

    def scorer(
        profiles: Mapping[str, PersonProfile],
        canonical: Mapping[str, str],
        judged: Set[tuple[str, str]],
        propose: float,
    ) -> tuple[list[ScoredPair], ScoringStats]:
        return score_pairs_spark(
            profiles, canonical, judged, propose, spark=spark, max_block=max_block
        )

    return scorer


def score_pairs_spark(
    profiles: Mapping[str, PersonProfile],
    canonical: Mapping[str, str],
    judged: Set[tuple[str, str]],
    propose: float,
    *,
    spark: SparkSession | None = None,
    max_block: int = DEFAULT_MAX_BLOCK,
) -> tuple[list[ScoredPair], ScoringStats]:
    """:func:`~backchannel.resolve.dedup.score_pairs` on Spark: same pairs, same counts.

    Without ``spark``, runs in a local session of its own and stops it afterwards.
    """
    if spark is None:
        with local_spark_session() as session:
            return score_pairs_spark(
                profiles, canonical, judged, propose, spark=session, max_block=max_block
            )
    sc = spark.sparkContext
    stats = ScoringStats()
    if not profiles:
        return [], stats
    profile_df = profile_frame(spark, profiles)

    keyed = spark.createDataFrame(profile_df.rdd.mapPartitions(_keyed), "key string, id string")
    blocks = (
        keyed.groupBy("key")
        .agg(F.collect_set("id").alias("ids"))
        .where(F.size("ids").between(2, max_block))
    )
    # Spark orders strings by their UTF-8 bytes, which is Python's code-point order: a < b
    # here is the local scorer's ``combinations(sorted(...))`` order.
    candidates = (
        blocks.select(F.explode("ids").alias("a"), "ids")
        .select("a", F.explode("ids").alias("b"))
        .where(F.col("a") < F.col("b"))
        .distinct()
    )

    frequencies = key_frequencies(profile_df)
    canonical_b = sc.broadcast(dict(canonical))
    judged_b = sc.broadcast(frozenset(judged))
    stats_b = sc.broadcast(frequencies)
    try:
        classified = spark.createDataFrame(
            candidates.rdd.mapPartitions(partial(_classify, canonical_b, judged_b)),
            "a string, b string, status string",
        ).cache()
        try:
            counts: dict[str, int] = {
                r["status"]: r["count"] for r in classified.groupBy("status").count().collect()
            }
            to_score = classified.where(F.col("status") == COMPARE)
            scored = _score(profile_df, to_score, stats_b, propose)
        finally:
            classified.unpersist()
    finally:
        for b in (canonical_b, judged_b, stats_b):
            b.destroy()
    stats.already_judged = counts.get(JUDGED, 0)
    stats.same_cluster = counts.get(SAME_CLUSTER, 0)
    stats.compared = counts.get(COMPARE, 0)
    stats.candidate_pairs = stats.already_judged + stats.same_cluster + stats.compared
    return sorted_pairs(scored), stats


def profile_frame(spark: SparkSession, profiles: Mapping[str, PersonProfile]) -> DataFrame:
    """Profiles as rows of (``id``, ``profile``: the compact JSON of :func:`encode_profile`)."""
    rows = [(eid, encode_profile(profiles[eid]).decode()) for eid in sorted(profiles)]
    return spark.createDataFrame(rows, "id string, profile string")


def key_frequencies(profile_df: DataFrame) -> KeyFrequencies:
    """The name-part frequencies the matcher's rarity feature uses, over every profile.

    Each profile lies in one partition, so the partitions' :class:`KeyCounts` add up to the
    local scorer's ``KeyCounts`` of all profiles.
    """
    counts = profile_df.rdd.mapPartitions(_key_counts).reduceByKey(add).collect()
    return KeyFrequencies(profile_df.count(), dict(counts))


def _score(
    profile_df: DataFrame, pairs: DataFrame, stats_b: Broadcast[KeyFrequencies], propose: float
) -> list[ScoredPair]:
    """Compare each pair (a < b, the local order) with both profiles joined to it."""
    left = profile_df.select(F.col("id").alias("a"), F.col("profile").alias("pa"))
    right = profile_df.select(F.col("id").alias("b"), F.col("profile").alias("pb"))
    joined = pairs.select("a", "b").join(left, "a").join(right, "b").select("a", "b", "pa", "pb")
    return [
        ScoredPair(*r)
        for r in joined.rdd.mapPartitions(partial(_compare, stats_b, propose)).collect()
    ]


# Executor-side functions: module level, so the workers import them rather than unpickle code.


def _keyed(rows: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """(blocking key, id) for every key of every profile, as the local scorer derives them."""
    for eid, data in rows:
        for key in blocking_keys(n for _e, n in prepare(decode_profile(eid, data)).names):
            yield key, eid


def _key_counts(rows: Iterable[tuple[str, str]]) -> Iterator[tuple[str, int]]:
    """(name-part key, profiles carrying it) within one partition, counted by the library."""
    counts = KeyCounts(prepare(decode_profile(eid, data)) for eid, data in rows)
    yield from counts.counts.items()


def _classify(
    canonical_b: Broadcast[dict[str, str]],
    judged_b: Broadcast[frozenset[tuple[str, str]]],
    rows: Iterable[tuple[str, str]],
) -> Iterator[tuple[str, str, str]]:
    """Judged pairs first, then pairs already in one cluster, as the local scorer checks."""
    canonical, judged = canonical_b.value, judged_b.value
    for a, b in rows:
        if pair(a, b) in judged:
            yield a, b, JUDGED
        elif canonical.get(a, a) == canonical.get(b, b):
            yield a, b, SAME_CLUSTER
        else:
            yield a, b, COMPARE


def _compare(
    stats_b: Broadcast[KeyFrequencies],
    propose: float,
    rows: Iterable[tuple[str, str, str, str]],
) -> Iterator[tuple[str, str, float, bool, str, str]]:
    """Score each pair; keep those at or above ``propose``. Profiles are prepared once per
    partition."""
    stats: NameStats = stats_b.value
    prepared: dict[str, Prepared] = {}

    def get(eid: str, data: str) -> Prepared:
        got = prepared.get(eid)
        if got is None:
            got = prepared[eid] = prepare(decode_profile(eid, data))
        return got

    for a, b, pa, pb in rows:
        m = compare(get(a, pa), get(b, pb), stats=stats)
        if m.score >= propose:
            left, right = pair(a, b)
            yield (
                left,
                right,
                m.score,
                m.may_auto_merge,
                m.explanation,
                orjson.dumps(m.as_dict()).decode(),
            )
