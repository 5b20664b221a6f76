"""Tables. The archive, statements and envelopes are the truth; everything else derives from them.

Timestamps are stored as fixed-width ISO 8601 UTC text (``YYYY-MM-DDTHH:MM:SS.ffffffZ``) so that
they sort correctly as text on both backends and round-trip without timezone surprises.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()

envelope = Table(
    "envelope",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("source", Text, nullable=False),
    Column("originator", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("tlp", String(16), nullable=False),
    Column("reliability", String(1), nullable=False),
    Column("credibility", String(1), nullable=False),
    Column("first_received_at", String(32), nullable=False),
)

# The archive: every received STIX object version, exactly as received (JSON values preserved).
record = Table(
    "record",
    metadata,
    Column("stix_id", String(128), primary_key=True),
    Column("version", String(32), primary_key=True),  # normalised `modified` (or `created`)
    Column("type", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("revoked", Boolean, nullable=False),
    Column("tlp", String(16), nullable=True),  # the object's own TLP marking, if any
    Column("archived_at", String(32), nullable=False),
    Index("ix_record_type", "type"),
)

# Who delivered which version: the same object from two sources is two deliveries.
delivery = Table(
    "delivery",
    metadata,
    Column("stix_id", String(128), primary_key=True),
    Column("version", String(32), primary_key=True),
    Column("envelope_id", String(64), ForeignKey("envelope.id"), primary_key=True),
    Column("received_at", String(32), nullable=False),
)

entity = Table(
    "entity",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("stix_type", String(64), nullable=False),
    Column("first_seen", String(32), nullable=False),
    Index("ix_entity_kind", "kind"),
)

statement = Table(
    "statement",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("entity_id", String(128), nullable=False),
    Column("prop", String(64), nullable=False),
    Column("value", Text, nullable=False),
    Column("qualifiers", Text, nullable=False),  # JSON object of strings, sorted keys
    Column("link", Boolean, nullable=False),  # read from a relationship object
    Column("record_id", String(128), nullable=False),
    Column("first_version", String(32), nullable=False),
    Column("last_version", String(32), nullable=False),
    Column("envelope_id", String(64), ForeignKey("envelope.id"), nullable=False),
    Column("source", Text, nullable=False),
    Column("originator", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("tlp", String(16), nullable=False),
    Column("reliability", String(1), nullable=False),
    Column("credibility", String(1), nullable=False),
    Column("valid_from", String(32), nullable=True),
    Column("valid_to", String(32), nullable=True),
    Column("first_seen", String(32), nullable=False),
    Column("last_seen", String(32), nullable=False),
    Index("ix_statement_entity", "entity_id"),
    # Reverse look-ups ("who links to this entity?") only ever ask about link statements.
    Index(
        "ix_statement_link_target",
        "value",
        sqlite_where=text("link"),
        postgresql_where=text("link"),
    ),
)

# Names searched by full-text search (SQLite FTS5 mirrors these via triggers; PostgreSQL
# uses an expression index on statement.value).
SEARCHABLE_PROPS = ("name", "alias", "aliases", "description")

# Resolution: judgements are the truth (append-only); clusters are derived from them.
judgement = Table(
    "judgement",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("left_id", String(128), nullable=False),  # the smaller id of the pair
    Column("right_id", String(128), nullable=False),
    Column("verdict", String(16), nullable=False),  # same | not-same | unsure | retract
    Column("author", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("retracts", Integer, ForeignKey("judgement.seq"), nullable=True),
    Index("ix_judgement_pair", "left_id", "right_id"),
    Index("ix_judgement_right", "right_id"),
)

# Derived from judgements (rebuildable): which cluster each clustered entity belongs to.
cluster_member = Table(
    "cluster_member",
    metadata,
    Column("entity_id", String(128), primary_key=True),
    Column("canonical_id", String(128), nullable=False),
    Index("ix_cluster_canonical", "canonical_id"),
)

# Screening (derived, rebuildable): each person's matching profile, kept current by marking
# entities dirty on import and refreshing them before the index is loaded.
screen_profile = Table(
    "screen_profile",
    metadata,
    Column("entity_id", String(128), primary_key=True),
    Column("profile", Text, nullable=False),  # JSON: names, birth dates, nationalities, ...
)

screen_dirty = Table(
    "screen_dirty",
    metadata,
    Column("entity_id", String(128), primary_key=True),
)

# Statement properties that feed a person's screening profile.
PROFILE_PROPS = frozenset(
    {"name", "alias", "birth_date", "nationality", "gender", "birthplace", "external_references"}
)

# Resolution proposals (derived: replaced by every `resolve` run) for analysts to judge.
proposal = Table(
    "proposal",
    metadata,
    Column("left_id", String(128), primary_key=True),
    Column("right_id", String(128), primary_key=True),
    Column("score", Float, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON: the matcher's explanation
    Column("created_at", String(32), nullable=False),
    Index("ix_proposal_score", "score"),
)
