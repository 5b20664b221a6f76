"""Bulk idempotent inserts, straight to the driver (SQLite and PostgreSQL both speak ON CONFLICT).

The import path writes hundreds of thousands of rows; going through the DBAPI's
``executemany`` with positional tuples instead of SQLAlchemy's per-row parameter processing
roughly halves the Python cost. Rows are tuples in the table's column order.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table

from backchannel.store.schema import statement


def columns(table: Table) -> tuple[str, ...]:
    """The column order rows must follow."""
    return tuple(c.name for c in table.columns)


@cache
def _insert_sql(table: Table, dialect: str, conflict: str) -> str:
    cols = columns(table)
    mark = "?" if dialect == "sqlite" else "%s"
    return (
        f"INSERT INTO {table.name} ({', '.join(cols)}) "
        f"VALUES ({', '.join([mark] * len(cols))}) {conflict}"
    )


def insert_ignore(conn: Connection, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows, skipping those whose primary key already exists."""
    if rows:
        sql = _insert_sql(table, conn.dialect.name, "ON CONFLICT DO NOTHING")
        conn.exec_driver_sql(sql, list(rows))


def upsert_statements(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert statements; a statement seen again widens its version and seen ranges only."""
    if not rows:
        return
    lo, hi = ("least", "greatest") if conn.dialect.name == "postgresql" else ("min", "max")
    t = statement.name
    conflict = (
        "ON CONFLICT (id) DO UPDATE SET "
        f"first_version = {lo}({t}.first_version, excluded.first_version), "
        f"last_version = {hi}({t}.last_version, excluded.last_version), "
        f"first_seen = {lo}({t}.first_seen, excluded.first_seen), "
        f"last_seen = {hi}({t}.last_seen, excluded.last_seen)"
    )
    conn.exec_driver_sql(_insert_sql(statement, conn.dialect.name, conflict), list(rows))
