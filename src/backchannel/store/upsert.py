"""Dialect-specific idempotent inserts (SQLite and PostgreSQL both speak ON CONFLICT)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, func
from sqlalchemy.dialects import postgresql, sqlite

from backchannel.store.schema import statement


def _insert(conn: Connection, table: Table) -> Any:
    mod = postgresql if conn.dialect.name == "postgresql" else sqlite
    return mod.insert(table)


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, skipping those whose primary key already exists."""
    if rows:
        conn.execute(_insert(conn, table).on_conflict_do_nothing(), list(rows))


def upsert_statements(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert statements; a statement seen again widens its version and seen ranges only."""
    if not rows:
        return
    ins = _insert(conn, statement)
    lo, hi = (
        (func.least, func.greatest) if conn.dialect.name == "postgresql" else (func.min, func.max)
    )
    ex = ins.excluded
    stmt = ins.on_conflict_do_update(
        index_elements=[statement.c.id],
        set_={
            "first_version": lo(statement.c.first_version, ex.first_version),
            "last_version": hi(statement.c.last_version, ex.last_version),
            "first_seen": lo(statement.c.first_seen, ex.first_seen),
            "last_seen": hi(statement.c.last_seen, ex.last_seen),
        },
    )
    conn.execute(stmt, list(rows))
