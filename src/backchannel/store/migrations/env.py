"""Alembic environment: always run with a connection handed in by ``store.engine.migrate``."""

from __future__ import annotations

from alembic import context

from backchannel.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
