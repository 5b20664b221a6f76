"""Initial schema: envelopes, the archive, deliveries, entities, statements, search, audit log.

The audit tables are append-only (LG-5): triggers refuse UPDATE and DELETE (and, on
PostgreSQL, TRUNCATE), and PostgreSQL also revokes those privileges from PUBLIC.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

from backchannel.store.schema import AUDIT_TABLES, SEARCHABLE_PROPS, metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_PROPS = ", ".join(f"'{p}'" for p in SEARCHABLE_PROPS)


def upgrade() -> None:
    bind = op.get_bind()
    metadata.create_all(bind)
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE statement_fts USING fts5("
            "value, prop UNINDEXED, statement_id UNINDEXED, entity_id UNINDEXED, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER statement_fts_delete AFTER DELETE ON statement BEGIN "
            "DELETE FROM statement_fts WHERE statement_id = old.id; END"
        )
    else:
        op.execute(
            f"CREATE INDEX ix_statement_fts ON statement USING gin "
            f"(to_tsvector('simple', value)) WHERE prop IN ({_PROPS})"
        )
    _protect_audit(bind.dialect.name)


def _protect_audit(dialect: str) -> None:
    if dialect == "sqlite":
        for table in AUDIT_TABLES:
            for op_name in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{op_name.lower()} BEFORE {op_name} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op_name} refused'); END"
                )
        return
    op.execute(
        "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$"
    )
    for table in AUDIT_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
        )
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS statement_fts")
    metadata.drop_all(bind)
    if bind.dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
