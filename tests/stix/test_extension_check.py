"""The fast extension checks agree with the published JSON schemas on generated documents."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from backchannel.stix.extension import person_profile_schema, provenance_schema
from backchannel.stix.extension_check import check_person_profile, check_provenance

PROFILE = Draft202012Validator(person_profile_schema())
PROVENANCE = Draft202012Validator(provenance_schema())

# Values near the boundaries of each rule, valid and invalid alike.
strings = st.sampled_from(
    [
        "",
        "x",
        "Abu Khalil",
        "يوسف",
        "Arab",
        "Latn",
        "arab",
        "SY",
        "sy",
        "SYR",
        "1977",
        "1977-03",
        "1977-03-14",
        "77",
        "1977-3",
        "ar",
        "ar-SY",
        "A",
        "G",
        "amber",
        "red",
        "kunya",
        "alias",
        "killed",
        "at-large",
        "male",
        "suspect",
        "property-extension",
        "report--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
        "name",
        "Name",
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:00:00.123Z",
    ]
)
scalars = st.one_of(
    strings, st.integers(-1, 8), st.booleans(), st.none(), st.sampled_from([2.0, 2.5])
)
KEYS = [
    "extension_type",
    "subject_category",
    "names",
    "aliases",
    "birth_dates",
    "birthplaces",
    "nationalities",
    "gender",
    "status_assertions",
    "value",
    "script",
    "lang",
    "transliteration_of",
    "system",
    "kind",
    "date",
    "earliest",
    "latest",
    "approximate",
    "name",
    "country",
    "status",
    "place",
    "source",
    "source_ref",
    "reliability",
    "credibility",
    "statements",
    "property",
    "qualifiers",
    "originator",
    "channel",
    "tlp",
    "valid_from",
    "valid_to",
    "first_seen",
    "last_seen",
    "record",
    "bogus",
]


def documents() -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(st.sampled_from(KEYS), inner, max_size=6),
        ),
        max_leaves=25,
    )


def near_profile() -> st.SearchStrategy[Any]:
    item = st.dictionaries(st.sampled_from(KEYS), scalars, max_size=5)
    return st.fixed_dictionaries(
        {"extension_type": st.sampled_from(["property-extension", "x"])},
        optional={
            k: st.one_of(st.lists(item | strings, max_size=3), strings)
            for k in [
                "names",
                "aliases",
                "birth_dates",
                "birthplaces",
                "nationalities",
                "status_assertions",
            ]
        }
        | {"gender": strings, "subject_category": strings, "bogus": strings},
    )


def near_provenance() -> st.SearchStrategy[Any]:
    good = {
        "property": "name",
        "value": "x",
        "source": "S",
        "originator": "S",
        "channel": "c",
        "reliability": "B",
        "credibility": 2,
        "tlp": "amber",
        "first_seen": "2024-01-01T00:00:00Z",
        "last_seen": "2024-01-01T00:00:00Z",
    }
    statement = st.builds(
        lambda drop, extra: {**{k: v for k, v in good.items() if k not in drop}, **extra},
        st.sets(st.sampled_from(sorted(good)), max_size=2),
        st.dictionaries(st.sampled_from(KEYS), scalars, max_size=2),
    )
    return st.fixed_dictionaries(
        {
            "extension_type": st.just("property-extension"),
            "statements": st.lists(statement, max_size=3),
        }
    )


def _no_bad_timestamps(doc: Any) -> bool:
    """The schema leaves `format` unchecked; the fast check is stricter there by design."""
    if not isinstance(doc, dict):
        return True
    statements = doc.get("statements")
    for s in statements if isinstance(statements, list) else []:
        if isinstance(s, dict):
            for key in ("first_seen", "last_seen"):
                if isinstance(s.get(key), str) and "T" not in s[key]:
                    return False
    return True


@settings(max_examples=1500, derandomize=True)
@given(doc=st.one_of(documents(), near_profile()))
def test_person_profile_check_agrees_with_schema(doc: Any) -> None:
    assert (not check_person_profile(doc)) == PROFILE.is_valid(doc), doc


@settings(max_examples=1500, derandomize=True)
@given(doc=st.one_of(documents(), near_provenance()))
def test_provenance_check_agrees_with_schema(doc: Any) -> None:
    if _no_bad_timestamps(doc):
        assert (not check_provenance(doc)) == PROVENANCE.is_valid(doc), doc


def test_provenance_timestamps_are_checked_strictly() -> None:
    doc = {
        "extension_type": "property-extension",
        "statements": [
            {
                "property": "name",
                "value": "x",
                "source": "S",
                "originator": "S",
                "channel": "c",
                "reliability": "B",
                "credibility": 2,
                "tlp": "amber",
                "first_seen": "yesterday",
                "last_seen": "2024-01-01T00:00:00Z",
            }
        ],
    }
    assert check_provenance(doc) == [
        (
            "statements.0.first_seen",
            "'yesterday' does not match " + repr(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"),
        )
    ]


def test_both_accept_every_generated_profile_and_reject_each_mutation(tmp_path: Any) -> None:
    """Valid documents from `synth`, and single-field mutations of them, judged alike."""
    import json

    from backchannel.stix.extension import PERSON_PROFILE
    from backchannel.synth import generate

    summary = generate(tmp_path, persons=60, seed=5)
    profiles = [
        o["extensions"][PERSON_PROFILE]
        for b in summary.bundles
        for o in json.loads(b.read_text())["objects"]
        if PERSON_PROFILE in o.get("extensions", {})
    ]
    assert len(profiles) > 50
    mutations = [
        ("gender", "M"),
        ("nationalities", ["Syria"]),
        ("names", []),
        ("birth_dates", [{"date": "1977", "latest": "1978"}]),
        ("status_assertions", [{"status": "dead"}]),
        ("religion", "x"),
    ]
    for p in profiles:
        assert check_person_profile(p) == [] and PROFILE.is_valid(p)
        for key, value in mutations:
            bad = {**p, key: value}
            assert check_person_profile(bad) and not PROFILE.is_valid(bad), key
