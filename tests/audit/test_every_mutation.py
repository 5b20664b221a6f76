"""Every single-entry mutation of a 12-entry audit log is detected (LG-3, exhaustively).

``test_verify.py`` samples mutation kinds at random positions; this test enumerates them all:
every byte of every stored leaf, every hex digit of every stored leaf hash, the deletion of each
entry, the swap of each adjacent pair, an entry planted before each entry, and truncation at
each length. Two attackers, both past the append-only triggers (dropped first):

* one who edits rows with SQL only: ``verify`` alone must flag it (the stored nodes and
  checkpoint stay as they were);
* one who also recomputes every leaf hash and subtree node, renumbers the leaves and deletes
  the stored checkpoints: only a checkpoint handed out earlier can tell, so ``verify`` gets it
  (``against``). Appending a well-formed entry at the end is not a mutation but what an
  append does; it is not in the list.

Each mutation runs in a transaction that is rolled back, so one database serves them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, delete, insert, select, update

from backchannel.audit import merkle
from backchannel.audit.checkpoint import checkpoint
from backchannel.audit.log import canonical, parse_leaf
from backchannel.audit.verify import verify
from backchannel.store.engine import open_store
from backchannel.store.schema import audit_checkpoint, audit_entry, audit_node, audit_subject
from tests.audit.helpers import at, drop_protection, fill, make_key

N = 12
COLUMNS = ("at", "action", "actor", "purpose", "recipient")


@dataclass(frozen=True)
class Row:
    """One stored entry: its columns, its leaf text and hash, its subject rows."""

    cols: dict[str, Any]
    leaf: str
    leaf_hash: str
    subjects: tuple[str, ...]


def _read(conn: Connection) -> list[Row]:
    subjects: dict[int, list[str]] = {}
    for seq, subject in conn.execute(select(audit_subject.c.seq, audit_subject.c.subject_id)):
        subjects.setdefault(seq, []).append(subject)
    return [
        Row(
            {c: getattr(r, c) for c in COLUMNS},
            r.leaf,
            r.leaf_hash,
            tuple(sorted(subjects.get(r.seq, ()))),
        )
        for r in conn.execute(select(audit_entry).order_by(audit_entry.c.seq))
    ]


def _write(conn: Connection, rows: list[Row], *, recompute: bool) -> None:
    """Replace the entries (numbered 0..) by ``rows``; ``recompute``: also make every leaf
    hash and subtree node agree with the leaves, and drop the stored checkpoints."""
    conn.execute(delete(audit_subject))
    conn.execute(delete(audit_entry))
    hashes = [merkle.leaf_hash(r.leaf.encode()) for r in rows]
    entries = [
        {"seq": seq, "leaf": r.leaf, "leaf_hash": d.hex() if recompute else r.leaf_hash, **r.cols}
        for seq, (r, d) in enumerate(zip(rows, hashes, strict=True))
    ]
    subjects = [{"seq": seq, "subject_id": s} for seq, r in enumerate(rows) for s in r.subjects]
    if entries:
        conn.execute(insert(audit_entry), entries)
    if subjects:
        conn.execute(insert(audit_subject), subjects)
    if recompute:
        _redo_nodes(conn, hashes)


def _redo_nodes(conn: Connection, hashes: list[bytes]) -> None:
    conn.execute(delete(audit_node))
    conn.execute(delete(audit_checkpoint))
    nodes = [
        {"level": level, "idx": idx, "hash": h.hex()}
        for level, row in enumerate(merkle.levels(hashes)[1:], 1)
        for idx, h in enumerate(row)
    ]
    if nodes:
        conn.execute(insert(audit_node), nodes)


def _edit_one(conn: Connection, rows: list[Row], i: int, edited: Row, *, recompute: bool) -> None:
    """Replace entry ``i`` only (the fast path for the thousands of byte edits)."""
    digest = merkle.leaf_hash(edited.leaf.encode()).hex() if recompute else edited.leaf_hash
    conn.execute(
        update(audit_entry).where(audit_entry.c.seq == i).values(leaf=edited.leaf, leaf_hash=digest)
    )
    if recompute:
        hashes = [merkle.leaf_hash(r.leaf.encode()) for r in rows]
        hashes[i] = bytes.fromhex(digest)
        _redo_nodes(conn, hashes)


def _renumbered(rows: list[Row]) -> list[Row]:
    """The rows with each well-formed leaf rewritten to say its new position."""
    out = []
    for seq, r in enumerate(rows):
        try:
            doc = parse_leaf(r.leaf.encode())
        except ValueError:
            out.append(r)
            continue
        leaf = canonical({**doc, "seq": seq}).decode()
        out.append(Row(r.cols, leaf, merkle.leaf_hash(leaf.encode()).hex(), r.subjects))
    return out


def _planted(seq: int) -> Row:
    """A well-formed, self-consistent entry claiming to be entry ``seq``."""
    doc = {
        "v": 1,
        "seq": seq,
        "at": "2026-01-01T12:00:30.000000Z",
        "action": "consultation",
        "actor": "user:planted",
        "purpose": None,
        "recipient": None,
        "subjects": ["identity--planted"],
        "details": {},
    }
    leaf = canonical(doc).decode()
    cols = {c: doc[c] for c in COLUMNS}
    return Row(cols, leaf, merkle.leaf_hash(leaf.encode()).hex(), ("identity--planted",))


def _other(ch: str, alphabet: str) -> str:
    return alphabet[(alphabet.index(ch) + 1) % len(alphabet)] if ch in alphabet else alphabet[0]


Mutation = tuple[str, Callable[[Connection], None], bool]  # name, apply, witness needed


def mutations(rows: list[Row]) -> list[Mutation]:
    """Every single-entry mutation of ``rows``, for both attackers."""
    n = len(rows)
    out: list[Mutation] = []

    def one(i: int, edited: Row, recompute: bool) -> Callable[[Connection], None]:
        return lambda conn: _edit_one(conn, rows, i, edited, recompute=recompute)

    def whole(edit: Callable[[], list[Row]], recompute: bool) -> Callable[[Connection], None]:
        return lambda conn: _write(conn, edit(), recompute=recompute)

    printable = "".join(chr(c) for c in range(32, 127))
    for i, r in enumerate(rows):
        for b, ch in enumerate(r.leaf):
            leaf = r.leaf[:b] + _other(ch, printable) + r.leaf[b + 1 :]
            edited = Row(r.cols, leaf, r.leaf_hash, r.subjects)
            out.append((f"entry {i}: leaf byte {b}", one(i, edited, False), False))
            out.append((f"entry {i}: leaf byte {b}, hashes redone", one(i, edited, True), True))
        for b, ch in enumerate(r.leaf_hash):
            digest = r.leaf_hash[:b] + _other(ch, "0123456789abcdef") + r.leaf_hash[b + 1 :]
            edited = Row(r.cols, r.leaf, digest, r.subjects)
            out.append((f"entry {i}: leaf hash digit {b}", one(i, edited, False), False))
    for i in range(n):
        for recompute, how in ((False, ""), (True, ", renumbered and rehashed")):
            fix = _renumbered if recompute else list

            def deleted(i: int = i, fix: Any = fix) -> list[Row]:
                return fix(rows[:i] + rows[i + 1 :])

            def planted(i: int = i, fix: Any = fix) -> list[Row]:
                return fix([*rows[:i], _planted(i), *rows[i:]])

            def truncated(i: int = i) -> list[Row]:
                return rows[:i]

            out.append((f"delete entry {i}{how}", whole(deleted, recompute), recompute))
            out.append((f"plant an entry before {i}{how}", whole(planted, recompute), recompute))
            out.append((f"truncate to {i}{how}", whole(truncated, recompute), recompute))
            if i < n - 1:

                def swapped(i: int = i, fix: Any = fix) -> list[Row]:
                    return fix([*rows[:i], rows[i + 1], rows[i], *rows[i + 2 :]])

                out.append(
                    (f"swap entries {i} and {i + 1}{how}", whole(swapped, recompute), recompute)
                )
    return out


def test_every_single_entry_mutation_is_detected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(str(tmp_path / "audit.db"), create=True)
    try:
        key = make_key()
        fill(store, N)
        with store.write() as conn:
            witness = checkpoint(conn, key, at(100))  # also handed to a partner
            drop_protection(conn)
        with store.read() as conn:
            assert verify(conn, key.verifier, against=[witness]).ok
            rows = _read(conn)
        assert len(rows) == N and all(r.leaf.isascii() for r in rows)  # a byte is a character
        tried = detected = 0
        missed: list[str] = []
        with store.engine.connect().execution_options(backchannel_write=True) as conn:
            for name, apply, recompute in mutations(rows):
                tx = conn.begin()
                try:
                    apply(conn)
                    report = verify(conn, key.verifier, against=[witness] if recompute else [])
                finally:
                    tx.rollback()
                tried += 1
                detected += not report.ok
                if report.ok:
                    missed.append(name)
            tx = conn.begin()  # and the untouched log, rewritten as it was, still verifies
            _write(conn, rows, recompute=False)
            assert verify(conn, key.verifier, against=[witness]).ok
            tx.rollback()
    finally:
        store.close()
    with capsys.disabled():
        print(f"\nLG-3 exhaustive ({N} entries): {tried} mutations, {detected} detected")
    assert not missed, f"undetected: {missed[:20]}"
