"""Online backup of an SQLite knowledge base, checked before it is called done (DU-5).

SQLite's backup API copies a consistent snapshot (the write-ahead log included) while the
service keeps running. The copy is written next to its destination under a temporary name,
synced, opened and checked — ``PRAGMA integrity_check``, the row counts of the truth tables,
and the audit tree's size and root hash, which must equal the source's at the same snapshot —
and only then renamed into place, so a destination path never holds half a backup.

PostgreSQL is backed up with its own tools (``pg_dump``); see docs/operations.md.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, make_url

from backchannel.audit.log import root, size
from backchannel.errors import InvalidInput, StoreError
from backchannel.store.engine import Store, open_store
from backchannel.store.knowledge import table_counts


@dataclass(frozen=True)
class BackupReport:
    path: str
    bytes: int
    counts: dict[str, int]
    audit_size: int
    audit_root: str
    integrity: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "bytes": self.bytes,
            "counts": self.counts,
            "audit_size": self.audit_size,
            "audit_root": self.audit_root,
            "integrity": self.integrity,
        }


def _state(conn: Connection) -> tuple[dict[str, int], int, str]:
    n = size(conn)
    return table_counts(conn), n, root(conn, n).hex()


def backup(store: Store, dest: Path) -> BackupReport:
    """Copy the database behind ``store`` to ``dest`` (which must not exist) and check the copy.

    Raises :class:`InvalidInput` for a PostgreSQL store or an existing destination, and
    :class:`StoreError` if the copy fails its checks (nothing is left at ``dest`` then).
    """
    if store.dialect != "sqlite":
        raise InvalidInput(
            "backup copies SQLite databases; back PostgreSQL up with its own tools",
            why="pg_dump --format=custom --file=DEST DATABASE_URL (see docs/operations.md)",
        )
    dest = dest.resolve()
    source = Path(make_url(store.url).database or "").resolve()
    if dest == source:
        raise InvalidInput(f"{dest} is the database itself", why="back up to another file")
    if dest.exists():
        raise InvalidInput(f"{dest} already exists", why="a backup never overwrites a file")
    if not dest.parent.is_dir():
        raise InvalidInput(f"no directory {dest.parent}")
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with store.read() as conn:
            # The read transaction pins the snapshot both the copy and the expected figures
            # come from; the backup reads through this same connection.
            expected = _state(conn)
            raw = conn.connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            target = sqlite3.connect(partial)
            try:
                raw.backup(target)
            finally:
                target.close()
        with partial.open("rb") as f:
            os.fsync(f.fileno())
        copy = open_store(str(partial))
        try:
            with copy.read() as conn:
                integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
                found = _state(conn)
        finally:
            copy.close()
        for suffix in ("-wal", "-shm"):  # the check opened the copy in WAL mode
            Path(str(partial) + suffix).unlink(missing_ok=True)
        if integrity != "ok" or found != expected:
            raise StoreError(
                "the backup copy does not match the database",
                why=f"integrity {integrity!r}; expected {expected[1:]}, found {found[1:]}",
            )
        os.replace(partial, dest)
        _fsync_dir(dest.parent)
    except BaseException:
        for p in (partial, Path(str(partial) + "-wal"), Path(str(partial) + "-shm")):
            p.unlink(missing_ok=True)
        raise
    counts, audit_size, audit_root = expected
    return BackupReport(
        str(dest), dest.stat().st_size, counts, audit_size, audit_root, str(integrity)
    )


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
