"""Weighted choice from a fixed table, cheap enough for the generator's inner loop."""

from __future__ import annotations

from bisect import bisect
from collections.abc import Iterable
from random import Random
from typing import Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    """A fixed table of items and weights; :meth:`pick` costs one draw from the generator.

    ``random.choices`` rebuilds its cumulative weights on every call unless given them, and
    returns a list; this keeps both the sums and the single-draw path.
    """

    __slots__ = ("_cum", "_items", "_last", "_total")

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        items: list[T] = []
        cum: list[float] = []
        total = 0.0
        for item, weight in pairs:
            if weight <= 0:
                continue
            total += weight
            items.append(item)
            cum.append(total)
        if not items:
            raise ValueError("a weighted table needs at least one positive weight")
        self._items = tuple(items)
        self._cum = tuple(cum)
        self._total = total
        self._last = len(items) - 1

    @property
    def items(self) -> tuple[T, ...]:
        """The items with a positive weight, in table order."""
        return self._items

    def pick(self, rng: Random) -> T:
        """Draw one item with probability proportional to its weight."""
        # Rounding can make random() * total equal total; clamp rather than raise.
        i = bisect(self._cum, rng.random() * self._total)
        return self._items[i if i <= self._last else self._last]


def uniform(rng: Random, items: tuple[T, ...] | list[T]) -> T:
    """Draw one item uniformly (one generator call, like ``Random.choice`` but without checks)."""
    return items[int(rng.random() * len(items))]
