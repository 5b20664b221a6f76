"""Signed tree heads as C2SP tlog-checkpoint signed notes (c2sp.org/tlog-checkpoint, signed-note).

A checkpoint note is::

    <origin>
    <tree size, decimal>
    <base64 root hash>

    — <key name> <base64(4-byte key id || Ed25519 signature of the three lines above)>

The signed text is the three lines including the final newline. Checkpoints handed to partners
and the oversight body are what make a rewritten or rolled-back log detectable (LG-4).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from backchannel.audit import log
from backchannel.audit.key import SigningKey, VerifierKey
from backchannel.errors import InvalidInput
from backchannel.store.schema import audit_checkpoint
from backchannel.store.timefmt import to_text

_SIG_PREFIX = "— "  # em dash (U+2014), space
_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")
MAX_SIGNATURES = 16


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def sign(checkpoint: Checkpoint, key: SigningKey) -> str:
    """The checkpoint as a signed note."""
    body = checkpoint.body()
    sig = base64.b64encode(key.verifier.id + key.sign(body.encode())).decode()
    return f"{body}\n{_SIG_PREFIX}{key.name} {sig}\n"


def _split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise InvalidInput("not a signed note", why="control characters")
    body, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise InvalidInput("not a signed note", why="no blank line before the signatures")
    lines = sigs[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise InvalidInput("not a signed note", why="too many signatures")
    out = []
    for line in lines:
        name, _, data = line.removeprefix(_SIG_PREFIX).partition(" ")
        if not line.startswith(_SIG_PREFIX) or not name or " " in data:
            raise InvalidInput("not a signed note", why=f"bad signature line {line[:40]!r}")
        try:
            out.append((name, base64.b64decode(data, validate=True)))
        except binascii.Error:
            raise InvalidInput("not a signed note", why="signature is not base64") from None
    return body + "\n", out


def open_note(note: str, key: VerifierKey) -> Checkpoint:
    """Verify the note's signature by ``key`` and parse the checkpoint; raises InvalidInput."""
    body, signatures = _split_note(note)
    ours = [s for name, s in signatures if name == key.name and s[:4] == key.id]
    if not ours:
        raise InvalidInput("checkpoint is not signed by the audit key", why=key.encode())
    if not all(key.verify(s[4:], body.encode()) for s in ours):
        raise InvalidInput("checkpoint signature does not verify", why="altered or forged")
    return parse_body(body)


def parse_body(body: str) -> Checkpoint:
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise InvalidInput("not a checkpoint", why="need origin, size and root lines")
    origin, size_text, root_text = lines[:3]
    if not origin or not _SIZE.fullmatch(size_text):
        raise InvalidInput("not a checkpoint", why="bad origin or tree size")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error:
        raise InvalidInput("not a checkpoint", why="root hash is not base64") from None
    if len(root) != 32:
        raise InvalidInput("not a checkpoint", why="root hash is not 32 bytes")
    return Checkpoint(origin, int(size_text), root)


def checkpoint(conn: Connection, key: SigningKey, now: datetime) -> str:
    """Sign the current tree head, store it, and return the note (one per tree size)."""
    size = log.size(conn)
    stored = conn.execute(
        select(audit_checkpoint.c.note).where(audit_checkpoint.c.size == size)
    ).scalar()
    if stored is not None:
        return str(stored)
    head = Checkpoint(key.name, size, log.root(conn, size))
    note = sign(head, key)
    conn.execute(
        insert(audit_checkpoint).values(
            size=size, root=head.root.hex(), note=note, created_at=to_text(now)
        )
    )
    return note


def latest(conn: Connection) -> str | None:
    """The newest stored checkpoint note."""
    return conn.execute(
        select(audit_checkpoint.c.note).order_by(audit_checkpoint.c.size.desc()).limit(1)
    ).scalar()
