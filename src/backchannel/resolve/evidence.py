"""Non-name evidence for matching two person profiles: birth dates, nationality, gender, place.

Each comparison returns a *level* (a short string) rather than a number; the matcher turns
levels into log-odds with weights learnt from labelled pairs, so evidence can raise the score
(an agreeing birth date) as well as lower it (a conflicting one).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from backchannel.errors import InvalidInput
from backchannel.model.partial_date import PartialDate, parse_partial_date

MISSING = "missing"


def parse_dates(texts: Iterable[str]) -> tuple[PartialDate, ...]:
    """Partial dates from statement values, skipping any that do not parse."""
    out = []
    for t in texts:
        try:
            out.append(parse_partial_date(t))
        except InvalidInput:
            continue
    return tuple(out)


def _precision(d: PartialDate) -> int:
    """Days the date could span (1 = a known day)."""
    return (d.latest - d.earliest).days + 1


def _gap_years(a: PartialDate, b: PartialDate) -> float:
    """Years between two partial dates (0 when their spans overlap)."""
    if a.latest < b.earliest:
        return (b.earliest - a.latest).days / 365.25
    if b.latest < a.earliest:
        return (a.earliest - b.latest).days / 365.25
    return 0.0


def birth_date_level(a: Iterable[PartialDate], b: Iterable[PartialDate]) -> str:
    """Best agreement between two sets of birth dates.

    ``exact`` (same day, both known to the day), ``month`` (same month), ``year`` (spans overlap,
    at year precision or better), ``range`` (overlap of a wide range), ``near`` (within two
    years), ``conflict`` (further apart), or ``missing``.
    """
    a, b = tuple(a), tuple(b)
    if not a or not b:
        return MISSING
    best = "conflict"
    order = ("conflict", "near", "range", "year", "month", "exact")
    for x in a:
        for y in b:
            gap = _gap_years(x, y)
            if gap > 2.0:
                level = "conflict"
            elif gap > 0:
                level = "near"
            elif _precision(x) == 1 and _precision(y) == 1:
                level = "exact"
            elif max(_precision(x), _precision(y)) <= 31 and _same_month(x, y):
                level = "month"
            elif max(_precision(x), _precision(y)) <= 366:
                level = "year"
            else:
                level = "range"
            if order.index(level) > order.index(best):
                best = level
    return best


def _same_month(a: PartialDate, b: PartialDate) -> bool:
    return (a.earliest.year, a.earliest.month) == (b.earliest.year, b.earliest.month)


def set_level(a: Iterable[str], b: Iterable[str]) -> str:
    """``agree`` if the sets share a value, ``conflict`` if both are known and disjoint."""
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return MISSING
    return "agree" if sa & sb else "conflict"


def gender_level(a: Iterable[str], b: Iterable[str]) -> str:
    known = {"male", "female"}
    return set_level((g for g in a if g in known), (g for g in b if g in known))


def birth_year_of(dates: Iterable[PartialDate]) -> int | None:
    """A single representative birth year (middle of the first date's span), for blocking."""
    for d in dates:
        middle = date.fromordinal((d.earliest.toordinal() + d.latest.toordinal()) // 2)
        return middle.year
    return None
