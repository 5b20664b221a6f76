"""Name screening: "do we know this person?", fast, ranked and explained.

An in-memory index over person profiles (one per canonical person: records judged the same are
screened as one). Candidates are found through the parts of their names: each part key and each
pair of part keys is a posting list, and a query part also reaches keys one edit away (a
vocabulary-level deletion index, so typos in the skeleton still find their person). Candidates
are ranked by the rarity of what they share, and the best ones are scored by the matcher, which
explains every score.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import orjson

from backchannel.model.partial_date import PartialDate
from backchannel.resolve.evidence import parse_dates
from backchannel.resolve.matcher import Match, Model, Prepared, compare, default_model, prepare
from backchannel.resolve.name import parse_name
from backchannel.resolve.profile import NameEntry, PersonProfile, SourceRecord

MATCH_THRESHOLD = 0.5  # a candidate this likely to be the person is a match
REVIEW_THRESHOLD = 0.1  # shown to analysts for review below that
SHORTLIST = 150  # candidates scored in full per query


def encode_profile(p: PersonProfile) -> bytes:
    """The compact stored form of a profile (the screening table keeps this).

    Copied to an exact-size bytes object: orjson's own result occupies a 4 KiB allocation
    whatever its length, which made the index four times larger than its data.
    """
    return bytes(
        memoryview(
            orjson.dumps(
                {
                    "names": [[n.text, n.kind, n.weak] for n in p.names],
                    "births": [d.text for d in p.birth_dates],
                    "nationalities": sorted(p.nationalities),
                    "genders": sorted(p.genders),
                    "birthplaces": sorted(p.birthplaces),
                    "records": [[r.source, r.source_id] for r in p.records],
                }
            )
        )
    )


def decode_profile(entity_id: str, data: bytes | str) -> PersonProfile:
    d = orjson.loads(data)
    return PersonProfile(
        entity_id=entity_id,
        names=tuple(NameEntry(t, k, bool(w)) for t, k, w in d["names"]),
        birth_dates=parse_dates(d["births"]),
        nationalities=frozenset(d["nationalities"]),
        genders=frozenset(d["genders"]),
        birthplaces=frozenset(d["birthplaces"]),
        records=tuple(SourceRecord(s, i) for s, i in d["records"]),
    )


def merge_profiles(entity_id: str, parts: Iterable[PersonProfile]) -> PersonProfile:
    """One profile for a cluster: the union of its members' evidence."""
    parts = list(parts)
    names: dict[tuple[str, str], NameEntry] = {}
    births: dict[str, PartialDate] = {}
    for p in parts:
        for n in p.names:
            names.setdefault((n.text, n.kind), n)
        for d in p.birth_dates:
            births.setdefault(d.text, d)
    return PersonProfile(
        entity_id=entity_id,
        names=tuple(names.values()),
        birth_dates=tuple(births[k] for k in sorted(births)),
        nationalities=frozenset().union(*(p.nationalities for p in parts)),
        genders=frozenset().union(*(p.genders for p in parts)),
        birthplaces=frozenset().union(*(p.birthplaces for p in parts)),
        records=tuple(
            sorted({r for p in parts for r in p.records}, key=lambda r: (r.source, r.source_id))
        ),
    )


@lru_cache(maxsize=200_000)
def _name_keys(text: str) -> tuple[str, ...]:
    return tuple(sorted(set(parse_name(text).keys)))


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))} if len(key) > 2 else set()


@dataclass(frozen=True, slots=True)
class Candidate:
    entity_id: str
    name: str
    score: float
    match: Match
    records: tuple[SourceRecord, ...]

    @property
    def is_match(self) -> bool:
        """At or above the threshold, and the names agree: a birth date never makes a match
        on its own."""
        return self.score >= MATCH_THRESHOLD and self.match.names_agree

    def as_dict(self) -> dict[str, object]:
        return {
            "entity_id": self.entity_id,
            "name": self.name,
            "score": round(self.score, 4),
            "match": self.is_match,
            "explanation": self.match.explanation,
            "evidence": self.match.as_dict(),
            "records": [{"source": r.source, "source_id": r.source_id} for r in self.records],
        }


class ScreeningIndex:
    """Person profiles indexed by name parts; see the module docstring."""

    def __init__(self, *, model: Model | None = None) -> None:
        self.model = model or default_model()
        self.ids: list[str] = []
        self.labels: list[str] = []
        self._stored: list[bytes] = []
        self._postings: dict[str, array[int]] = {}
        self._deletes: dict[str, list[str]] = {}
        self._cache: dict[int, Prepared] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, profile: PersonProfile) -> None:
        """Index one person (call :meth:`finish` after the last)."""
        n = len(self.ids)
        self.ids.append(profile.entity_id)
        self.labels.append(profile.names[0].text if profile.names else profile.entity_id)
        self._stored.append(encode_profile(profile))
        keys: set[str] = set()
        for entry in profile.names:
            parts = _name_keys(entry.text)
            keys.update(parts)
            keys.update(f"{a}|{b}" for a, b in combinations(parts, 2))
        for key in keys:
            posting = self._postings.get(key)
            if posting is None:
                posting = self._postings[key] = array("I")
                if "|" not in key:
                    for d in _deletions(key):
                        self._deletes.setdefault(d, []).append(key)
            posting.append(n)

    def finish(self) -> None:
        self._cache.clear()

    def _prepared(self, i: int) -> Prepared:
        got = self._cache.get(i)
        if got is None:
            if len(self._cache) > 100_000:
                self._cache.clear()
            got = self._cache[i] = prepare(decode_profile(self.ids[i], self._stored[i]))
        return got

    def _expand(self, key: str) -> set[str]:
        """The indexed keys within one edit of ``key`` (itself included)."""
        out = {key} if key in self._postings else set()
        out.update(self._deletes.get(key, ()))
        for d in _deletions(key):
            if d in self._postings:
                out.add(d)
            out.update(self._deletes.get(d, ()))
        return out

    @property
    def n(self) -> int:
        """Persons indexed (with :meth:`df`, the index is the matcher's name statistics)."""
        return len(self.ids)

    def df(self, key: str) -> int:
        posting = self._postings.get(key)
        return 0 if posting is None else len(posting)

    def _idf(self, key: str) -> float:
        return math.log(1 + len(self.ids) / (1 + len(self._postings[key])))

    def shortlist(self, query: PersonProfile, *, size: int = SHORTLIST) -> list[int]:
        """Indexes of the most promising candidates by the rarity of shared name parts."""
        cap = max(2_000, len(self.ids) // 50)
        weight: dict[int, float] = {}
        smallest: array[int] | None = None
        for entry in query.names:
            parts = _name_keys(entry.text)
            expanded = {p: self._expand(p) for p in parts}
            used: set[str] = set()
            for a, b in combinations(parts, 2):
                for ka in expanded[a]:
                    for kb in expanded[b]:
                        pair_key = f"{ka}|{kb}" if ka < kb else f"{kb}|{ka}"
                        if pair_key in self._postings and pair_key not in used:
                            used.add(pair_key)
                            w = self._idf(pair_key)
                            for i in self._postings[pair_key]:
                                weight[i] = weight.get(i, 0.0) + w
            for keys in expanded.values():
                for key in keys:
                    posting = self._postings[key]
                    if smallest is None or len(posting) < len(smallest):
                        smallest = posting
                    if len(posting) > cap or key in used:
                        continue  # too common to say anything alone
                    used.add(key)
                    w = self._idf(key)
                    for i in posting:
                        weight[i] = weight.get(i, 0.0) + w
        if not weight and smallest is not None:
            # Only very common parts ("Mohammed"): the best we can do is a sample of them.
            return list(smallest[:size])
        return heapq.nsmallest(size, weight, key=lambda i: (-weight[i], i))

    def screen(
        self, query: PersonProfile, *, top: int = 10, min_score: float = REVIEW_THRESHOLD
    ) -> list[Candidate]:
        """The best ``top`` candidates scoring at least ``min_score``, best first."""
        prepared = prepare(query)
        scored = []
        for i in self.shortlist(query):
            m = compare(prepared, self._prepared(i), model=self.model, stats=self)
            if m.score >= min_score:
                scored.append((m.score, i, m))
        scored.sort(key=lambda t: (-t[0], self.ids[t[1]]))
        out = []
        for score, i, m in scored[:top]:
            profile = self._prepared(i).profile
            out.append(Candidate(self.ids[i], self.labels[i], score, m, profile.records))
        return out


def query_profile(
    name: str,
    *,
    birth_date: str | None = None,
    nationality: str | None = None,
    gender: str | None = None,
    query_id: str = "query",
) -> PersonProfile:
    """A screening query as a profile (the matcher compares profiles with profiles)."""
    return PersonProfile(
        entity_id=query_id,
        names=(NameEntry(name, "name", False),),
        birth_dates=parse_dates([birth_date] if birth_date else []),
        nationalities=frozenset([nationality.upper()] if nationality else []),
        genders=frozenset([gender.lower()] if gender else []),
        birthplaces=frozenset(),
        records=(),
    )
