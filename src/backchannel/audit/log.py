"""The audit log: append-only entries hashed into an RFC 9162 Merkle tree.

One entry per processing operation (collection, alteration, consultation, disclosure,
combination, erasure, or a denied request), written by :func:`append` inside the caller's
transaction, so the entry commits with the action or neither does (LG-2).

Leaf contents, in one sentence: *at time t, actor A performed action X on subjects S, for
purpose P, to recipient R, with details D (ids, counts and hashes only)*, serialised as canonical
JSON (sorted keys, no whitespace, UTF-8; RFC 8785 for the strings, integers and booleans allowed
here). Entries hold references, never personal data (LG-7): a search query, for example, is
logged as :func:`keyed_hash` of its text.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import DBAPIError

from backchannel.audit import merkle
from backchannel.errors import InvalidInput, NotFound, StoreError
from backchannel.store.schema import (
    audit_entry,
    audit_secret,
    audit_subject,
)
from backchannel.store.timefmt import from_text, to_text

LEAF_VERSION = 1
MAX_SAFE_INT = 2**53 - 1  # integers JSON readers everywhere parse exactly (RFC 8785 §3.2.2.3)
_DETAIL_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")

Detail = str | int | bool | None


class Action(StrEnum):
    COLLECTION = "collection"
    ALTERATION = "alteration"
    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"
    COMBINATION = "combination"
    ERASURE = "erasure"
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class Event:
    """What happened, before it is numbered and timed. Ids, counts and hashes only."""

    action: Action
    actor: str  # "user:alice", "partner:<id>", "system"
    subjects: Sequence[str] = ()  # entity, statement or record ids
    purpose: str | None = None  # case reference or purpose
    recipient: str | None = None  # partner id, for disclosures
    details: Mapping[str, Detail] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Entry:
    """A stored audit entry, as read back from its leaf."""

    seq: int
    at: datetime
    action: Action
    actor: str
    purpose: str | None
    recipient: str | None
    subjects: tuple[str, ...]
    details: dict[str, Detail]
    leaf: bytes
    leaf_hash: bytes

    def as_dict(self) -> dict[str, Any]:
        return {
            **parse_leaf(self.leaf),
            "leaf_hash": self.leaf_hash.hex(),
        }


def keyed_hash(secret: bytes, value: str) -> str:
    """HMAC-SHA256 of ``value`` (hex): lets the log match equal values without holding them."""
    return hmac.new(secret, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def database_secret(conn: Connection, name: str) -> bytes:
    """A named random secret of this database (kept in ``audit_secret``), made on first use."""
    row = conn.execute(select(audit_secret.c.value).where(audit_secret.c.name == name)).scalar()
    if row is None:
        row = secrets.token_hex(32)
        conn.execute(insert(audit_secret).values(name=name, value=row))
    return bytes.fromhex(row)


def query_secret(conn: Connection) -> bytes:
    """This database's secret for keyed hashes in leaves, created on first use."""
    return database_secret(conn, "keyed-hash")


def _check_text(what: str, value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(
            f"audit {what} is not valid Unicode text", why="lone surrogate"
        ) from None
    if "\x00" in value:  # PostgreSQL text cannot hold it; refused on every backend alike
        raise InvalidInput(f"audit {what} contains a NUL character")


def _check(event: Event) -> None:
    if not isinstance(event.action, Action):
        raise InvalidInput(f"unknown audit action {event.action!r}")
    if not event.actor.strip():
        raise InvalidInput("an audit entry needs an actor")
    if event.action is Action.DISCLOSURE and not event.recipient:
        raise InvalidInput("a disclosure needs a recipient")
    texts = [("actor", event.actor), *(("subject", s) for s in event.subjects)]
    texts += [("purpose", event.purpose or ""), ("recipient", event.recipient or "")]
    for key, value in event.details.items():
        if not _DETAIL_KEY.fullmatch(key):
            raise InvalidInput(f"audit detail key {key!r} is not a lowercase identifier")
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int):
            if abs(value) > MAX_SAFE_INT:
                raise InvalidInput(f"audit detail {key} is too large for exact JSON")
        elif isinstance(value, str):
            texts.append((f"detail {key}", value))
        else:
            raise InvalidInput(f"audit detail {key} must be text, an integer, a boolean or null")
    for what, text in texts:
        _check_text(what, text)


def leaf_document(seq: int, at: str, event: Event) -> dict[str, Any]:
    """The JSON object a leaf holds."""
    return {
        "v": LEAF_VERSION,
        "seq": seq,
        "at": at,
        "action": event.action.value,
        "actor": event.actor,
        "purpose": event.purpose,
        "recipient": event.recipient,
        "subjects": sorted(set(event.subjects)),
        "details": dict(event.details),
    }


def canonical(document: Mapping[str, Any]) -> bytes:
    """Canonical JSON: sorted keys, no whitespace, UTF-8, minimal escapes (as RFC 8785)."""
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def parse_leaf(leaf: bytes) -> dict[str, Any]:
    """A leaf's JSON object; raises ``ValueError`` unless it is canonical and well formed."""
    doc = orjson.loads(leaf)
    if not isinstance(doc, dict) or canonical(doc) != leaf:
        raise ValueError("leaf is not canonical JSON")
    keys = {"v", "seq", "at", "action", "actor", "purpose", "recipient", "subjects", "details"}
    if set(doc) != keys or doc["v"] != LEAF_VERSION:
        raise ValueError("leaf does not have the fields of version 1")
    return doc


def _entry_from_leaf(leaf: bytes, stored_hash: str) -> Entry:
    doc = parse_leaf(leaf)
    return Entry(
        seq=doc["seq"],
        at=from_text(doc["at"]),
        action=Action(doc["action"]),
        actor=doc["actor"],
        purpose=doc["purpose"],
        recipient=doc["recipient"],
        subjects=tuple(doc["subjects"]),
        details=dict(doc["details"]),
        leaf=leaf,
        leaf_hash=bytes.fromhex(stored_hash),
    )


def _lock(conn: Connection) -> None:
    """Serialise appends: the next seq and the new nodes depend on every earlier append."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE audit_entry IN EXCLUSIVE MODE")
    # SQLite: writes run in BEGIN IMMEDIATE transactions (Store.write), one writer at a time.


# An append or a proof is a handful of one-row statements. They go to the DBAPI cursor of the
# caller's connection, inside its transaction: SQLAlchemy's per-statement work (compiling,
# cache keys, result set-up) cost ten times the database's own work here (bench/RESULTS.md).
_SELECT_SIZE = "SELECT max(seq) FROM audit_entry"
_INSERT_ENTRY = (
    "INSERT INTO audit_entry (seq, at, action, actor, purpose, recipient, leaf, leaf_hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_SUBJECT = "INSERT INTO audit_subject (seq, subject_id) VALUES (?, ?)"
_INSERT_NODE = "INSERT INTO audit_node (level, idx, hash) VALUES (?, ?, ?)"
_SELECT_LEAF_HASH = "SELECT leaf_hash FROM audit_entry WHERE seq = ?"
_SELECT_NODE_HASH = "SELECT hash FROM audit_node WHERE level = ? AND idx = ?"


class _Cursor:
    """The driver cursor of ``conn``'s transaction, taking SQL in SQLite's ``?`` style.

    Driver errors are raised as SQLAlchemy's, as :meth:`Connection.execute` raises them, so
    callers (and the LG-2 rollback) see the same exceptions either way.
    """

    def __init__(self, conn: Connection) -> None:
        if not conn.in_transaction():
            conn.begin()  # as conn.execute would (autobegin): the caller commits
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        self.cursor = dbapi.cursor()
        self.dialect = conn.dialect
        self.qmark = conn.dialect.name == "sqlite"
        self.error: type[Exception] = conn.dialect.loaded_dbapi.Error

    def _run(self, sql: str, params: Any, *, many: bool) -> None:
        if not self.qmark:
            sql = sql.replace("?", "%s")
        try:
            if many:
                self.cursor.executemany(sql, params)
            else:
                self.cursor.execute(sql, params)
        except self.error as exc:
            raise DBAPIError.instance(
                sql, params, exc, self.error, dialect=self.dialect, ismulti=many
            ) from exc

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._run(sql, params, many=False)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._run(sql, rows, many=True)

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self._run(sql, params, many=False)
        row = self.cursor.fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        self.cursor.close()


def size(conn: Connection) -> int:
    """Number of entries (the current tree size)."""
    return _size(_Cursor(conn))


def _size(cur: _Cursor) -> int:
    top = cur.scalar(_SELECT_SIZE)
    return 0 if top is None else int(top) + 1


def append(conn: Connection, event: Event, *, now: datetime) -> int:
    """Log ``event`` in the caller's transaction; returns its sequence number (leaf index)."""
    _check(event)
    _lock(conn)
    cur = _Cursor(conn)
    try:
        return _append(cur, event, now)
    finally:
        cur.close()


def _append(cur: _Cursor, event: Event, now: datetime) -> int:
    seq = _size(cur)
    at = to_text(now)
    leaf = canonical(leaf_document(seq, at, event))
    digest = merkle.leaf_hash(leaf)
    row = (
        seq,
        at,
        event.action.value,
        event.actor,
        event.purpose,
        event.recipient,
        leaf.decode(),
        digest.hex(),
    )
    cur.execute(_INSERT_ENTRY, row)
    subjects = sorted(set(event.subjects))
    if subjects:
        cur.executemany(_INSERT_SUBJECT, [(seq, s) for s in subjects])
    # Every complete subtree that this leaf closes: its left sibling is already stored.
    nodes, right, level, index = [], digest, 0, seq
    while index & 1:
        left = _subtree_hash(cur, level, index - 1)
        right, level, index = merkle.node_hash(left, right), level + 1, index >> 1
        nodes.append((level, index, right.hex()))
    if nodes:
        cur.executemany(_INSERT_NODE, nodes)
    return seq


def subtree_hash(conn: Connection, level: int, index: int) -> bytes:
    """The stored hash of complete subtree (level, index); level 0 is a leaf hash."""
    cur = _Cursor(conn)
    try:
        return _subtree_hash(cur, level, index)
    finally:
        cur.close()


def _subtree_hash(cur: _Cursor, level: int, index: int) -> bytes:
    if level == 0:
        value = cur.scalar(_SELECT_LEAF_HASH, (index,))
    else:
        value = cur.scalar(_SELECT_NODE_HASH, (level, index))
    if value is None:
        raise StoreError(
            f"audit tree node ({level}, {index}) is missing",
            why="the audit tables were changed outside the application: run `audit verify`",
        )
    return bytes.fromhex(value)


def _source(conn: Connection) -> merkle.SubtreeHash:
    cur = _Cursor(conn)
    return lambda level, index: _subtree_hash(cur, level, index)


def _size_or_current(conn: Connection, tree_size: int | None) -> int:
    current = size(conn)
    if tree_size is None:
        return current
    if not 0 <= tree_size <= current:
        raise InvalidInput(f"the audit log has {current} entries, not {tree_size}")
    return tree_size


def root(conn: Connection, tree_size: int | None = None) -> bytes:
    """The tree hash of the first ``tree_size`` entries (default: all), in O(log n)."""
    n = _size_or_current(conn, tree_size)
    return merkle.range_hash(_source(conn), 0, n)


@dataclass(frozen=True, slots=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: bytes
    path: list[bytes]
    root: bytes

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "tree_size": self.tree_size,
            "leaf_hash": self.leaf_hash.hex(),
            "path": [h.hex() for h in self.path],
            "root": self.root.hex(),
        }


def inclusion_proof(conn: Connection, seq: int, tree_size: int | None = None) -> InclusionProof:
    """RFC 9162 inclusion proof of entry ``seq`` in the tree of ``tree_size`` entries."""
    n = _size_or_current(conn, tree_size)
    if not 0 <= seq < n:
        raise NotFound(f"no audit entry {seq} in a tree of {n} entries")
    source = _source(conn)
    return InclusionProof(
        seq,
        n,
        source(0, seq),
        merkle.inclusion_path(source, seq, n),
        merkle.range_hash(source, 0, n),
    )


def consistency_proof(conn: Connection, first: int, second: int | None = None) -> list[bytes]:
    """RFC 9162 consistency proof that the tree of ``first`` entries is a prefix of ``second``."""
    n = _size_or_current(conn, second)
    if not 0 <= first <= n:
        raise InvalidInput(f"no consistency proof from size {first} to size {n}")
    return merkle.consistency_path(_source(conn), first, n)


def entries(
    conn: Connection,
    *,
    start: int = 0,
    limit: int | None = None,
    action: Action | None = None,
    newest_first: bool = False,
) -> list[Entry]:
    """Entries in order of their sequence number (or newest first)."""
    query = select(audit_entry.c.leaf, audit_entry.c.leaf_hash).where(audit_entry.c.seq >= start)
    if action is not None:
        query = query.where(audit_entry.c.action == action.value)
    query = query.order_by(audit_entry.c.seq.desc() if newest_first else audit_entry.c.seq)
    if limit is not None:
        query = query.limit(limit)
    return [_entry_from_leaf(leaf.encode(), h) for leaf, h in conn.execute(query)]


def entries_about(conn: Connection, subject_id: str, *, limit: int | None = None) -> list[Entry]:
    """Entries about one id (who collected, consulted, combined or received it), oldest first."""
    query = (
        select(audit_entry.c.leaf, audit_entry.c.leaf_hash)
        .join(audit_subject, audit_subject.c.seq == audit_entry.c.seq)
        .where(audit_subject.c.subject_id == subject_id)
        .order_by(audit_entry.c.seq)
    )
    if limit is not None:
        query = query.limit(limit)
    return [_entry_from_leaf(leaf.encode(), h) for leaf, h in conn.execute(query)]
