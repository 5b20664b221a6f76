"""Shared helpers for the audit tests: events, a test key, fault injection, trigger bypass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection

from backchannel.audit.key import SigningKey
from backchannel.audit.log import Action, Event
from backchannel.store.engine import Store
from backchannel.store.schema import AUDIT_TABLES

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
ORIGIN = "audit.test.example/backchannel"


def at(i: int) -> datetime:
    return T0 + timedelta(seconds=i)


def make_key(seed: int = 1) -> SigningKey:
    return SigningKey(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))


def event(i: int) -> Event:
    """A fictional consultation or disclosure, varying with ``i``."""
    if i % 3 == 2:
        return Event(
            Action.DISCLOSURE,
            "user:analyst-a",
            subjects=(f"identity--{i:08d}-0000-4000-8000-000000000000",),
            purpose=f"CASE-{i}",
            recipient="partner:service-b",
            details={"objects": i, "sha256": f"{i:064x}"},
        )
    return Event(
        Action.CONSULTATION,
        "user:analyst-b",
        subjects=(f"identity--{i:08d}-0000-4000-8000-000000000000", f"report--{i}"),
        purpose=None,
        details={"statements": i},
    )


def fill(store: Store, n: int, *, start: int = 0) -> None:
    from backchannel.audit.log import append

    with store.write() as conn:
        for i in range(start, start + n):
            append(conn, event(i), now=at(i))


def fail_audit_inserts(conn: Connection) -> None:
    """Fault injection: make every insert into audit_entry fail, as a full disk would."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "CREATE TRIGGER audit_fault BEFORE INSERT ON audit_entry "
            "BEGIN SELECT RAISE(ABORT, 'injected audit failure'); END"
        )
    else:
        conn.exec_driver_sql(
            "CREATE FUNCTION audit_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'injected audit failure'; END $$"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER audit_fault BEFORE INSERT ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION audit_fault()"
        )


def drop_protection(conn: Connection) -> None:
    """A tester with file or owner access: remove the append-only triggers (SQLite)."""
    assert conn.dialect.name == "sqlite"
    for table in AUDIT_TABLES:
        for verb in ("update", "delete"):
            conn.exec_driver_sql(f"DROP TRIGGER {table}_no_{verb}")


def clear_fault(conn: Connection) -> None:
    conn.exec_driver_sql(
        "DROP TRIGGER audit_fault" + ("" if conn.dialect.name == "sqlite" else " ON audit_entry")
    )
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql("DROP FUNCTION audit_fault()")
