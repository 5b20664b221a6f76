"""Comparing two person profiles: a calibrated score in [0, 1] with each feature's contribution.

The score is a logistic model over categorical evidence levels: how well the best pair of names
matches (and whether that pair is weak evidence: a kunya, a single or very common name, a
low-quality alias), birth dates, nationality, gender and birthplace. Evidence raises the score as
well as lowers it. The weights live in ``model.json`` beside this module and are learnt from
labelled pairs by ``scripts/train_matcher.py``; the explanation lists every feature's
contribution in log-odds, so the analyst sees why.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Protocol

from backchannel.resolve.evidence import MISSING, birth_date_level, gender_level, set_level
from backchannel.resolve.name import ParsedName, parse_name
from backchannel.resolve.name_similarity import NameMatch, name_similarity
from backchannel.resolve.profile import NameEntry, PersonProfile
from backchannel.resolve.token import Role

Weight = Callable[[str], float]


class NameStats(Protocol):
    """How often each name-part key occurs among the ``n`` profiles being searched."""

    @property
    def n(self) -> int: ...
    def df(self, key: str) -> int: ...


RARITY = "name_rarity"
_RARITY_CLIP = (-6.0, 12.0)


def name_information(match: NameMatch, stats: NameStats) -> float:
    """How surprising the agreeing name parts are, in nats, less the cost of choosing one
    person among ``n``: sum over aligned parts of similarity × log(n / frequency), minus
    log(n). Positive when the shared parts are rare enough to single out a person.

    This is the term-frequency idea of record linkage: sharing "Mohammed" says little,
    sharing a surname nobody else has says a lot. Symmetric: a part's frequency is the larger
    of the two keys' frequencies.
    """
    n = max(stats.n, 2)
    info = 0.0
    for p in match.pairs:
        ta, tb = match.a.tokens[p.a], match.b.tokens[p.b]
        if ta.role is Role.INITIAL or tb.role is Role.INITIAL:
            continue
        df = max(stats.df(ta.key), stats.df(tb.key), 1)
        info += p.similarity * math.log(n / df)
    lo, hi = _RARITY_CLIP
    return min(max(info - math.log(n), lo), hi)


# Name-score bands. Below NAME_FLOOR two names are treated as not matching at all.
NAME_BANDS = ((0.99, "exact"), (0.92, "strong"), (0.85, "good"), (0.75, "fair"), (0.6, "poor"))
NAME_FLOOR = 0.6
FEATURES = ("name", "birth_date", "nationality", "gender", "birthplace")


@dataclass(frozen=True, slots=True)
class Prepared:
    """A profile with its names parsed once, ready to be compared many times."""

    profile: PersonProfile
    names: tuple[tuple[NameEntry, ParsedName], ...]


def prepare(profile: PersonProfile) -> Prepared:
    return Prepared(profile, tuple((n, parse_name(n.text)) for n in profile.names))


@dataclass(frozen=True, slots=True)
class Contribution:
    feature: str
    level: str
    log_odds: float


@dataclass(frozen=True, slots=True)
class Match:
    """The comparison of two profiles."""

    score: float
    contributions: tuple[Contribution, ...]
    name: NameMatch | None
    weak_name: bool  # the best name pair alone would not identify anyone
    corroborated: bool  # a birth date, nationality or birthplace agrees
    kunya_only: bool = False  # the best name pair rests on a kunya ("Abu X") on either side

    @property
    def names_agree(self) -> bool:
        """Some name of each matches (fair or better): without it nothing is a match."""
        return self.level("name").split("-")[0] in ("exact", "strong", "good", "fair")

    @property
    def may_auto_merge(self) -> bool:
        """Never on a kunya, never on names alone, never without agreeing names."""
        return self.corroborated and not self.kunya_only and self.names_agree

    def level(self, feature: str) -> str:
        for c in self.contributions:
            if c.feature == feature:
                return c.level
        return MISSING

    @property
    def explanation(self) -> str:
        parts = []
        if self.name is not None:
            parts.append(
                f"names: {self.name.a.text} ~ {self.name.b.text} "
                f"({self.name.score:.2f}: {self.name.explanation})"
            )
        parts.extend(
            f"{c.feature} {c.level} ({c.log_odds:+.2f})"
            for c in self.contributions
            if c.feature != "bias" and c.level != MISSING
        )
        return "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "name": None
            if self.name is None
            else {
                "query": self.name.a.text,
                "candidate": self.name.b.text,
                "similarity": round(self.name.score, 4),
                "detail": self.name.explanation,
            },
            "features": [
                {"feature": c.feature, "level": c.level, "log_odds": round(c.log_odds, 3)}
                for c in self.contributions
            ],
            "weak_name": self.weak_name,
            "kunya_only": self.kunya_only,
            "corroborated": self.corroborated,
        }


@dataclass(frozen=True, slots=True)
class Model:
    """Log-odds weights per feature level, a bias, and coefficients of continuous features."""

    bias: float
    weights: dict[str, dict[str, float]]
    meta: dict[str, Any]
    coefficients: dict[str, float] = field(default_factory=dict)

    def weight(self, feature: str, level: str) -> float:
        return self.weights.get(feature, {}).get(level, 0.0)

    def to_json(self) -> str:
        return (
            json.dumps(
                {
                    "bias": self.bias,
                    "weights": self.weights,
                    "meta": self.meta,
                    "coefficients": self.coefficients,
                },
                indent=2,
                sort_keys=True,
            )
            + "\n"
        )

    @classmethod
    def from_json(cls, text: str) -> Model:
        data = json.loads(text)
        return cls(
            float(data["bias"]),
            {f: {k: float(v) for k, v in lv.items()} for f, lv in data["weights"].items()},
            dict(data.get("meta", {})),
            {k: float(v) for k, v in data.get("coefficients", {}).items()},
        )


@cache
def default_model() -> Model:
    return Model.from_json(
        resources.files("backchannel.resolve").joinpath("model.json").read_text()
    )


def name_level(score: float, weak: bool) -> str:
    for threshold, label in NAME_BANDS:
        if score >= threshold:
            return f"{label}-weak" if weak and label != "poor" else label
    return "none"


def _entry_weak(entry: NameEntry, parsed: ParsedName) -> bool:
    return entry.weak or entry.kind == "kunya" or parsed.is_weak


def _kunya(entry: NameEntry, parsed: ParsedName) -> bool:
    return entry.kind == "kunya" or parsed.is_kunya_only


def best_names(
    a: Prepared, b: Prepared, *, weight: Weight | None = None, model: Model | None = None
) -> tuple[NameMatch | None, bool, bool]:
    """The name pair (any name or alias of each) that is the strongest evidence, whether it is
    weak, and whether it rests on a kunya.

    Pairs are ranked by the model's weight for their level, then by similarity: an exact
    match of a kunya ("exact-weak") must not outrank a strong match of full names.
    """
    model = model or default_model()
    best: NameMatch | None = None
    best_key = (-math.inf, -1.0)
    best_weak = True
    kunya = False
    for ea, pa in a.names:
        for eb, pb in b.names:
            m = name_similarity(pa, pb, weight=weight)
            weak = _entry_weak(ea, pa) or _entry_weak(eb, pb)
            key = (model.weight("name", name_level(m.score, weak)), m.score)
            if key > best_key:
                best, best_key, best_weak = m, key, weak
                kunya = _kunya(ea, pa) or _kunya(eb, pb)
    if best is None:
        return None, True, False
    return best, best_weak, kunya


def evidence_levels(
    a: Prepared, b: Prepared, *, weight: Weight | None = None, model: Model | None = None
) -> tuple[dict[str, str], NameMatch | None, bool, bool]:
    """The level of every feature for a pair (what the model weighs), and the name pair's
    weakness and kunya flags."""
    name, weak, kunya = best_names(a, b, weight=weight, model=model)
    pa, pb = a.profile, b.profile
    levels = {
        "name": name_level(name.score, weak) if name is not None else MISSING,
        "birth_date": birth_date_level(pa.birth_dates, pb.birth_dates),
        "nationality": set_level(pa.nationalities, pb.nationalities),
        "gender": gender_level(pa.genders, pb.genders),
        "birthplace": set_level(pa.birthplaces, pb.birthplaces),
    }
    return levels, name, weak, kunya


def compare(
    a: Prepared,
    b: Prepared,
    *,
    model: Model | None = None,
    weight: Weight | None = None,
    stats: NameStats | None = None,
) -> Match:
    """Score two profiles. Symmetric: ``compare(a, b).score == compare(b, a).score``.

    ``stats`` (the frequencies of name parts among the profiles searched) lets rare shared
    names count for more than common ones; without it that feature is left out.
    """
    model = model or default_model()
    levels, name, weak, kunya = evidence_levels(a, b, weight=weight, model=model)
    contributions = [Contribution("bias", "", model.bias)]
    contributions.extend(Contribution(f, levels[f], model.weight(f, levels[f])) for f in FEATURES)
    beta = model.coefficients.get(RARITY)
    if beta is not None and stats is not None and name is not None and name.pairs:
        info = name_information(name, stats)
        contributions.append(Contribution(RARITY, f"{info:+.1f} nats", beta * info))
    logit = sum(c.log_odds for c in contributions)
    score = 1.0 / (1.0 + math.exp(-logit))
    corroborated = (
        levels["birth_date"] in ("exact", "month", "year")
        or levels["nationality"] == "agree"
        or levels["birthplace"] == "agree"
    )
    return Match(score, tuple(contributions), name, weak, corroborated, kunya)


def rarity_ceiling(a: Prepared, stats: NameStats) -> float:
    """The most :func:`name_information` can be for any match of one of ``a``'s names: every
    part aligned with similarity 1 to a part no rarer than itself (the alignment pairs each
    part at most once, and a pair's frequency is the larger of its two keys')."""
    n = max(stats.n, 2)
    best = -math.inf
    for _entry, parsed in a.names:
        info = sum(
            max(0.0, math.log(n / max(stats.df(t.key), 1)))
            for t in parsed.tokens
            if t.role is not Role.INITIAL
        )
        best = max(best, info - math.log(n))
    lo, hi = _RARITY_CLIP
    return lo if best == -math.inf else min(max(best, lo), hi)


def ceiling_base(a: Prepared, *, model: Model, stats: NameStats | None) -> float:
    """The part of a :func:`score_ceiling` logit that depends on ``a`` alone, computed once per
    query: the bias, the best weight any name level has, and the most the rarity term can add
    (nothing about rarity when scoring without name statistics)."""
    names = [*model.weights.get("name", {}).values(), model.weight("name", MISSING)]
    logit = model.bias + max(names)
    beta = model.coefficients.get(RARITY)
    if beta is not None and stats is not None:
        lo, _ = _RARITY_CLIP
        most = beta * rarity_ceiling(a, stats) if beta >= 0 else beta * lo
        logit += max(0.0, most)  # the term may be absent
    return logit


def score_ceiling(a: Prepared, b: PersonProfile, *, model: Model, base: float) -> float:
    """An upper bound of ``compare(a, prepare(b), model=model, stats=…).score`` that needs no
    name comparison (``b``'s names are not even parsed): ``base`` from :func:`ceiling_base`,
    plus the actual birth date, nationality, gender and birthplace evidence. Screening skips
    a candidate whose ceiling is below what it needs."""
    pa = a.profile
    logit = base
    logit += model.weight("birth_date", birth_date_level(pa.birth_dates, b.birth_dates))
    logit += model.weight("nationality", set_level(pa.nationalities, b.nationalities))
    logit += model.weight("gender", gender_level(pa.genders, b.genders))
    logit += model.weight("birthplace", set_level(pa.birthplaces, b.birthplaces))
    return 1.0 / (1.0 + math.exp(-logit))
