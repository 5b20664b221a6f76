"""Name-part frequencies over a set of profiles (what makes a shared name part rare)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from backchannel.resolve.matcher import Prepared


class KeyCounts:
    """Document frequency of each name-part key: in how many profiles it occurs."""

    def __init__(self, profiles: Iterable[Prepared]) -> None:
        self.counts: Counter[str] = Counter()
        self._n = 0
        for p in profiles:
            self._n += 1
            self.counts.update({t.key for _e, parsed in p.names for t in parsed.tokens})

    @property
    def n(self) -> int:
        return self._n

    def df(self, key: str) -> int:
        return self.counts.get(key, 0)
