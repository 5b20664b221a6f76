"""DU-1 and DU-4 on SQLite: durability settings are checked, writers queue instead of failing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from backchannel.errors import StoreError
from backchannel.ingest.stix_bundle import import_stix
from backchannel.store.engine import check_sqlite_settings, normalise_url, open_store
from backchannel.store.knowledge import table_counts
from tests.conftest import DATA, Clock, make_envelope


def test_sqlite_pragmas_are_asserted(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "kb.db"), create=True)
    got = check_sqlite_settings(store.engine)
    assert got["journal_mode"] == "wal"
    assert got["synchronous"] == 2  # FULL
    assert got["foreign_keys"] == 1
    assert got["busy_timeout"] > 0
    # The same holds for every pooled connection, not only the first.
    with store.write() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    store.close()
    print("DU-1: 4/4 pragmas asserted")


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(StoreError, match="in-memory"):
        open_store("sqlite://", create=True)


def test_url_forms() -> None:
    assert normalise_url("kb.db").startswith("sqlite:////")
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_concurrent_writers_wait_instead_of_failing(tmp_path: Path) -> None:
    """Two imports at once on one SQLite file: both land, none sees 'database is locked'."""
    path = str(tmp_path / "kb.db")
    open_store(path, create=True).close()
    errors: list[BaseException] = []

    def work(source: str) -> None:
        store = open_store(path)
        try:
            for _ in range(3):
                import_stix(
                    store,
                    [str(DATA / "persons.json")],
                    make_envelope(source),
                    batch_size=3,
                    clock=Clock(),
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=work, args=(s,)) for s in ("Service A", "Partner C")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = open_store(path)
    with store.read() as conn:
        assert table_counts(conn)["records"] == 17
    store.close()
