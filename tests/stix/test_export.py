"""STIX 2.1 export: valid output, exact received objects, lossless knowledge round trips."""

from __future__ import annotations

import json
from pathlib import Path

from backchannel.ingest.stix_bundle import import_stix
from backchannel.model.vocab import TLP, Credibility, Reliability
from backchannel.stix.extension import PERSON_PROFILE, PROVENANCE
from backchannel.stix.writer import ExportFilter
from backchannel.store.engine import Store, open_store
from tests.conftest import DATA, Clock, make_envelope
from tests.stix.helpers import knowledge, received, validator_errors, write_bundle

P1 = "identity--00000000-0000-4000-8000-000000000002"


def test_knowledge_export_is_valid_stix(store: Store, clock: Clock) -> None:
    import_stix(store, [str(DATA / "persons.json")], make_envelope(), clock=clock)
    import_stix(store, [str(DATA / "versions.json")], make_envelope(), clock=clock)
    data = knowledge(store)
    assert validator_errors(data) == []
    objs = {o["id"]: o for o in json.loads(data)["objects"]}
    person = objs[P1]
    assert person["identity_class"] == "individual"
    profile = person["extensions"][PERSON_PROFILE]
    assert {n["value"] for n in profile["names"]} == {
        "يوسف بن خليل القرياني",
        "Yusuf bin Khalil al-Qaryani",
    }
    assert {"value": "Abu Khalil", "kind": "kunya"} in profile["aliases"]
    assert {"earliest": "1984", "latest": "1987", "approximate": True} in profile["birth_dates"]
    # The strictest marking among the person's statements marks the object.
    assert person["object_marking_refs"] == [
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
    ]
    rels = [o for o in objs.values() if o["type"] == "relationship" and o["source_ref"] == P1]
    assert {r["relationship_type"] for r in rels} == {"member-of", "travelled-to"}


def test_received_export_gives_back_the_same_json_values(store: Store, clock: Clock) -> None:
    import_stix(store, [str(DATA / "persons.json")], make_envelope(), clock=clock)
    import_stix(store, [str(DATA / "versions.json")], make_envelope(), clock=clock)
    sent = (
        json.loads((DATA / "persons.json").read_text())["objects"]
        + json.loads((DATA / "versions.json").read_text())["objects"]
    )
    every = received(store, all_versions=True)["objects"]
    key = lambda o: (o["id"], o.get("modified", ""))  # noqa: E731
    assert sorted(every, key=key) == sorted(sent, key=key)
    newest = received(store)["objects"]
    assert len(newest) == len(every) - 2  # P2's first and the group's older version: history
    assert (
        validator_errors(
            {
                "type": "bundle",
                "id": "bundle--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
                "objects": every,
            }
        )
        == []
    )


def test_filters(store: Store, clock: Clock) -> None:
    import_stix(store, [str(DATA / "persons.json")], make_envelope(tlp=TLP.AMBER), clock=clock)
    types = {
        o["type"]
        for o in received(store, filt=ExportFilter(types=frozenset({"identity"})))["objects"]
    }
    assert types == {"identity"}
    green = received(store, filt=ExportFilter(max_tlp=TLP.GREEN))["objects"]
    # Marked GREEN, or explicit TLP 2.0 CLEAR definitions; unmarked objects took AMBER.
    assert {o["id"] for o in green} >= {"threat-actor--00000000-0000-4000-8000-000000000001"}
    assert P1 not in {o["id"] for o in green}
    red_person = "identity--00000000-0000-4000-8000-000000000004"
    k = json.loads(knowledge(store, ExportFilter(max_tlp=TLP.AMBER)))["objects"]
    assert red_person not in {o["id"] for o in k}
    assert P1 in {o["id"] for o in k}
    later = received(store, filt=ExportFilter(modified_since="2030-01-01T00:00:00.000000Z"))
    assert later["objects"] == []


def test_export_is_deterministic(store: Store, clock: Clock) -> None:
    import_stix(store, [str(DATA / "persons.json")], make_envelope(), clock=clock)
    assert knowledge(store) == knowledge(store)


def _round_trip(db1: Store, tmp: Path, clock: Clock) -> tuple[bytes, bytes]:
    first = knowledge(db1)
    path = tmp / "export.json"
    path.write_bytes(first)
    db2 = open_store(str(tmp / "second.db"), create=True)
    try:
        result = import_stix(db2, [str(path)], make_envelope("Export of DB1"), clock=clock)
        assert result.rejections == []
        return first, knowledge(db2)
    finally:
        db2.close()


def test_knowledge_round_trip_is_identical(store: Store, clock: Clock, tmp_path: Path) -> None:
    import_stix(store, [str(DATA / "persons.json")], make_envelope(), clock=clock)
    import_stix(store, [str(DATA / "persons.json")], make_envelope("Partner C"), clock=clock)
    first, second = _round_trip(store, tmp_path, clock)
    assert first == second


def test_all_36_admiralty_grades_round_trip(store: Store, clock: Clock, tmp_path: Path) -> None:
    """DP-2: every reliability × credibility survives DB → STIX → DB unchanged."""
    objects = []
    expected = {}
    for i, rel in enumerate(Reliability):
        for j, cred in enumerate(Credibility):
            n = i * 6 + j
            pid = f"identity--00000000-0000-4000-9000-{n:012d}"
            objects.append(
                {
                    "type": "identity",
                    "spec_version": "2.1",
                    "id": pid,
                    "name": f"Grade {n}",
                    "identity_class": "individual",
                    "created": "2024-01-01T00:00:00.000Z",
                    "modified": "2024-01-01T00:00:00.000Z",
                    "extensions": {
                        PERSON_PROFILE: {
                            "extension_type": "property-extension",
                            "status_assertions": [
                                {
                                    "status": "detained",
                                    "reliability": rel.value,
                                    "credibility": int(cred.value),
                                }
                            ],
                        }
                    },
                }
            )
            expected[pid] = rel.value + cred.value
    import_stix(
        store, [str(write_bundle(tmp_path / "grades.json", objects))], make_envelope(), clock=clock
    )
    first, second = _round_trip(store, tmp_path, clock)
    assert first == second
    got = {}
    for o in json.loads(second)["objects"]:
        if o["id"] in expected:
            (s,) = [
                s for s in o["extensions"][PROVENANCE]["statements"] if s["property"] == "status"
            ]
            got[o["id"]] = s["reliability"] + str(s["credibility"])
            # Credibility 6 is "cannot be judged": never a confidence of 0 or null.
            assert "confidence" not in o
    assert got == expected
    print(f"DP-2: {len(got)}/36 Admiralty grades round-trip")
