"""Learn the matcher's weights from labelled synthetic pairs, and check calibration on others.

    .venv/bin/python scripts/train_matcher.py [--persons 4000] [--seed 1001] [--holdout-seed 1002]

Training pairs are the candidate pairs that blocking yields on a fictional dataset made by
`synth` (seed 1001 by default, never used by the benchmarks), labelled by its ground truth.
The model is a logistic regression over the evidence levels of `resolve/matcher.py`, fitted
on counts aggregated by level combination, with a small L2 penalty; a missing piece of
evidence is the reference level (weight 0), so a name-only query is not penalised for it.
The fitted weights and a
calibration table measured on held-out pairs (another seed) are written to
`src/backchannel/resolve/model.json`.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections import Counter
from pathlib import Path

from backchannel.resolve.blocking import blocking_keys, blocks, candidate_pairs
from backchannel.resolve.evidence import MISSING
from backchannel.resolve.matcher import (
    FEATURES,
    RARITY,
    Model,
    evidence_levels,
    name_information,
    prepare,
)
from backchannel.resolve.name_stats import KeyCounts
from backchannel.synth import generate
from backchannel.synth.labelled import labelled_profiles

MODEL_PATH = Path(__file__).resolve().parents[1] / "src" / "backchannel" / "resolve" / "model.json"


Sample = tuple[tuple[str, ...], float, bool]  # (feature levels, name information, same?)


def labelled_levels(persons: int, seed: int) -> Counter[Sample]:
    """Evidence of every blocked candidate pair of a synthetic dataset, with its label."""
    with tempfile.TemporaryDirectory() as tmp:
        summary = generate(Path(tmp), persons=persons, seed=seed)
        data = labelled_profiles(summary.manifest)
    prepared = {rid: prepare(p) for rid, p in data.profiles.items()}
    frequencies = KeyCounts(prepared[r] for r in sorted(prepared))
    keyed = ((rid, blocking_keys(n for _e, n in p.names)) for rid, p in prepared.items())
    counts: Counter[Sample] = Counter()
    for a, b in candidate_pairs(blocks(keyed)):
        levels, name, _weak, _kunya = evidence_levels(prepared[a], prepared[b])
        info = name_information(name, frequencies) if name is not None and name.pairs else 0.0
        same = data.truth.get(a) == data.truth.get(b)
        counts[(tuple(levels[f] for f in FEATURES), round(info * 4) / 4, same)] += 1
    return counts


def _logit(model: Model, levels: tuple[str, ...], info: float) -> float:
    z = model.bias + model.coefficients.get(RARITY, 0.0) * info
    return z + sum(model.weight(f, lv) for f, lv in zip(FEATURES, levels, strict=True))


def fit(counts: Counter[Sample], *, l2: float = 0.5, steps: int = 4000) -> Model:
    """Logistic regression on aggregated evidence (one-hot levels and the name information),
    by Adam on the mean log-loss; "missing" levels stay at 0 (the reference)."""
    params: dict[tuple[str, str], float] = {("", "bias"): 0.0, ("", RARITY): 0.0}
    for levels, _info, _same in counts:
        for f, lv in zip(FEATURES, levels, strict=True):
            params.setdefault((f, lv), 0.0)
    groups: dict[tuple[tuple[str, ...], float], list[int]] = {}
    for (levels, info, same), n in counts.items():
        groups.setdefault((levels, info), [0, 0])[0 if same else 1] += n
    total = sum(counts.values())
    keys = list(params)
    m = dict.fromkeys(keys, 0.0)
    v = dict.fromkeys(keys, 0.0)
    lr, b1, b2 = 0.05, 0.9, 0.999
    for t in range(1, steps + 1):
        grad = dict.fromkeys(keys, 0.0)
        for (levels, info), (pos, neg) in groups.items():
            z = (
                params[("", "bias")]
                + params[("", RARITY)] * info
                + sum(params[(f, lv)] for f, lv in zip(FEATURES, levels, strict=True))
            )
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = (p * (pos + neg) - pos) / total
            grad[("", "bias")] += g
            grad[("", RARITY)] += g * info
            for f, lv in zip(FEATURES, levels, strict=True):
                grad[(f, lv)] += g
        for k in keys:
            if k[0]:
                grad[k] += l2 * params[k] / total
            if k[1] == MISSING:
                grad[k] = 0.0  # no evidence moves nothing: "missing" is the reference level
        for k, g in grad.items():
            m[k] = b1 * m[k] + (1 - b1) * g
            v[k] = b2 * v[k] + (1 - b2) * g * g
            params[k] -= lr * (m[k] / (1 - b1**t)) / (math.sqrt(v[k] / (1 - b2**t)) + 1e-9)
    weights: dict[str, dict[str, float]] = {}
    for (f, lv), w in sorted(params.items()):
        if f:
            weights.setdefault(f, {})[lv] = round(w, 4)
    return Model(
        round(params[("", "bias")], 4), weights, {}, {RARITY: round(params[("", RARITY)], 4)}
    )


def calibration(model: Model, counts: Counter[Sample]) -> list[dict[str, float]]:
    """Held-out reliability: per score band, mean predicted score and observed match rate."""
    bands: dict[int, list[float]] = {}
    for (levels, info, same), n in counts.items():
        p = 1.0 / (1.0 + math.exp(-_logit(model, levels, info)))
        b = bands.setdefault(min(int(p * 10), 9), [0.0, 0.0, 0.0])
        b[0] += p * n
        b[1] += n if same else 0
        b[2] += n
    return [
        {
            "band": k / 10,
            "pairs": int(b[2]),
            "mean_score": round(b[0] / b[2], 3),
            "observed_rate": round(b[1] / b[2], 3),
        }
        for k, b in sorted(bands.items())
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1001)
    parser.add_argument("--holdout-seed", type=int, default=1002)
    parser.add_argument("--output", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    train = labelled_levels(args.persons, args.seed)
    model = fit(train)
    held = labelled_levels(args.persons, args.holdout_seed)
    table = calibration(model, held)
    n_pos = sum(n for (_lv, _info, same), n in train.items() if same)
    model = Model(
        model.bias,
        model.weights,
        {
            "trained": True,
            "training": {
                "generator": "backchannel synth",
                "seed": args.seed,
                "persons": args.persons,
                "pairs": sum(train.values()),
                "matching_pairs": n_pos,
            },
            "holdout": {"seed": args.holdout_seed, "calibration": table},
        },
        model.coefficients,
    )
    args.output.write_text(model.to_json())
    print(f"trained on {sum(train.values()):,} blocked pairs ({n_pos:,} matching)")
    print("held-out calibration (band: mean score → observed match rate, pairs):")
    for row in table:
        print(
            f"  {row['band']:.1f}: {row['mean_score']:.3f} → {row['observed_rate']:.3f} "
            f"({row['pairs']:,})"
        )


if __name__ == "__main__":
    main()
