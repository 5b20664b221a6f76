"""The synthetic corpus: deterministic, valid STIX 2.1, complete ground truth, realistic enough."""

from __future__ import annotations

import csv
import json
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import stix2
from stix2validator import ValidationOptions, validate_instance

from backchannel.errors import InvalidInput
from backchannel.model.vocab import TLP
from backchannel.stix.extension import PERSON_PROFILE, person_profile_schema
from backchannel.synth import SynthSummary, generate
from backchannel.synth.identifier import stix_id
from backchannel.synth.transliteration import typo

Obj = dict[str, Any]


def _bundles(summary: SynthSummary) -> dict[str, list[Obj]]:
    return {p.name: json.loads(p.read_bytes())["objects"] for p in summary.bundles}


def _persons(objects: list[Obj]) -> Iterator[Obj]:
    for o in objects:
        if o["type"] == "identity" and o["identity_class"] == "individual":
            yield o


def _profile(o: Obj) -> Obj:
    ext: Obj = o["extensions"][PERSON_PROFILE]
    return ext


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate(tmp_path_factory.mktemp("synth"), persons=200, seed=11)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate(tmp_path_factory.mktemp("small"), persons=50, seed=3)


@pytest.fixture(scope="module")
def truth(corpus: SynthSummary) -> dict[tuple[str, str], str]:
    with corpus.truth.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    mapping = {(r["source_file"], r["record_id"]): r["person_id"] for r in rows}
    assert len(mapping) == len(rows), "a record appears twice in truth.csv"
    return mapping


@pytest.fixture(scope="module")
def records_by_person(
    corpus: SynthSummary, truth: dict[tuple[str, str], str]
) -> dict[str, list[Obj]]:
    grouped: dict[str, list[Obj]] = defaultdict(list)
    for name, objects in _bundles(corpus).items():
        for o in _persons(objects):
            grouped[truth[(name, o["id"])]].append(o)
    return grouped


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", persons=200, seed=5)
    b = generate(tmp_path / "b", persons=200, seed=5)
    c = generate(tmp_path / "c", persons=200, seed=6)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert a == SynthSummary(**_as_kwargs(b, tmp_path / "a"))
    for name in (p.name for p in c.bundles):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes()
    assert (tmp_path / "a" / "truth.csv").read_bytes() != (
        tmp_path / "c" / "truth.csv"
    ).read_bytes()


def _as_kwargs(s: SynthSummary, directory: Path) -> Obj:
    """``s`` with its paths moved into ``directory``, to compare summaries of two runs."""
    return {
        "persons": s.persons,
        "records": s.records,
        "objects": s.objects,
        "bundles": [directory / p.name for p in s.bundles],
        "manifest": directory / s.manifest.name,
        "truth": directory / s.truth.name,
    }


def test_every_object_is_valid_stix_and_every_profile_fits_the_schema(
    small: SynthSummary,
) -> None:
    options = ValidationOptions(version="2.1")
    schema = jsonschema.Draft202012Validator(person_profile_schema())
    problems = []
    profiles = 0
    for name, objects in _bundles(small).items():
        for o in objects:
            result = validate_instance(o, options)
            problems += [f"{name} {o['id']}: {e}" for e in result.errors]
            ext = o.get("extensions", {}).get(PERSON_PROFILE)
            if ext is not None:
                profiles += 1
                problems += [f"{name} {o['id']}: {e.message}" for e in schema.iter_errors(ext)]
    assert not problems, "\n".join(problems[:20])
    assert profiles == small.records


def test_the_stix2_library_parses_every_bundle(small: SynthSummary) -> None:
    for path in small.bundles:
        bundle = stix2.parse(json.loads(path.read_bytes()), allow_custom=False)
        assert bundle.type == "bundle"


def test_profiles_in_the_larger_corpus_fit_the_schema(corpus: SynthSummary) -> None:
    schema = jsonschema.Draft202012Validator(person_profile_schema())
    for objects in _bundles(corpus).values():
        for o in _persons(objects):
            errors = [e.message for e in schema.iter_errors(_profile(o))]
            assert not errors, (o["id"], errors)


def test_bundles_are_self_contained_with_unique_ids(corpus: SynthSummary) -> None:
    seen: set[str] = set()
    shared = set()
    for name, objects in _bundles(corpus).items():
        ids = {o["id"] for o in objects}
        assert len(ids) == len(objects), name
        ids_outside_shared = ids - _shared_ids(objects)
        assert not (ids_outside_shared & seen), f"{name} reuses another bundle's ids"
        seen |= ids_outside_shared
        shared |= _shared_ids(objects)
        for o in objects:
            refs = [o.get("created_by_ref"), o.get("source_ref"), o.get("target_ref")]
            refs += o.get("object_refs", []) + o.get("object_marking_refs", [])
            refs += list(o.get("extensions", {}))
            for ext in o.get("extensions", {}).values():
                refs += [s.get("source_ref") for s in ext.get("status_assertions", [])]
            missing = {r for r in refs if r} - ids
            # The TLP 2.0 extension is defined by OASIS, not shipped in bundles.
            missing.discard("extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d")
            assert not missing, (name, o["id"], missing)


def _shared_ids(objects: list[Obj]) -> set[str]:
    """Objects every bundle repeats on purpose: project identity, extensions, TLP markings."""
    return {
        o["id"] for o in objects if o["type"] in ("extension-definition", "marking-definition")
    } | {"identity--ef995a80-d375-4416-aa65-e37e0d7c7725"}


def test_bundles_start_with_project_identity_and_extension_definitions(
    corpus: SynthSummary,
) -> None:
    for objects in _bundles(corpus).values():
        assert objects[0]["id"] == "identity--ef995a80-d375-4416-aa65-e37e0d7c7725"
        assert PERSON_PROFILE in {o["id"] for o in objects[1:3]}


def test_manifest_describes_each_bundle_envelope(corpus: SynthSummary) -> None:
    manifest = json.loads(corpus.manifest.read_bytes())
    assert manifest["generator"] == "backchannel synth"
    assert (manifest["seed"], manifest["persons"]) == (11, 200)
    entries = manifest["bundles"]
    assert [e["file"] for e in entries] == [p.name for p in corpus.bundles]
    assert all((corpus.manifest.parent / e["file"]).exists() for e in entries)
    assert {e["channel"] for e in entries} == {"liaison", "osint"}
    assert len({e["tlp"] for e in entries}) == len(entries)
    assert all(TLP(e["tlp"]) for e in entries)
    assert all(e["reliability"] in "ABCDEF" and 1 <= e["credibility"] <= 6 for e in entries)
    relayed = [e for e in entries if e["source"] != e["originator"]]
    assert relayed and relayed[0]["file"] == "partner-d-via-b.json"
    news = next(e for e in entries if e["channel"] == "osint")
    assert news["tlp"] == "clear" and news["reliability"] in "CD"


def test_truth_covers_every_person_record_exactly_once(
    corpus: SynthSummary, truth: dict[tuple[str, str], str]
) -> None:
    records = {(name, o["id"]) for name, objs in _bundles(corpus).items() for o in _persons(objs)}
    assert records == set(truth)
    assert corpus.records == len(truth)
    assert len(set(truth.values())) == corpus.persons == 200
    assert corpus.objects == sum(len(objs) for objs in _bundles(corpus).values())


def test_some_persons_appear_in_several_sources_under_different_spellings(
    records_by_person: dict[str, list[Obj]],
) -> None:
    multi = [recs for recs in records_by_person.values() if len(recs) >= 2]
    assert len(multi) > 200 * 0.3
    differing = [recs for recs in multi if len({r["name"] for r in recs}) > 1]
    assert len(differing) > len(multi) / 2
    assert max(len(recs) for recs in records_by_person.values()) >= 4


def test_some_records_carry_the_arabic_script_name(corpus: SynthSummary) -> None:
    pairs = []
    for objects in _bundles(corpus).values():
        for o in _persons(objects):
            names = _profile(o)["names"]
            arabic = [n for n in names if n.get("script") == "Arab"]
            if arabic:
                latin = next(n for n in names if n.get("transliteration_of"))
                pairs.append((latin, arabic[0]))
    assert pairs
    for latin, arabic in pairs:
        assert latin["transliteration_of"] == arabic["value"] and arabic["lang"] == "ar"
        assert all("\u0600" <= ch <= "\u06ff" or ch == " " for ch in arabic["value"])


def test_realism_kunyas_conflicting_births_and_statuses(
    records_by_person: dict[str, list[Obj]],
) -> None:
    records = [r for recs in records_by_person.values() for r in recs]
    profiles = [_profile(r) for r in records]
    kinds = {a["kind"] for p in profiles for a in p.get("aliases", [])}
    assert {"kunya", "nom-de-guerre", "alias"} <= kinds
    kunya_share = sum(any(a["kind"] == "kunya" for a in p.get("aliases", [])) for p in profiles)
    assert kunya_share / len(profiles) > 0.1

    def years(rec: Obj) -> set[str]:
        return {b["date"][:4] for b in _profile(rec).get("birth_dates", []) if "date" in b}

    def statuses(rec: Obj) -> set[str]:
        found = {s["status"] for s in _profile(rec).get("status_assertions", [])}
        return found - {"unknown"}

    multi = [recs for recs in records_by_person.values() if len(recs) > 1]
    assert any(len(set().union(*map(years, recs))) > 1 for recs in multi)
    assert any(len(set().union(*map(statuses, recs))) > 1 for recs in multi)
    assert any("," in r["name"] for r in records), "no surname-first spelling"
    assert any(
        b.get("approximate") or "earliest" in b for p in profiles for b in p.get("birth_dates", [])
    )
    assert any("source" in s for p in profiles for s in p.get("status_assertions", []))
    genders = {p.get("gender") for p in profiles}
    assert {"male", "female"} <= genders


def test_markings_and_confidence_appear_on_some_objects(corpus: SynthSummary) -> None:
    objects = [o for objs in _bundles(corpus).values() for o in objs]
    assert any("confidence" in o for o in objects)
    marked = [o for o in objects if "object_marking_refs" in o]
    assert marked and len(marked) < len(objects)
    kinds = {o["type"] for o in objects}
    assert {"threat-actor", "location", "relationship", "report", "identity"} <= kinds
    rel_types = {o["relationship_type"] for o in objects if o["type"] == "relationship"}
    assert {"member-of", "located-at", "travelled-to"} <= rel_types


def test_progress_reports_persons_done(tmp_path: Path) -> None:
    seen: list[int] = []
    generate(tmp_path, persons=2500, seed=1, progress=seen.append)
    assert seen == [1000, 2000, 2500]


def test_at_least_one_person_is_required(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        generate(tmp_path, persons=0, seed=1)


def test_stix_id_is_a_version_4_uuid_from_the_generator() -> None:
    a, b = random.Random(9), random.Random(9)
    for _ in range(200):
        expected = uuid.UUID(int=b.getrandbits(128), version=4)
        assert stix_id(a, "identity") == f"identity--{expected}"


def test_typo_changes_one_letter_at_most() -> None:
    rng = random.Random(4)
    for _ in range(200):
        text = typo("Muhammad al-Halabi", rng)
        assert text[0] == "M" and abs(len(text) - len("Muhammad al-Halabi")) <= 1
