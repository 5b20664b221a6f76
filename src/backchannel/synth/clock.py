"""Deterministic calendar for the generator: days as proleptic ordinals, STIX timestamps.

The generator never reads the wall clock; every date is drawn from the seeded generator and kept
as an ``int`` ordinal (``date.toordinal``) so the timeline arithmetic stays cheap.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from functools import cache
from random import Random


@cache
def day(year: int, month: int = 1, dom: int = 1) -> int:
    """The ordinal of a calendar day."""
    return date(year, month, dom).toordinal()


# The window the fictional conflict and its reporting live in.
CONFLICT_START = day(2012, 1, 1)
REPORTING_END = day(2024, 12, 31)


def between(rng: Random, first: int, last: int) -> int:
    """A uniformly drawn day in ``[first, last]`` (``last`` is raised to ``first`` if earlier)."""
    if last <= first:
        return first
    return first + int(rng.random() * (last - first + 1))


def peaked(rng: Random, first: int, last: int, mode: int) -> int:
    """A day in ``[first, last]`` drawn from a triangular distribution peaking at ``mode``."""
    return round(rng.triangular(first, last, mode))


def timestamp(ordinal: int, rng: Random) -> str:
    """A STIX 2.1 timestamp (millisecond precision, UTC) on that day at a drawn office hour."""
    seconds = 7 * 3600 + int(rng.random() * 11 * 3600)
    hh, rest = divmod(seconds, 3600)
    mm, ss = divmod(rest, 60)
    return f"{_iso_day(ordinal)}T{hh:02d}:{mm:02d}:{ss:02d}.000Z"


@cache
def _iso_day(ordinal: int) -> str:
    # A corpus spans a few thousand distinct days, each formatted many times.
    return date.fromordinal(ordinal).isoformat()


class Precision(StrEnum):
    """How much of a date a source knows."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


def partial(ordinal: int, precision: Precision) -> str:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` for a day, as the person-profile schema wants."""
    d = date.fromordinal(ordinal)
    if precision is Precision.YEAR:
        return f"{d.year:04d}"
    if precision is Precision.MONTH:
        return f"{d.year:04d}-{d.month:02d}"
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


@cache
def year_of(ordinal: int) -> int:
    """The calendar year of a day."""
    return date.fromordinal(ordinal).year
