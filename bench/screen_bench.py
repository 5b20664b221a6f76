"""Benchmark: name screening (issue 3), against nomenklatura's logic-v2 in the same run.

Parts (``un``, ``negatives``, ``nkbench``, ``speed``, or ``all``):

* ``un``: UN alias recovery. The UN XML goes through the real importer into a temporary store;
  for a sample of individuals one name is held out of the record and screened (Good alias, Low
  alias, Good alias + birth year, Arabic-script name against a Latin-only record). Top-1, MRR
  and recall at the match threshold, for ours and for logic-v2 scoring every record;
* ``negatives``: yente's 50,000 synthetic non-matching persons screened against the UN list:
  the share with any candidate at or over the match threshold (logic-v2 on a sample);
* ``nkbench``: nomenklatura's labelled name pairs: F1 beside logic-v2's frozen (and live) scores;
* ``speed``: a ScreeningIndex over ~1M synthetic records in a child process on one core:
  build time, RSS, p50/p95 latency and queries/s; logic-v2 comparisons/s on the same pairs.

Run ``.venv/bin/python bench/screen_bench.py --help``; see ``bench/README.md``. The data are
for measuring only: nothing in ``src/`` knows about them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import screen_anchor as anchor
import screen_nkbench
import screen_speed
import screen_un
from backchannel.resolve.screening import MATCH_THRESHOLD, REVIEW_THRESHOLD, SHORTLIST

PARTS = ("un", "negatives", "nkbench", "speed")
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "er"
UN_XML = "un_sc_consolidated_2025-04-19.xml"
NEGATIVES = "yente_fixtures/negatives_global.csv"
NK_BENCH = "nk_name_bench"

# The targets, and the logic-v2 figures it quotes (measured elsewhere, not here).
TARGET_TOP1 = {"good": 0.92, "low": 0.65, "arabic": 0.90}
TARGET_ARABIC_RECALL = 0.85
QUOTED_LOGIC_V2 = {"good": 0.74, "low": 0.43, "arabic": 0.55, "arabic_recall": 0.16}
TARGET_FALSE_ALERTS = 0.01
TARGET_P95_MS = 20.0
TARGET_QPS = 200.0
QUOTED_YENTE_QPS_PER_VCPU = 4.0
TARGET_RSS_MB = 2048.0

_START = [time.time()]


def log(message: str) -> None:
    """Progress on stderr, so stdout stays the report."""
    print(f"[{time.time() - _START[0]:7.1f}s] {message}", file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        commit = subprocess.run(
            ["git", "-C", str(Path(__file__).resolve().parent), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "loadavg_at_start": os.getloadavg(),
        "memory_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git": commit,
        "anchor": anchor.version() if anchor.available() is None else anchor.available(),
    }


# --------------------------------------------------------------------------------------------
# Report


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**NOT met**")


def _f(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or not b else f"{a / b:.2f}×"


class Table:
    def __init__(self) -> None:
        self.rows = [
            "| benchmark | metric | target | ours | logic-v2 (this run) | ours ÷ logic-v2 "
            "| verdict |",
            "|---|---|---|---:|---:|---:|---|",
        ]

    def add(
        self,
        bench: str,
        metric: str,
        target: str,
        ours: float | None,
        theirs: float | None,
        ok: bool | None,
        *,
        digits: int = 3,
        ratio: bool = True,
    ) -> None:
        self.rows.append(
            f"| {bench} | {metric} | {target} | {_f(ours, digits)} | {_f(theirs, digits)} "
            f"| {_ratio(ours, theirs) if ratio else '—'} | {verdict(ok)} |"
        )


def report_un(table: Table, un_result: dict[str, Any]) -> None:
    for cat in screen_un.CATEGORIES:
        ours = un_result["metrics"]["ours"].get(cat, {})
        theirs = un_result["metrics"]["logic-v2"].get(cat, {})
        label = f"UN {cat} (n={ours.get('cases', 0)})"
        target = TARGET_TOP1.get(cat)
        top1 = ours.get("top1")
        table.add(
            label,
            "top-1",
            "—" if target is None else f"≥ {target}",
            top1,
            theirs.get("top1"),
            None if target is None or top1 is None else top1 >= target,
        )
        table.add(label, "MRR", "—", ours.get("mrr"), theirs.get("mrr"), None)
        recall = ours.get("recall_at_threshold")
        recall_target = TARGET_ARABIC_RECALL if cat == "arabic" else None
        table.add(
            label,
            f"recall at threshold (ours {MATCH_THRESHOLD}, logic-v2 {anchor.THRESHOLD})",
            "—" if recall_target is None else f"≥ {recall_target}",
            recall,
            theirs.get("recall_at_threshold"),
            None if recall_target is None or recall is None else recall >= recall_target,
        )
        table.add(
            label,
            "share of cases with another record over the threshold",
            "—",
            ours.get("false_match_rate"),
            theirs.get("false_match_rate"),
            None,
            ratio=False,
        )


def report_negatives(table: Table, neg: dict[str, Any]) -> None:
    ours = neg["ours"]
    n = neg["negatives"]
    label = f"false alerts, all {n:,} (name, DOB, nationality, gender)"
    table.add(
        label,
        "share with any UN candidate over the match threshold",
        f"≤ {TARGET_FALSE_ALERTS}",
        ours["rate"],
        None,
        ours["rate"] <= TARGET_FALSE_ALERTS,
        digits=4,
    )
    table.add(
        label,
        f"share with a candidate in review (≥ {REVIEW_THRESHOLD})",
        "—",
        ours["review_rate"],
        None,
        None,
        digits=4,
    )
    sample = neg.get("sample")
    if sample:
        size = sample["size"]
        table.add(
            f"false alerts, sample of {size:,} (seed {sample['seed']})",
            "share over the threshold, both systems on the same sample",
            f"≤ {TARGET_FALSE_ALERTS}",
            sample["ours_rate"],
            sample["logic_v2_rate"],
            sample["ours_rate"] <= TARGET_FALSE_ALERTS,
            digits=4,
        )
        table.add(
            f"false alerts, sample of {size:,} (seed {sample['seed']})",
            "ours by name only: share over the threshold (logic-v2 column: with all fields)",
            "—",
            sample["ours_name_only_alerts"] / max(1, size),
            sample["logic_v2_rate"],
            None,
            digits=4,
            ratio=False,
        )


def report_nkbench(table: Table, nk: dict[str, Any]) -> None:
    for subset in ("Person", "all"):
        s = nk["subsets"][subset]
        label = f"nk name bench, {subset} (n={s['pairs']})"
        table.add(
            label,
            f"F1 at threshold (ours {MATCH_THRESHOLD}, logic-v2 frozen {anchor.THRESHOLD})",
            "—",
            s["ours"]["f1"],
            s["logic_v2_frozen"]["f1"],
            None,
        )
        table.add(
            label,
            f"F1, ours at the review threshold {REVIEW_THRESHOLD}",
            "—",
            s["ours_at_review"]["f1"],
            s["logic_v2_frozen"]["f1"],
            None,
        )
        table.add(
            label,
            "best F1 over thresholds (tuned on the data: information only)",
            "—",
            s["ours_best"]["f1"],
            s["logic_v2_frozen_best"]["f1"],
            None,
        )


def report_speed(table: Table, sp: dict[str, Any]) -> None:
    label = f"speed, {sp['indexed']:,} profiles"
    table.add(label, "p50 latency ms (wall)", "—", sp["p50_ms"], None, None, digits=1)
    table.add(
        label,
        "p95 latency ms (wall)",
        f"≤ {TARGET_P95_MS:g}",
        sp["p95_ms"],
        None,
        sp["p95_ms"] <= TARGET_P95_MS,
        digits=1,
    )
    table.add(label, "p95 CPU ms per query", "—", sp["cpu_p95_ms"], None, None, digits=1)
    table.add(
        label,
        f"queries/s, one core (logic-v2 column: yente's quoted {QUOTED_YENTE_QPS_PER_VCPU:g}"
        " req/s per vCPU, not measured here)",
        f"≥ {TARGET_QPS:g}",
        sp["queries_per_second"],
        QUOTED_YENTE_QPS_PER_VCPU,
        sp["queries_per_second"] >= TARGET_QPS,
        digits=1,
    )
    if "logic_v2_comparisons_per_second" in sp:
        table.add(
            label,
            f"queries/s scoring a {SHORTLIST}-candidate shortlist (logic-v2: its measured "
            f"comparisons/s ÷ {SHORTLIST}, no retrieval)",
            "—",
            sp["queries_per_second"],
            sp["logic_v2_comparisons_per_second"] / SHORTLIST,
            None,
            digits=1,
        )
    table.add(label, "index build s", "—", sp["build_seconds"], None, None, digits=1)
    table.add(
        label,
        "peak RSS MB (child, before logic-v2 loads)",
        f"≤ {TARGET_RSS_MB:g}",
        sp["peak_rss_before_anchor_mb"],
        None,
        sp["peak_rss_before_anchor_mb"] <= TARGET_RSS_MB,
        digits=0,
    )


def failure_analysis(un_result: dict[str, Any]) -> list[str]:
    """Misses (true record not first) by category, tagged, and who missed what."""
    ours_metrics = un_result["metrics"]["ours"]
    lines = [
        "",
        "Diagnostic, ours: top-1 if candidates with equal scores were ordered by their best name "
        "similarity instead of by id: "
        + ", ".join(
            f"{cat} {ours_metrics[cat]['top1_name_tiebreak']:.3f}"
            for cat in screen_un.CATEGORIES
            if cat in ours_metrics and ours_metrics[cat].get("cases")
        )
        + ".",
        "",
        "UN misses (true record not ranked first), tagged:",
    ]
    ours_by = {(o["category"], o["target"]): o for o in un_result["outcomes"]["ours"]}
    theirs_by = {(o["category"], o["target"]): o for o in un_result["outcomes"]["logic-v2"]}
    for cat in screen_un.CATEGORIES:
        misses = [o for k, o in ours_by.items() if k[0] == cat and o["rank"] != 1]
        tags = Counter(t for o in misses for t in o["tags"])
        line = f"- {cat}: ours misses {len(misses)}"
        if tags:
            line += "; " + ", ".join(f"{t} {c}" for t, c in tags.most_common())
        if theirs_by:
            both = sum(
                1
                for k, o in ours_by.items()
                if k[0] == cat and o["rank"] != 1 and theirs_by[k]["rank"] != 1
            )
            only_theirs = sum(
                1
                for k, o in ours_by.items()
                if k[0] == cat and o["rank"] == 1 and theirs_by[k]["rank"] != 1
            )
            line += f"; missed by both {both}, only by logic-v2 {only_theirs}"
        lines.append(line)
    return lines


# --------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Screening benchmarks (issue 3) against nomenklatura logic-v2, same run."
    )
    parser.add_argument("parts", nargs="+", choices=(*PARTS, "all"), help="which benchmarks to run")
    parser.add_argument("--data", type=Path, default=DATA, help=f"data directory ({DATA})")
    parser.add_argument("--un-xml", type=Path, help=f"UN XML (default: DATA/{UN_XML})")
    parser.add_argument("--negatives", type=Path, help=f"negatives CSV (DATA/{NEGATIVES})")
    parser.add_argument("--nk-bench", type=Path, help=f"name bench directory (DATA/{NK_BENCH})")
    parser.add_argument("--seed", type=int, default=1, help="seed of every sample (1)")
    parser.add_argument(
        "--sample", type=int, default=200, help="UN individuals sampled; 0 = all (200)"
    )
    parser.add_argument(
        "--anchor-negatives",
        type=int,
        default=500,
        help="negatives logic-v2 screens exhaustively (a sample; 0 = skip) (500)",
    )
    parser.add_argument("--no-anchor", action="store_true", help="do not run logic-v2")
    parser.add_argument(
        "--workers", type=int, default=1, help="processes for logic-v2's accuracy runs (1)"
    )
    parser.add_argument(
        "--records", type=int, default=1_000_000, help="speed: synthetic records (1000000)"
    )
    parser.add_argument("--queries", type=int, default=2000, help="speed: queries (2000)")
    parser.add_argument(
        "--anchor-queries",
        type=int,
        default=200,
        help="speed: queries whose top-10 logic-v2 compares (200)",
    )
    parser.add_argument("--cpu", type=int, help="speed: the CPU to pin the child to")
    parser.add_argument("--json", type=Path, help="write every figure to this JSON file")
    parser.add_argument("--keep", type=Path, help="speed: work in this directory and keep it")
    return parser.parse_args(argv)


def run_un_part(args: argparse.Namespace, un: screen_un.UnList) -> dict[str, Any]:
    cases = screen_un.build_cases(un.profiles, sample=args.sample, seed=args.seed)
    log(f"UN: {len(cases)} cases: {dict(Counter(c.category for c in cases))}")
    with_anchor = not args.no_anchor and anchor.available() is None
    outcomes = screen_un.run_un(un, cases, with_anchor=with_anchor, workers=args.workers, log=log)
    labels = {p.entity_id: p.names[0].text if p.names else "" for p in un.profiles}
    result: dict[str, Any] = {"cases": len(cases), "metrics": {}, "outcomes": {}}
    for system, threshold in (("ours", MATCH_THRESHOLD), ("logic-v2", anchor.THRESHOLD)):
        result["metrics"][system] = {
            cat: screen_un.metrics([o for o in outcomes[system] if o.category == cat], threshold)
            for cat in screen_un.CATEGORIES
            if outcomes[system]
        }
        result["outcomes"][system] = [
            {**asdict(o), "target_name": labels[o.target]} for o in outcomes[system]
        ]
    return result


def main(argv: list[str]) -> None:
    if argv[:1] == ["_speed_child"]:
        screen_speed.child_main(argv[1:])
        return
    args = parse_args(argv)
    command = shlex.join([".venv/bin/python", "bench/screen_bench.py", *argv])
    info = machine()
    log(f"{command}  (nproc {info['nproc']}, load {info['loadavg_at_start']})")
    if anchor.available() is not None:
        log(f"anchor unavailable: {anchor.available()}")
    parts = PARTS if "all" in args.parts else tuple(args.parts)
    body: dict[str, Any] = {
        "command": command,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": info,
        "params": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "thresholds": {"ours": MATCH_THRESHOLD, "logic_v2": anchor.THRESHOLD},
    }
    table = Table()
    notes: list[str] = []
    un = None
    if "un" in parts or "negatives" in parts:
        un = screen_un.load_un(args.un_xml or args.data / UN_XML, log)
        body["un_list"] = {
            "profiles": len(un.profiles),
            "objects": un.objects,
            "rejections": un.rejections,
            "import_seconds": un.import_seconds,
            "load_index_seconds": un.load_seconds,
        }
    if "un" in parts:
        assert un is not None
        body["un"] = run_un_part(args, un)
        report_un(table, body["un"])
        notes += failure_analysis(body["un"])
        notes.append(
            "Quoted by the issue for logic-v2 (measured elsewhere): top-1 Good "
            f"{QUOTED_LOGIC_V2['good']}, Low {QUOTED_LOGIC_V2['low']}, Arabic "
            f"{QUOTED_LOGIC_V2['arabic']}; Arabic recall {QUOTED_LOGIC_V2['arabic_recall']}."
        )
    if "negatives" in parts:
        assert un is not None
        negatives = screen_un.read_negatives(args.negatives or args.data / NEGATIVES)
        body["negatives"] = screen_un.false_alerts(
            un,
            negatives,
            anchor_sample=0 if args.no_anchor or anchor.available() else args.anchor_negatives,
            seed=args.seed,
            workers=args.workers,
            log=log,
        )
        report_negatives(table, body["negatives"])
    if "nkbench" in parts:
        body["nkbench"] = screen_nkbench.run_nkbench(
            args.nk_bench or args.data / NK_BENCH, live=not args.no_anchor
        )
        report_nkbench(table, body["nkbench"])
    if "speed" in parts:
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            work = args.keep.resolve()
        else:
            work = Path(tempfile.mkdtemp(prefix="screen-speed-"))
        try:
            corpus = screen_speed.prepare_corpus(
                work, records=args.records, queries=args.queries, seed=args.seed, log=log
            )
            speed = screen_speed.run_child(
                work,
                anchor_queries=0 if args.no_anchor else args.anchor_queries,
                cpu=args.cpu,
                script=Path(__file__).resolve(),
                log=log,
            )
        finally:
            if args.keep is None:
                shutil.rmtree(work, ignore_errors=True)
        body["speed"] = {"corpus": corpus, **speed}
        report_speed(table, body["speed"])
        notes.append(
            f"Speed: {speed['queries']:,} held-out records screened one at a time on CPU "
            f"{speed['cpu']}; same true person first {speed['top1_same_person']:.3f}, over the "
            f"threshold {speed['same_person_over_threshold']:.3f}; another person first and "
            f"over the threshold {speed['other_person_first_over_threshold']:.3f}. RSS "
            f"{speed['rss_start_mb']:,.0f} MB before the build, "
            f"{speed['rss_after_build_mb']:,.0f} MB after; ru_maxrss with logic-v2 loaded "
            f"{speed['peak_rss_mb']:,.0f} MB. Queries per CPU-second "
            f"{speed['queries_per_cpu_second']:,.1f}; logic-v2 "
            f"{speed.get('logic_v2_comparisons_per_second', 0):,.0f} comparisons/s."
        )
    print("\n".join(table.rows + notes))
    if args.json is not None:
        args.json.write_text(json.dumps(body, indent=2, default=str) + "\n", encoding="utf-8")
        log(f"wrote {args.json}")


if __name__ == "__main__":
    main(sys.argv[1:])
