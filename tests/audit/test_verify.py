"""Verification: checkpoints, receipts, LG-3 mutations and LG-4 rollback detection."""

from __future__ import annotations

import base64
import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, delete, insert, select, update

from backchannel.audit import merkle
from backchannel.audit.checkpoint import Checkpoint, checkpoint, open_note, sign
from backchannel.audit.key import load_or_create_key, parse_verifier_key
from backchannel.audit.log import canonical, parse_leaf
from backchannel.audit.receipt import receipt, verify_receipt
from backchannel.audit.verify import verify
from backchannel.errors import InvalidInput
from backchannel.store.engine import Store, open_store
from backchannel.store.schema import audit_checkpoint, audit_entry, audit_node, audit_subject
from tests.audit.helpers import ORIGIN, at, drop_protection, fill, make_key


def test_checkpoint_is_a_c2sp_signed_note(store: Store) -> None:
    fill(store, 5)
    key = make_key()
    with store.write() as conn:
        note = checkpoint(conn, key, at(10))
        assert checkpoint(conn, key, at(11)) == note  # one checkpoint per tree size
    body, sig_line = note.split("\n\n")
    origin, size, root_b64 = body.split("\n")
    assert (origin, size) == (ORIGIN, "5")
    assert sig_line.startswith(f"— {ORIGIN} ") and sig_line.endswith("\n")
    raw = base64.b64decode(sig_line.split(" ")[2])
    public = key.verifier.public
    assert raw[:4] == hashlib.sha256(ORIGIN.encode() + b"\n\x01" + public).digest()[:4]
    Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], (body + "\n").encode())
    head = open_note(note, key.verifier)
    with store.read() as conn:
        assert verify(conn, key.verifier).ok
        leaves = [r.leaf.encode() for r in conn.execute(select(audit_entry.c.leaf))]
    assert (
        head.root
        == base64.b64decode(root_b64)
        == merkle.tree_hash([merkle.leaf_hash(x) for x in leaves])
    )
    with pytest.raises(InvalidInput, match="not signed"):
        open_note(note, make_key(2).verifier)
    with pytest.raises(InvalidInput, match="does not verify"):
        open_note(note.replace("\n5\n", "\n6\n"), key.verifier)


def test_verifier_key_round_trip_and_key_file(tmp_path: Path) -> None:
    path = tmp_path / "audit.key"
    key = load_or_create_key(path, ORIGIN)
    assert path.stat().st_mode & 0o777 == 0o600
    again = load_or_create_key(path, ORIGIN)
    assert again.verifier == key.verifier
    assert parse_verifier_key(key.verifier.encode()) == key.verifier
    with pytest.raises(InvalidInput, match="id does not match"):
        parse_verifier_key(key.verifier.encode().replace(ORIGIN, ORIGIN + "x", 1))
    path.chmod(0o644)
    with pytest.raises(InvalidInput, match="other users"):
        load_or_create_key(path, ORIGIN)


def test_receipts_verify_offline_and_expose_tampering(store: Store) -> None:
    fill(store, 7)
    key = make_key()
    with store.write() as conn:
        doc = receipt(conn, 5, key, now=at(20))
    doc = orjson.loads(orjson.dumps(doc))  # as a partner receives it
    assert verify_receipt(doc, key.verifier) == []
    assert doc["index"] == 5 and doc["tree_size"] == 7
    assert parse_leaf(doc["leaf"].encode())["recipient"] == "partner:service-b"
    forged_leaf = doc["leaf"].replace("CASE-5", "CASE-6")
    tampered: list[dict[str, Any]] = [
        {**doc, "leaf": forged_leaf},
        {**doc, "index": 4},
        {**doc, "tree_size": 8},
        {**doc, "inclusion_proof": doc["inclusion_proof"][:-1]},
        {**doc, "inclusion_proof": [*doc["inclusion_proof"], doc["inclusion_proof"][0]]},
        {**doc, "checkpoint": doc["checkpoint"].replace("\n7\n", "\n8\n")},
        {**doc, "format": "other"},
        {k: v for k, v in doc.items() if k != "leaf"},
    ]
    for bad in tampered:
        assert verify_receipt(bad, key.verifier), bad
    assert verify_receipt(doc, make_key(2).verifier)  # not the log's key


# --- LG-3: an attacker who bypasses the triggers ------------------------------------------------


def _rewrite(conn: Connection, docs: list[dict[str, Any]]) -> None:
    """Rewrite the whole log consistently from leaf documents (leaf hashes and nodes too)."""
    conn.execute(delete(audit_subject))
    conn.execute(delete(audit_node))
    conn.execute(delete(audit_entry))
    hashes = []
    for seq, doc in enumerate(docs):
        doc = {**doc, "seq": seq}
        leaf = canonical(doc)
        hashes.append(merkle.leaf_hash(leaf))
        conn.execute(
            insert(audit_entry).values(
                seq=seq,
                **{c: doc[c] for c in ("at", "action", "actor", "purpose", "recipient")},
                leaf=leaf.decode(),
                leaf_hash=hashes[-1].hex(),
            )
        )
        for s in doc["subjects"]:
            conn.execute(insert(audit_subject).values(seq=seq, subject_id=s))
    for level, row in enumerate(merkle.levels(hashes)[1:], 1):
        for idx, h in enumerate(row):
            conn.execute(insert(audit_node).values(level=level, idx=idx, hash=h.hex()))


def _docs(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(audit_entry.c.leaf).order_by(audit_entry.c.seq))
    return [parse_leaf(r.leaf.encode()) for r in rows]


def _edit_leaf(conn: Connection, i: int, j: int) -> None:
    leaf = conn.execute(select(audit_entry.c.leaf).where(audit_entry.c.seq == i)).scalar_one()
    forged = leaf.replace('"actor":"user:', '"actor":"user:x', 1)
    conn.execute(update(audit_entry).where(audit_entry.c.seq == i).values(leaf=forged))


def _edit_leaf_and_hash(conn: Connection, i: int, j: int) -> None:
    leaf = conn.execute(select(audit_entry.c.leaf).where(audit_entry.c.seq == i)).scalar_one()
    forged = leaf.replace('"actor":"user:', '"actor":"user:x', 1)
    digest = merkle.leaf_hash(forged.encode()).hex()
    conn.execute(
        update(audit_entry).where(audit_entry.c.seq == i).values(leaf=forged, leaf_hash=digest)
    )


def _rewrite_one(conn: Connection, i: int, j: int) -> None:
    docs = _docs(conn)
    docs[i] = {**docs[i], "actor": "system", "purpose": "covered up"}
    _rewrite(conn, docs)


def _edit_column(conn: Connection, i: int, j: int) -> None:
    conn.execute(update(audit_entry).where(audit_entry.c.seq == i).values(actor="user:nobody"))


def _delete_entry(conn: Connection, i: int, j: int) -> None:
    conn.execute(delete(audit_subject).where(audit_subject.c.seq == i))
    conn.execute(delete(audit_entry).where(audit_entry.c.seq == i))


def _delete_and_renumber(conn: Connection, i: int, j: int) -> None:
    docs = _docs(conn)
    del docs[i]
    _rewrite(conn, docs)


def _swap(conn: Connection, i: int, j: int) -> None:
    rows = {
        r.seq: (r.leaf, r.leaf_hash)
        for r in conn.execute(select(audit_entry).where(audit_entry.c.seq.in_([i, j])))
    }
    for a, b in ((i, j), (j, i)):
        leaf, digest = rows[b]
        conn.execute(
            update(audit_entry).where(audit_entry.c.seq == a).values(leaf=leaf, leaf_hash=digest)
        )


def _swap_and_rewrite(conn: Connection, i: int, j: int) -> None:
    docs = _docs(conn)
    docs[i], docs[j] = docs[j], docs[i]
    _rewrite(conn, docs)


def _insert(conn: Connection, i: int, j: int) -> None:
    docs = _docs(conn)
    docs.insert(i, {**docs[i], "actor": "user:planted", "subjects": ["identity--planted"]})
    _rewrite(conn, docs)


def _truncate(conn: Connection, i: int, j: int) -> None:
    docs = _docs(conn)
    _rewrite(conn, docs[: i + 1])
    conn.execute(delete(audit_checkpoint))


def _edit_node(conn: Connection, i: int, j: int) -> None:
    node = conn.execute(select(audit_node).limit(1)).first()
    assert node is not None
    conn.execute(
        update(audit_node)
        .where(audit_node.c.level == node.level, audit_node.c.idx == node.idx)
        .values(hash="00" * 32)
    )


def _delete_node(conn: Connection, i: int, j: int) -> None:
    conn.execute(delete(audit_node).where(audit_node.c.level == 1, audit_node.c.idx == 0))


def _delete_subject(conn: Connection, i: int, j: int) -> None:
    conn.execute(delete(audit_subject).where(audit_subject.c.seq == i))


def _add_subject(conn: Connection, i: int, j: int) -> None:
    conn.execute(insert(audit_subject).values(seq=i, subject_id="identity--hidden"))


def _edit_checkpoint(conn: Connection, i: int, j: int) -> None:
    note = conn.execute(select(audit_checkpoint.c.note)).scalar_one()
    conn.execute(update(audit_checkpoint).values(note=note.replace(ORIGIN, ORIGIN + "2")))


def _rewrite_and_resign(conn: Connection, i: int, j: int) -> None:
    _rewrite_one(conn, i, j)
    docs = _docs(conn)
    root = merkle.tree_hash([merkle.leaf_hash(canonical(d)) for d in docs])
    forged = sign(Checkpoint(ORIGIN, len(docs), root), make_key(2))  # not the log's key
    conn.execute(update(audit_checkpoint).values(root=root.hex(), note=forged))


MUTATIONS: dict[str, Callable[[Connection, int, int], None]] = {
    "edit leaf": _edit_leaf,
    "edit leaf and its hash": _edit_leaf_and_hash,
    "rewrite one entry consistently": _rewrite_one,
    "edit a column": _edit_column,
    "delete an entry": _delete_entry,
    "delete an entry and renumber": _delete_and_renumber,
    "swap two entries": _swap,
    "swap two entries and rewrite": _swap_and_rewrite,
    "insert an entry": _insert,
    "truncate (and drop checkpoints)": _truncate,
    "edit a node": _edit_node,
    "delete a node": _delete_node,
    "delete subject rows": _delete_subject,
    "add a subject row": _add_subject,
    "edit the stored checkpoint": _edit_checkpoint,
    "rewrite and re-sign with another key": _rewrite_and_resign,
}
TALLY = {"mutations": 0, "detected": 0}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
@settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(n=st.integers(2, 24), data=st.data())
def test_lg3_every_mutation_is_detected(
    tmp_path_factory: pytest.TempPathFactory, mutation: str, n: int, data: st.DataObject
) -> None:
    store = open_store(str(tmp_path_factory.mktemp("lg3") / "audit.db"), create=True)
    try:
        key = make_key()
        fill(store, n)
        with store.write() as conn:
            witness = checkpoint(conn, key, at(100))  # also handed to a partner
        with store.read() as conn:
            assert verify(conn, key.verifier, against=[witness]).ok
        i = data.draw(st.integers(0, n - 2), label="i")
        j = data.draw(st.integers(i + 1, n - 1), label="j")
        with store.write() as conn:
            drop_protection(conn)
            MUTATIONS[mutation](conn, i, j)
        with store.read() as conn:
            report = verify(conn, key.verifier, against=[witness])
    finally:
        store.close()
    TALLY["mutations"] += 1
    TALLY["detected"] += not report.ok
    assert not report.ok, f"{mutation} at {i}/{j} of {n} went undetected"


def test_lg3_figure() -> None:
    """Prints the tally of the mutation test above (run in the same session)."""
    if not TALLY["mutations"]:
        pytest.skip("the mutation test did not run in this session")
    print(
        f"\nLG-3: {TALLY['mutations']} mutations of {len(MUTATIONS)} kinds, "
        f"{TALLY['detected']} detected"
    )
    assert TALLY["detected"] == TALLY["mutations"]


def _copy_db(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        target = Path(str(dst) + suffix)
        target.unlink(missing_ok=True)
        source = Path(str(src) + suffix)
        if source.exists():
            shutil.copyfile(source, target)


def test_lg4_rollback_and_fork_are_detected_against_a_handed_out_checkpoint(
    tmp_path: Path,
) -> None:
    key = make_key()
    db = tmp_path / "audit.db"
    snapshot = tmp_path / "snapshot.db"
    trials = detected = 0
    for trial in range(3):
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        store = open_store(str(db), create=True)
        fill(store, 4 + trial)
        with store.write() as conn:
            checkpoint(conn, key, at(50))
        store.close()
        _copy_db(db, snapshot)  # the snapshot an attacker keeps
        store = open_store(str(db))
        fill(store, 3, start=10)
        with store.write() as conn:
            handed_out = checkpoint(conn, key, at(60))  # given to a partner with a release
        store.close()
        _copy_db(snapshot, db)  # roll back
        store = open_store(str(db))
        with store.read() as conn:
            assert verify(conn, key.verifier).ok  # internally consistent: only a witness can tell
            rollback = verify(conn, key.verifier, against=[handed_out])
        trials += 1
        detected += not rollback.ok
        assert any("rolled back" in p for p in rollback.problems), rollback.problems
        fill(store, 3, start=20)  # a fork: different entries up to the same size
        with store.read() as conn:
            fork = verify(conn, key.verifier, against=[handed_out])
        store.close()
        trials += 1
        detected += not fork.ok
        assert any("root differs" in p for p in fork.problems), fork.problems
    print(f"\nLG-4: rollback or fork detected: yes in {detected}/{trials} trials")
    assert detected == trials
