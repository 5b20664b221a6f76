# ruff: noqa: E501, SIM115
"""Regenerates the small fixture bundles in this folder (fictional persons only).

Run from the project root: python tests/data/make_fixtures.py
"""

import json

from backchannel.model.vocab import TLP
from backchannel.stix.extension import PERSON_PROFILE, extension_definitions, project_identity
from backchannel.stix.markings import TLP2_IDS, tlp2_marking_definition

T = "2023-05-01T10:00:00.000Z"


def obj(type_, n, **kw):
    return {
        "type": type_,
        "spec_version": "2.1",
        "id": f"{type_}--00000000-0000-4000-8000-{n:012d}",
        "created": T,
        "modified": T,
        **kw,
    }


group = obj(
    "threat-actor",
    1,
    name="Katibat al-Fajr al-Gharbi",
    aliases=["Western Dawn Brigade"],
    threat_actor_types=["terrorist"],
    object_marking_refs=[TLP2_IDS[TLP.GREEN]],
)
p1 = obj(
    "identity",
    2,
    name="Yusuf bin Khalil al-Qaryani",
    identity_class="individual",
    confidence=70,
    object_marking_refs=[TLP2_IDS[TLP.AMBER]],
    extensions={
        PERSON_PROFILE: {
            "extension_type": "property-extension",
            "subject_category": "suspect",
            "names": [
                {"value": "يوسف بن خليل القرياني", "script": "Arab", "lang": "ar"},
                {
                    "value": "Yusuf bin Khalil al-Qaryani",
                    "script": "Latn",
                    "transliteration_of": "يوسف بن خليل القرياني",
                },
            ],
            "aliases": [
                {"value": "Abu Khalil", "kind": "kunya"},
                {"value": "al-Muhandis", "kind": "laqab"},
            ],
            "birth_dates": [
                {"date": "1986"},
                {"earliest": "1984", "latest": "1987", "approximate": True},
            ],
            "birthplaces": [{"name": "Deir Hafer", "country": "SY"}],
            "nationalities": ["SY", "FR"],
            "gender": "male",
            "status_assertions": [
                {
                    "status": "killed",
                    "date": "2017-06",
                    "place": "Raqqa",
                    "country": "SY",
                    "source": "Report R12",
                    "reliability": "B",
                    "credibility": 2,
                },
                {
                    "status": "at-large",
                    "date": "2018-03",
                    "place": "Idlib",
                    "country": "SY",
                    "reliability": "E",
                    "credibility": 5,
                },
            ],
        }
    },
)
p2 = obj(
    "identity",
    3,
    name="Youssef Ben Khalil El Karyani",
    identity_class="individual",
    extensions={
        PERSON_PROFILE: {
            "extension_type": "property-extension",
            "subject_category": "suspect",
            "names": [{"value": "Youssef Ben Khalil El Karyani", "script": "Latn"}],
            "birth_dates": [{"date": "1986-04"}],
            "nationalities": ["FR"],
            "gender": "male",
            "status_assertions": [
                {"status": "detained", "date": "2019-02", "place": "al-Hol", "country": "SY"}
            ],
        }
    },
)
p3 = obj(
    "identity",
    4,
    name="Mariam Haddad",
    identity_class="individual",
    object_marking_refs=[TLP2_IDS[TLP.RED]],
    extensions={
        PERSON_PROFILE: {
            "extension_type": "property-extension",
            "subject_category": "witness",
            "names": [{"value": "Mariam Haddad"}],
            "nationalities": ["BE"],
            "gender": "female",
        }
    },
)
loc = obj("location", 5, name="Raqqa", country="SY", region="western-asia")
r1 = obj(
    "relationship",
    6,
    relationship_type="member-of",
    source_ref=p1["id"],
    target_ref=group["id"],
    start_time="2014-01-01T00:00:00Z",
)
r2 = obj(
    "relationship", 7, relationship_type="leader-of", source_ref=p2["id"], target_ref=group["id"]
)
r3 = obj(
    "relationship",
    8,
    relationship_type="travelled-to",
    source_ref=p1["id"],
    target_ref=loc["id"],
    start_time="2013-09-01T00:00:00Z",
    stop_time="2017-06-30T00:00:00Z",
)
rep = obj(
    "report",
    9,
    name="Monthly summary 2017-06",
    published="2017-07-02T00:00:00Z",
    object_refs=[p1["id"], group["id"]],
    description="Reports the death of Yusuf al-Qaryani in Raqqa.",
)
mal = obj("malware", 10, name="FajrLoader", is_family=True, x_custom_note="kept as received")
custom = {
    "type": "x-bc-test",
    "id": "x-bc-test--00000000-0000-4000-8000-000000000011",
    "spec_version": "2.1",
    "created": T,
    "modified": T,
    "x_payload": {"a": [1, 2.5, None, True]},
}
objs = [
    project_identity(),
    *extension_definitions(),
    tlp2_marking_definition(TLP.GREEN),
    tlp2_marking_definition(TLP.AMBER),
    tlp2_marking_definition(TLP.RED),
    group,
    p1,
    p2,
    p3,
    loc,
    r1,
    r2,
    r3,
    rep,
    mal,
    custom,
]
json.dump(
    {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000099", "objects": objs},
    open("tests/data/persons.json", "w"),
    ensure_ascii=False,
    indent=1,
)
# v2: new version of p2 (status changes, drops nationality FR -> adds BE), plus an older version of group
p2b = json.loads(json.dumps(p2))
p2b["modified"] = "2024-01-01T00:00:00.000Z"
ext = p2b["extensions"][PERSON_PROFILE]
ext["nationalities"] = ["BE"]
ext["status_assertions"].append({"status": "returned", "date": "2023-11", "country": "BE"})
g0 = json.loads(json.dumps(group))
g0["modified"] = "2023-01-01T00:00:00.000Z"
g0["created"] = "2023-01-01T00:00:00.000Z"
g0["aliases"] = ["Old Name Brigade"]
json.dump(
    {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000098", "objects": [p2b, g0]},
    open("tests/data/versions.json", "w"),
    ensure_ascii=False,
    indent=1,
)
# bad: several bad objects among good ones
good = obj("threat-actor", 20, name="Saraya al-Nakhil")
bad1 = obj("identity", 21, identity_class="individual")  # missing name
bad2 = {
    "type": "threat-actor",
    "id": "threat-actor--nope",
    "spec_version": "2.1",
    "created": T,
    "modified": T,
    "name": "x",
}
bad3 = obj(
    "relationship",
    22,
    relationship_type="member-of",
    source_ref="identity--00000000-0000-4000-8000-000000000002",
    target_ref="not-an-id",
)
bad4 = obj(
    "identity",
    23,
    name="Anon",
    identity_class="individual",
    confidence=150,
    extensions={
        PERSON_PROFILE: {
            "extension_type": "property-extension",
            "nationalities": ["Syria"],
            "birth_dates": [{"date": "86"}],
        }
    },
)
good2 = obj("location", 24, name="Idlib", country="SY")
json.dump(
    {
        "type": "bundle",
        "id": "bundle--00000000-0000-4000-8000-000000000097",
        "objects": [good, bad1, bad2, bad3, "just a string", bad4, good2],
    },
    open("tests/data/bad.json", "w"),
    ensure_ascii=False,
    indent=1,
)
