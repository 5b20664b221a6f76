"""The migrations build exactly the schema the code expects, on every backend.

Revision 0001 spells its tables out (it no longer creates them from ``store/schema.py``), so
a change to ``schema.py`` without a new revision makes this test fail: a database created by
an older version would otherwise silently lack what the code now needs.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from backchannel.store.engine import Store
from backchannel.store.schema import AUDIT_TABLES, metadata

# Made by the migrations outside the table metadata: full-text search (SQLite FTS5 and its
# shadow tables; a GIN expression index on PostgreSQL) and Alembic's own version table.
_OUTSIDE = {"alembic_version", "ix_statement_fts"}


def _include(name: str | None, type_: str, *_: Any) -> bool:
    if name is None:
        return True  # the default schema, and constraints that have no name
    return name not in _OUTSIDE and not name.startswith("statement_fts")


def test_a_migrated_database_has_exactly_the_schema_of_the_code(store: Store) -> None:
    with store.read() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_name": _include, "compare_type": True}
        )
        diffs = compare_metadata(ctx, metadata)
        tables = set(inspect(conn).get_table_names())
    assert diffs == [], "schema.py and the migrations differ: add a revision\n" + "\n".join(
        map(str, diffs)
    )
    assert set(metadata.tables) <= tables
    assert set(AUDIT_TABLES) <= tables


def test_downgrade_removes_everything_and_upgrade_rebuilds_it(store: Store) -> None:
    from alembic import command

    from backchannel.store.engine import _alembic_config

    engine = store.engine
    with engine.connect().execution_options(backchannel_write=True) as conn, conn.begin():
        command.downgrade(_alembic_config(conn), "base")
    with engine.connect() as conn:
        left = set(inspect(conn).get_table_names()) - {"alembic_version"}
    assert left == set()
    with engine.connect().execution_options(backchannel_write=True) as conn, conn.begin():
        command.upgrade(_alembic_config(conn), "head")
    test_a_migrated_database_has_exactly_the_schema_of_the_code(store)
