"""Partial dates: a year, a year and month, a full date, or a range of those.

Birth dates in intelligence sources are rarely complete ("born c. 1977", "1975–1978"). The text
form used in statements is ISO 8601-like: ``1977``, ``1977-03``, ``1977-03-14``, or a range
``1975/1978``. Approximation is a qualifier, not part of the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from backchannel.errors import InvalidInput

_PART = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, slots=True)
class PartialDate:
    """Earliest and latest possible day, with the text it was written as."""

    text: str
    earliest: date
    latest: date

    @property
    def is_range(self) -> bool:
        return "/" in self.text


def _bounds(part: str, where: str) -> tuple[date, date]:
    m = _PART.match(part)
    if not m:
        raise InvalidInput(
            f"not a partial date: {part!r}",
            where=where,
            why="expected YYYY, YYYY-MM, YYYY-MM-DD or a range A/B",
        )
    year, month, day = int(m[1]), m[2], m[3]
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        mo = int(month)
        if day is None:
            start = date(year, mo, 1)
            nxt = date(year + 1, 1, 1) if mo == 12 else date(year, mo + 1, 1)
            return start, date.fromordinal(nxt.toordinal() - 1)
        d = date(year, mo, int(day))
        return d, d
    except ValueError as exc:
        raise InvalidInput(f"impossible date {part!r}", where=where, why=str(exc)) from None


def parse_partial_date(text: str, *, where: str = "date") -> PartialDate:
    """Parse the statement text form; raises :class:`InvalidInput` with ``where`` on error."""
    text = text.strip()
    if "/" in text:
        first, _, last = text.partition("/")
        lo, _ = _bounds(first, where)
        _, hi = _bounds(last, where)
        if hi < lo:
            raise InvalidInput(f"range ends before it starts: {text!r}", where=where)
        return PartialDate(text, lo, hi)
    lo, hi = _bounds(text, where)
    return PartialDate(text, lo, hi)
