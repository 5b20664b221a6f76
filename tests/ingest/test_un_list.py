"""UN Security Council Consolidated List (XML): what lands, what is rejected, and re-import.

The fixture ``tests/data/un_list.xml`` holds fictional persons in the real list's structure;
the real list (``../shared/data/er``) is imported too when it is there.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from backchannel.errors import InvalidInput
from backchannel.ingest.formats import FORMATS
from backchannel.ingest.listing import stix_id
from backchannel.ingest.stix_bundle import ImportSummary, import_stix
from backchannel.ingest.un_list import read_un_list
from backchannel.model.vocab import EntityKind
from backchannel.store.engine import Store
from backchannel.store.knowledge import table_counts
from tests.conftest import DATA, Clock, make_envelope, shared_or_skip
from tests.ingest.helpers import (
    converted,
    dump,
    entity_of,
    oracle_errors,
    qualified,
    source_ids,
    values,
)

UN_XML = DATA / "un_list.xml"
KARIM = stix_id("identity", "un", "QDi.901")
LEILA = stix_id("identity", "un", "QDi.902")
FRONT = stix_id("identity", "un", "QDe.901")
SOURCE = "UN Security Council Consolidated List"


def _import(store: Store, clock: Clock, path: Path = UN_XML) -> ImportSummary:
    return import_stix(store, [str(path)], make_envelope("UN SC"), clock=clock, fmt=FORMATS["un"])


def test_good_records_land_and_bad_ones_are_reported(store: Store, clock: Clock) -> None:
    result = _import(store, clock)
    assert (result.counts.new, result.counts.rejected) == (3, 2)
    by_position = {r.position: r for r in result.rejections}
    assert by_position[3].prop == "LISTED_ON"
    assert "'2011-13-45' is not a date" in by_position[3].reason
    assert "QDi.903" in by_position[3].reason
    assert by_position[3].object_id == stix_id("identity", "un", "QDi.903")
    assert by_position[4].prop == "REFERENCE_NUMBER"
    assert "NOBODY" in by_position[4].reason
    assert all(r.file == str(UN_XML) for r in result.rejections)


def test_individual_becomes_a_person_with_profile(store: Store, clock: Clock) -> None:
    _import(store, clock)
    karim = entity_of(store, KARIM)
    assert karim.kind is EntityKind.PERSON
    names = {v: q.get("script") for v, q in qualified(karim, "name").items()}
    assert names == {"KARIM HADDAD ZAWIYA": "Latn", "كريم حداد زاوية": "Arab"}
    aliases = qualified(karim, "alias")
    assert aliases["Karim al-Zawi"] == {"kind": "alias", "quality": "good", "script": "Latn"}
    assert aliases["Abu Layla"]["quality"] == "low"
    assert "" not in aliases  # the empty alias element is skipped
    births = {s.value: s.qualifiers for s in karim.current("birth_date")}
    # EXACT date, APPROXIMATELY year, and the date given with an alias.
    assert births == {"1977-03-14": {}, "1976": {"approximate": "true"}, "1975-01-01": {}}
    assert qualified(karim, "birthplace") == {
        "Qasr Fictif, Wadi Province, Syrian Arab Republic": {"country": "SY"},
        "Qasr Fictif, Syrian Arab Republic": {"country": "SY"},
    }
    assert values(karim, "nationality") == {"SY"}
    assert values(karim, "gender") == {"male"}
    assert values(karim, "roles") == {"Treasurer of the Crimson Dune Front"}
    assert values(karim, "labels") == {"Al-Qaida"}
    assert values(karim, "x_identifiers") == {"Passport X0000001 (issued by Syrian Arab Republic)"}
    assert values(karim, "x_notes") == {"alias Karim Haddad: previously listed as"}
    assert source_ids(karim) == {(SOURCE, "QDi.901")}


def test_ranges_notes_and_unknown_countries(store: Store, clock: Clock) -> None:
    _import(store, clock)
    leila = entity_of(store, LEILA)
    births = {s.value: s.qualifiers for s in leila.current("birth_date")}
    # BETWEEN with "Approximately", and an EXACT date given only as a note ("Nov. 1981").
    assert births == {"1980/1983": {"approximate": "true"}, "1981-11": {}}
    # What cannot be mapped is kept as written, never dropped or guessed.
    assert values(leila, "x_notes") == {"date of birth: 40-45 years old"}
    assert values(leila, "nationality") == {"LY"}
    assert values(leila, "x_nationality_text") == {"former Soviet Union"}
    assert qualified(leila, "birthplace") == {"Libya": {"country": "LY"}}


def test_entity_becomes_an_organisation(store: Store, clock: Clock) -> None:
    _import(store, clock)
    front = entity_of(store, FRONT)
    assert front.kind is EntityKind.ORGANISATION
    assert values(front, "name") == {"CRIMSON DUNE FRONT"}
    assert values(front, "alias") == {"جبهة الكثبان القرمزية", "CDF", "Red Sand Brigade"}
    assert values(front, "x_addresses") == {"Wadi Fictif, Syrian Arab Republic"}
    assert source_ids(front) == {(SOURCE, "QDe.901")}


def test_reimport_changes_nothing(store: Store, clock: Clock) -> None:
    _import(store, clock)
    before = dump(store)
    clock.tick(3600)
    again = _import(store, clock)
    assert (again.counts.unchanged, again.counts.new, again.counts.statements) == (3, 0, 0)
    assert dump(store) == before


def test_amended_record_is_a_new_version(store: Store, clock: Clock, tmp_path: Path) -> None:
    _import(store, clock)
    text = UN_XML.read_text()
    amended = text.replace(
        "<VALUE>2019-07-22</VALUE>", "<VALUE>2019-07-22</VALUE><VALUE>2024-02-02</VALUE>"
    ).replace("<ALIAS_NAME>Abu Layla</ALIAS_NAME>", "<ALIAS_NAME>Abu Layla al-Wadi</ALIAS_NAME>")
    (tmp_path / "un_list.xml").write_text(amended)
    clock.tick()
    result = _import(store, clock, tmp_path / "un_list.xml")
    assert (result.counts.new_version, result.counts.unchanged) == (1, 2)
    assert "Abu Layla al-Wadi" in values(entity_of(store, KARIM), "alias")
    assert "Abu Layla" not in values(entity_of(store, KARIM), "alias")


def test_converted_objects_pass_the_stix_validator() -> None:
    assert oracle_errors(converted("un", str(UN_XML))) == []


def test_document_type_declarations_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY a "aaaaaaaaaa">]>\n'
        "<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>"
    )
    with pytest.raises(InvalidInput, match="document type declaration is refused"):
        list(read_un_list(str(path)))


def test_other_xml_is_not_a_un_list(tmp_path: Path) -> None:
    path = tmp_path / "other.xml"
    path.write_text("<sdnList><sdnEntry/></sdnList>")
    with pytest.raises(InvalidInput, match="not a UN Security Council") as err:
        list(read_un_list(str(path)))
    assert "<sdnList>" in str(err.value)


def test_malformed_xml_says_where(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_text(UN_XML.read_text()[:3000])
    with pytest.raises(InvalidInput, match="malformed XML") as err:
        list(read_un_list(str(path)))
    assert "line" in str(err.value) and str(path) in str(err.value)


def _synthetic_list(path: Path, n: int) -> None:
    person = (UN_XML.read_text().split("<INDIVIDUAL>")[1]).split("</INDIVIDUAL>")[0]
    with path.open("w") as out:
        out.write("<CONSOLIDATED_LIST><INDIVIDUALS>")
        for i in range(n):
            out.write("<INDIVIDUAL>" + person.replace("QDi.901", f"QDi.{i}") + "</INDIVIDUAL>")
        out.write("</INDIVIDUALS></CONSOLIDATED_LIST>")


def _peak_bytes(path: Path) -> int:
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_un_list(str(path)))
        return tracemalloc.get_traced_memory()[1] if count else 0
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_list(tmp_path: Path) -> None:
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    _synthetic_list(small, 150)
    _synthetic_list(large, 1500)
    assert large.stat().st_size > 2_000_000
    assert _peak_bytes(large) < 1.5 * _peak_bytes(small)


def test_real_un_list_imports_whole(store: Store, clock: Clock) -> None:
    path = shared_or_skip("data", "er", "un_sc_consolidated_2025-04-19.xml")
    started = time.perf_counter()
    result = _import(store, clock, path)
    elapsed = time.perf_counter() - started
    assert result.rejections == []
    assert result.counts.new == 877
    with store.read() as conn:
        counts = table_counts(conn)
    assert (counts["persons"], counts["organisations"]) == (684, 193)
    again = _import(store, clock, path)
    assert again.counts.unchanged == 877 and again.counts.statements == 0
    assert elapsed < 30, f"importing the UN list took {elapsed:.1f} s"
