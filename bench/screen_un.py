"""UN alias recovery and false alerts: the UN list through the real importer, then screened.

The UN XML is imported into a temporary SQLite store with ``import_stix`` (format ``un``), as
``backchannel import --format un`` does, and the screening profiles are read back from the
store. Each case holds one name out of one record:

* ``good``: a Good-quality alias is removed from the record and screened alone;
* ``low``: the same with a Low-quality alias (mostly bare kunyas);
* ``good+year``: the ``good`` case, with the record's birth year in the query too;
* ``arabic``: the record keeps only its Latin-script names; the query is its name in Arabic
  script (``NAME_ORIGINAL_SCRIPT``).

Every case gets its own index: all other UN persons as imported, plus the modified target (a
ScreeningIndex of ~700 profiles builds in a few milliseconds). The anchor, logic-v2, scores the
query against every record entity (the same profiles, as followthemoney entities).
"""

from __future__ import annotations

import csv
import multiprocessing
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

from sqlalchemy import select

import screen_anchor as anchor
from backchannel.ingest.country import country_code
from backchannel.ingest.formats import FORMATS
from backchannel.ingest.stix_bundle import import_stix
from backchannel.model.envelope import Envelope
from backchannel.model.vocab import TLP, Credibility, Reliability
from backchannel.resolve import Script, detect_script, parse_name
from backchannel.resolve.evidence import birth_year_of
from backchannel.resolve.matcher import compare, prepare
from backchannel.resolve.profile import PersonProfile
from backchannel.resolve.screening import (
    MATCH_THRESHOLD,
    REVIEW_THRESHOLD,
    SHORTLIST,
    ScreeningIndex,
    decode_profile,
    query_profile,
)
from backchannel.store.engine import open_store
from backchannel.store.schema import screen_profile
from backchannel.store.screening import load_index

CATEGORIES = ("good", "low", "good+year", "arabic")
Log = Callable[[str], None]


@dataclass(slots=True)
class UnList:
    profiles: list[PersonProfile]  # every UN individual, from the store, by entity id
    index: ScreeningIndex  # as load_index built it (used for the false-alert run)
    import_seconds: float
    load_seconds: float
    objects: int
    rejections: int


def load_un(xml: Path, log: Log) -> UnList:
    """Import the list into a temporary store and read every person's profile back."""
    with tempfile.TemporaryDirectory(prefix="screen-bench-") as work:
        store = open_store(str(Path(work) / "un.db"), create=True)
        try:
            envelope = Envelope(
                source="UN SC",
                originator="UN SC",
                channel="file",
                tlp=TLP.parse("amber"),
                reliability=Reliability.parse("F"),
                credibility=Credibility.parse("6"),
            )
            started = time.perf_counter()
            summary = import_stix(store, [str(xml)], envelope, fmt=FORMATS["un"])
            imported = time.perf_counter() - started
            started = time.perf_counter()
            index = load_index(store)
            loaded = time.perf_counter() - started
            with store.read() as conn:
                rows = conn.execute(select(screen_profile.c.entity_id, screen_profile.c.profile))
                profiles = sorted(
                    (decode_profile(e, p) for e, p in rows), key=lambda p: p.entity_id
                )
        finally:
            store.close()
    counts = summary.counts.as_dict()
    log(
        f"UN list: {counts['new']:,} objects imported in {imported:.2f}s, "
        f"{len(profiles)} person profiles, index loaded in {loaded:.2f}s"
    )
    return UnList(profiles, index, imported, loaded, counts["new"], len(summary.rejections))


# --------------------------------------------------------------------------------------------
# Cases


@dataclass(frozen=True, slots=True)
class Case:
    category: str
    target: str  # entity id of the true record
    query: str
    birth_year: str | None
    record: PersonProfile  # the target as modified for this case


def _without(p: PersonProfile, keep: Callable[[str], bool]) -> PersonProfile:
    names = tuple(n for n in p.names if keep(n.text))
    return PersonProfile(
        p.entity_id, names, p.birth_dates, p.nationalities, p.genders, p.birthplaces, p.records
    )


def _birth_year(p: PersonProfile) -> str | None:
    for d in p.birth_dates:
        if not d.is_range:
            return d.text[:4]
    year = birth_year_of(p.birth_dates)
    return None if year is None else str(year)


def build_cases(profiles: list[PersonProfile], *, sample: int, seed: int) -> list[Case]:
    """The cases of a deterministic sample of ``sample`` individuals (0: all of them)."""
    rng = Random(seed)
    chosen = list(profiles)
    if 0 < sample < len(chosen):
        chosen = sorted(rng.sample(chosen, sample), key=lambda p: p.entity_id)
    cases: list[Case] = []
    for p in chosen:
        names = {n.text for n in p.names if n.kind == "name"}
        good = sorted({n.text for n in p.names if n.kind != "name" and not n.weak} - names)
        low = sorted({n.text for n in p.names if n.kind != "name" and n.weak} - names)
        held_good = rng.choice(good) if good else None
        held_low = rng.choice(low) if low else None
        if held_good is not None:
            record = _without(p, lambda t, h=held_good: t != h)
            cases.append(Case("good", p.entity_id, held_good, None, record))
            year = _birth_year(p)
            if year is not None:
                cases.append(Case("good+year", p.entity_id, held_good, year, record))
        if held_low is not None and any(n.text != held_low for n in p.names):
            record = _without(p, lambda t, h=held_low: t != h)
            cases.append(Case("low", p.entity_id, held_low, None, record))
        arabic = [
            n.text for n in p.names if n.kind == "name" and detect_script(n.text) is Script.ARABIC
        ]
        if arabic:
            record = _without(p, lambda t: detect_script(t) is Script.LATIN)
            if record.names:
                cases.append(Case("arabic", p.entity_id, arabic[0], None, record))
    return cases


# --------------------------------------------------------------------------------------------
# Outcomes


@dataclass(slots=True)
class Outcome:
    system: str
    category: str
    target: str
    query: str
    birth_year: str | None
    rank: int | None  # of the true record; None: not among the candidates
    score: float | None  # the true record's score, when it was a candidate
    top_id: str
    top_name: str
    top_score: float
    others_over: int  # other records at or over the system's threshold
    direct: float | None = None  # ours: the true record compared directly (no retrieval)
    rank_name_tiebreak: int | None = None  # ours, diagnostic: equal scores ordered by name
    why: str = ""  # the explanation of the top candidate
    tags: list[str] = field(default_factory=list)


def _tags(case: Case, outcome: Outcome, threshold: float) -> list[str]:
    """What kind of miss this is, in terms that say nothing about any particular name."""
    tags = []
    parsed = parse_name(case.query)
    if parsed.is_kunya_only:
        tags.append("kunya-only query")
    elif parsed.is_weak:
        tags.append("weak query (single or common parts)")
    remaining = {k for n in case.record.names for k in parse_name(n.text).keys}
    if case.category != "arabic" and not set(parsed.keys) & remaining:
        tags.append("no part shared with the record's other names")
    if outcome.rank is None:
        tags.append("true record not retrieved")
    elif outcome.rank > 1:
        tags.append("outranked")
    if outcome.score is None or outcome.score < threshold:
        tags.append("below threshold")
    return tags


def screen_ours(profiles: list[PersonProfile], case: Case) -> Outcome:
    index = ScreeningIndex()
    for p in profiles:
        index.add(case.record if p.entity_id == case.target else p)
    index.finish()
    query = query_profile(case.query, birth_date=case.birth_year)
    found = index.screen(query, top=SHORTLIST, min_score=0.0)
    rank = next((r for r, c in enumerate(found, 1) if c.entity_id == case.target), None)
    direct = compare(prepare(query), prepare(case.record), stats=index).score
    top = found[0] if found else None
    out = Outcome(
        "ours",
        case.category,
        case.target,
        case.query,
        case.birth_year,
        rank,
        None if rank is None else found[rank - 1].score,
        top.entity_id if top else "",
        top.name if top else "",
        top.score if top else 0.0,
        sum(1 for c in found if c.entity_id != case.target and c.score >= MATCH_THRESHOLD),
        direct,
        top.match.explanation if top else "",
    )
    # Diagnostic: scores tie at the floor when no name pair reaches the lowest name band, so
    # the order among them is by id; how would they rank by their best name similarity?
    by_name = sorted(
        found, key=lambda c: (-c.score, -(c.match.name.score if c.match.name else 0.0), c.entity_id)
    )
    out.rank_name_tiebreak = next(
        (r for r, c in enumerate(by_name, 1) if c.entity_id == case.target), None
    )
    out.tags = _tags(case, out, MATCH_THRESHOLD)
    return out


def screen_anchor(
    matcher: anchor.LogicV2, entities: dict[str, Any], labels: dict[str, str], case: Case
) -> Outcome:
    query = anchor.query_entity(case.query, birth_date=case.birth_year)
    target = anchor.entity_of(case.record, modified=True)
    scores = [
        (i, matcher.score(query, target if i == case.target else e)) for i, e in entities.items()
    ]
    own = dict(scores)[case.target]
    rank = anchor.rank_of(case.target, scores)
    other, other_score = anchor.best_other(case.target, scores)
    top_id, top_score = (case.target, own) if rank == 1 else (other, other_score)
    out = Outcome(
        "logic-v2",
        case.category,
        case.target,
        case.query,
        case.birth_year,
        rank,
        own,
        top_id,
        labels[top_id],
        top_score,
        sum(1 for i, s in scores if i != case.target and s >= anchor.THRESHOLD),
    )
    out.tags = _tags(case, out, anchor.THRESHOLD)
    return out


def metrics(outcomes: list[Outcome], threshold: float) -> dict[str, float | int]:
    n = len(outcomes)
    if n == 0:
        return {"cases": 0}
    return {
        "cases": n,
        "top1": sum(o.rank == 1 for o in outcomes) / n,
        "mrr": sum(1 / o.rank for o in outcomes if o.rank) / n,
        "recall_at_threshold": sum(o.score is not None and o.score >= threshold for o in outcomes)
        / n,
        "false_match_rate": sum(o.others_over > 0 for o in outcomes) / n,
        "top1_name_tiebreak": sum(o.rank_name_tiebreak == 1 for o in outcomes) / n,
    }


# logic-v2 is slow (about 1,000-3,000 comparisons/s), so its accuracy runs can be spread over
# forked workers; they share this state, set before the pool is created.
_ANCHOR: dict[str, Any] = {}


def _anchor_case(case: Case) -> Outcome:
    return screen_anchor(_ANCHOR["matcher"], _ANCHOR["entities"], _ANCHOR["labels"], case)


def _anchor_negative(q: Negative) -> tuple[float, str]:
    e = anchor.query_entity(
        q.name, birth_date=q.birth_date, nationality=q.nationality, gender=q.gender
    )
    matcher = _ANCHOR["matcher"]
    return max(
        ((matcher.score(e, r), _ANCHOR["labels"][i]) for i, r in _ANCHOR["entities"].items()),
        default=(0.0, ""),
    )


def _map(func: Callable[[Any], Any], items: list[Any], workers: int) -> Iterator[Any]:
    if workers <= 1:
        yield from map(func, items)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(func, items, chunksize=8)


def _set_anchor(un: UnList) -> None:
    _ANCHOR["matcher"] = anchor.LogicV2()
    _ANCHOR["entities"] = {p.entity_id: anchor.entity_of(p) for p in un.profiles}
    _ANCHOR["labels"] = {p.entity_id: p.names[0].text if p.names else "" for p in un.profiles}


def run_un(
    un: UnList, cases: list[Case], *, with_anchor: bool, workers: int, log: Log
) -> dict[str, list[Outcome]]:
    """Every case through ours and (if asked) logic-v2; outcomes by system."""
    out: dict[str, list[Outcome]] = {"ours": [], "logic-v2": []}
    started = time.perf_counter()
    for n, case in enumerate(cases, 1):
        out["ours"].append(screen_ours(un.profiles, case))
        if n % 200 == 0:
            log(f"  ours: {n}/{len(cases)} cases")
    log(f"ours: {len(cases)} cases in {time.perf_counter() - started:.1f}s")
    if with_anchor:
        _set_anchor(un)
        started = time.perf_counter()
        for n, outcome in enumerate(_map(_anchor_case, cases, workers), 1):
            out["logic-v2"].append(outcome)
            if n % 100 == 0:
                rate = n * len(un.profiles) / (time.perf_counter() - started)
                log(f"  logic-v2: {n}/{len(cases)} cases ({rate:,.0f} comparisons/s)")
        log(
            f"logic-v2: {len(cases)} cases in {time.perf_counter() - started:.1f}s "
            f"({workers} worker(s))"
        )
    return out


# --------------------------------------------------------------------------------------------
# False alerts


@dataclass(frozen=True, slots=True)
class Negative:
    name: str
    birth_date: str | None
    nationality: str | None
    gender: str | None


def read_negatives(path: Path) -> list[Negative]:
    """yente's synthetic non-matching persons (full_name, gender, date_of_birth, nationality)."""
    with path.open(newline="", encoding="utf-8") as f:
        return [
            Negative(
                row["full_name"].strip(),
                row["date_of_birth"].strip() or None,
                country_code(row["nationality"]) if row["nationality"].strip() else None,
                row["gender"] if row["gender"] in ("male", "female") else None,
            )
            for row in csv.DictReader(f)
            if row["full_name"].strip()
        ]


def _script(text: str) -> str:
    return str(detect_script(text).value)


def negatives_ours(
    index: ScreeningIndex, negatives: list[Negative], *, name_only: bool
) -> Iterator[tuple[Negative, float, str]]:
    """Each negative with its best candidate's score and name (0.0 and "" if none)."""
    for q in negatives:
        query = (
            query_profile(q.name)
            if name_only
            else query_profile(
                q.name, birth_date=q.birth_date, nationality=q.nationality, gender=q.gender
            )
        )
        found = index.screen(query, top=1, min_score=0.0)
        yield (q, found[0].score, found[0].name) if found else (q, 0.0, "")


def false_alerts(
    un: UnList,
    negatives: list[Negative],
    *,
    anchor_sample: int,
    seed: int,
    workers: int,
    log: Log,
) -> dict[str, Any]:
    """The share of negatives with any UN candidate at or over the threshold (and the review
    threshold). Ours screens every negative with all its fields; logic-v2, and ours by name
    only, screen a sample of ``anchor_sample``."""
    result: dict[str, Any] = {"negatives": len(negatives)}
    started = time.perf_counter()
    scored = list(negatives_ours(un.index, negatives, name_only=False))
    seconds = time.perf_counter() - started
    by_script: dict[str, dict[str, int]] = {}
    for q, score, _ in scored:
        counts = by_script.setdefault(_script(q.name), {"queries": 0, "alerts": 0, "review": 0})
        counts["queries"] += 1
        counts["alerts"] += score >= MATCH_THRESHOLD
        counts["review"] += score >= REVIEW_THRESHOLD
    alerts = sum(c["alerts"] for c in by_script.values())
    review = sum(c["review"] for c in by_script.values())
    worst = sorted(scored, key=lambda t: -t[1])[:40]
    result["ours"] = {
        "alerts": alerts,
        "rate": alerts / max(1, len(negatives)),
        "review": review,
        "review_rate": review / max(1, len(negatives)),
        "by_script": by_script,
        "seconds": seconds,
        "highest": [{"query": q.name, "candidate": n, "score": round(s, 4)} for q, s, n in worst],
    }
    log(f"negatives, ours: {alerts:,} alerts, {review:,} in review, in {seconds:.1f}s")
    if anchor_sample > 0:
        rng = Random(seed)
        sample = rng.sample(negatives, min(anchor_sample, len(negatives)))
        _set_anchor(un)
        started = time.perf_counter()
        anchor_hits = []
        for q, (score, name) in zip(sample, _map(_anchor_negative, sample, workers), strict=True):
            if score >= anchor.THRESHOLD:
                anchor_hits.append({"query": q.name, "candidate": name, "score": score})
        seconds = time.perf_counter() - started
        ours_on_sample = sum(
            s >= MATCH_THRESHOLD for _, s, _ in negatives_ours(un.index, sample, name_only=False)
        )
        name_only = [s for _, s, _ in negatives_ours(un.index, sample, name_only=True)]
        result["sample"] = {
            "size": len(sample),
            "seed": seed,
            "logic_v2_alerts": len(anchor_hits),
            "logic_v2_rate": len(anchor_hits) / max(1, len(sample)),
            "ours_alerts": ours_on_sample,
            "ours_rate": ours_on_sample / max(1, len(sample)),
            "ours_name_only_alerts": sum(s >= MATCH_THRESHOLD for s in name_only),
            "ours_name_only_review": sum(s >= REVIEW_THRESHOLD for s in name_only),
            "logic_v2_seconds": seconds,
            "logic_v2_workers": workers,
            "logic_v2_examples": anchor_hits[:40],
        }
        log(
            f"negatives, logic-v2 on a sample of {len(sample)}: {len(anchor_hits)} alerts "
            f"in {seconds:.1f}s (ours on the same sample: {ours_on_sample})"
        )
    return result
