"""Receipts: one entry, its inclusion proof and a signed checkpoint, verifiable offline.

A partner that received data keeps the receipt of the disclosure entry; with the log's public
key alone, :func:`verify_receipt` shows that the entry is in the log the checkpoint commits to.
Checking the same checkpoint against later ones (consistency proofs) shows it was never removed.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from backchannel.audit import checkpoint as checkpoints
from backchannel.audit import log, merkle
from backchannel.audit.key import SigningKey, VerifierKey
from backchannel.errors import BackchannelError, NotFound
from backchannel.store.schema import audit_checkpoint, audit_entry

FORMAT = "backchannel-audit-receipt/1"


def receipt(conn: Connection, seq: int, key: SigningKey, *, now: datetime) -> dict[str, Any]:
    """A receipt for entry ``seq`` under the newest checkpoint that covers it (signed if none)."""
    leaf = conn.execute(select(audit_entry.c.leaf).where(audit_entry.c.seq == seq)).scalar()
    if leaf is None:
        raise NotFound(f"no audit entry {seq}")
    note = conn.execute(
        select(audit_checkpoint.c.note)
        .where(audit_checkpoint.c.size > seq)
        .order_by(audit_checkpoint.c.size.desc())
        .limit(1)
    ).scalar()
    if note is None:
        note = checkpoints.checkpoint(conn, key, now)
    head = checkpoints.open_note(note, key.verifier)
    proof = log.inclusion_proof(conn, seq, head.size)
    return {
        "format": FORMAT,
        "leaf": leaf,
        "index": seq,
        "tree_size": head.size,
        "inclusion_proof": [base64.b64encode(h).decode() for h in proof.path],
        "checkpoint": note,
        "public_key": key.verifier.encode(),
    }


def verify_receipt(document: Mapping[str, Any], public_key: VerifierKey) -> list[str]:
    """Problems with a receipt (empty: it verifies). Pure: needs no database."""
    problems: list[str] = []
    if document.get("format") != FORMAT:
        return [f"not a receipt (format is not {FORMAT})"]
    if document.get("public_key") not in (None, public_key.encode()):
        problems.append("receipt names another public key than the one given (ignored)")
    leaf, index, size = document.get("leaf"), document.get("index"), document.get("tree_size")
    path_text = document.get("inclusion_proof")
    note = document.get("checkpoint")
    if not (
        isinstance(leaf, str)
        and isinstance(note, str)
        and isinstance(index, int)
        and isinstance(size, int)
        and isinstance(path_text, list)
        and all(isinstance(p, str) for p in path_text)
    ):
        return [*problems, "receipt lacks leaf, index, tree_size, inclusion_proof or checkpoint"]
    try:
        head = checkpoints.open_note(note, public_key)
    except BackchannelError as exc:
        return [*problems, exc.message]
    if head.size != size:
        problems.append(f"tree_size {size} differs from the checkpoint's {head.size}")
    try:
        path = [base64.b64decode(p, validate=True) for p in path_text]
    except binascii.Error:
        return [*problems, "inclusion proof is not base64"]
    leaf_bytes = leaf.encode("utf-8", "surrogatepass")
    if not merkle.verify_inclusion(merkle.leaf_hash(leaf_bytes), index, head.size, path, head.root):
        problems.append("inclusion proof does not verify against the signed checkpoint")
    try:
        doc = log.parse_leaf(leaf_bytes)
    except ValueError as exc:
        problems.append(f"leaf is malformed ({exc})")
    else:
        if doc["seq"] != index:
            problems.append(f"leaf says it is entry {doc['seq']}, not {index}")
    return problems
