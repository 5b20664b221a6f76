"""Screening speed over a large synthetic population, on one core.

The parent (not timed) generates synthetic data with ``backchannel.synth.generate``, reads it
back with ``labelled_profiles``, holds out one record of each of ``queries`` true persons that
have two records or more, and writes the other records' profiles (the stored form the
screening table keeps) and the queries to files. A child process, pinned to one CPU, then:

1. builds a ScreeningIndex from the profile file (decode + ``add``, as ``load_index`` does from
   the database): build seconds, RSS before and after;
2. screens each held-out record (its name, birth date, nationality and gender), one at a time,
   ``screen(top=10)`` as the CLI does: p50/p95/p99 latency, queries/s; and whether a record of
   the same true person came first or over the match threshold (a by-product: the speed
   queries are real held-out spellings);
3. anchor: logic-v2 compares each of the first ``anchor_queries`` queries with our top-10
   candidates for it (the same pairs, same core): comparisons/s.

Peak RSS is the child's ``VmHWM`` just before the anchor stage (logic-v2 loads its own
reference data, which is not ours); the child's ``ru_maxrss`` from ``wait4`` includes it.
Latency is wall time per query; CPU time per query (``thread_time``) is reported too, since
the machine is shared and wall time includes waiting for the CPU.
"""

from __future__ import annotations

import math
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from random import Random
from statistics import quantiles
from typing import Any

import orjson

RECORDS_PER_PERSON = 1.84  # what synth writes on average; the exact count is reported
Log = Callable[[str], None]


def _rss_mb(field: str = "VmRSS") -> float:
    """This process's resident set (``VmHWM``: its peak so far), in MiB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def prepare_corpus(
    work: Path, *, records: int, queries: int, seed: int, log: Log
) -> dict[str, Any]:
    """Generate, read back and split the synthetic data; write the child's two input files."""
    from backchannel.resolve.screening import encode_profile
    from backchannel.synth import generate
    from backchannel.synth.labelled import labelled_profiles

    persons = max(2, math.ceil(records / RECORDS_PER_PERSON))
    log(f"speed: generating {persons:,} true persons (seed {seed}) into {work}")
    started = time.perf_counter()

    def progress(done: int) -> None:
        if done % 50_000 == 0:
            log(f"  generated {done:,}/{persons:,} persons")

    summary = generate(work / "synth", persons=persons, seed=seed, progress=progress)
    generated = time.perf_counter() - started
    log(f"speed: {summary.records:,} records generated in {generated:.0f}s; reading profiles")
    started = time.perf_counter()
    labelled = labelled_profiles(summary.manifest)
    read = time.perf_counter() - started
    log(f"speed: {len(labelled.profiles):,} profiles read back in {read:.0f}s")

    by_person: dict[str, list[str]] = {}
    for record_id in labelled.profiles:
        person = labelled.truth.get(record_id)
        if person is not None:
            by_person.setdefault(person, []).append(record_id)
    rng = Random(seed)
    eligible = sorted(p for p, rs in by_person.items() if len(rs) >= 2)
    chosen = rng.sample(eligible, min(queries, len(eligible)))
    held: dict[str, list[str]] = {}  # held-out record -> the person's other records
    for person in chosen:
        records_of = sorted(by_person[person])
        out = rng.choice(records_of)
        held[out] = [r for r in records_of if r != out]
    with (work / "queries.jsonl").open("wb") as f:
        for record_id, truth in held.items():
            p = labelled.profiles[record_id]
            names = [n.text for n in p.names if n.kind == "name"] or [n.text for n in p.names]
            q = {
                "id": record_id,
                "name": rng.choice(names),
                "birth_date": p.birth_dates[0].text if p.birth_dates else None,
                "nationality": min(p.nationalities) if p.nationalities else None,
                "gender": min(p.genders) if p.genders else None,
                "truth": truth,
            }
            f.write(orjson.dumps(q) + b"\n")
    indexed = 0
    with (work / "profiles.tsv").open("wb") as f:
        for record_id, p in labelled.profiles.items():
            if record_id not in held:
                f.write(record_id.encode() + b"\t" + encode_profile(p) + b"\n")
                indexed += 1
    return {
        "seed": seed,
        "true_persons": summary.persons,
        "records": summary.records,
        "indexed_profiles": indexed,
        "queries": len(held),
        "generate_seconds": generated,
        "labelled_profiles_seconds": read,
    }


def run_child(
    work: Path, *, anchor_queries: int, cpu: int | None, script: Path, log: Log
) -> dict[str, Any]:
    """Run the measured part in a child process; returns its figures plus its peak RSS."""
    cmd = [sys.executable, str(script), "_speed_child", str(work), str(anchor_queries)]
    cmd.append("" if cpu is None else str(cpu))
    log("speed: child process building the index and screening")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"speed child failed with exit code {proc.returncode}")
    result: dict[str, Any] = orjson.loads(output)
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def _percentiles(values: list[float]) -> list[float]:
    if len(values) > 1:
        return quantiles(values, n=100, method="inclusive")
    return values * 99 if values else [0.0] * 99


def child_main(argv: list[str]) -> None:
    """The measured part (see the module docstring); prints one JSON object on stdout."""
    work, anchor_queries = Path(argv[0]), int(argv[1])
    usable = sorted(os.sched_getaffinity(0))
    cpu = int(argv[2]) if len(argv) > 2 and argv[2] else usable[-1]
    os.sched_setaffinity(0, {cpu})

    import screen_anchor as anchor
    from backchannel.resolve.screening import (
        MATCH_THRESHOLD,
        ScreeningIndex,
        decode_profile,
        query_profile,
    )

    def log(message: str) -> None:
        print(f"[speed child] {message}", file=sys.stderr, flush=True)

    rss_start = _rss_mb()
    index = ScreeningIndex()
    started = time.perf_counter()
    cpu_started = time.process_time()
    with (work / "profiles.tsv").open("rb") as f:
        for n, line in enumerate(f, 1):
            entity_id, _, data = line.rstrip(b"\n").partition(b"\t")
            index.add(decode_profile(entity_id.decode(), data))
            if n % 200_000 == 0:
                log(f"indexed {n:,} ({_rss_mb():,.0f} MB)")
    index.finish()
    build_seconds = time.perf_counter() - started
    build_cpu = time.process_time() - cpu_started
    rss_built = _rss_mb()
    log(f"index of {len(index):,} built in {build_seconds:.1f}s, RSS {rss_built:,.0f} MB")

    queries = [orjson.loads(line) for line in (work / "queries.jsonl").read_bytes().splitlines()]
    latencies: list[float] = []
    cpu_times: list[float] = []
    top1 = over = false_top = 0
    wanted: dict[str, list[str]] = {}
    wrong: list[dict[str, Any]] = []  # another person first and over the threshold
    for n, q in enumerate(queries):
        profile = query_profile(
            q["name"],
            birth_date=q["birth_date"],
            nationality=q["nationality"],
            gender=q["gender"],
            query_id=q["id"],
        )
        c = time.thread_time()
        t = time.perf_counter()
        found = index.screen(profile, top=10)
        latencies.append(time.perf_counter() - t)
        cpu_times.append(time.thread_time() - c)
        truth = set(q["truth"])
        top1 += bool(found) and found[0].entity_id in truth
        over += any(c.entity_id in truth and c.is_match for c in found)
        if found and found[0].entity_id not in truth and found[0].is_match:
            false_top += 1
            if len(wrong) < 40:
                wrong.append(
                    {
                        "query": {k: q[k] for k in ("name", "birth_date", "nationality", "gender")},
                        "candidate": found[0].name,
                        "score": round(found[0].score, 4),
                        "why": found[0].match.explanation,
                        "true_rank": next(
                            (r for r, c in enumerate(found, 1) if c.entity_id in truth), None
                        ),
                    }
                )
        if n < anchor_queries:
            wanted[q["id"]] = [c.entity_id for c in found]
    total = sum(latencies)
    cuts = _percentiles(latencies)
    cpu_cuts = _percentiles(cpu_times)
    result: dict[str, Any] = {
        "cpu": cpu,
        "indexed": len(index),
        "build_seconds": build_seconds,
        "build_cpu_seconds": build_cpu,
        "rss_start_mb": rss_start,
        "rss_after_build_mb": rss_built,
        "queries": len(queries),
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "p99_ms": cuts[98] * 1000,
        "max_ms": max(latencies) * 1000,
        "queries_per_second": len(queries) / total if total else 0.0,
        "cpu_p50_ms": cpu_cuts[49] * 1000,
        "cpu_p95_ms": cpu_cuts[94] * 1000,
        "queries_per_cpu_second": len(queries) / sum(cpu_times) if sum(cpu_times) else 0.0,
        "peak_rss_before_anchor_mb": _rss_mb("VmHWM"),
        "top1_same_person": top1 / max(1, len(queries)),
        "same_person_over_threshold": over / max(1, len(queries)),
        "other_person_first_over_threshold": false_top / max(1, len(queries)),
        "match_threshold": MATCH_THRESHOLD,
        "other_person_first_examples": wrong,
    }
    log(f"{len(queries):,} queries: p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms")

    reason = anchor.available()
    if reason is None and wanted:
        needed = {i for ids in wanted.values() for i in ids}
        entities: dict[str, Any] = {}
        with (work / "profiles.tsv").open("rb") as f:
            for line in f:
                entity_id, _, data = line.rstrip(b"\n").partition(b"\t")
                key = entity_id.decode()
                if key in needed:
                    entities[key] = anchor.entity_of(decode_profile(key, data))
        matcher = anchor.LogicV2()
        # The first comparisons load logic-v2's reference data: warm it up, untimed.
        warm = [entities[i] for ids in wanted.values() for i in ids][:20]
        for e in warm:
            matcher.score(anchor.query_entity("Warm Up Name"), e)
        by_id = {q["id"]: q for q in queries}
        pairs = 0
        started = time.perf_counter()
        for qid, ids in wanted.items():
            q = by_id[qid]
            e = anchor.query_entity(
                q["name"],
                birth_date=q["birth_date"],
                nationality=q["nationality"],
                gender=q["gender"],
            )
            for i in ids:
                matcher.score(e, entities[i])
                pairs += 1
        seconds = time.perf_counter() - started
        result["logic_v2_comparisons"] = pairs
        result["logic_v2_comparisons_per_second"] = pairs / seconds if seconds else 0.0
    else:
        result["logic_v2_unavailable"] = reason or "no candidates to compare"
    result["child_cpu_seconds"] = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    sys.stdout.buffer.write(orjson.dumps(result))
