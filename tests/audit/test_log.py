"""The stored log: appends, roots and proofs from stored nodes, LG-2 atomicity, LG-5, LG-6."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

from backchannel.audit import log, merkle
from backchannel.audit.checkpoint import checkpoint
from backchannel.audit.log import Action, Event, append, entries, entries_about
from backchannel.audit.verify import verify
from backchannel.errors import InvalidInput
from backchannel.store.engine import Store
from backchannel.store.schema import AUDIT_TABLES, audit_entry, audit_node, envelope
from tests.audit.helpers import at, event, fail_audit_inserts, fill, make_key
from tests.audit.test_merkle import LEAVES, ROOTS


def test_appends_build_the_rfc_tree_from_stored_nodes(store: Store) -> None:
    fill(store, 21)
    with store.read() as conn:
        stored = entries(conn)
        assert [e.seq for e in stored] == list(range(21))
        hashes = [merkle.leaf_hash(e.leaf) for e in stored]
        assert [e.leaf_hash for e in stored] == hashes
        nodes = conn.execute(select(func.count()).select_from(audit_node)).scalar_one()
        assert nodes == 21 - (21).bit_count()  # one node per complete subtree above the leaves
        for n in range(22):
            assert log.root(conn, n) == merkle.tree_hash(hashes[:n])
        source = merkle.memory_source(hashes)
        for i in range(21):
            proof = log.inclusion_proof(conn, i)
            assert proof.path == merkle.inclusion_path(source, i, 21)
            assert merkle.verify_inclusion(hashes[i], i, 21, proof.path, proof.root)
        for m in range(22):
            path = log.consistency_proof(conn, m, 21)
            assert merkle.verify_consistency(m, 21, log.root(conn, m), log.root(conn), path)


def test_entries_read_back_and_answer_who_consulted_what(store: Store) -> None:
    fill(store, 6)
    with store.read() as conn:
        about = entries_about(conn, "identity--00000002-0000-4000-8000-000000000000")
        assert [e.seq for e in about] == [2]
        assert about[0].action is Action.DISCLOSURE
        assert about[0].recipient == "partner:service-b" and about[0].purpose == "CASE-2"
        assert about[0].at == at(2)
        newest = entries(conn, limit=2, newest_first=True)
        assert [e.seq for e in newest] == [5, 4]
        assert [e.seq for e in entries(conn, action=Action.DISCLOSURE)] == [2, 5]


def test_the_published_vector_tree_can_be_rebuilt_from_a_store_source() -> None:
    # The store's range_hash path over (level, idx) nodes gives the published roots.
    hashes = [merkle.leaf_hash(x) for x in LEAVES]
    table = merkle.levels(hashes)
    calls: list[tuple[int, int]] = []

    def source(level: int, idx: int) -> bytes:
        calls.append((level, idx))
        return table[level][idx]

    assert merkle.range_hash(source, 0, 7) == ROOTS[7]
    assert calls == [(2, 0), (1, 2), (0, 6)]  # O(log n) look-ups, not 7 leaves


def test_a_disclosure_needs_a_recipient_and_details_no_free_structure(store: Store) -> None:
    with store.write() as conn:
        with pytest.raises(InvalidInput, match="recipient"):
            append(conn, Event(Action.DISCLOSURE, "user:a", ("x",)), now=at(0))
        with pytest.raises(InvalidInput, match="detail"):
            append(conn, Event(Action.CONSULTATION, "user:a", details={"Bad Key": 1}), now=at(0))
        with pytest.raises(InvalidInput, match="detail"):
            bad: dict[str, object] = {"nested": {"a": 1}}
            append(conn, Event(Action.CONSULTATION, "user:a", details=bad), now=at(0))  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="NUL"):
            append(conn, Event(Action.CONSULTATION, "user:a", ("a\x00b",)), now=at(0))
        with pytest.raises(InvalidInput, match="surrogate"):
            append(conn, Event(Action.CONSULTATION, "user:a", purpose="\ud800"), now=at(0))


def test_lg2_a_failed_audit_insert_rolls_back_the_action(store: Store) -> None:
    attempts = committed_without_entry = 0
    for i in range(5):
        attempts += 1
        with pytest.raises(DBAPIError, match="injected audit failure"), store.write() as conn:
            fail_audit_inserts(conn)
            conn.execute(
                insert(envelope).values(
                    id=f"env-{i}",
                    source="Service A",
                    originator="Service A",
                    channel="file",
                    tlp="amber",
                    reliability="B",
                    credibility="6",
                    first_received_at="2026-01-01T00:00:00.000000Z",
                )
            )
            append(conn, event(i), now=at(i))
        with store.read() as conn:
            landed = conn.execute(select(func.count()).select_from(envelope)).scalar_one()
            logged = log.size(conn)
        committed_without_entry += landed - logged
        assert landed == 0 and logged == 0
    print(
        f"\nLG-2 ({store.dialect}): {attempts} injected audit failures, "
        f"{committed_without_entry} actions committed without an entry"
    )


def test_lg5_update_and_delete_fail_through_the_app_connection(store: Store) -> None:
    fill(store, 3)
    key = make_key()
    with store.write() as conn:
        checkpoint(conn, key, at(9))
        log.query_secret(conn)
    statements = []
    for table in AUDIT_TABLES:
        column = {
            "audit_entry": "actor",
            "audit_subject": "subject_id",
            "audit_node": "hash",
            "audit_checkpoint": "note",
            "audit_secret": "value",
        }[table]
        statements += [f"UPDATE {table} SET {column} = 'forged'", f"DELETE FROM {table}"]
        if store.dialect == "postgresql":
            statements.append(f"TRUNCATE {table} CASCADE")
    succeeded = 0
    for sql in statements:
        try:
            with store.write() as conn:
                conn.execute(text(sql))
            succeeded += 1
        except DBAPIError as exc:
            assert "append-only" in str(exc.orig), exc
    with store.read() as conn:
        assert verify(conn, key.verifier).ok
        assert conn.execute(select(func.count()).select_from(audit_entry)).scalar_one() == 3
    print(f"\nLG-5 ({store.dialect}): {succeeded} of {len(statements)} tamper statements succeeded")
    assert succeeded == 0


HOSTILE = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_characters="\x00"),  # all but surrogates, NUL
        st.sampled_from(list('\x01\n\r\t\x1b\x7f\u2028\u2029\ufeff"\\{}[],:')),
    ),
    max_size=40,
)


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actor=HOSTILE, purpose=HOSTILE, recipient=HOSTILE, subject=HOSTILE, value=HOSTILE)
def test_lg6_hostile_strings_cannot_forge_or_break_entries(
    store: Store, actor: str, purpose: str, recipient: str, subject: str, value: str
) -> None:
    written = Event(
        Action.DISCLOSURE,
        "user:" + actor,
        subjects=(subject, "identity--fixed"),
        purpose=purpose,
        recipient="partner:" + recipient,
        details={"note_hash": value, "count": 1},
    )
    with store.write() as conn:
        seq = append(conn, written, now=at(0))
    with store.read() as conn:
        got = entries(conn, start=seq, limit=1)[0]
        assert log.size(conn) == seq + 1  # one event, one entry: nothing forged
    assert (got.actor, got.purpose, got.recipient) == (written.actor, purpose, written.recipient)
    assert got.subjects == tuple(sorted({subject, "identity--fixed"}))
    assert got.details == {"note_hash": value, "count": 1}
    assert got.action is Action.DISCLOSURE and got.seq == seq
    assert b"\n" not in got.leaf and b"\x1b" not in got.leaf  # one line, no terminal escapes


def test_lg6_figure(store: Store) -> None:
    """Runs the hostile-string property once more on a fresh store and prints the figure."""
    strings = 0
    forged = 0
    samples = ['\n{"action":"erasure"}', "\x1b[2J\x1b[H", 'a","actor":"system', "\u2028\x01"]
    with store.write() as conn:
        for i, s in enumerate(samples):
            append(conn, Event(Action.CONSULTATION, "user:" + s, (s,), purpose=s), now=at(i))
            strings += 3
    with store.read() as conn:
        for i, e in enumerate(entries(conn)):
            s = samples[i]
            forged += (e.actor, e.purpose, e.subjects, e.action) != (
                "user:" + s,
                s,
                (s,),
                Action.CONSULTATION,
            )
        assert verify(conn, make_key().verifier).ok
    print(f"\nLG-6 ({store.dialect}): {strings} hostile strings, {forged} forged or unparsable")
    assert forged == 0
