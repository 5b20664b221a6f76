"""Initial schema: envelopes, the archive, deliveries, entities, statements, search,
resolution, screening, liaison (partners, agreements, releases, requests, reviews), accounts,
TAXII positions and the audit log.

Frozen: the tables are spelt out here as they stood when this revision was made (rendered
with Alembic's autogenerate from ``store/schema.py`` and checked in), so later changes to
``schema.py`` need a new revision; tests/store/test_migrations.py fails until there is one.

The audit tables are append-only (LG-5): triggers refuse UPDATE and DELETE (and, on
PostgreSQL, TRUNCATE), and PostgreSQL also revokes those privileges from PUBLIC.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

AUDIT_TABLES = ("audit_entry", "audit_subject", "audit_node", "audit_checkpoint", "audit_secret")
SEARCHABLE_PROPS = ("name", "alias", "aliases", "description")
_PROPS = ", ".join(f"'{p}'" for p in SEARCHABLE_PROPS)
TABLES = (
    "audit_checkpoint",
    "audit_entry",
    "audit_node",
    "audit_secret",
    "cluster_member",
    "entity",
    "envelope",
    "judgement",
    "login_failure",
    "partner",
    "proposal",
    "record",
    "review",
    "screen_dirty",
    "screen_profile",
    "taxii_pull",
    "account",
    "agreement",
    "audit_subject",
    "delivery",
    "originator",
    "release",
    "statement",
    "taxii_inbound",
    "taxii_status",
    "api_token",
    "release_object",
    "request",
)  # in creation order (referenced tables first)


def upgrade() -> None:
    bind = op.get_bind()
    _create_tables()
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
            "CREATE INDEX ix_statement_fts ON statement USING gin "
            f"(to_tsvector('simple', value)) WHERE prop IN ({_PROPS})"
        )
    _protect_audit(bind.dialect.name)


def _create_tables() -> None:
    op.create_table(
        "audit_checkpoint",
        sa.Column("size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("size"),
    )
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("recipient", sa.Text(), nullable=True),
        sa.Column("leaf", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_audit_entry_action", "audit_entry", ["action", "seq"], unique=False)
    op.create_table(
        "audit_node",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
    )
    op.create_table(
        "audit_secret",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "cluster_member",
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("canonical_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("entity_id"),
    )
    op.create_index("ix_cluster_canonical", "cluster_member", ["canonical_id"], unique=False)
    op.create_table(
        "entity",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("stix_type", sa.String(length=64), nullable=False),
        sa.Column("first_seen", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_entity_kind", "entity", ["kind"], unique=False)
    op.create_table(
        "envelope",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("originator", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("reliability", sa.String(length=1), nullable=False),
        sa.Column("credibility", sa.String(length=1), nullable=False),
        sa.Column("first_received_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "judgement",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("left_id", sa.String(length=128), nullable=False),
        sa.Column("right_id", sa.String(length=128), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("retracts", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["retracts"],
            ["judgement.seq"],
        ),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_judgement_pair", "judgement", ["left_id", "right_id"], unique=False)
    op.create_index("ix_judgement_right", "judgement", ["right_id"], unique=False)
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_failure_user", "login_failure", ["username", "at"], unique=False)
    op.create_table(
        "partner",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("contacts", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "proposal",
        sa.Column("left_id", sa.String(length=128), nullable=False),
        sa.Column("right_id", sa.String(length=128), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("left_id", "right_id"),
    )
    op.create_index("ix_proposal_score", "proposal", ["score"], unique=False)
    op.create_table(
        "record",
        sa.Column("stix_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=True),
        sa.Column("archived_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("stix_id", "version"),
    )
    op.create_index("ix_record_type", "record", ["type"], unique=False)
    op.create_table(
        "review",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("reviewed_at", sa.String(length=32), nullable=False),
        sa.Column("reviewer", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("next_due", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_review_entity", "review", ["entity_id"], unique=False)
    op.create_table(
        "screen_dirty",
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("entity_id"),
    )
    op.create_table(
        "screen_profile",
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("entity_id"),
    )
    op.create_table(
        "taxii_pull",
        sa.Column("url", sa.String(length=512), nullable=False),
        sa.Column("collection", sa.String(length=128), nullable=False),
        sa.Column("added_last", sa.String(length=40), nullable=False),
        sa.Column("pulled_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("url", "collection"),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("password_salt", sa.String(length=32), nullable=True),
        sa.Column("password_hash", sa.String(length=64), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "agreement",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
        ),
        sa.PrimaryKeyConstraint("partner_id", "version"),
    )
    op.create_table(
        "audit_subject",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["seq"],
            ["audit_entry.seq"],
        ),
        sa.PrimaryKeyConstraint("seq", "subject_id"),
    )
    op.create_index("ix_audit_subject_id", "audit_subject", ["subject_id"], unique=False)
    op.create_table(
        "delivery",
        sa.Column("stix_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("envelope_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["envelope_id"],
            ["envelope.id"],
        ),
        sa.PrimaryKeyConstraint("stix_id", "version", "envelope_id"),
    )
    op.create_table(
        "originator",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
        ),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "release",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("via", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("published_at", sa.String(length=32), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("agreement_version", sa.Integer(), nullable=False),
        sa.Column("objects", sa.Integer(), nullable=False),
        sa.Column("bundle_sha256", sa.String(length=64), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
        ),
        sa.ForeignKeyConstraint(
            ["via"],
            ["partner.id"],
        ),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_release_partner", "release", ["partner_id"], unique=False)
    op.create_table(
        "statement",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("prop", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("qualifiers", sa.Text(), nullable=False),
        sa.Column("link", sa.Boolean(), nullable=False),
        sa.Column("record_id", sa.String(length=128), nullable=False),
        sa.Column("first_version", sa.String(length=32), nullable=False),
        sa.Column("last_version", sa.String(length=32), nullable=False),
        sa.Column("envelope_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("originator", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.Column("reliability", sa.String(length=1), nullable=False),
        sa.Column("credibility", sa.String(length=1), nullable=False),
        sa.Column("valid_from", sa.String(length=32), nullable=True),
        sa.Column("valid_to", sa.String(length=32), nullable=True),
        sa.Column("first_seen", sa.String(length=32), nullable=False),
        sa.Column("last_seen", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["envelope_id"],
            ["envelope.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_statement_entity", "statement", ["entity_id"], unique=False)
    op.create_index(
        "ix_statement_link_target",
        "statement",
        ["value"],
        unique=False,
        sqlite_where=sa.text("link"),
        postgresql_where=sa.text("link"),
    )
    op.create_table(
        "taxii_inbound",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
        ),
        sa.PrimaryKeyConstraint("partner_id", "object_id", "version"),
    )
    op.create_index(
        "ix_taxii_inbound_page",
        "taxii_inbound",
        ["partner_id", "added_at", "object_id", "version"],
        unique=False,
    )
    op.create_table(
        "taxii_status",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("request_timestamp", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("revoked_at", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "release_object",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("release_seq", sa.Integer(), nullable=False),
        sa.Column("canonical_id", sa.String(length=128), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
        ),
        sa.ForeignKeyConstraint(
            ["release_seq"],
            ["release.seq"],
        ),
        sa.PrimaryKeyConstraint("partner_id", "object_id", "version"),
    )
    op.create_index(
        "ix_release_object_canonical",
        "release_object",
        ["partner_id", "canonical_id"],
        unique=False,
    )
    op.create_index(
        "ix_release_object_page",
        "release_object",
        ["partner_id", "added_at", "object_id", "version"],
        unique=False,
    )
    op.create_table(
        "request",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.String(length=32), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("release_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
        ),
        sa.ForeignKeyConstraint(
            ["release_seq"],
            ["release.seq"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )


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
    for table in reversed(TABLES):
        op.drop_table(table)
    if bind.dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
