"""Settings, built once at start-up and passed in (never read at import time)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from backchannel.store.engine import DEFAULT_DB_FILE


class Settings(BaseSettings):
    """Environment variables: ``BACKCHANNEL_DATABASE_URL`` (a SQLAlchemy URL or a file path)."""

    model_config = SettingsConfigDict(env_prefix="BACKCHANNEL_", extra="ignore")

    database_url: str = DEFAULT_DB_FILE
