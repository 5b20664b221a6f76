"""Storage: SQLAlchemy Core tables on SQLite (embedded default) and PostgreSQL."""

from backchannel.store.engine import Store, open_store

__all__ = ["Store", "open_store"]
