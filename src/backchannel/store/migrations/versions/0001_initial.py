"""Initial schema: envelopes, the archive, deliveries, entities, statements, search.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

from backchannel.store.schema import SEARCHABLE_PROPS, metadata

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


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS statement_fts")
    metadata.drop_all(bind)
