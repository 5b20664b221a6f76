"""Generate a synthetic, fictional intelligence corpus: STIX bundles, a manifest and ground truth.

Everything is drawn from one ``random.Random(seed)`` in a fixed order, so a seed reproduces the
files byte for byte. Persons are drawn and written one at a time into all bundles at once; only
the groups, the towns and the current report batch of each source are held in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from random import Random

import orjson

from backchannel.errors import InvalidInput
from backchannel.synth.bundle import BundleWriter
from backchannel.synth.catalogue import build_catalogue, header_objects
from backchannel.synth.group import draw_groups, size_weights
from backchannel.synth.identifier import stix_id
from backchannel.synth.person import draw_person
from backchannel.synth.record import build_record
from backchannel.synth.report import ReportDesk
from backchannel.synth.sampler import Weighted
from backchannel.synth.source import SOURCES

GENERATOR = "backchannel synth"
MANIFEST = "manifest.json"
TRUTH = "truth.csv"
PROGRESS_EVERY = 1000

# How many sources know a person: most are known to one or two.
_APPEARANCES = Weighted([(1, 50.0), (2, 28.0), (3, 14.0), (4, 8.0)])
_COVERAGE = Weighted((i, s.habits.coverage) for i, s in enumerate(SOURCES))


@dataclass(frozen=True, slots=True)
class SynthSummary:
    """What :func:`generate` wrote."""

    persons: int  # true persons
    records: int  # person records written across sources
    objects: int  # STIX objects written, all bundles
    bundles: list[Path]
    manifest: Path
    truth: Path


def generate(
    out_dir: Path,
    *,
    persons: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> SynthSummary:
    """Write one bundle per source, ``manifest.json`` and ``truth.csv`` into ``out_dir``.

    ``progress`` is called with the number of true persons done so far, every
    :data:`PROGRESS_EVERY` persons and once at the end.
    """
    if persons < 1:
        raise InvalidInput(f"cannot generate {persons} persons", why="need at least one")
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = Random(seed)
    groups = draw_groups(rng, max(3, persons // 200))
    recruit = size_weights(len(groups))
    leaders = bytearray(len(groups))
    catalogues = [build_catalogue(rng, s, groups) for s in SOURCES]
    paths = [out_dir / s.file for s in SOURCES]
    records = 0

    with ExitStack() as stack:
        writers = [stack.enter_context(BundleWriter(p, stix_id(rng, "bundle"))) for p in paths]
        for writer, cat in zip(writers, catalogues, strict=True):
            for obj in header_objects(rng, cat, groups):
                writer.write(obj)
        desks = [ReportDesk(cat, rng) for cat in catalogues]
        truth = stack.enter_context((out_dir / TRUTH).open("w", encoding="utf-8", newline=""))
        truth.write("source_file,record_id,person_id\n")

        for i in range(persons):
            person = draw_person(rng, i + 1, groups, recruit, leaders)
            for k in _sources_for(rng):
                copies = 2 if rng.random() < SOURCES[k].habits.duplicate else 1
                for _ in range(copies):
                    desk = desks[k]
                    record = build_record(person, catalogues[k], rng, report_for=desk.report_for)
                    for obj in record.objects:
                        writers[k].write(obj)
                    truth.write(f"{SOURCES[k].file},{record.identity_id},{person.pid}\n")
                    records += 1
                    report = desk.add(record)
                    if report is not None:
                        writers[k].write(report)
            if progress is not None and (i + 1) % PROGRESS_EVERY == 0:
                progress(i + 1)

        for writer, desk in zip(writers, desks, strict=True):
            for report in desk.close():
                writer.write(report)
        for writer in writers:
            writer.close()
        objects = sum(w.count for w in writers)

    manifest = out_dir / MANIFEST
    body = {
        "generator": GENERATOR,
        "seed": seed,
        "persons": persons,
        "bundles": [s.manifest_entry() for s in SOURCES],
    }
    manifest.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n")
    if progress is not None and persons % PROGRESS_EVERY:
        progress(persons)
    return SynthSummary(persons, records, objects, paths, manifest, out_dir / TRUTH)


def _sources_for(rng: Random) -> list[int]:
    """Distinct source indexes for one person, the bigger sources more likely."""
    wanted = _APPEARANCES.pick(rng)
    chosen: list[int] = []
    while len(chosen) < wanted:
        k = _COVERAGE.pick(rng)
        if k not in chosen:
            chosen.append(k)
    chosen.sort()
    return chosen
