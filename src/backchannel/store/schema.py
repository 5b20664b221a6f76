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

# --- Liaison (backchannel.liaison) -----------------------------------------------------------
# Partners, their agreements (every version kept), who originated what, releases, requests and
# reviews are truth; release objects are the exact bytes a partner was given.
partner = Table(
    "partner",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("contacts", Text, nullable=False),  # JSON list of strings
    Column("created_at", String(32), nullable=False),
    Column("created_by", Text, nullable=False),
)

# Who an originator name (statement.originator) is: one of our partners, our own service, or a
# published source. An originator nobody has classified is never released (third-party rule).
originator = Table(
    "originator",
    metadata,
    Column("name", Text, primary_key=True),
    Column("kind", String(16), nullable=False),  # partner | own | public
    Column("partner_id", String(64), ForeignKey("partner.id"), nullable=True),
    Column("created_at", String(32), nullable=False),
    Column("created_by", Text, nullable=False),
)

agreement = Table(
    "agreement",
    metadata,
    Column("partner_id", String(64), ForeignKey("partner.id"), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("terms", Text, nullable=False),  # JSON (liaison.agreement.Terms.as_dict)
    Column("author", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)

release = Table(
    "release",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("partner_id", String(64), ForeignKey("partner.id"), nullable=False),
    Column("via", String(64), ForeignKey("partner.id"), nullable=True),
    Column("kind", String(16), nullable=False),  # objects | statistics
    Column("published_at", String(32), nullable=False),
    Column("author", Text, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("request_id", Integer, nullable=True),
    Column("agreement_version", Integer, nullable=False),
    Column("objects", Integer, nullable=False),  # object versions written
    Column("bundle_sha256", String(64), nullable=False),
    Column("audit_seq", Integer, nullable=False),
    Index("ix_release_partner", "partner_id"),
)

# Every object version a partner was given, as the exact bytes (its TAXII collection).
release_object = Table(
    "release_object",
    metadata,
    Column("partner_id", String(64), ForeignKey("partner.id"), primary_key=True),
    Column("object_id", String(128), primary_key=True),
    Column("version", String(32), primary_key=True),  # the object's `modified`
    Column("release_seq", Integer, ForeignKey("release.seq"), nullable=False),
    Column("canonical_id", String(128), nullable=False),
    Column("type", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("revoked", Boolean, nullable=False),
    Column("added_at", String(32), nullable=False),
    # The TAXII page order: keyset pagination walks this index, no sort (backchannel.taxii).
    Index("ix_release_object_page", "partner_id", "added_at", "object_id", "version"),
    Index("ix_release_object_canonical", "partner_id", "canonical_id"),
)

# --- TAXII (backchannel.taxii) -----------------------------------------------------------
# What each partner POSTed to its inbound collection: the collection's view of the archive
# (bodies live in `record`). A partner's DELETE removes rows here only, never the record.
taxii_inbound = Table(
    "taxii_inbound",
    metadata,
    Column("partner_id", String(64), ForeignKey("partner.id"), primary_key=True),
    Column("object_id", String(128), primary_key=True),
    Column("version", String(32), primary_key=True),  # record.version
    Column("type", String(64), nullable=False),
    Column("added_at", String(32), nullable=False),
    Index("ix_taxii_inbound_page", "partner_id", "added_at", "object_id", "version"),
)

# Status resources of POSTed envelopes (TAXII 2.1 §4.3.1); processing is synchronous.
taxii_status = Table(
    "taxii_status",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("partner_id", String(64), ForeignKey("partner.id"), nullable=False),
    Column("collection_id", String(36), nullable=False),
    Column("request_timestamp", String(32), nullable=False),
    Column("body", Text, nullable=False),  # JSON: the status resource
)

# The TAXII client's position per (API root URL, collection): the last date_added imported.
taxii_pull = Table(
    "taxii_pull",
    metadata,
    Column("url", String(512), primary_key=True),
    Column("collection", String(128), primary_key=True),
    Column("added_last", String(40), nullable=False),
    Column("pulled_at", String(32), nullable=False),
)

request = Table(
    "request",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner_id", String(64), ForeignKey("partner.id"), nullable=False),
    Column("query", Text, nullable=False),  # JSON: nationalities, groups, statuses, entities
    Column("purpose", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("state", String(16), nullable=False),  # pending | approved | partial | denied
    Column("decided_by", Text, nullable=True),
    Column("decided_at", String(32), nullable=True),
    Column("decision_reason", Text, nullable=True),
    Column("release_seq", Integer, ForeignKey("release.seq"), nullable=True),
)

# Reviews of stored persons (append-only): the latest sets when the next is due.
review = Table(
    "review",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("entity_id", String(128), nullable=False),
    Column("reviewed_at", String(32), nullable=False),
    Column("reviewer", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("next_due", String(32), nullable=False),
    Index("ix_review_entity", "entity_id"),
)

# --- Accounts (backchannel.api) --------------------------------------------------------------
account = Table(
    "account",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # admin | analyst | approver | auditor | partner
    Column("partner_id", String(64), ForeignKey("partner.id"), nullable=True),
    Column("password_salt", String(32), nullable=True),
    Column("password_hash", String(64), nullable=True),  # scrypt, hex
    Column("disabled", Boolean, nullable=False),
    Column("created_at", String(32), nullable=False),
)

# API tokens: only their SHA-256 is kept; revoked_at set means dead from the next request on.
api_token = Table(
    "api_token",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("account.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32), nullable=True),
)

# Failed logins, to slow down guessing (rows older than the window are irrelevant).
login_failure = Table(
    "login_failure",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Index("ix_login_failure_user", "username", "at"),
)

# --- Audit log (backchannel.audit) ------------------------------------------------------------
# Append-only: migration 0001 adds triggers that refuse UPDATE and DELETE on these tables.
# `seq` is the leaf index in the RFC 9162 Merkle tree (from 0); `leaf` holds the exact canonical
# JSON bytes hashed into it, and the other columns repeat some of its fields for queries (the
# verifier checks that they agree). Hashes are lowercase hex.
audit_entry = Table(
    "audit_entry",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("action", String(16), nullable=False),
    Column("actor", Text, nullable=False),
    Column("purpose", Text, nullable=True),
    Column("recipient", Text, nullable=True),
    Column("leaf", Text, nullable=False),
    Column("leaf_hash", String(64), nullable=False),
    # (action, seq): the newest entry of one action is an index look-up (store/screening.py).
    Index("ix_audit_entry_action", "action", "seq"),
)

# Which ids an entry is about, so "who consulted or received entity X" is one index look-up.
audit_subject = Table(
    "audit_subject",
    metadata,
    Column("seq", Integer, ForeignKey("audit_entry.seq"), primary_key=True),
    Column("subject_id", Text, primary_key=True),
    Index("ix_audit_subject_id", "subject_id"),
)

# Hashes of complete subtrees (level >= 1; level 0 is audit_entry.leaf_hash): node (level, idx)
# covers leaves [idx * 2**level, (idx + 1) * 2**level). Appends and proofs cost O(log n).
audit_node = Table(
    "audit_node",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", Integer, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
)

# Signed tree heads: C2SP tlog-checkpoint notes signed with the audit key (Ed25519).
audit_checkpoint = Table(
    "audit_checkpoint",
    metadata,
    Column("size", Integer, primary_key=True, autoincrement=False),
    Column("root", String(64), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)

# Per-database secrets for keyed hashes in leaves (e.g. of search queries), created on first use.
audit_secret = Table(
    "audit_secret",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(64), nullable=False),  # hex
)

AUDIT_TABLES = ("audit_entry", "audit_subject", "audit_node", "audit_checkpoint", "audit_secret")
