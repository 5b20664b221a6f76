"""Opening a store: URL handling, SQLite durability settings, migrations.

SQLite is run the way durability needs it, and the settings are checked, not assumed: WAL
journal, ``synchronous=FULL`` (WAL with NORMAL can lose the last commits on power loss),
foreign keys on, a busy timeout, and write transactions opened with ``BEGIN IMMEDIATE`` so a
writer never fails half-way on a read-to-write lock upgrade.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from backchannel.errors import StoreError

BUSY_TIMEOUT_MS = 30_000
CACHE_KIB = 65_536  # page cache per connection: bulk imports touch large indexes
DEFAULT_DB_FILE = "backchannel.db"


def normalise_url(url_or_path: str) -> str:
    """Accept a SQLAlchemy URL, a ``postgresql://`` URL, or a plain file path (SQLite)."""
    text = url_or_path.strip()
    if "://" not in text:
        return "sqlite:///" + str(Path(text).expanduser().absolute())
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


@dataclass(frozen=True)
class Store:
    """An opened database. Use :meth:`read` for queries and :meth:`write` for transactions."""

    engine: Engine
    url: str

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite); commits on success."""
        with (
            self.engine.connect().execution_options(backchannel_write=True) as conn,
            conn.begin(),
        ):
            yield conn

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction with a consistent snapshot."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_engine(url: str) -> Engine:
    # One pooled connection per thread keeps its page cache warm between transactions.
    engine = create_engine(url, pool_size=2, max_overflow=8)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's BEGIN listener below own transactions instead of pysqlite.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("backchannel_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def check_sqlite_settings(engine: Engine) -> dict[str, Any]:
    """Read back the pragmas; raise :class:`StoreError` unless all four are as required."""
    with engine.connect() as conn:
        got = {
            "journal_mode": conn.exec_driver_sql("PRAGMA journal_mode").scalar(),
            "synchronous": conn.exec_driver_sql("PRAGMA synchronous").scalar(),
            "foreign_keys": conn.exec_driver_sql("PRAGMA foreign_keys").scalar(),
            "busy_timeout": conn.exec_driver_sql("PRAGMA busy_timeout").scalar(),
        }
    want = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}
    bad = [f"{k}={got[k]!r} (need {v!r})" for k, v in want.items() if got[k] != v]
    if not got["busy_timeout"]:
        bad.append("busy_timeout=0 (need > 0)")
    if bad:
        raise StoreError("SQLite is not configured for durable writes", why=", ".join(bad))
    return got


def _alembic_config(conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("backchannel.store").joinpath("migrations"))
    )
    cfg.attributes["connection"] = conn
    return cfg


def schema_revision(engine: Engine) -> tuple[str | None, str]:
    """(current revision of the database, newest revision this code knows)."""
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        head = ScriptDirectory.from_config(_alembic_config(conn)).get_current_head()
    return current, head or ""


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision, in one transaction."""
    with engine.connect().execution_options(backchannel_write=True) as conn, conn.begin():
        command.upgrade(_alembic_config(conn), "head")


def open_store(url_or_path: str, *, create: bool = False) -> Store:
    """Open (and with ``create``, initialise or upgrade) the database at a URL or path.

    Raises :class:`StoreError` with a clear message when the database is missing, unreachable,
    not initialised, or (SQLite) not configured for durable writes.
    """
    url = normalise_url(url_or_path)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {url_or_path!r}", why=str(exc)) from None
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if not path or path == ":memory:":
            raise StoreError(
                "an in-memory SQLite database cannot be used",
                why="durability settings (WAL) need a file",
            )
        if not create and not Path(path).exists():
            raise StoreError(f"no database at {path}", why="run `backchannel init` first")
        if create:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = _sqlite_engine(url)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    try:
        if engine.dialect.name == "sqlite":
            check_sqlite_settings(engine)
        if create:
            migrate(engine)
        current, head = schema_revision(engine)
    except OperationalError as exc:
        engine.dispose()
        raise StoreError(
            f"cannot open database {parsed.render_as_string(hide_password=True)}",
            why=str(exc.orig).strip().splitlines()[0],
        ) from None
    except StoreError:
        engine.dispose()
        raise
    if current != head:
        engine.dispose()
        if current is None:
            raise StoreError("database is not initialised", why="run `backchannel init` first")
        raise StoreError(
            f"database schema is at revision {current}, this version needs {head}",
            why="run `backchannel init` to upgrade",
        )
    return Store(engine=engine, url=url)
