"""nomenklatura's name bench: hand-labelled name pairs, scored by ours and by logic-v2.

``cases.csv`` has ``case_group, schema, name1, name2, is_match, quality, category``;
``logicv2-frozen.csv`` has the same pairs (812 of 826) with logic-v2's reference ``score``.
Ours scores each pair as two name-only profiles (the cases give nothing else). A pair has no
population around it, so the matcher's name-rarity term (which needs the frequencies of name
parts among the profiles searched) is left out, as ``compare`` does without ``stats``. logic-v2 is
also run live in the same run, on the same pairs, so the frozen scores can be checked against
the installed version.

The headline is the Person pairs (what our matcher is for); every schema is reported too.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import screen_anchor as anchor
from backchannel.resolve.matcher import compare, prepare
from backchannel.resolve.name import parse_name
from backchannel.resolve.name_similarity import name_similarity
from backchannel.resolve.screening import MATCH_THRESHOLD, REVIEW_THRESHOLD, query_profile


@dataclass(frozen=True, slots=True)
class Pair:
    group: str
    schema: str
    name1: str
    name2: str
    is_match: bool
    quality: str
    category: str
    frozen: float | None  # logic-v2's frozen score, if the pair was scored


def read_pairs(directory: Path) -> list[Pair]:
    # Joined on schema and names: the frozen file names some case groups differently.
    frozen: dict[tuple[str, str, str], list[float]] = {}
    with (directory / "logicv2-frozen.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = (row["schema"], row["name1"], row["name2"])
            frozen.setdefault(key, []).append(float(row["score"]))
    pairs = []
    with (directory / "cases.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = (row["schema"], row["name1"], row["name2"])
            scores = frozen.get(key)
            pairs.append(
                Pair(
                    row["case_group"],
                    row["schema"],
                    row["name1"],
                    row["name2"],
                    row["is_match"].strip().lower() == "true",
                    row["quality"],
                    row["category"],
                    scores.pop(0) if scores else None,
                )
            )
    return pairs


def f1_at(scores: list[float], truth: list[bool], threshold: float) -> dict[str, float]:
    tp = sum(s >= threshold and t for s, t in zip(scores, truth, strict=True))
    fp = sum(s >= threshold and not t for s, t in zip(scores, truth, strict=True))
    fn = sum(s < threshold and t for s, t in zip(scores, truth, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"threshold": threshold, "f1": f1, "precision": precision, "recall": recall}


def best_f1(scores: list[float], truth: list[bool]) -> dict[str, float]:
    """The threshold with the best F1 (for information: it is tuned on the data)."""
    candidates = sorted(set(scores))
    return max((f1_at(scores, truth, t) for t in candidates), key=lambda r: r["f1"])


def _ours(pair: Pair) -> tuple[float, float]:
    a, b = query_profile(pair.name1), query_profile(pair.name2, query_id="other")
    model = compare(prepare(a), prepare(b)).score
    name = name_similarity(parse_name(pair.name1), parse_name(pair.name2)).score
    return model, name


def run_nkbench(directory: Path, *, live: bool = True) -> dict[str, Any]:
    """F1 of ours and of logic-v2 (frozen scores; ``live``: also run the installed version)."""
    pairs = read_pairs(directory)
    matcher = anchor.LogicV2() if live and anchor.available() is None else None
    rows = []
    started = time.perf_counter()
    for p in pairs:
        model, name = _ours(p)
        live = None
        if matcher is not None:
            q = anchor.query_entity(p.name1, schema=p.schema)
            r = anchor.query_entity(p.name2, schema=p.schema)
            live = matcher.score(q, r)
        rows.append((p, model, name, live))
    seconds = time.perf_counter() - started
    out: dict[str, Any] = {"pairs": len(pairs), "seconds": seconds, "subsets": {}}
    for label, keep in (("Person", lambda p: p.schema == "Person"), ("all", lambda p: True)):
        sub = [r for r in rows if keep(r[0]) and r[0].frozen is not None]
        truth = [r[0].is_match for r in sub]
        ours = [r[1] for r in sub]
        names = [r[2] for r in sub]
        frozen = [r[0].frozen or 0.0 for r in sub]
        entry: dict[str, Any] = {
            "pairs": len(sub),
            "matches": sum(truth),
            "ours": f1_at(ours, truth, MATCH_THRESHOLD),
            "ours_at_review": f1_at(ours, truth, REVIEW_THRESHOLD),
            "ours_best": best_f1(ours, truth),
            "ours_name_similarity_best": best_f1(names, truth),
            "logic_v2_frozen": f1_at(frozen, truth, anchor.THRESHOLD),
            "logic_v2_frozen_best": best_f1(frozen, truth),
        }
        if matcher is not None:
            live = [r[3] or 0.0 for r in sub]
            entry["logic_v2_live"] = f1_at(live, truth, anchor.THRESHOLD)
            entry["logic_v2_live_agrees_with_frozen"] = sum(
                abs(a - b) < 0.005 for a, b in zip(live, frozen, strict=True)
            ) / max(1, len(sub))
        out["subsets"][label] = entry
    person = [r for r in rows if r[0].schema == "Person" and r[0].frozen is not None]
    out["person_errors"] = [
        {
            "name1": p.name1,
            "name2": p.name2,
            "is_match": p.is_match,
            "quality": p.quality,
            "category": p.category,
            "ours": round(model, 4),
            "name_similarity": round(name, 4),
            "logic_v2_frozen": p.frozen,
        }
        for p, model, name, _ in person
        if (model >= MATCH_THRESHOLD) != p.is_match
    ]
    return out
