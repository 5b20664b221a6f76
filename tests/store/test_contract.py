"""The store contract: one test body, run on every backend (SQLite always, PostgreSQL in CI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from backchannel.errors import NotFound, StoreError
from backchannel.ingest.stix_bundle import StrictImportFailed, import_stix
from backchannel.model.statement import State
from backchannel.model.vocab import TLP, Credibility, EntityKind, Reliability, Status
from backchannel.store.engine import Store, open_store
from backchannel.store.knowledge import get_entity, person_stats, search, table_counts
from backchannel.store.schema import delivery, entity, envelope, record, statement
from tests.conftest import DATA, Clock, make_envelope

P1 = "identity--00000000-0000-4000-8000-000000000002"
P2 = "identity--00000000-0000-4000-8000-000000000003"
GROUP = "threat-actor--00000000-0000-4000-8000-000000000001"


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every truth table, sorted: equal dumps mean nothing changed."""
    with store.read() as conn:
        return {
            t.name: sorted(tuple(r) for r in conn.execute(select(t)))
            for t in (envelope, record, delivery, entity, statement)
        }


def test_open_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="run `backchannel init`"):
        open_store(str(tmp_path / "absent.db"))


def test_init_twice_is_harmless(db_url: str) -> None:
    open_store(db_url, create=True).close()
    s = open_store(db_url, create=True)
    with s.read() as conn:
        assert table_counts(conn)["records"] == 0
    s.close()


def test_reimport_changes_nothing(store: Store, clock: Clock) -> None:
    env = make_envelope()
    first = import_stix(store, [str(DATA / "persons.json")], env, clock=clock)
    assert first.counts.new == 17 and first.counts.rejected == 0
    before = dump(store)
    clock.tick(3600)
    again = import_stix(store, [str(DATA / "persons.json")], env, clock=clock)
    assert again.counts.unchanged == 17
    assert again.counts.new == again.counts.statements == 0
    assert dump(store) == before


def test_exact_json_values_are_archived(store: Store, clock: Clock) -> None:
    import_stix(store, [str(DATA / "persons.json")], make_envelope(), clock=clock)
    sent = {o["id"]: o for o in json.loads((DATA / "persons.json").read_text())["objects"]}
    with store.read() as conn:
        kept = {
            sid: json.loads(body)
            for sid, body in conn.execute(select(record.c.stix_id, record.c.body))
        }
    assert kept == sent


def test_versions_add_and_older_versions_are_history(store: Store, clock: Clock) -> None:
    env = make_envelope()
    import_stix(store, [str(DATA / "persons.json")], env, clock=clock)
    clock.tick()
    result = import_stix(store, [str(DATA / "versions.json")], env, clock=clock)
    assert result.counts.new_version == 1  # P2 modified later
    assert result.counts.older_version == 1  # the group, modified earlier
    with store.read() as conn:
        p2 = get_entity(conn, P2)
        group = get_entity(conn, GROUP)
    nats = {(s.value, s.state) for s in p2.statements if s.prop == "nationality"}
    # Nothing overwritten: FR stays, superseded by the newer version; BE is current.
    assert nats == {("FR", State.SUPERSEDED), ("BE", State.CURRENT)}
    # A fact repeated by the new version is one statement spanning both versions.
    detained = [s for s in p2.statements if s.prop == "status" and s.value == "detained"]
    assert len(detained) == 1 and detained[0].state is State.CURRENT
    assert detained[0].first_version < detained[0].last_version
    # The older group version's alias is kept as history, not current.
    old = [s for s in group.statements if s.value == "Old Name Brigade"]
    assert [s.state for s in old] == [State.SUPERSEDED]


def test_same_version_with_other_content_is_rejected(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    env = make_envelope()
    import_stix(store, [str(DATA / "persons.json")], env, clock=clock)
    bundle = json.loads((DATA / "persons.json").read_text())
    changed = next(o for o in bundle["objects"] if o["id"] == GROUP)
    changed["name"] = "Tampered"
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps({"type": "bundle", "id": bundle["id"], "objects": [changed]}))
    before = dump(store)
    result = import_stix(store, [str(path)], env, clock=clock)
    assert result.counts.rejected == 1
    (rej,) = result.rejections
    assert (rej.object_id, rej.prop, rej.position) == (GROUP, "modified", 1)
    assert "different content" in rej.reason
    assert dump(store) == before


def test_second_source_corroborates_without_duplicating_records(store: Store, clock: Clock) -> None:
    import_stix(store, [str(DATA / "persons.json")], make_envelope("Service A"), clock=clock)
    result = import_stix(
        store,
        [str(DATA / "persons.json")],
        make_envelope("Partner C", reliability=Reliability.C),
        clock=clock,
    )
    assert result.counts.redelivered == 17 and result.counts.new == 0
    with store.read() as conn:
        p1 = get_entity(conn, P1)
        assert conn.execute(select(record.c.stix_id)).all().__len__() == 17
    sources = {s.source for s in p1.statements if s.prop == "nationality" and s.value == "SY"}
    assert sources == {"Service A", "Partner C"}


def test_bad_objects_are_reported_and_good_ones_land(store: Store, clock: Clock) -> None:
    result = import_stix(store, [str(DATA / "bad.json")], make_envelope(), clock=clock)
    assert result.counts.new == 2
    assert result.counts.rejected == 5
    where = {(r.position, r.prop) for r in result.rejections}
    assert (2, "name") in where  # identity without a name
    assert (3, "id") in where  # malformed identifier
    assert (4, "target_ref") in where
    assert (5, "(object)") in where  # not an object at all
    assert (6, "confidence") in where
    ext = {r.prop for r in result.rejections if r.position == 6}
    assert any(p.endswith("nationalities.0") for p in ext), ext
    assert any(p.endswith("birth_dates.0.date") for p in ext), ext
    assert all(r.file.endswith("bad.json") for r in result.rejections)


def test_nul_characters_are_refused_by_property_on_every_backend(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    """PostgreSQL text cannot hold U+0000: both backends refuse it alike, naming the object
    and the property, and keep the good objects of the file."""
    bundle = json.loads((DATA / "persons.json").read_text())
    person = next(o for o in bundle["objects"] if o.get("identity_class") == "individual")
    bad = person | {"name": "Abu\x00Bakr", "aliases": ["fine", "ba\x00d"]}
    path = tmp_path / "nul.json"
    path.write_text(json.dumps(bundle | {"objects": [*bundle["objects"], bad]}))
    result = import_stix(store, [str(path)], make_envelope(), clock=clock)
    where = {(r.object_id, r.prop) for r in result.rejections}
    assert where == {(person["id"], "name"), (person["id"], "aliases.1")}
    assert all("NUL" in r.reason for r in result.rejections)
    with store.read() as conn:
        names = set(conn.execute(select(statement.c.value)).scalars())
    assert not any("\x00" in n for n in names)
    assert person["name"] in names  # the good version of the same person landed


def test_strict_import_writes_nothing(store: Store, clock: Clock) -> None:
    import_stix(store, [str(DATA / "persons.json")], make_envelope(), clock=clock)
    before = dump(store)
    with pytest.raises(StrictImportFailed) as info:
        import_stix(
            store, [str(DATA / "bad.json")], make_envelope("Other"), strict=True, clock=clock
        )
    assert info.value.summary.committed is False
    assert dump(store) == before


def test_grades_and_markings_per_statement(store: Store, clock: Clock) -> None:
    env = make_envelope(tlp=TLP.GREEN, reliability=Reliability.C, credibility=Credibility.DOUBTFUL)
    import_stix(store, [str(DATA / "persons.json")], env, clock=clock)
    with store.read() as conn:
        p1 = get_entity(conn, P1)
        p2 = get_entity(conn, P2)
    name = next(s for s in p1.statements if s.prop == "nationality")
    # The object's own marking (AMBER) and confidence 70 (credibility 2) win over the envelope.
    assert (name.tlp, name.reliability, name.credibility) == (
        TLP.AMBER,
        Reliability.C,
        Credibility.PROBABLY_TRUE,
    )
    # An unmarked object without confidence takes the envelope's marking and credibility.
    nat2 = next(s for s in p2.statements if s.prop == "nationality")
    assert (nat2.tlp, nat2.credibility) == (TLP.GREEN, Credibility.DOUBTFUL)
    # A status assertion with its own grade keeps it.
    killed = next(s for s in p1.statements if s.prop == "status" and s.value == "killed")
    assert killed.grade == "B2" and killed.qualifiers["source"] == "Report R12"


def test_conflicting_facts_coexist_and_assessment_explains(store: Store, clock: Clock) -> None:
    import_stix(store, [str(DATA / "persons.json")], make_envelope(), clock=clock)
    with store.read() as conn:
        p1 = get_entity(conn, P1)
    births = sorted(s.value for s in p1.statements if s.prop == "birth_date")
    assert births == ["1984/1987", "1986"]
    statuses = sorted(s.value for s in p1.statements if s.prop == "status")
    assert statuses == ["at-large", "killed"]
    # The later "at-large" sighting is graded E5: the credible "killed" (B2) stands.
    assert p1.assessment.status is Status.KILLED
    assert "Raqqa" in p1.assessment.reason and "B2" in p1.assessment.reason


def test_relationships_are_statements_with_sources(store: Store, clock: Clock) -> None:
    import_stix(store, [str(DATA / "persons.json")], make_envelope(), clock=clock)
    with store.read() as conn:
        p1 = get_entity(conn, P1)
        group = get_entity(conn, GROUP)
    member = [s for s in p1.statements if s.prop == "member-of"]
    assert [(s.value, s.link, s.valid_from, s.source) for s in member] == [
        (GROUP, True, "2014-01-01T00:00:00Z", "Service A")
    ]
    links = {(s.entity_id, s.prop) for s in group.mentioned_by}
    report = "report--00000000-0000-4000-8000-000000000009"
    assert links == {(P1, "member-of"), (P2, "leader-of"), (report, "object_ref")}


def test_search_names_in_both_scripts(store: Store, clock: Clock) -> None:
    import_stix(store, [str(DATA / "persons.json")], make_envelope(), clock=clock)
    with store.read() as conn:
        assert [h.entity_id for h in search(conn, "القرياني")] == [P1]
        assert P1 in [h.entity_id for h in search(conn, "Qaryani")]
        assert [h.entity_id for h in search(conn, "Abu Khalil")] == [P1]
        assert GROUP in [h.entity_id for h in search(conn, "western dawn")]
        assert search(conn, "nobody-by-this-name") == []
        assert search(conn, '" OR *') == []  # query syntax is never interpreted


def test_show_unknown_entity(store: Store) -> None:
    with store.read() as conn, pytest.raises(NotFound):
        get_entity(conn, "identity--00000000-0000-4000-8000-999999999999")


def test_stats_by_group_nationality_status(store: Store, clock: Clock) -> None:
    import_stix(store, [str(DATA / "persons.json")], make_envelope(), clock=clock)
    with store.read() as conn:
        cells = person_stats(conn)
    g = "Katibat al-Fajr al-Gharbi"
    assert cells[(g, "SY", "killed")] == 1
    assert cells[(g, "FR", "killed")] == 1
    assert cells[(g, "FR", "detained")] == 1
    assert cells[("(none)", "BE", "unknown")] == 1
    assert sum(cells.values()) == 4


def _reference_states(conn: Any) -> dict[str, State]:
    """Each statement's state by a separate formulation in SQL (a correlated look-up of its
    record's newest version), to check the readers' own bookkeeping against."""
    from sqlalchemy import and_, func

    newest = record.alias("newest")
    latest_version = (
        select(func.max(newest.c.version))
        .where(newest.c.stix_id == statement.c.record_id)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(statement.c.id, statement.c.last_version, record.c.version, record.c.revoked)
        .select_from(statement)
        .join(
            record,
            and_(record.c.stix_id == statement.c.record_id, record.c.version == latest_version),
        )
    )
    return {
        sid: State.REVOKED if revoked else State.SUPERSEDED if last < v else State.CURRENT
        for sid, last, v, revoked in rows
    }


def test_the_one_pass_read_equals_the_per_entity_read(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    """all_entities (one scan, for whole-base work), iter_entities (chunks of entities) and
    entities_by_id (a chosen part) give the same entities, and every statement's state
    agrees with a separate SQL formulation: current, superseded by a newer version, revoked."""
    from backchannel.store.knowledge import all_entities, entities_by_id, iter_entities

    env = make_envelope()
    import_stix(store, [str(DATA / "persons.json")], env, clock=clock)
    clock.tick()
    import_stix(store, [str(DATA / "versions.json")], env, clock=clock)
    bundle = json.loads((DATA / "persons.json").read_text())
    (place,) = [o for o in bundle["objects"] if o["type"] == "location"]
    revoked = place | {"modified": "2025-01-01T00:00:00.000Z", "revoked": True}
    path = tmp_path / "revoked.json"
    path.write_text(json.dumps(bundle | {"objects": [revoked]}))
    import_stix(store, [str(path)], env, clock=clock)
    with store.read() as conn:
        one_pass = all_entities(conn)
        chunked = list(iter_entities(conn, chunk=3))
        ids = [v.id for v in one_pass]
        part = entities_by_id(conn, [*ids[1::2], "person--00000000-0000-4000-8000-00000000dead"])
        reference = _reference_states(conn)
        persons = all_entities(conn, kinds=[EntityKind.PERSON])
    assert one_pass == chunked
    assert persons == [v for v in one_pass if v.kind is EntityKind.PERSON] != []
    assert part == one_pass[1::2]
    states = {s.id: s.state for v in one_pass for s in v.statements}
    assert states == reference
    assert set(states.values()) == {State.CURRENT, State.SUPERSEDED, State.REVOKED}
