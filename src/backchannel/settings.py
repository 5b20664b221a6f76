"""Settings, built once at start-up and passed in (never read at import time)."""

from __future__ import annotations

import getpass

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from backchannel.store.engine import DEFAULT_DB_FILE


class Settings(BaseSettings):
    """Environment variables (prefix ``BACKCHANNEL_``).

    ``DATABASE_URL``: a SQLAlchemy URL or a file path. ``USER``: who is acting, for the audit
    log (default: the login name). ``AUDIT_KEY_FILE``: the audit signing key (default:
    ``backchannel-audit.key`` beside a SQLite database, else in the working directory).
    ``AUDIT_ORIGIN``: the log's name in signed checkpoints.
    """

    model_config = SettingsConfigDict(env_prefix="BACKCHANNEL_", extra="ignore")

    database_url: str = DEFAULT_DB_FILE
    user: str = Field(default_factory=getpass.getuser)
    audit_key_file: str | None = None
    audit_origin: str = "backchannel.local/audit"
