"""The pieces the list readers share: country names, scripts, prose dates, alias quality."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from backchannel.ingest.country import country_code, country_name
from backchannel.ingest.list_date import parse_date_text
from backchannel.ingest.listing import Listing, day_stamp, instant_stamp, script_of, stix_id
from backchannel.stix.extension import person_profile_schema
from backchannel.stix.extension_check import check_person_profile


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Syrian Arab Republic", "SY"),
        ("Syria", "SY"),
        ("Democratic People's Republic of Korea", "KP"),
        ("Korea, North", "KP"),
        ("Congo", "CG"),
        ("Democratic Republic of the Congo", "CD"),
        ("Türkiye", "TR"),
        ("turkiye", "TR"),
        ("the Philippines", "PH"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB"),
        ("Burma", "MM"),
        ("Kosovo", "XK"),
        ("former Soviet Union", None),  # historic: no current code is right
        ("Serbia and Montenegro", None),
        ("New Mexico", None),  # not guessed from its last word
        ("", None),
    ],
)
def test_country_names(name: str, code: str | None) -> None:
    assert country_code(name) == code


def test_country_name_round_trip() -> None:
    assert country_name("sy") == "Syria"
    assert country_code(country_name("CI") or "") == "CI"
    assert country_name("QQ") is None


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("KARIM HADDAD", "Latn"),
        ("كريم حداد زاوية", "Arab"),
        ("Сергей Иванов", "Cyrl"),
        ("Karim (كريم حداد زاوية)", "Arab"),  # the majority of letters decides
        ("12345", None),
    ],
)
def test_script_of(text: str, script: str | None) -> None:
    assert script_of(text) == script


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("14 Mar 1977", {"date": "1977-03-14"}),
        ("1 Jan. 1970", {"date": "1970-01-01"}),
        ("Nov. 1973", {"date": "1973-11"}),
        ("September 1958", {"date": "1958-09"}),
        ("1977-03", {"date": "1977-03"}),
        ("circa 1976", {"date": "1976", "approximate": True}),
        ("1960 to 1962", {"earliest": "1960", "latest": "1962"}),
        ("circa 1960-1962", {"earliest": "1960", "latest": "1962", "approximate": True}),
        ("01 Jan 1960 to 31 Dec 1962", {"earliest": "1960-01-01", "latest": "1962-12-31"}),
        ("Between Aug. and Sep. 1977", {"earliest": "1977-08", "latest": "1977-09"}),
        ("1962 to 1960", {"earliest": "1960", "latest": "1962"}),
        ("05 May 1970 to 05 May 1970", {"date": "1970-05-05"}),
        ("30 Feb 1970", None),  # impossible dates are not understood
        ("24/06/1402 (Hijri Calendar)", None),
        ("30-35 years old", None),
        ("Marx 1970", None),
    ],
)
def test_prose_dates(text: str, item: dict[str, Any] | None) -> None:
    assert parse_date_text(text) == item


def test_timestamps() -> None:
    assert day_stamp("2001-01-25-05:00") == "2001-01-25T00:00:00.000Z"
    assert day_stamp("2001-13-01") is None
    assert instant_stamp("2021-03-04T10:00:00") == "2021-03-04T10:00:00.000Z"
    assert instant_stamp("2021-03-04T12:00:00+02:00") == "2021-03-04T10:00:00.000Z"
    assert instant_stamp("yesterday") is None


def test_ids_are_deterministic_per_format_and_record() -> None:
    assert stix_id("identity", "un", "QDi.001") == stix_id("identity", "un", "QDi.001")
    assert stix_id("identity", "un", "QDi.001") != stix_id("identity", "ofac", "QDi.001")


def test_the_better_alias_quality_wins() -> None:
    listing = Listing(
        fmt="t",
        source_name="T",
        source_id="1",
        identity_class="individual",
        created="2020-01-01T00:00:00.000Z",
        modified="2020-01-01T00:00:00.000Z",
    )
    listing.add_name("A B")
    listing.add_alias("X", "low")
    listing.add_alias("X", "good")
    listing.add_alias("Y", "good")
    listing.add_alias("Y", "low")
    listing.add_alias("A B", "good")  # the same as a name: not repeated as an alias
    profile = listing.to_stix()["extensions"][
        "extension-definition--2ef024af-703e-43d4-b8a5-15daef67bd1d"
    ]
    assert [(a["value"], a["quality"]) for a in profile["aliases"]] == [
        ("X", "good"),
        ("Y", "good"),
    ]


@pytest.mark.parametrize("quality", ["good", "low", "weak", "", 1])
def test_alias_quality_rule_agrees_with_the_schema(quality: Any) -> None:
    doc = {
        "extension_type": "property-extension",
        "aliases": [{"value": "Abu Layla", "kind": "alias", "quality": quality}],
    }
    schema_ok = Draft202012Validator(person_profile_schema()).is_valid(doc)
    assert schema_ok == (quality in ("good", "low"))
    assert (not check_person_profile(doc)) == schema_ok
