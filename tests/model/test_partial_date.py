from __future__ import annotations

from datetime import date

import pytest

from backchannel.errors import InvalidInput
from backchannel.model.partial_date import parse_partial_date


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("1977", date(1977, 1, 1), date(1977, 12, 31)),
        ("1980-02", date(1980, 2, 1), date(1980, 2, 29)),
        ("1977-12", date(1977, 12, 1), date(1977, 12, 31)),
        ("1977-03-14", date(1977, 3, 14), date(1977, 3, 14)),
        ("1975/1978", date(1975, 1, 1), date(1978, 12, 31)),
        ("1975-06/1976-02-03", date(1975, 6, 1), date(1976, 2, 3)),
    ],
)
def test_bounds(text: str, lo: date, hi: date) -> None:
    d = parse_partial_date(text)
    assert (d.earliest, d.latest) == (lo, hi)


@pytest.mark.parametrize("bad", ["77", "1977-13", "1977-02-30", "1980/1979", "c. 1977", ""])
def test_bad_dates_say_where(bad: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_partial_date(bad, where="birth_dates[0]")
    assert info.value.where == "birth_dates[0]"
