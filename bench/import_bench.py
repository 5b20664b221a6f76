"""Benchmark: STIX 2.1 import into SQLite, against ``stix2.parse`` measured in the same run.

Phases (generation is never timed):

1. generate a synthetic corpus with ``backchannel.synth.generate`` of at least ``--objects``
   STIX objects (five bundles and a manifest);
2. import every bundle of the manifest, with its envelope, into a fresh SQLite database in a
   child process; time the import inside the child and take its peak RSS from ``wait4``;
3. anchor: stream the same bundle files and time ``stix2.parse(obj, allow_custom=True)`` on every
   object, or on every k-th object with ``--anchor-sample`` (the rate is then extrapolated);
4. optionally (``--big-bundle-gb``) write one bundle of at least that size and import it in a
   child process under a single envelope, for peak RSS on a big file.

Run ``.venv/bin/python bench/import_bench.py --help`` for the options; see ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import os
import platform
import resource
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import Any

import ijson
import orjson

TARGET_RATE = 20_000  # objects/s into SQLite
TARGET_RATIO = 10.0  # times stix2.parse
TARGET_RSS_MB = 400.0  # peak RSS while importing a 1 GB bundle
OBJECTS_PER_PERSON = 5.9  # first guess only; the corpus is regenerated bigger if it falls short
BIG_CHUNK_PERSONS = 20_000  # persons per generated chunk of the big bundle (bounds temp disk)
GIB = 1 << 30
MIB = 1 << 20
PROGRESS_SECONDS = 5.0
ANCHOR_CHUNK = 1000  # sampled objects parsed per timed stretch
CURVE_STEP = 2_000  # objects between points of the import's progress curve

_START = [time.time()]  # the import child is given the parent's, so its progress lines agree


def log(message: str) -> None:
    """Progress on stderr, so stdout stays the result table."""
    print(f"[{time.time() - _START[0]:7.1f}s] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Results


@dataclass(slots=True)
class Corpus:
    directory: str
    manifest: str
    seed: int
    persons: int
    objects: int
    bundle_files: int
    bytes: int
    generate_seconds: float


@dataclass(slots=True)
class ImportRun:
    label: str
    input_bytes: int
    objects: int
    seconds: float
    rate: float
    peak_rss_mb: float
    rss_before_import_mb: float
    child_wall_seconds: float
    db_bytes: int
    rejections: int
    counts: dict[str, int] = field(default_factory=dict)
    curve: list[tuple[int, float]] = field(default_factory=list)  # (objects done, seconds)
    per_bundle: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class AnchorRun:
    objects: int  # objects streamed from the bundle files
    parsed: int  # objects given to stix2.parse (all, or every ``every``-th)
    every: int
    extrapolated: bool
    parse_seconds: float  # stix2.parse only
    read_seconds: float  # streaming the files with ijson, all objects
    failures: int
    rate: float  # parsed / parse_seconds: the anchor used for the ratio
    rate_with_reading: float  # objects / (read_seconds + parse time extrapolated to all)
    stix2_version: str


# --------------------------------------------------------------------------------------------
# Corpus


def _stream(path: str) -> Iterator[Any]:
    with open(path, "rb") as fh:
        yield from ijson.items(fh, "objects.item", use_float=True)


def _bundle_files(manifest: Path) -> list[str]:
    data = orjson.loads(manifest.read_bytes())
    return [str(manifest.parent / b["file"]) for b in data["bundles"]]


def generate_corpus(out_dir: Path, *, objects: int, seed: int) -> Corpus:
    """A synthetic corpus of at least ``objects`` STIX objects (regenerated bigger if short)."""
    from backchannel.synth import generate

    persons = max(1, math.ceil(objects / OBJECTS_PER_PERSON))
    started = time.perf_counter()
    while True:
        log(f"generating {persons:,} persons (seed {seed}) into {out_dir}")
        target = persons

        def progress(done: int, target: int = target) -> None:
            if done % 20_000 == 0 or done == target:
                log(f"  generated {done:,}/{target:,} persons")

        summary = generate(out_dir, persons=persons, seed=seed, progress=progress)
        if summary.objects >= objects:
            break
        # Too few: grow in proportion, with a little headroom, and generate again.
        persons = math.ceil(persons * objects / summary.objects * 1.01) + 1
    seconds = time.perf_counter() - started
    files = [Path(p) for p in _bundle_files(summary.manifest)]
    corpus = Corpus(
        directory=str(out_dir),
        manifest=str(summary.manifest),
        seed=seed,
        persons=summary.persons,
        objects=summary.objects,
        bundle_files=len(files),
        bytes=sum(p.stat().st_size for p in files),
        generate_seconds=seconds,
    )
    log(f"corpus: {corpus.objects:,} objects, {corpus.bytes / MIB:,.1f} MB in {seconds:.1f}s")
    return corpus


def build_big_bundle(out_dir: Path, *, size_bytes: int, seed: int) -> tuple[Path, Path, int]:
    """One bundle of at least ``size_bytes``, merged from synthetic corpora of successive seeds.

    Each chunk comes from its own seed, so its ids are fresh; objects repeated within or across
    chunks (the same ``id`` and version) are written once, so the bundle holds each
    (id, modified) once. Returns the bundle, a one-entry manifest for it (the envelope of the
    first bundle of the first chunk) and the number of objects written.
    """
    from backchannel.synth import generate

    out_dir.mkdir(parents=True, exist_ok=True)
    big = out_dir / "big-bundle.json"
    seen: set[int] = set()  # hash of (id, version): 8 bytes of key per object, not the strings
    written = 0
    size = 0
    chunk = 0
    envelope: dict[str, Any] | None = None
    bytes_per_person = 3500.0  # a first guess, replaced by the measured figure after a chunk
    rng = Random(seed)
    bundle_id = "bundle--" + _uuid4(rng)
    with big.open("wb", buffering=1 << 20) as fh:
        head = b'{"type":"bundle","id":"' + bundle_id.encode() + b'","objects":[\n'
        fh.write(head)
        size = len(head)
        while size < size_bytes:
            remaining = size_bytes - size
            persons = min(BIG_CHUNK_PERSONS, max(1000, math.ceil(remaining / bytes_per_person)))
            chunk_dir = out_dir / f"chunk-{chunk}"
            log(
                f"big bundle: chunk {chunk} ({persons:,} persons, seed {seed + chunk}); "
                f"{size / MIB:,.0f}/{size_bytes / MIB:,.0f} MB written"
            )
            summary = generate(chunk_dir, persons=persons, seed=seed + chunk)
            manifest = orjson.loads(summary.manifest.read_bytes())
            if envelope is None:
                envelope = {k: v for k, v in manifest["bundles"][0].items() if k != "file"}
            before = size
            for path in _bundle_files(summary.manifest):
                for obj in _stream(path):
                    key = hash((obj.get("id"), obj.get("modified") or obj.get("created")))
                    if key in seen:
                        continue
                    seen.add(key)
                    data = orjson.dumps(obj)
                    fh.write(b",\n" + data if written else data)
                    size += len(data) + (2 if written else 0)
                    written += 1
            shutil.rmtree(chunk_dir)
            bytes_per_person = max(100.0, (size - before) / persons)
            chunk += 1
        fh.write(b"\n]}\n")
    assert envelope is not None
    manifest_path = out_dir / "big-manifest.json"
    body = {"bundles": [{"file": big.name, **envelope}]}
    manifest_path.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n")
    log(f"big bundle: {written:,} objects, {big.stat().st_size / MIB:,.1f} MB at {big}")
    return big, manifest_path, written


def _uuid4(rng: Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# --------------------------------------------------------------------------------------------
# Import, in a child process


def run_import(
    label: str,
    manifest: Path,
    db: Path,
    *,
    batch_size: int,
    profile: Path | None = None,
) -> ImportRun:
    """Create an empty database, then import ``manifest`` into it in a child process."""
    from backchannel.store import open_store

    if db.exists():
        raise SystemExit(f"refusing to reuse an existing database: {db}")
    open_store(str(db), create=True).close()  # schema creation is not part of the timing

    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "_child",
        "--manifest",
        str(manifest),
        "--db",
        str(db),
        "--batch-size",
        str(batch_size),
        "--t0",
        repr(_START[0]),
    ]
    if profile is not None:
        cmd += ["--profile", str(profile)]
    log(f"{label}: importing in a child process")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    out = proc.stdout.read()
    proc.stdout.close()
    # wait4, not Popen.wait: it gives this child's own rusage, so ru_maxrss is its peak RSS and
    # not the maximum over every child this process has had.
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{label}: import child failed with exit code {proc.returncode}")
    res = json.loads(out.decode().strip().splitlines()[-1])
    inputs = sum(Path(p).stat().st_size for p in _bundle_files(manifest))
    db_bytes = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    run = ImportRun(
        label=label,
        input_bytes=inputs,
        objects=res["objects"],
        seconds=res["seconds"],
        rate=res["objects"] / res["seconds"] if res["seconds"] > 0 else 0.0,
        peak_rss_mb=usage.ru_maxrss * 1024 / MIB,  # Linux: ru_maxrss is in KiB
        rss_before_import_mb=res["rss_before_kib"] * 1024 / MIB,
        child_wall_seconds=wall,
        db_bytes=db_bytes,
        rejections=res["rejections"],
        counts=res["counts"],
        curve=[(int(n), float(t)) for n, t in res["curve"]],
        per_bundle=res["per_bundle"],
    )
    log(
        f"{label}: {run.objects:,} objects in {run.seconds:.1f}s = {run.rate:,.0f} objects/s, "
        f"peak RSS {run.peak_rss_mb:,.0f} MB"
    )
    return run


def child_main(argv: list[str]) -> None:
    """Child side of :func:`run_import`: one JSON line on stdout, progress on stderr."""
    parser = argparse.ArgumentParser(prog="import_bench.py _child")
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--t0", type=float, default=_START[0])
    args = parser.parse_args(argv)
    _START[0] = args.t0

    from backchannel.ingest.manifest import read_manifest
    from backchannel.ingest.stix_bundle import ImportSummary, import_stix
    from backchannel.store import open_store

    jobs = read_manifest(args.manifest)
    store = open_store(args.db)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    done_before = 0
    last = [time.perf_counter()]
    # (objects done, seconds since the start): shows whether the rate falls as the database grows
    curve: list[tuple[int, float]] = []

    def on_object(seen: int) -> None:
        now = time.perf_counter()
        done = done_before + seen
        if not curve or done - curve[-1][0] >= CURVE_STEP:
            curve.append((done, round(now - started, 3)))
        if now - last[0] >= PROGRESS_SECONDS:
            last[0] = now
            log(f"  imported {done:,} objects")

    summaries: list[ImportSummary] = []
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    per_bundle: list[dict[str, Any]] = []
    for files, envelope in jobs:
        t = time.perf_counter()
        summary = import_stix(
            store, files, envelope, batch_size=args.batch_size, on_object=on_object
        )
        took = time.perf_counter() - t
        summaries.append(summary)
        done_before += summary.counts.objects
        per_bundle.append(
            {
                "files": [Path(f).name for f in files],
                "objects": summary.counts.objects,
                "statements": summary.counts.statements,
                "seconds": round(took, 3),
            }
        )
        log(
            f"  {', '.join(Path(f).name for f in files)}: {summary.counts.objects:,} objects, "
            f"{summary.counts.statements:,} statements in {took:.1f}s "
            f"= {summary.counts.objects / took if took > 0 else 0:,.0f} objects/s"
        )
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - started
    store.close()
    if profiler is not None:
        profiler.dump_stats(args.profile)

    counts: dict[str, int] = {}
    for s in summaries:
        for k, v in s.counts.as_dict().items():
            counts[k] = counts.get(k, 0) + v
    result = {
        "objects": sum(s.counts.objects for s in summaries),
        "seconds": seconds,
        "rejections": sum(len(s.rejections) for s in summaries),
        "counts": counts,
        "rss_before_kib": rss_before,
        "curve": curve,
        "per_bundle": per_bundle,
    }
    print(json.dumps(result), flush=True)


# --------------------------------------------------------------------------------------------
# Anchor: stix2.parse over the same objects


def run_anchor(files: list[str], *, total: int, sample: int) -> AnchorRun:
    """Time ``stix2.parse(obj, allow_custom=True)`` on every ``every``-th object of ``files``.

    Reading (ijson, the same streaming parser the importer uses) is timed apart and left out
    of the anchor rate, which flatters stix2: the ratio is the conservative one.
    """
    import stix2  # type: ignore[import-untyped]

    every = max(1, total // sample) if sample > 0 else 1
    log(
        "anchor: stix2.parse on "
        + ("every object" if every == 1 else f"1 in every {every} objects (extrapolated)")
    )
    parse_seconds = 0.0
    failures = 0
    parsed = 0
    streamed = 0
    pending: list[Any] = []
    last = time.perf_counter()

    def parse(batch: list[Any]) -> None:
        nonlocal parse_seconds, failures, parsed
        t = time.perf_counter()
        for obj in batch:
            try:
                stix2.parse(obj, allow_custom=True)
            except Exception:  # counted, not fatal: a failure still costs stix2 its time
                failures += 1
        parse_seconds += time.perf_counter() - t
        parsed += len(batch)
        batch.clear()

    started = time.perf_counter()
    for path in files:
        for obj in _stream(path):
            if streamed % every == 0:
                pending.append(obj)
                if len(pending) >= ANCHOR_CHUNK:
                    parse(pending)
            streamed += 1
            if streamed % 1000 == 0 and time.perf_counter() - last >= PROGRESS_SECONDS:
                last = time.perf_counter()
                log(f"  anchor: streamed {streamed:,}, parsed {parsed:,}")
    parse(pending)
    read_seconds = time.perf_counter() - started - parse_seconds
    rate = parsed / parse_seconds if parse_seconds > 0 else 0.0
    with_reading = streamed / (read_seconds + streamed / rate) if rate > 0 else 0.0
    run = AnchorRun(
        objects=streamed,
        parsed=parsed,
        every=every,
        extrapolated=every > 1,
        parse_seconds=parse_seconds,
        read_seconds=read_seconds,
        failures=failures,
        rate=rate,
        rate_with_reading=with_reading,
        stix2_version=stix2.__version__,
    )
    log(f"anchor: {parsed:,} objects parsed in {parse_seconds:.1f}s = {rate:,.0f} objects/s")
    return run


# --------------------------------------------------------------------------------------------
# Report


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
    import sqlalchemy

    import backchannel

    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "loadavg_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "ijson_backend": ijson.backend,
        "backchannel": backchannel.__version__,
        "git": commit,
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def table(runs: list[ImportRun], anchor: AnchorRun) -> str:
    rows = [
        "| run | objects | input MB | seconds | objects/s (target ≥ 20,000) "
        "| × stix2.parse (target ≥ 10×) | peak RSS MB (target ≤ 400) |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for r in runs:
        ratio = r.rate / anchor.rate if anchor.rate > 0 else 0.0
        rows.append(
            f"| {r.label} | {r.objects:,} | {r.input_bytes / MIB:,.0f} | {r.seconds:,.1f} "
            f"| {r.rate:,.0f} — {verdict(r.rate >= TARGET_RATE)} "
            f"| {ratio:.2f}× — {verdict(ratio >= TARGET_RATIO)} "
            f"| {r.peak_rss_mb:,.0f} — {verdict(r.peak_rss_mb <= TARGET_RSS_MB)} |"
        )
    how = (
        "all objects"
        if not anchor.extrapolated
        else f"1 in every {anchor.every} objects ({anchor.parsed:,}), rate extrapolated"
    )
    rows += [
        "",
        f"Anchor: stix2 {anchor.stix2_version} `stix2.parse(obj, allow_custom=True)` on {how}: "
        f"{anchor.rate:,.0f} objects/s, parse time only (reading the files with ijson excluded; "
        f"with reading {anchor.rate_with_reading:,.0f} objects/s); {anchor.failures} failures.",
        "Import: objects read ÷ wall seconds of `import_stix` over all bundles in a child "
        "process (reading, validation and SQLite writes included; schema creation and "
        "interpreter start excluded). Peak RSS: the child's ru_maxrss (wait4).",
    ]
    for r in runs:
        bundles = ", ".join(
            f"{', '.join(b['files'])} {b['objects'] / b['seconds'] if b['seconds'] else 0:,.0f}"
            for b in r.per_bundle
        )
        rows.append(
            f"{r.label}: RSS {r.rss_before_import_mb:,.0f} MB before the import; database "
            f"{r.db_bytes / MIB:,.0f} MB ({r.db_bytes / max(1, r.input_bytes):.1f}× the input); "
            f"objects/s per bundle, in import order: {bundles}."
        )
    return "\n".join(rows)


# --------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Import synthetic STIX into SQLite; compare with stix2.parse in the same run."
    )
    parser.add_argument(
        "--objects", type=int, default=100_000, help="at least this many objects (100000)"
    )
    parser.add_argument("--seed", type=int, default=1, help="synthetic data seed (1)")
    parser.add_argument(
        "--batch-size", type=int, default=2000, help="import_stix batch_size (2000)"
    )
    parser.add_argument(
        "--anchor-sample",
        type=int,
        default=100_000,
        help="time stix2.parse on at most about this many objects, every k-th, and extrapolate; "
        "0 = every object (100000)",
    )
    parser.add_argument(
        "--big-bundle-gb",
        type=float,
        default=0.0,
        help="also import one bundle of at least this many GiB (off: 0)",
    )
    parser.add_argument("--json", type=Path, help="write all figures to this JSON file")
    parser.add_argument(
        "--keep", type=Path, help="work in this (new or empty) directory and keep it"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="cProfile the main import child into this .pstats file (slows it: figures invalid)",
    )
    args = parser.parse_args(argv)
    if args.objects < 1:
        parser.error("--objects must be at least 1")
    if args.keep is not None and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep directory is not empty: {args.keep}")
    return args


def main(argv: list[str]) -> None:
    if argv[:1] == ["_child"]:
        child_main(argv[1:])
        return
    args = parse_args(argv)
    command = shlex.join([".venv/bin/python", "bench/import_bench.py", *argv])
    info = machine()
    log(f"{command}  (nproc {info['nproc']}, load {info['loadavg_at_start']})")

    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        work = args.keep.resolve()
    else:
        work = Path(tempfile.mkdtemp(prefix="import-bench-"))
    try:
        corpus = generate_corpus(work / "corpus", objects=args.objects, seed=args.seed)
        runs = [
            run_import(
                f"manifest, {corpus.bundle_files} bundles",
                Path(corpus.manifest),
                work / "import.db",
                batch_size=args.batch_size,
                profile=args.profile,
            )
        ]
        anchor = run_anchor(
            _bundle_files(Path(corpus.manifest)), total=corpus.objects, sample=args.anchor_sample
        )
        if args.big_bundle_gb > 0:
            size = math.ceil(args.big_bundle_gb * GIB)
            big, big_manifest, _ = build_big_bundle(work / "big", size_bytes=size, seed=args.seed)
            runs.append(
                run_import(
                    f"one {big.stat().st_size / GIB:.2f} GiB bundle",
                    big_manifest,
                    work / "big.db",
                    batch_size=args.batch_size,
                )
            )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    report = table(runs, anchor)
    print(report)
    for r in runs:
        if r.rejections:
            print(f"\nwarning: {r.label}: {r.rejections} rejection(s) during import")
    if args.json is not None:
        body = {
            "command": command,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": info,
            "params": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "targets": {
                "objects_per_second": TARGET_RATE,
                "ratio_to_stix2_parse": TARGET_RATIO,
                "peak_rss_mb": TARGET_RSS_MB,
            },
            "corpus": asdict(corpus),
            "anchor": asdict(anchor),
            "imports": [
                {
                    **asdict(r),
                    "ratio_to_stix2_parse": r.rate / anchor.rate if anchor.rate > 0 else None,
                    "met": {
                        "objects_per_second": r.rate >= TARGET_RATE,
                        "ratio_to_stix2_parse": anchor.rate > 0
                        and r.rate / anchor.rate >= TARGET_RATIO,
                        "peak_rss_mb": r.peak_rss_mb <= TARGET_RSS_MB,
                    },
                }
                for r in runs
            ],
        }
        args.json.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        log(f"wrote {args.json}")


if __name__ == "__main__":
    main(sys.argv[1:])
