"""Admiralty grades and their mapping to STIX 2.1 ``confidence``.

The mapping is the "Admiralty Credibility" scale of the STIX 2.1 specification, appendix A
(confidence scales): 1→90, 2→70, 3→50, 4→30, 5→10, and 6 ("truth cannot be judged") is
expressed by leaving ``confidence`` out. Reading goes the other way by bands of 20.
"""

from __future__ import annotations

from backchannel.model.vocab import Credibility

_TO_CONFIDENCE = {
    Credibility.CONFIRMED: 90,
    Credibility.PROBABLY_TRUE: 70,
    Credibility.POSSIBLY_TRUE: 50,
    Credibility.DOUBTFUL: 30,
    Credibility.IMPROBABLE: 10,
}


def credibility_to_confidence(credibility: Credibility) -> int | None:
    """STIX ``confidence`` for a credibility; ``None`` means: omit the property."""
    return _TO_CONFIDENCE.get(credibility)


def confidence_to_credibility(confidence: int | None) -> Credibility:
    """Credibility for a STIX ``confidence`` value (0–100, or absent)."""
    if confidence is None:
        return Credibility.CANNOT_BE_JUDGED
    if confidence >= 80:
        return Credibility.CONFIRMED
    if confidence >= 60:
        return Credibility.PROBABLY_TRUE
    if confidence >= 40:
        return Credibility.POSSIBLY_TRUE
    if confidence >= 20:
        return Credibility.DOUBTFUL
    return Credibility.IMPROBABLE
