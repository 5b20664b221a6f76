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
import threading
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Any

import numpy as np
import orjson

from backchannel.model.partial_date import PartialDate
from backchannel.resolve.evidence import parse_dates
from backchannel.resolve.matcher import (
    Match,
    Model,
    Prepared,
    ceiling_base,
    compare,
    default_model,
    prepare,
    score_ceiling,
)
from backchannel.resolve.name import parse_name
from backchannel.resolve.profile import NameEntry, PersonProfile, SourceRecord

MATCH_THRESHOLD = 0.5  # a candidate this likely to be the person is a match
REVIEW_THRESHOLD = 0.1  # shown to analysts for review below that
SHORTLIST = 150  # candidates scored in full per query
_SLACK = 1e-9  # a ceiling is summed in another order than the score it bounds
_POSTING = np.dtype(f"=u{array('I').itemsize}")  # postings are array("I"), read in place


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
        self._local = threading.local()

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

    def _prepared(self, i: int, profile: PersonProfile | None = None) -> Prepared:
        got = self._cache.get(i)
        if got is None:
            if len(self._cache) > 100_000:
                self._cache.clear()
            if profile is None:
                profile = decode_profile(self.ids[i], self._stored[i])
            got = self._cache[i] = prepare(profile)
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

    def query_keys(self, query: PersonProfile) -> tuple[list[tuple[str, float]], array[int] | None]:
        """The index keys a query reaches, in the order their weights are added, each with
        its rarity weight (idf): for each of the query's names, pairs of name parts (within
        one edit), then single parts unless too common to say anything alone; and the
        shortest posting met, for queries made only of very common parts."""
        cap = max(2_000, len(self.ids) // 50)
        out: list[tuple[str, float]] = []
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
                            out.append((pair_key, self._idf(pair_key)))
            for found in expanded.values():
                for key in found:
                    posting = self._postings[key]
                    if smallest is None or len(posting) < len(smallest):
                        smallest = posting
                    if len(posting) <= cap and key not in used:
                        used.add(key)
                        out.append((key, self._idf(key)))
        return out, smallest

    def shortlist(self, query: PersonProfile, *, size: int = SHORTLIST) -> list[int]:
        """The ``size`` persons sharing the most rarity weight with the query (the sum of
        the weights of the keys they share), best first, ties by index.

        The sums are taken in a dense array with one slot per person (numpy, in C: a query
        of common names touches tens of thousands of persons at a million profiles), key
        by key in a fixed order, so every sum is the same float a plain loop would give.
        """
        keys, smallest = self.query_keys(query)
        if not keys:
            # Only very common parts ("Mohammed"): the best we can do is a sample of them.
            return [] if smallest is None else list(smallest[:size])
        weight = self._scratch()
        for key, w in keys:
            weight[np.frombuffer(self._postings[key], dtype=_POSTING)] += w
        found = np.flatnonzero(weight)
        sums = weight[found]
        weight[found] = 0.0  # the scratch array is all zeros again for the next query
        if len(found) > size:
            bar = np.partition(sums, len(found) - size)[len(found) - size]
            keep = sums >= bar
            found, sums = found[keep], sums[keep]
        best = found[np.lexsort((found, -sums))][:size]
        return [int(i) for i in best]

    def _scratch(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        """A zeroed array with a slot per person, one per thread (screening requests run in
        threads), kept between queries: a fresh one per query cost more in page faults than
        the sums themselves at a million profiles."""
        buf: np.ndarray[Any, np.dtype[np.float64]] | None = getattr(self._local, "buf", None)
        if buf is None or len(buf) != len(self.ids):
            buf = self._local.buf = np.zeros(len(self.ids))
        return buf

    def screen(
        self, query: PersonProfile, *, top: int = 10, min_score: float = REVIEW_THRESHOLD
    ) -> list[Candidate]:
        """The best ``top`` candidates scoring at least ``min_score``, best first.

        A shortlisted candidate is scored in full only if it could still make the list: its
        :func:`score_ceiling` (birth date, nationality, gender and birthplace as they are,
        the best name evidence possible) must reach ``min_score`` and, once ``top``
        candidates are in hand, the lowest of their scores. The result is the same as
        scoring every shortlisted candidate (tested); what is skipped is mostly namesakes
        whose birth dates conflict.
        """
        prepared = prepare(query)
        base = ceiling_base(prepared, model=self.model, stats=self)
        bar = min_score
        best: list[float] = []  # a min-heap of the ``top`` best scores so far
        scored = []
        for i in self.shortlist(query):
            held = self._cache.get(i)
            profile = (
                held.profile if held is not None else decode_profile(self.ids[i], self._stored[i])
            )
            if score_ceiling(prepared, profile, model=self.model, base=base) < bar - _SLACK:
                continue
            m = compare(prepared, self._prepared(i, profile), model=self.model, stats=self)
            if m.score >= min_score:
                scored.append((m.score, i, m))
                if len(best) < top:
                    heapq.heappush(best, m.score)
                else:
                    heapq.heappushpop(best, m.score)
                if len(best) == top:
                    bar = max(min_score, best[0])
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
