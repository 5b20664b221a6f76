"""Properties of the matcher: symmetric, bounded, explained, and evidence cuts both ways."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from backchannel.resolve.evidence import parse_dates
from backchannel.resolve.matcher import compare, default_model, prepare
from backchannel.resolve.profile import NameEntry, PersonProfile

GIVEN = [
    "Mohammed",
    "Muhammad",
    "Yusuf",
    "Youssef",
    "Khalil",
    "Omar",
    "Umar",
    "Abu Khalil",
    "Abd al-Karim",
    "Abdulkarim",
    "Hamid",
    "يوسف",
    "محمد",
    "عمر",
]
FAMILY = ["al-Qaryani", "el Karyani", "Tayyar", "al-Tayar", "Haddad", "القرياني", "Zubayri"]
names = st.builds(lambda g, f: f"{g} {f}", st.sampled_from(GIVEN), st.sampled_from(FAMILY))
years = st.integers(1960, 2000).map(str)


@st.composite
def profiles(draw: st.DrawFn) -> PersonProfile:
    return PersonProfile(
        entity_id="identity--x",
        names=tuple(
            NameEntry(n, draw(st.sampled_from(["name", "alias", "kunya"])), draw(st.booleans()))
            for n in draw(st.lists(names, min_size=1, max_size=3))
        ),
        birth_dates=parse_dates(draw(st.lists(years, max_size=2))),
        nationalities=frozenset(draw(st.lists(st.sampled_from(["SY", "IQ", "FR"]), max_size=2))),
        genders=frozenset(draw(st.lists(st.sampled_from(["male", "female"]), max_size=1))),
        birthplaces=frozenset(draw(st.lists(st.sampled_from(["raqqa", "mosul"]), max_size=1))),
        records=(),
    )


@settings(max_examples=300, derandomize=True)
@given(a=profiles(), b=profiles())
def test_score_is_symmetric_and_bounded(a: PersonProfile, b: PersonProfile) -> None:
    ab, ba = compare(prepare(a), prepare(b)), compare(prepare(b), prepare(a))
    assert 0.0 <= ab.score <= 1.0
    assert abs(ab.score - ba.score) < 1e-12
    # The explanation accounts for the score: contributions sum to its log-odds.
    import math

    logit = sum(c.log_odds for c in ab.contributions)
    assert abs(1 / (1 + math.exp(-logit)) - ab.score) < 1e-9


@settings(max_examples=300, derandomize=True)
@given(a=profiles(), b=profiles(), year=years)
def test_a_contradicting_birth_date_never_raises_the_score(
    a: PersonProfile, b: PersonProfile, year: str
) -> None:
    dated = PersonProfile(
        a.entity_id,
        a.names,
        a.birth_dates or parse_dates([year]),
        a.nationalities,
        a.genders,
        a.birthplaces,
        a.records,
    )
    # Ten years after the latest of a's possible birth dates contradicts all of them.
    contra = str(max(d.latest.year for d in dated.birth_dates) + 10)
    b2 = PersonProfile(
        b.entity_id,
        b.names,
        b.birth_dates + parse_dates([contra]),
        b.nationalities,
        b.genders,
        b.birthplaces,
        b.records,
    )
    before = compare(prepare(dated), prepare(b)).score
    after = compare(prepare(dated), prepare(b2)).score
    assert after <= before + 1e-12


def test_evidence_raises_as_well_as_lowers() -> None:
    base = dict(
        names=(NameEntry("Yusuf bin Khalil al-Qaryani", "name", False),),
        nationalities=frozenset(),
        genders=frozenset(),
        birthplaces=frozenset(),
        records=(),
    )
    a = PersonProfile("a", birth_dates=parse_dates(["1986-04-02"]), **base)  # type: ignore[arg-type]
    same = PersonProfile("b", birth_dates=parse_dates(["1986-04-02"]), **base)  # type: ignore[arg-type]
    none = PersonProfile("c", birth_dates=(), **base)  # type: ignore[arg-type]
    other = PersonProfile("d", birth_dates=parse_dates(["1961"]), **base)  # type: ignore[arg-type]
    s_same = compare(prepare(a), prepare(same)).score
    s_none = compare(prepare(a), prepare(none)).score
    s_other = compare(prepare(a), prepare(other)).score
    assert s_same > s_none > s_other
    assert default_model().meta.get("trained") is True


def test_kunya_alone_never_allows_an_automatic_merge() -> None:
    def person(eid: str, year: str) -> PersonProfile:
        return PersonProfile(
            eid,
            (NameEntry("Abu Khalil", "kunya", False),),
            parse_dates([year]),
            frozenset({"SY"}),
            frozenset({"male"}),
            frozenset(),
            (),
        )

    m = compare(prepare(person("a", "1980-01-01")), prepare(person("b", "1980-01-01")))
    assert m.kunya_only and not m.may_auto_merge


def test_a_strong_full_name_outranks_an_exact_kunya() -> None:
    """Two records share a kunya exactly and their full names closely (one typo): the full
    names are the better evidence, so the pair neither rests on the kunya nor is weak."""

    def person(eid: str, full: str) -> PersonProfile:
        return PersonProfile(
            eid,
            (NameEntry(full, "name", False), NameEntry("Abu Khalil", "kunya", False)),
            parse_dates(["1980-01-01"]),
            frozenset({"SY"}),
            frozenset({"male"}),
            frozenset(),
            (),
        )

    m = compare(
        prepare(person("a", "Yusuf bin Hamid al-Qaryani")),
        prepare(person("b", "Yousef bin Hamid al-Qaryany")),
    )
    assert not m.kunya_only and not m.weak_name
    assert m.level("name") in ("exact", "strong", "good")
    assert m.may_auto_merge


def test_a_nom_de_guerre_does_not_allow_an_automatic_merge() -> None:
    def person(eid: str) -> PersonProfile:
        return PersonProfile(
            eid,
            (NameEntry("Abu Muhammad al-Faransi", "alias", False),),
            parse_dates(["1980-01-01"]),
            frozenset({"FR"}),
            frozenset({"male"}),
            frozenset(),
            (),
        )

    m = compare(prepare(person("a")), prepare(person("b")))
    assert m.kunya_only and not m.may_auto_merge
