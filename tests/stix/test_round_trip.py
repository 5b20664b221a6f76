"""Property: export → import → export of the knowledge is identical, for random knowledge."""

from __future__ import annotations

import json
import tempfile
import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backchannel.ingest.stix_bundle import import_stix
from backchannel.model.vocab import TLP
from backchannel.stix.extension import PERSON_PROFILE
from backchannel.stix.markings import TLP2_IDS
from backchannel.store.engine import open_store
from tests.conftest import Clock, make_envelope
from tests.stix.helpers import knowledge, validator_errors, write_bundle

names = (
    st.text(
        alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz -'ابتثجحخدذرزسشصضطظعغفقكلمنهوي"),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)
countries = st.sampled_from(["SY", "IQ", "FR", "BE", "TN", "MA", "RU", "AU"])
years = st.integers(1950, 2005).map(str)
grade = st.fixed_dictionaries(
    {}, optional={"reliability": st.sampled_from("ABCDEF"), "credibility": st.integers(1, 6)}
)


@st.composite
def person(draw: st.DrawFn, n: int) -> dict[str, Any]:
    profile: dict[str, Any] = {"extension_type": "property-extension"}
    if draw(st.booleans()):
        profile["names"] = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"value": names}, optional={"script": st.sampled_from(["Latn", "Arab"])}
                ),
                min_size=1,
                max_size=3,
            )
        )
    if draw(st.booleans()):
        profile["aliases"] = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"value": names, "kind": st.sampled_from(["alias", "kunya", "nom-de-guerre"])}
                ),
                min_size=1,
                max_size=2,
            )
        )
    if draw(st.booleans()):
        profile["birth_dates"] = draw(
            st.lists(
                st.one_of(
                    st.builds(lambda y: {"date": y}, years),
                    st.builds(
                        lambda a, b: {
                            "earliest": min(a, b),
                            "latest": max(a, b),
                            "approximate": True,
                        },
                        years,
                        years,
                    ),
                ),
                min_size=1,
                max_size=2,
            )
        )
    if draw(st.booleans()):
        profile["nationalities"] = draw(st.lists(countries, min_size=1, max_size=2, unique=True))
    if draw(st.booleans()):
        profile["gender"] = draw(st.sampled_from(["male", "female", "unknown"]))
    if draw(st.booleans()):
        profile["status_assertions"] = draw(
            st.lists(
                st.builds(
                    lambda s, y, g: {"status": s, "date": y, **g},
                    st.sampled_from(["at-large", "killed", "detained", "returned"]),
                    years,
                    grade,
                ),
                min_size=1,
                max_size=3,
            )
        )
    obj: dict[str, Any] = {
        "type": "identity",
        "spec_version": "2.1",
        "id": f"identity--{uuid.UUID(int=n, version=4)}",
        "name": draw(names),
        "identity_class": "individual",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "extensions": {PERSON_PROFILE: profile},
    }
    if draw(st.booleans()):
        obj["object_marking_refs"] = [TLP2_IDS[draw(st.sampled_from(list(TLP)))]]
    conf = draw(st.none() | st.integers(0, 100))
    if conf is not None:
        obj["confidence"] = conf
    return obj


@st.composite
def knowledge_bases(draw: st.DrawFn) -> list[dict[str, Any]]:
    people = [draw(person(n + 1)) for n in range(draw(st.integers(1, 4)))]
    group = {
        "type": "threat-actor",
        "spec_version": "2.1",
        "id": "threat-actor--00000000-0000-4000-8000-0000000000ff",
        "name": draw(names),
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
    }
    rels = [
        {
            "type": "relationship",
            "spec_version": "2.1",
            "id": f"relationship--{uuid.UUID(int=1000 + i, version=4)}",
            "relationship_type": "member-of",
            "source_ref": p["id"],
            "target_ref": group["id"],
            "created": "2024-01-01T00:00:00.000Z",
            "modified": "2024-01-01T00:00:00.000Z",
        }
        for i, p in enumerate(people)
        if draw(st.booleans())
    ]
    return [group, *people, *rels]


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(objects=knowledge_bases(), tlp=st.sampled_from(list(TLP)))
def test_export_import_export_is_identical(objects: list[dict[str, Any]], tlp: TLP) -> None:
    clock = Clock()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        db1 = open_store(str(d / "one.db"), create=True)
        db2 = open_store(str(d / "two.db"), create=True)
        try:
            imported = import_stix(
                db1,
                [str(write_bundle(d / "in.json", objects))],
                make_envelope(tlp=tlp),
                clock=clock,
            )
            assert imported.rejections == []
            first = knowledge(db1)
            (d / "export.json").write_bytes(first)
            clock.tick(60)
            again = import_stix(
                db2, [str(d / "export.json")], make_envelope("Elsewhere"), clock=clock
            )
            assert again.rejections == []
            second = knowledge(db2)
        finally:
            db1.close()
            db2.close()
    assert first == second
    assert validator_errors(json.loads(first)) == []
