"""Birth dates as sanctions lists write them, turned into person-profile ``birth_dates`` items.

Lists write dates in prose: ``01 Jan 1970``, ``Jan. 1970``, ``circa 1970``, ``1960 to 1962``,
``Between Aug. and Sep. 1977``. :func:`parse_date_text` understands those forms and returns an
item of the person profile (``{"date": ...}`` or ``{"earliest": ..., "latest": ...}``, with
``approximate``) or ``None``; callers keep text it does not understand as it was written, so a
birth date is never lost and never invented. Impossible dates (30 February) are not understood.
"""

from __future__ import annotations

import re
from typing import Any

from backchannel.errors import InvalidInput
from backchannel.model.partial_date import parse_partial_date

BirthDate = dict[str, Any]

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = r"(?P<{}>[A-Za-z]{{3,9}})\.?"
# "14 Mar 1977", "Mar. 1977", "March 1977", "1977", "1977-03-14", "1977-03"
_ONE = re.compile(
    r"^(?:(?P<day>\d{1,2})\s+)?(?:" + _MONTH.format("month") + r"\s+)?(?P<year>\d{4})$"
)
_ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_APPROX = re.compile(r"^(?:circa|ca\.?|c\.|approximately|approx\.?|about)\s+", re.IGNORECASE)
# "to", an en dash or a slash anywhere; a hyphen only between years ("1960-1962").
_RANGE_SEP = re.compile(r"\s*(?:\bto\b|–|/)\s*|(?<=\d{4})-(?=\d{4}$)")
_BETWEEN_MONTHS = re.compile(
    r"^between\s+"
    + _MONTH.format("m1")
    + r"\s+and\s+"
    + _MONTH.format("m2")
    + r"\s+(?P<year>\d{4})$",
    re.IGNORECASE,
)


def _month_word(word: str) -> int | None:
    """A month name or abbreviation, strictly (so "Marx" is not March)."""
    w = word.casefold().rstrip(".")
    for key, number in _MONTHS.items():
        full = _FULL[number]
        if w in (key, full) or (len(w) >= 3 and full.startswith(w)):
            return number
    return None


_FULL = {
    1: "january",
    2: "february",
    3: "march",
    4: "april",
    5: "may",
    6: "june",
    7: "july",
    8: "august",
    9: "september",
    10: "october",
    11: "november",
    12: "december",
}


def _valid(text: str) -> bool:
    try:
        parse_partial_date(text)
    except InvalidInput:
        return False
    return True


def partial_date(text: str) -> str | None:
    """One date in prose or ISO form as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, or ``None``."""
    text = " ".join(text.split()).strip(" .,")
    if _ISO.match(text):
        return text if _valid(text) else None
    m = _ONE.match(text)
    if not m:
        return None
    year, month, day = m["year"], m["month"], m["day"]
    if month is None:
        if day is not None:
            return None
        return year
    number = _month_word(month)
    if number is None:
        return None
    out = f"{year}-{number:02d}" + (f"-{int(day):02d}" if day else "")
    return out if _valid(out) else None


def parse_date_text(text: str, *, approximate: bool = False) -> BirthDate | None:
    """A ``birth_dates`` item for a date as a list writes it, or ``None`` if not understood."""
    text = " ".join(text.split()).strip(" .,;")
    if not text:
        return None
    m = _APPROX.match(text)
    if m:
        approximate = True
        text = text[m.end() :]
    between = _BETWEEN_MONTHS.match(text)
    if between:
        first, last = _month_word(between["m1"]), _month_word(between["m2"])
        if first is None or last is None:
            return None
        year = between["year"]
        return date_range(f"{year}-{first:02d}", f"{year}-{last:02d}", approximate=approximate)
    single = partial_date(text)
    if single is not None:
        return with_approximate({"date": single}, approximate)
    for sep in _RANGE_SEP.finditer(text):
        a, b = partial_date(text[: sep.start()]), partial_date(text[sep.end() :])
        if a is not None and b is not None:
            return date_range(a, b, approximate=approximate)
    return None


def date_range(first: str, last: str, *, approximate: bool = False) -> BirthDate:
    """A range item; equal ends are one date, reversed ends are put in order."""
    if first == last:
        return with_approximate({"date": first}, approximate)
    lo, hi = sorted((first, last), key=lambda d: parse_partial_date(d).earliest)
    return with_approximate({"earliest": lo, "latest": hi}, approximate)


def with_approximate(item: BirthDate, approximate: bool) -> BirthDate:
    if approximate:
        item["approximate"] = True
    return item
