"""Erasure of a person (DP-5, LG-7), on every backend: nothing of them is left, nothing else
changes, partners that were given them get revocation notices, the audit log still verifies.

Scenario: tests/data/persons.json, where P1 and P2 are two records of one (fictional) person,
judged the same; P4 is someone else, judged not the same. Everything about the P1/P2 person
is released to a partner, reviewed, proposed and screened before it is erased.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, insert, select

from backchannel.audit.checkpoint import checkpoint
from backchannel.audit.log import Action, entries, keyed_hash, query_secret
from backchannel.audit.verify import verify
from backchannel.cli.main import cli
from backchannel.errors import InvalidInput, NotFound
from backchannel.ingest.stix_bundle import import_stix
from backchannel.resolve.cluster import Verdict
from backchannel.store.engine import Store
from backchannel.store.erasure import ERASED, ErasureReport, erase_person
from backchannel.store.judgement import cluster_of, record_judgement
from backchannel.store.partners import add_partner, change_agreement, set_originator
from backchannel.store.releases import publish, released_objects
from backchannel.store.reviews import record_review
from backchannel.store.schema import (
    cluster_member,
    judgement,
    metadata,
    proposal,
    record,
    release_object,
    statement,
)
from backchannel.store.screening import refresh_profiles
from tests.audit.helpers import make_key
from tests.conftest import DATA, Clock, make_envelope

P1 = "identity--00000000-0000-4000-8000-000000000002"
P2 = "identity--00000000-0000-4000-8000-000000000003"
P4 = "identity--00000000-0000-4000-8000-000000000004"
GROUP = "threat-actor--00000000-0000-4000-8000-000000000001"
REPORT = "report--00000000-0000-4000-8000-000000000009"
# The relationships of the erased person: member-of (P1), leader-of (P2), travelled-to (P1).
RELATIONSHIPS = tuple(f"relationship--00000000-0000-4000-8000-00000000000{i}" for i in (6, 7, 8))
ERASED_IDS = (P1, P2, *RELATIONSHIPS)
PARTNER = "svc-b"
TERMS = {
    "status": "active",
    "tlp_ceiling": "amber",
    "categories": ["persons", "groups", "status"],
    "granularity": "person-level",
    "purpose": "test",
}
REASON = "court order 17/2026 concerning Yusuf bin Khalil al-Qaryani"

# Personal values of the erased person, as stored (case-insensitive substrings)...
CANARIES = (
    "Yusuf bin Khalil al-Qaryani",
    "يوسف بن خليل القرياني",
    "Abu Khalil",
    "al-Muhandis",
    "Deir Hafer",
    "Youssef Ben Khalil El Karyani",
    "1986-04",
    '"1986"',
)
# ... and as the SQLite full-text index holds them (lower-case tokens). "qaryani" is not among
# them: the report (someone else's record) says "Yusuf al-Qaryani" in free text (see below).
TOKENS = ("muhandis", "karyani", "youssef", "القرياني")
BIRTH_YEAR = "1986"  # P1's birth date, stored as a whole value


@dataclass
class Scenario:
    store: Store
    clock: Clock
    judgement_reason: str = "same birth date 1986-04 and father Khalil"


def _setup(store: Store, clock: Clock) -> Scenario:
    import_stix(store, [str(DATA / "persons.json")], make_envelope(), clock=clock)
    clock.tick()
    s = Scenario(store, clock)
    with store.write() as conn:
        refresh_profiles(conn)
        record_judgement(
            conn, P1, P2, Verdict.SAME, author="ana", reason=s.judgement_reason, now=clock()
        )
        record_judgement(
            conn, P2, P4, Verdict.NOT_SAME, author="ana", reason="different", now=clock()
        )
        conn.execute(
            insert(proposal),
            [
                {"left_id": P1, "right_id": P4, "score": 0.4, "evidence": "{}", "created_at": "x"},
            ],
        )
        record_review(conn, P1, reviewer="ana", reason="still needed", now=clock())
        record_review(conn, P4, reviewer="ana", reason="still needed", now=clock())
        set_originator(conn, "Service A", "own", author="ana", now=clock())
        add_partner(conn, PARTNER, "Service B", author="ana", now=clock())
        change_agreement(conn, PARTNER, TERMS, author="ana", reason="signed", now=clock())
        publish(conn, PARTNER, author="ana", purpose="CASE-1", now=clock())
    clock.tick()
    return s


@pytest.fixture
def scenario(store: Store, clock: Clock) -> Scenario:
    return _setup(store, clock)


def _erase(s: Scenario, entity_id: str = P2) -> ErasureReport:
    s.clock.tick()
    with s.store.write() as conn:
        return erase_person(conn, entity_id, actor="ana", reason=REASON, now=s.clock())


def dump(conn: Connection) -> dict[str, set[tuple[Any, ...]]]:
    return {t.name: {tuple(r) for r in conn.execute(select(t))} for t in metadata.sorted_tables}


def _mentions(row: tuple[Any, ...], ids: tuple[str, ...] = ERASED_IDS) -> bool:
    return any(i in str(v) for v in row for i in ids)


def all_tables(conn: Connection) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Every row of every table in the database, including SQLite's FTS5 shadow tables."""
    if conn.dialect.name == "sqlite":
        names = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).scalars()
    else:
        names = conn.exec_driver_sql(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        ).scalars()
    for name in list(names):
        if name == "statement_fts":
            continue  # the virtual table: its shadow tables hold its bytes
        for row in conn.exec_driver_sql(f'SELECT * FROM "{name}"'):
            yield name, tuple(row)


def canaries_found(store: Store) -> dict[str, set[str]]:
    """canary → tables where it is found (in text or binary columns)."""
    found: dict[str, set[str]] = {}
    with store.read() as conn:
        for table, row in all_tables(conn):
            for value in row:
                if isinstance(value, bytes | memoryview):
                    text = bytes(value).decode("utf-8", "replace").lower()
                elif isinstance(value, str):
                    text = value.lower()
                else:
                    continue
                for canary in (*CANARIES, *TOKENS):
                    if canary.lower() in text:
                        found.setdefault(canary, set()).add(table)
                if text == BIRTH_YEAR:
                    found.setdefault(BIRTH_YEAR, set()).add(table)
    return found


def test_erasure_removes_the_person_and_changes_nothing_else(scenario: Scenario) -> None:
    with scenario.store.read() as conn:
        before = dump(conn)
    assert {r[0] for r in before["cluster_member"]} == {P1, P2}
    assert any(_mentions(r) for r in before["judgement"])

    report = _erase(scenario)

    assert report.members == [P1, P2]
    with scenario.store.read() as conn:
        after = dump(conn)
        left = conn.execute(select(statement)).all()
        assert not [s for s in left if s.entity_id in ERASED_IDS or s.record_id in ERASED_IDS]
        assert not [s for s in left if s.link and s.value in (P1, P2)]
        assert not conn.execute(
            select(record.c.stix_id).where(record.c.stix_id.in_(ERASED_IDS))
        ).all()
        assert cluster_of(conn, P4) == (P4, [P4])
        rest = conn.execute(select(judgement.c.left_id, judgement.c.right_id)).all()
        assert rest == []
        assert conn.execute(select(cluster_member)).all() == []
    # No row of any table names the erased ids, except the revocation notices (release_object
    # rows keep the canonical id the notice is about) and the audit log (ids only, by design).
    exempt = {"release_object", "audit_entry", "audit_subject"}
    for table, rows in after.items():
        if table not in exempt:
            assert not [r for r in rows if _mentions(r)], table
    for row in after["release_object"]:
        if _mentions(row):
            assert row[8] is True or row[8] == 1, row  # only revoked notices
    # Every other row is exactly as it was. Tables that grow: the notices and the audit log.
    grows = {"release", "release_object", "audit_entry", "audit_subject", "audit_node"}
    for table, rows in before.items():
        kept = {r for r in rows if not _mentions(r)}
        assert kept <= after[table], table
        extra = after[table] - kept
        if table == "record":
            # The report's reference to P1 is removed from its archived body; nothing else.
            assert [r[0] for r in extra] == [REPORT]
            body = json.loads(next(iter(extra))[3])
            assert body["object_refs"] == [GROUP]
            original = next(r for r in rows if r[0] == REPORT)
            assert json.loads(original[3]) | {"object_refs": [GROUP]} == body
        elif table not in grows and table != "audit_secret":
            assert not extra, table
    assert report.rewritten == [REPORT]
    assert report.review == [REPORT]  # its free text still says "Yusuf al-Qaryani"
    assert report.deleted["judgement"] == 2 and report.deleted["review"] == 1
    assert report.deleted["proposal"] == 1 and report.deleted["entity"] == 2


def test_partners_that_received_the_person_get_revocations(scenario: Scenario) -> None:
    with scenario.store.read() as conn:
        given = conn.execute(
            select(release_object.c.object_id, release_object.c.type).where(
                release_object.c.canonical_id.in_([P1, P2])
            )
        ).all()
    assert {t for _o, t in given} == {"identity", "relationship"}
    report = _erase(scenario)

    assert report.recipients == [PARTNER]
    assert [n["partner"] for n in report.notices] == [PARTNER]
    with scenario.store.read() as conn:
        objs = {o["id"]: o for o in released_objects(conn, PARTNER)}
        rows = conn.execute(
            select(release_object).where(release_object.c.object_id.in_([o for o, _t in given]))
        ).all()
        notice_entries = [
            e
            for e in entries(conn, action=Action.DISCLOSURE)
            if e.details.get("release") == report.notices[0]["release"]
        ]
    # One version per object is left: the revocation, which holds nothing personal.
    assert sorted(r.object_id for r in rows) == sorted(o for o, _t in given)
    assert all(r.revoked for r in rows)
    for object_id, kind in given:
        body = objs[object_id]
        assert body["revoked"] is True
        if kind == "identity":
            assert body["name"] == ERASED
            assert set(body) <= {
                "type", "spec_version", "id", "created", "modified", "name",
                "identity_class", "object_marking_refs", "revoked",
            }  # fmt: skip
        else:
            assert "extensions" not in body
    assert len(notice_entries) == 1 and notice_entries[0].recipient == PARTNER
    # Erasing twice is impossible (the person is gone), so every recipient got exactly one.
    print(
        f"\nDP-5: 1 erasures, {len(report.recipients)} past recipients, "
        f"{len(report.notices)} notices ({len(given)} objects revoked)"
    )


def test_audit_still_verifies_and_no_personal_value_remains(scenario: Scenario) -> None:
    key = make_key()
    with scenario.store.write() as conn:
        note = checkpoint(conn, key, scenario.clock())
    found = canaries_found(scenario.store)
    assert set(found) == {*CANARIES, *TOKENS, BIRTH_YEAR}  # the scan can see every one

    report = _erase(scenario)

    with scenario.store.read() as conn:
        result = verify(conn, key.verifier, against=[note])
        erasure = entries(conn, action=Action.ERASURE)
        hmac = keyed_hash(query_secret(conn), REASON)
    assert result.ok, result.problems
    assert [e.seq for e in erasure] == [report.audit_seq]
    assert set(erasure[0].subjects) == set(ERASED_IDS)
    assert erasure[0].purpose is None and erasure[0].details["reason_hmac"] == hmac
    remaining = canaries_found(scenario.store)
    assert remaining == {}, remaining
    if scenario.store.dialect == "sqlite":  # the FTS index held these terms before
        assert {"statement_fts_data", "statement_fts_content"} & found["muhandis"]
    print(
        f"\nLG-7: 1 erasures; tree verifies {100 if result.ok else 0}% ({result.size} entries); "
        f"{sum(len(t) for t in remaining.values())} canary values remaining "
        f"(of {len(found)} found before)"
    )


def test_only_known_persons_with_a_reason(scenario: Scenario) -> None:
    with scenario.store.read() as conn:
        before = dump(conn)
    with pytest.raises(InvalidInput, match="threat-actor"), scenario.store.write() as conn:
        erase_person(conn, GROUP, actor="ana", reason=REASON, now=scenario.clock())
    with pytest.raises(NotFound), scenario.store.write() as conn:
        erase_person(
            conn, P1.replace("0002", "0999"), actor="ana", reason=REASON, now=scenario.clock()
        )
    with pytest.raises(InvalidInput, match="reason"), scenario.store.write() as conn:
        erase_person(conn, P1, actor="ana", reason="  ", now=scenario.clock())
    with scenario.store.read() as conn:
        assert dump(conn) == before


def test_a_failed_notice_rolls_the_whole_erasure_back(scenario: Scenario) -> None:
    """One transaction: if the notices cannot be written, nothing is erased."""
    with scenario.store.read() as conn:
        before = dump(conn)
    with scenario.store.write() as conn:  # corrupt the released identity so it is invalid
        row = conn.execute(
            select(
                release_object.c.object_id, release_object.c.version, release_object.c.body
            ).where(release_object.c.canonical_id == P1, release_object.c.type == "identity")
        ).one()
        body = orjson.loads(row.body)
        body["type"] = "x"
        conn.execute(
            release_object.update()
            .where(release_object.c.object_id == row.object_id)
            .values(body=orjson.dumps(body).decode())
        )
        before["release_object"] = {tuple(r) for r in conn.execute(select(release_object))}
    with pytest.raises(InvalidInput):
        _erase(scenario)
    with scenario.store.read() as conn:
        assert dump(conn) == before


def test_cli_erase(db_url: str) -> None:
    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(
            cli, ["--db", db_url, *args], catch_exceptions=False, env={"COLUMNS": "250"}
        )
        return result.exit_code, result.output

    def fails(*args: str) -> tuple[int, str]:
        """As a user runs it: exit code and the one line on stderr."""
        done = subprocess.run(
            [sys.executable, "-m", "backchannel", "--db", db_url, *args],
            capture_output=True,
            text=True,
            check=False,
        )
        assert "Traceback" not in done.stderr
        return done.returncode, done.stderr

    assert run("import", str(DATA / "persons.json"), "--source", "Service A")[0] == 0
    assert run("judge", P1, P2, "same", "--reason", "same person", "--author", "ana")[0] == 0
    code, out = run("--json", "erase", P1, "--reason", REASON)
    assert code == 0, out
    doc = json.loads(out)
    assert doc["members"] == [P1, P2] and doc["deleted"]["entity"] == 2
    assert doc["recipients"] == [] and doc["review"] == [REPORT] and doc["audit"] >= 0
    code, err = fails("erase", P1, "--reason", REASON)
    assert code == 3 and err.strip() == f"error: no entity {P1}"
    code, err = fails("erase", GROUP, "--reason", REASON)
    assert code == 2 and "only persons" in err
    code, err = fails("erase", P4, "--reason", " ")
    assert code == 2 and "needs a reason" in err
    code, err = fails("erase", P4)
    assert code == 2 and "--reason" in err
    code, out = run("erase", P4, "--reason", "retention period ended")
    assert code == 0 and f"erased 1 record(s) of {P4}" in out


def test_copies_already_revoked_are_reduced_not_versioned_again(scenario: Scenario) -> None:
    """A partner whose copy was revoked earlier (its agreement narrowed) was told already;
    STIX allows no version after a revocation, but our stored revocation, a full copy of the
    last body, is personal data and is reduced to the minimal form."""
    with scenario.store.write() as conn:
        change_agreement(
            conn, PARTNER, {"categories": ["groups"]}, author="ana", reason="narrowed",
            now=scenario.clock(),
        )  # fmt: skip
        publish(conn, PARTNER, author="ana", purpose="CASE-2", now=scenario.clock())
        revoked = conn.execute(
            select(release_object.c.object_id, release_object.c.body).where(
                release_object.c.canonical_id == P1, release_object.c.revoked
            )
        ).all()
    assert revoked and any("al-Muhandis" in r.body for r in revoked)
    assert "al-Muhandis" in str(canaries_found(scenario.store))

    report = _erase(scenario)

    assert report.recipients == [PARTNER] and report.notices == []
    with scenario.store.read() as conn:
        rows = conn.execute(
            select(release_object).where(
                release_object.c.object_id.in_([r.object_id for r in revoked])
            )
        ).all()
    assert len(rows) == len(revoked) and all(r.revoked for r in rows)
    assert all(orjson.loads(r.body)["revoked"] is True for r in rows)
    assert canaries_found(scenario.store) == {}
