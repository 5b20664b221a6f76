"""Admiralty grades and STIX confidence (STIX 2.1 appendix A, Admiralty credibility scale)."""

from __future__ import annotations

import pytest

from backchannel.errors import InvalidInput
from backchannel.model.grade import confidence_to_credibility, credibility_to_confidence
from backchannel.model.vocab import TLP, Credibility, Reliability


@pytest.mark.parametrize(
    ("credibility", "confidence"),
    [("1", 90), ("2", 70), ("3", 50), ("4", 30), ("5", 10), ("6", None)],
)
def test_credibility_to_confidence_follows_the_spec_table(
    credibility: str, confidence: int | None
) -> None:
    assert credibility_to_confidence(Credibility(credibility)) == confidence


def test_every_confidence_maps_back_by_bands_of_twenty() -> None:
    bands = {
        range(0, 20): "5",
        range(20, 40): "4",
        range(40, 60): "3",
        range(60, 80): "2",
        range(80, 101): "1",
    }
    for band, cred in bands.items():
        for value in band:
            assert confidence_to_credibility(value) is Credibility(cred)
    assert confidence_to_credibility(None) is Credibility.CANNOT_BE_JUDGED


def test_round_trip_for_every_credibility() -> None:
    for cred in Credibility:
        conf = credibility_to_confidence(cred)
        assert confidence_to_credibility(conf) is cred


def test_parsing_is_forgiving_about_form_and_strict_about_content() -> None:
    assert TLP.parse("TLP:AMBER+STRICT") is TLP.AMBER_STRICT
    assert TLP.parse("amber_strict") is TLP.AMBER_STRICT
    assert TLP.parse("white") is TLP.CLEAR
    assert Reliability.parse(" b ") is Reliability.B
    assert Credibility.parse(3) is Credibility.POSSIBLY_TRUE
    for bad in ("purple", ""):
        with pytest.raises(InvalidInput, match="TLP"):
            TLP.parse(bad)
    with pytest.raises(InvalidInput):
        Reliability.parse("G")
    with pytest.raises(InvalidInput):
        Credibility.parse("0")


def test_tlp_order() -> None:
    assert [t.rank for t in TLP] == [0, 1, 2, 3, 4]
    assert TLP.strictest([TLP.GREEN, TLP.RED, TLP.CLEAR]) is TLP.RED
