"""Assessing a person's fate from conflicting status assertions (rule 3: evidence, not a field).

Every assertion stays stored; the assessment is derived, and says why. Credible assertions
(source reliability A–C and credibility 1–3) are weighed first; among them the most recent dated
one wins, ties going to the better grade. Only when no credible assertion exists are the others
used, and the reason says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backchannel.errors import InvalidInput
from backchannel.model.partial_date import parse_partial_date
from backchannel.model.statement import State, StoredStatement
from backchannel.model.vocab import Status

_CREDIBLE_RELIABILITY = frozenset("ABC")
_CREDIBLE_CREDIBILITY = frozenset("123")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


@dataclass(frozen=True, slots=True)
class Assessment:
    status: Status
    basis: StoredStatement | None
    reason: str


def _is_credible(s: StoredStatement) -> bool:
    return (
        s.reliability.value in _CREDIBLE_RELIABILITY
        and s.credibility.value in _CREDIBLE_CREDIBILITY
    )


def _when(valid_from: str | None) -> str:
    """The latest day a status date allows (ISO), "" when undated or unreadable. Person
    profiles carry partial dates; a full STIX timestamp (from other inputs) counts by its day."""
    if not valid_from:
        return ""
    text = valid_from
    if _TIMESTAMP.match(text):
        text = text[:10]
    try:
        return parse_partial_date(text).latest.isoformat()
    except InvalidInput:
        return ""


def _sort_key(s: StoredStatement) -> tuple[str, str, str, str]:
    when = _when(s.valid_from)
    # Later date first; then better reliability (A < F) and credibility (1 < 6).
    return (when, chr(255 - ord(s.reliability.value)), chr(255 - ord(s.credibility.value)), s.id)


def assess_status(statements: list[StoredStatement]) -> Assessment:
    """The assessed status of one person from their current ``status`` statements."""
    pool = [s for s in statements if s.prop == "status" and s.state is State.CURRENT]
    if not pool:
        return Assessment(Status.UNKNOWN, None, "no status assertion")
    credible = [s for s in pool if _is_credible(s)]
    chosen = max(credible or pool, key=_sort_key)
    dated = f" dated {chosen.valid_from}" if chosen.valid_from else " (undated)"
    place = chosen.qualifiers.get("place")
    where = f" in {place}" if place else ""
    basis = (
        "most recent credible assertion"
        if credible
        else "no credible assertion (A–C/1–3); most recent of the rest"
    )
    others = len(pool) - 1
    try:
        status = Status(chosen.value)
    except ValueError:
        status = Status.UNKNOWN
    return Assessment(
        status,
        chosen,
        f"{chosen.value}{where}{dated}, per {chosen.source} ({chosen.grade}): {basis}"
        + (f"; {others} other assertion(s) kept" if others else ""),
    )
