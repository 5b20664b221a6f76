"""FollowTheMoney entities (JSON lines): what lands, what is rejected, and re-import.

The fixture ``tests/data/watchlist.ftm.jsonl`` holds fictional persons, an organisation, a
company, a vessel, a membership, a sanction and four bad lines.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from backchannel.ingest.formats import FORMATS
from backchannel.ingest.listing import UNDATED, stix_id
from backchannel.ingest.stix_bundle import ImportSummary, import_stix
from backchannel.model.vocab import EntityKind
from backchannel.store.engine import Store
from backchannel.store.schema import entity, record
from tests.conftest import DATA, Clock, make_envelope
from tests.ingest.helpers import (
    converted,
    dump,
    entity_of,
    oracle_errors,
    qualified,
    source_ids,
    values,
)

FTM = DATA / "watchlist.ftm.jsonl"
KARIM = stix_id("identity", "ftm", "wl-p-001")
LEILA = stix_id("identity", "ftm", "wl-p-002")
FRONT = stix_id("identity", "ftm", "wl-o-001")
COMPANY = stix_id("identity", "ftm", "wl-c-001")
SANCTION = stix_id("x-ftm-entity", "ftm", "wl-s-001")


def _import(store: Store, clock: Clock, path: Path = FTM) -> ImportSummary:
    return import_stix(store, [str(path)], make_envelope("OS"), clock=clock, fmt=FORMATS["ftm"])


def test_good_lines_land_and_bad_lines_are_reported(store: Store, clock: Clock) -> None:
    result = _import(store, clock)
    assert (result.counts.new, result.counts.rejected) == (7, 4)
    got = {(r.position, r.prop): r.reason for r in result.rejections}
    assert got == {
        (9, "properties.name"): "a Person needs a name (or firstName/lastName)",
        (10, "schema"): "missing: every entity needs its schema",
        (11, "id"): "missing: every entity needs its id",
        (12, "(line)"): "malformed JSON at column 77: unexpected end of data",
    }
    assert result.rejections[0].object_id == stix_id("identity", "ftm", "wl-bad-001")


def test_person_becomes_a_person_with_profile(store: Store, clock: Clock) -> None:
    _import(store, clock)
    karim = entity_of(store, KARIM)
    assert karim.kind is EntityKind.PERSON
    names = {v: q.get("script") for v, q in qualified(karim, "name").items()}
    assert names == {"Karim Haddad Zawiya": "Latn", "كريم حداد زاوية": "Arab"}
    aliases = qualified(karim, "alias")
    assert aliases["Karim al-Zawi"] == {"kind": "alias", "script": "Latn"}
    assert aliases["Abu Layla"] == {"kind": "alias", "quality": "low", "script": "Latn"}
    assert values(karim, "birth_date") == {"1977-03"}
    assert qualified(karim, "birthplace") == {"Qasr Fictif": {"country": "SY"}}
    assert values(karim, "nationality") == {"SY", "FR"}
    assert values(karim, "gender") == {"male"}
    assert values(karim, "roles") == {"Treasurer of the Crimson Dune Front"}
    assert values(karim, "labels") == {"sanction"}
    assert values(karim, "x_datasets") == {"test_watchlist"}
    [rest] = values(karim, "x_ftm_properties")
    assert json.loads(rest) == {
        "firstName": ["Karim"],
        "lastName": ["Zawiya"],
        "passportNumber": ["X0000001"],
    }
    assert source_ids(karim) == {("FollowTheMoney", "wl-p-001")}


def test_dates_come_from_the_record(store: Store, clock: Clock) -> None:
    _import(store, clock)
    with store.read() as conn:
        versions = dict(conn.execute(select(record.c.stix_id, record.c.body)).all())
    karim, leila = json.loads(versions[KARIM]), json.loads(versions[LEILA])
    assert (karim["created"], karim["modified"]) == (
        "2021-03-04T10:00:00.000Z",
        "2023-05-06T07:08:09.000Z",
    )
    assert leila["created"] == leila["modified"] == UNDATED


def test_codes_that_are_not_countries_are_kept_as_text(store: Store, clock: Clock) -> None:
    _import(store, clock)
    leila = entity_of(store, LEILA)
    assert values(leila, "nationality") == {"LY"}
    assert values(leila, "x_nationality_text") == {"suhh"}
    assert values(leila, "birth_date") == {"1982", "1983-11-14"}


def test_organisations_links_and_other_schemata(store: Store, clock: Clock) -> None:
    _import(store, clock)
    front = entity_of(store, FRONT)
    assert front.kind is EntityKind.ORGANISATION
    assert values(front, "alias") == {"CDF"}
    assert values(front, "x_countries") == {"LY"}
    assert values(entity_of(store, COMPANY), "alias") == {"Saltmarsh Imports Ltd"}
    [member_of] = [s for s in entity_of(store, KARIM).current("member-of")]
    assert (member_of.value, member_of.link) == (FRONT, True)
    assert member_of.valid_from == "2015-06-01T00:00:00.000Z"
    with store.read() as conn:
        archived = set(conn.execute(select(record.c.stix_id)).scalars())
        entities = set(conn.execute(select(entity.c.id)).scalars())
    # A Sanction is archived as received but describes no entity of its own.
    assert SANCTION in archived and SANCTION not in entities


def test_reimport_changes_nothing_and_a_change_is_a_new_version(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    _import(store, clock)
    before = dump(store)
    clock.tick(3600)
    again = _import(store, clock)
    assert (again.counts.unchanged, again.counts.new, again.counts.statements) == (7, 0, 0)
    assert dump(store) == before
    changed = FTM.read_text().replace(
        '"last_change": "2023-05-06T07:08:09"', '"last_change": "2024-01-01T00:00:00"'
    )
    changed = changed.replace('"weakAlias": ["Abu Layla"]', '"weakAlias": ["Abu Layla al-Wadi"]')
    (tmp_path / "watchlist.ftm.jsonl").write_text(changed)
    result = _import(store, clock, tmp_path / "watchlist.ftm.jsonl")
    assert (result.counts.new_version, result.counts.unchanged) == (1, 6)
    assert values(entity_of(store, KARIM), "alias") == {"Karim al-Zawi", "Abu Layla al-Wadi"}


def test_nested_entities_are_refused_with_a_reason(tmp_path: Path) -> None:
    line = {"id": "x", "schema": "Person", "properties": {"name": ["A"], "sanctions": [{}]}}
    path = tmp_path / "nested.jsonl"
    path.write_text(json.dumps(line) + "\n")
    [loc] = converted("ftm", str(path))
    assert [p.prop for p in loc.problems] == ["properties.sanctions"]
    assert "entities.ftm.json" in loc.problems[0].reason


def test_converted_objects_pass_the_stix_validator() -> None:
    assert oracle_errors(converted("ftm", str(FTM))) == []
