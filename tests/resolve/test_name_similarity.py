"""Comparing whole names: alignment regardless of order, dropped parts, weights, symmetry."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings

from backchannel.resolve import NameMatch, name_similarity, parse_name, token_similarity
from tests.resolve.invented_name import any_names

HIGH = 0.85


def _match(a: str, b: str) -> NameMatch:
    return name_similarity(parse_name(a), parse_name(b))


# One invented man as different sources write him (the example, with a made-up nisba).
ONE_MAN = [
    "محمد القرياني",
    "Mohammed al-Qaryani",
    "Muhammad el-Qaryany",
    "QARYANI, Mohammed",
    "M. Qaryani",
    "Mohamed Al Karyani",
    "Мухаммад аль-Карьяни",
]


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(ONE_MAN, 2)))
def test_one_man_written_many_ways(a: str, b: str) -> None:
    assert _match(a, b).score >= HIGH, _match(a, b).explanation


def test_the_kunya_does_not_match_the_given_name() -> None:
    kunya = parse_name("Abu Mohammed")
    assert kunya.is_kunya_only and kunya.is_weak
    for other in ONE_MAN:
        assert name_similarity(kunya, parse_name(other)).score < 0.5


def test_dropped_parts_keep_a_high_score() -> None:
    full = "Mohammed bin Khalid bin Hamid al-Qaryani"
    assert _match("Mohammed al-Qaryani", full).score >= HIGH
    assert _match("Mohammed Khalid al-Qaryani", full).score >= HIGH
    assert _match("محمد بن خالد القرياني", full).score >= HIGH


def test_conflicting_parts_cost_more_than_missing_ones() -> None:
    missing = _match("Mohammed al-Qaryani", "Mohammed Khalid al-Qaryani").score
    conflicting = _match("Mohammed Hamid al-Qaryani", "Mohammed Khalid al-Qaryani").score
    assert conflicting < missing
    assert conflicting < 0.75


def test_swapped_order_is_high_but_below_the_same_order() -> None:
    same = _match("Mohammed Khalid", "Mohammed Khalid")
    swapped = _match("Mohammed Khalid", "Khalid Mohammed")
    assert same.score == 1.0
    assert HIGH <= swapped.score < same.score
    assert swapped.order_differs and "order differs" in swapped.explanation


def test_family_name_first_is_not_an_order_change() -> None:
    match = _match("QARYANI, Yusuf Khalil", "Yusuf Khalil al-Qaryani")
    assert match.score == 1.0 and not match.order_differs


@pytest.mark.parametrize(
    "typo",
    [
        "Mohamed al-Qarayni",  # two letters swapped
        "Mohamed al-Qaryni",  # a letter dropped
        "Mohamed al-Qarryani",  # a letter doubled
        "Mohamed al-Qaryan",  # the last letter dropped
    ],
)
def test_typos(typo: str) -> None:
    assert _match("Mohammed al-Qaryani", typo).score >= 0.8


def test_different_people() -> None:
    assert _match("Yusuf al-Qaryani", "Yusuf al-Tayyar").score < 0.5
    assert _match("Hasan al-Qaryani", "Husayn al-Tayyar").score == 0.0
    assert _match("Khalid al-Wardani", "Khalil al-Wardani").score < 0.9


def test_common_names_weigh_less() -> None:
    # Sharing only a common given name is worth less than sharing a rare family name.
    shared_common = _match("Mohammed al-Qaryani", "Mohammed al-Tayyar").score
    shared_rare = _match("Mohammed al-Qaryani", "Yusuf al-Qaryani").score
    assert shared_common < shared_rare


def test_a_supplied_weight_replaces_the_default() -> None:
    a, b = parse_name("Mohammed al-Qaryani"), parse_name("Mohammed al-Tayyar")
    default = name_similarity(a, b).score
    idf = {"mhmd": 0.05}
    rarer = name_similarity(a, b, weight=lambda key: idf.get(key, 1.0)).score
    assert rarer < default


def test_initials_match_words_with_that_letter() -> None:
    assert _match("M. K. al-Qaryani", "Mohammed Khalid al-Qaryani").score >= HIGH
    assert (
        _match("Y. al-Qaryani", "Mohammed al-Qaryani").score
        < _match("M. al-Qaryani", "Mohammed al-Qaryani").score
    )
    assert token_similarity(parse_name("O.").tokens[0], parse_name("Umar").tokens[0]) > 0.8


def test_explanation_and_pairs() -> None:
    match = _match("Mohammed bin Khalid al-Qaryani", "محمد القرياني")
    assert [(p.a, p.b) for p in match.pairs] == [(0, 0), (2, 1)]
    assert match.unmatched_a == (1,) and match.unmatched_b == ()
    text = match.explanation
    assert "Mohammed" in text and "محمد" in text and "bin Khalid" in text
    reverse = _match("محمد القرياني", "Mohammed bin Khalid al-Qaryani")
    assert [(p.a, p.b) for p in reverse.pairs] == [(0, 0), (1, 2)]
    assert reverse.unmatched_b == (1,)


def test_empty_names_score_zero() -> None:
    assert _match("", "").score == 0.0
    assert _match("", "Mohammed").score == 0.0
    assert _match("Mohammed", "---").explanation.startswith("no part")


@settings(max_examples=400)
@given(any_names, any_names)
def test_symmetric_and_bounded(a: str, b: str) -> None:
    pa, pb = parse_name(a), parse_name(b)
    forward, backward = name_similarity(pa, pb), name_similarity(pb, pa)
    assert 0.0 <= forward.score <= 1.0
    assert forward.score == backward.score
    assert [(p.a, p.b) for p in forward.pairs] == sorted((p.b, p.a) for p in backward.pairs)
    for p in forward.pairs:
        assert 0 <= p.a < len(pa.tokens) and 0 <= p.b < len(pb.tokens)


@settings(max_examples=300)
@given(any_names)
def test_identical_names_score_one(text: str) -> None:
    name = parse_name(text)
    if name.tokens:
        assert name_similarity(name, name).score == 1.0
        assert name_similarity(name, parse_name(text)).score == 1.0


@settings(max_examples=300)
@given(any_names, any_names)
def test_token_similarity_is_symmetric(a: str, b: str) -> None:
    for ta, tb in itertools.product(parse_name(a).tokens, parse_name(b).tokens):
        s = token_similarity(ta, tb)
        assert s == token_similarity(tb, ta)
        assert 0.0 <= s <= 1.0
