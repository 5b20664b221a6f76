"""Operations write audit entries: import, judgements, show, search, export (LG-1, 2, 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from backchannel.audit import log
from backchannel.audit.key import load_or_create_key
from backchannel.audit.log import Action
from backchannel.audit.verify import verify
from backchannel.cli.main import cli
from backchannel.errors import NotFound
from backchannel.ingest.stix_bundle import import_stix
from backchannel.resolve.cluster import Verdict
from backchannel.store.engine import Store
from backchannel.store.judgement import record_judgement, retract
from backchannel.store.schema import audit_entry, judgement, record, statement
from tests.audit.helpers import at, clear_fault, fail_audit_inserts
from tests.conftest import DATA, Clock, make_envelope

P2 = "identity--00000000-0000-4000-8000-000000000002"
P3 = "identity--00000000-0000-4000-8000-000000000003"


def _import(store: Store, clock: Clock) -> None:
    import_stix(
        store, [str(DATA / "persons.json")], make_envelope(), clock=clock, actor="user:clerk"
    )


def test_import_logs_one_collection_per_batch_and_a_repeat_logs_nothing(
    store: Store, clock: Clock
) -> None:
    _import(store, clock)
    with store.read() as conn:
        first = log.entries(conn)
        archived = set(conn.execute(select(record.c.stix_id)).scalars())
    assert [e.action for e in first] == [Action.COLLECTION]
    assert first[0].actor == "user:clerk"
    assert set(first[0].subjects) == archived and first[0].details["new"] == len(archived)
    assert first[0].details["envelope"] == make_envelope().id
    _import(store, clock)
    with store.read() as conn:
        assert log.size(conn) == 1
    import_stix(store, [str(DATA / "persons.json")], make_envelope("Partner C"), clock=clock)
    with store.read() as conn:
        again = log.entries(conn)
    assert [e.details["redelivered"] for e in again] == [0, len(archived)]
    assert again[1].actor == "system"


def test_judgements_log_combination_and_alteration(store: Store, clock: Clock) -> None:
    _import(store, clock)
    with store.write() as conn:
        j = record_judgement(
            conn, P2, P3, Verdict.SAME, author="alice", reason="same kunya", now=at(1)
        )
        record_judgement(conn, P2, P3, Verdict.UNSURE, author="bob", reason="hmm", now=at(2))
        retract(conn, j.seq, author="alice", reason="typo", now=at(3))
    with store.read() as conn:
        got = log.entries(conn, start=1)
    assert [(e.action, e.actor) for e in got] == [
        (Action.COMBINATION, "user:alice"),
        (Action.ALTERATION, "user:bob"),
        (Action.ALTERATION, "user:alice"),
    ]
    assert all(e.subjects == tuple(sorted((P2, P3))) for e in got)
    assert got[2].details["retracts"] == j.seq
    assert all("same kunya" not in e.leaf.decode() for e in got)  # reasons stay out


def test_lg2_failed_audit_blocks_import_and_judgement(store: Store, clock: Clock) -> None:
    failures = leaked = 0
    with store.write() as conn:
        fail_audit_inserts(conn)  # committed: every later audit insert fails
    for strict in (False, True):
        with pytest.raises(DBAPIError, match="injected audit failure"):
            import_stix(
                store, [str(DATA / "persons.json")], make_envelope(), clock=clock, strict=strict
            )
        failures += 1
    with store.read() as conn:
        leaked += conn.execute(select(func.count()).select_from(record)).scalar_one()
        leaked += conn.execute(select(func.count()).select_from(statement)).scalar_one()
    with store.write() as conn:
        clear_fault(conn)
    _import(store, clock)
    with store.write() as conn:
        fail_audit_inserts(conn)
    for verdict in (Verdict.SAME, Verdict.NOT_SAME):
        with pytest.raises(DBAPIError, match="injected audit failure"), store.write() as conn:
            record_judgement(conn, P2, P3, verdict, author="alice", reason="r", now=at(1))
        failures += 1
    with store.read() as conn:
        leaked += conn.execute(select(func.count()).select_from(judgement)).scalar_one()
        assert log.size(conn) == 1
    print(
        f"\nLG-2 ({store.dialect}): {failures} injected audit failures in import and "
        f"judgement, {leaked} actions committed without an entry"
    )
    assert leaked == 0


def _cli(db: str, *args: str, key: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        ["--db", db, *args],
        catch_exceptions=False,
        env={
            "COLUMNS": "250",
            "BACKCHANNEL_USER": "analyst-x",
            "BACKCHANNEL_AUDIT_KEY_FILE": str(key),
            "BACKCHANNEL_AUDIT_ORIGIN": "audit.test.example/cli",
        },
    )
    return result.exit_code, result.output


def test_cli_consultations_are_logged_and_the_log_holds_no_personal_data(
    db_url: str, tmp_path: Path
) -> None:
    key = tmp_path / "audit.key"
    assert _cli(db_url, "init", key=key)[0] == 0
    src = str(DATA / "persons.json")
    assert _cli(db_url, "import", src, "--source", "Service A", key=key)[0] == 0
    assert _cli(db_url, "show", P2, "--purpose", "CASE-7", key=key)[0] == 0
    code, out = _cli(db_url, "--json", "search", "Qaryani", key=key)
    hits = [h["id"] for h in json.loads(out)]
    bundle = tmp_path / "out.json"
    assert _cli(db_url, "export", "--knowledge", "-o", str(bundle), key=key)[0] == 0
    exported = {o["id"] for o in json.loads(bundle.read_text())["objects"]}
    code, out = _cli(db_url, "audit", "log", "--json", key=key)
    assert code == 0
    newest = json.loads(out)
    assert [e["action"] for e in newest] == ["consultation"] * 3 + ["collection"]
    assert all(e["actor"] == "user:analyst-x" for e in newest)
    export_e, search_e, show_e = newest[:3]
    assert show_e["subjects"] == [P2] and show_e["purpose"] == "CASE-7"
    assert search_e["subjects"] == sorted(hits) and len(search_e["details"]["query_hmac"]) == 64
    assert set(export_e["subjects"]) == exported and export_e["details"]["objects"] == len(exported)
    code, out = _cli(db_url, "audit", "log", "--subject", P2, "--json", key=key)
    assert [e["action"] for e in json.loads(out)] == ["collection"] + ["consultation"] * 3

    # LG-7: no statement value (names, aliases, descriptions, places...) is in any leaf.
    from backchannel.store.engine import open_store

    store = open_store(db_url)
    try:
        with store.read() as conn:
            leaves = " ".join(conn.execute(select(audit_entry.c.leaf)).scalars())
            values = {
                v
                for v in conn.execute(select(statement.c.value).where(~statement.c.link)).scalars()
                if len(v) >= 4 and not v.isdigit() and "--" not in v
            }
            assert verify(conn, load_or_create_key(key, "audit.test.example/cli").verifier).ok
    finally:
        store.close()
    found = sorted(v for v in values if v in leaves)
    canaries = {"Qaryani"} | {v for v in values if "Qaryani" in v}
    backend = "postgresql" if "://" in db_url else "sqlite"
    print(
        f"\nLG-7 ({backend}): {len(values)} statement values scanned, {len(found)} found in the log"
    )
    assert not found and not any(c in leaves for c in canaries)


def test_cli_audit_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "kb.db")
    key = tmp_path / "audit.key"
    _cli(db, "init", key=key)
    _cli(db, "import", str(DATA / "persons.json"), "--source", "Service A", key=key)
    for _ in range(3):
        _cli(db, "show", P2, key=key)
    code, note = _cli(db, "audit", "checkpoint", key=key)
    assert code == 0 and note.startswith("audit.test.example/cli\n4\n")
    (tmp_path / "cp.txt").write_text(note)
    code, out = _cli(db, "audit", "verify", "--against", str(tmp_path / "cp.txt"), key=key)
    assert code == 0 and "4 entries" in out
    code, out = _cli(db, "audit", "prove", "2", key=key)
    assert code == 0 and json.loads(out)["tree_size"] == 4
    code, out = _cli(db, "audit", "consistency", "1", "4", key=key)
    assert code == 0 and len(json.loads(out)["path"]) == 2
    code, pub = _cli(db, "audit", "public-key", key=key)
    (tmp_path / "pub.txt").write_text(pub)
    # The oversight body verifies with the public key alone.
    elsewhere = tmp_path / "no-private-key-here.key"
    pub_args = ["audit", "verify", "--public-key", str(tmp_path / "pub.txt")]
    assert _cli(db, *pub_args, key=elsewhere)[0] == 0
    assert not elsewhere.exists()
    other = tmp_path / "other.key"
    code, out = _cli(db, "audit", "verify", key=other)  # a different key: checkpoint rejected
    assert code == 1 and "not signed by the audit key" in out
    receipt = tmp_path / "r.json"
    assert _cli(db, "audit", "receipt", "3", "-o", str(receipt), key=key)[0] == 0
    args = ["audit", "verify-receipt", str(receipt), "--public-key", str(tmp_path / "pub.txt")]
    code, out = _cli(db, *args, key=key)
    assert code == 0 and "verified" in out
    doc = json.loads(receipt.read_text())
    doc["leaf"] = doc["leaf"].replace("analyst-x", "analyst-y")
    receipt.write_text(json.dumps(doc))
    assert _cli(db, *args, key=key)[0] == 1
    with pytest.raises(NotFound):
        _cli(db, "audit", "prove", "9", key=key)
    # Tamper behind the application's back: verify fails with one line per problem.
    import sqlite3

    raw = sqlite3.connect(db)
    raw.execute("DROP TRIGGER audit_entry_no_update")
    raw.execute("UPDATE audit_entry SET actor = 'user:nobody' WHERE seq = 1")
    raw.commit()
    raw.close()
    code, out = _cli(db, "audit", "verify", key=key)
    assert code == 1 and "entry 1: columns differ from the leaf: actor" in out
