"""Full verification of the audit log: every leaf, every stored node, every checkpoint.

The verifier trusts nothing stored except the leaf bytes it hashes itself: it recomputes each
leaf hash and the whole tree in memory (O(n)), then compares what the database claims — leaf
hashes, subtree nodes, the columns and subject rows that repeat leaf fields, and signed
checkpoints. A checkpoint must verify with the audit key and be consistent with the current tree
(an RFC 9162 consistency proof built from the stored nodes must verify too). Checkpoints handed
out earlier (``against``) catch what no internal check can: a log rolled back to a snapshot, or
rewritten wholesale by someone with write access to the files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from backchannel.audit import merkle
from backchannel.audit.checkpoint import Checkpoint, open_note
from backchannel.audit.key import VerifierKey
from backchannel.audit.log import parse_leaf, subtree_hash
from backchannel.errors import BackchannelError
from backchannel.store.schema import audit_checkpoint, audit_entry, audit_node, audit_subject


@dataclass(slots=True)
class Report:
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    checkpoints: int = 0
    against: int = 0
    consistency_proofs: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "verified": self.ok,
            "size": self.size,
            "root": self.root.hex(),
            "checkpoints": self.checkpoints,
            "against": self.against,
            "consistency_proofs": self.consistency_proofs,
            "problems": self.problems,
        }


_COLUMNS = ("at", "action", "actor", "purpose", "recipient")


def _check_entries(conn: Connection, report: Report) -> list[bytes]:
    """Recompute leaf hashes; check numbering, leaf syntax, columns and subject rows."""
    subjects: dict[int, set[str]] = defaultdict(set)
    for seq, subject in conn.execute(select(audit_subject.c.seq, audit_subject.c.subject_id)):
        subjects[int(seq)].add(subject)
    hashes: list[bytes] = []
    query = select(audit_entry).order_by(audit_entry.c.seq)
    for row in conn.execute(query):
        seq = int(row.seq)
        where = f"entry {seq}"
        if seq != len(hashes):
            report.problems.append(
                f"{where}: expected entry {len(hashes)} here (entries deleted or inserted)"
            )
        leaf = row.leaf.encode("utf-8", "surrogatepass")
        digest = merkle.leaf_hash(leaf)
        hashes.append(digest)
        if row.leaf_hash != digest.hex():
            report.problems.append(f"{where}: stored leaf hash does not match the leaf")
        try:
            doc = parse_leaf(leaf)
        except ValueError as exc:
            report.problems.append(f"{where}: leaf is malformed ({exc})")
            continue
        if doc["seq"] != seq:
            report.problems.append(f"{where}: leaf says it is entry {doc['seq']} (reordered)")
        changed = [c for c in _COLUMNS if getattr(row, c) != doc[c]]
        if changed:
            report.problems.append(f"{where}: columns differ from the leaf: {', '.join(changed)}")
        if subjects.pop(seq, set()) != set(doc["subjects"]):
            report.problems.append(f"{where}: subject rows differ from the leaf")
    for seq in sorted(subjects):
        report.problems.append(f"subject rows for entry {seq}, which does not exist")
    return hashes


def _check_nodes(conn: Connection, table: list[list[bytes]], report: Report) -> None:
    stored = {
        (int(level), int(idx)): h
        for level, idx, h in conn.execute(
            select(audit_node.c.level, audit_node.c.idx, audit_node.c.hash)
        )
    }
    for level in range(1, len(table)):
        for idx, digest in enumerate(table[level]):
            got = stored.pop((level, idx), None)
            if got is None:
                report.problems.append(f"tree node ({level}, {idx}) is missing")
            elif got != digest.hex():
                report.problems.append(f"tree node ({level}, {idx}) does not match the leaves")
    for level, idx in sorted(stored):
        report.problems.append(f"tree node ({level}, {idx}) covers entries that do not exist")


def _stored_source(conn: Connection) -> merkle.SubtreeHash:
    return lambda level, index: subtree_hash(conn, level, index)


def _check_checkpoint(
    conn: Connection,
    head: Checkpoint,
    source: merkle.SubtreeHash,
    report: Report,
    where: str,
) -> None:
    if head.size > report.size:
        report.problems.append(
            f"{where}: signed for {head.size} entries but the log has {report.size} "
            "(truncated or rolled back)"
        )
        return
    if merkle.range_hash(source, 0, head.size) != head.root:
        report.problems.append(f"{where}: root differs from the log's first {head.size} entries")
        return
    try:
        proof = merkle.consistency_path(_stored_source(conn), head.size, report.size)
    except BackchannelError as exc:
        report.problems.append(f"{where}: no consistency proof ({exc.message})")
        return
    if not merkle.verify_consistency(head.size, report.size, head.root, report.root, proof):
        report.problems.append(f"{where}: consistency proof to the current tree fails")
        return
    report.consistency_proofs += 1


def verify(conn: Connection, key: VerifierKey, *, against: Sequence[str] = ()) -> Report:
    """Check the whole log; ``against``: checkpoint notes handed out earlier (witnessed)."""
    report = Report()
    hashes = _check_entries(conn, report)
    table = merkle.levels(hashes)
    source = merkle.memory_source(hashes)
    report.size = len(hashes)
    report.root = merkle.range_hash(source, 0, len(hashes))
    _check_nodes(conn, table, report)
    for size, root, note in conn.execute(
        select(audit_checkpoint.c.size, audit_checkpoint.c.root, audit_checkpoint.c.note)
    ):
        where = f"checkpoint at size {size}"
        report.checkpoints += 1
        try:
            head = open_note(note, key)
        except BackchannelError as exc:
            report.problems.append(f"{where}: {exc.message}")
            continue
        if head.size != size or head.root.hex() != root or head.origin != key.name:
            report.problems.append(f"{where}: stored size or root differ from the signed note")
            continue
        _check_checkpoint(conn, head, source, report, where)
    for i, note in enumerate(against, 1):
        where = f"checkpoint handed out ({i})"
        report.against += 1
        try:
            head = open_note(note, key)
        except BackchannelError as exc:
            report.problems.append(f"{where}: {exc.message}")
            continue
        _check_checkpoint(conn, head, source, report, where)
    return report
