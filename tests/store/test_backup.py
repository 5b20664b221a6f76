"""`backchannel backup` (DU-5): an online copy of an SQLite knowledge base, checked before it
is called done; PostgreSQL is refused with the tool to use instead."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Connection

from backchannel.audit.log import Action, Event, append, root, size
from backchannel.cli.main import cli
from backchannel.errors import InvalidInput, StoreError
from backchannel.ingest.stix_bundle import import_stix
from backchannel.store import backup as backup_mod
from backchannel.store.backup import backup
from backchannel.store.engine import Store, open_store
from backchannel.store.knowledge import table_counts
from tests.conftest import DATA, PG_URL, Clock, make_envelope


def _state(store: Store) -> tuple[dict[str, int], int, bytes]:
    with store.read() as conn:
        return table_counts(conn), size(conn), root(conn)


def test_a_backup_equals_the_database_and_verifies(
    store: Store, clock: Clock, tmp_path: Path, db_url: str
) -> None:
    import_stix(store, [str(DATA / "persons.json")], make_envelope(), clock=clock)
    dest = tmp_path / "copy.sqlite"
    if store.dialect != "sqlite":
        with pytest.raises(InvalidInput) as info:
            backup(store, dest)
        assert "pg_dump" in (info.value.why or "")
        assert not dest.exists()
        return
    report = backup(store, dest)
    assert report.integrity == "ok"
    copy = open_store(str(dest))
    try:
        assert _state(copy) == _state(store)
        assert report.audit_size == _state(store)[1] > 0
    finally:
        copy.close()
    assert not Path(str(dest) + ".partial").exists()
    # The command line: --json, and an existing destination is refused, untouched.
    result = CliRunner().invoke(cli, ["--db", db_url, "--json", "backup", str(tmp_path / "b2")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["audit_root"] == report.audit_root
    before = dest.read_bytes()
    with pytest.raises(InvalidInput):
        backup(store, dest)
    assert dest.read_bytes() == before


@pytest.fixture
def sqlite_store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    """An SQLite store with some knowledge, in its own directory."""
    (tmp_path / "db").mkdir()
    s = open_store(str(tmp_path / "db" / "kb.sqlite"), create=True)
    import_stix(s, [str(DATA / "persons.json")], make_envelope(), clock=clock)
    yield s
    s.close()


def test_a_copy_that_fails_its_check_leaves_nothing_behind(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = backup_mod._state
    calls = 0

    def diverging(conn: Connection) -> tuple[dict[str, int], int, str]:
        nonlocal calls
        calls += 1
        counts, n, r = real(conn)
        return (counts, n, r if calls == 1 else "0" * 64)  # the copy's root "differs"

    monkeypatch.setattr(backup_mod, "_state", diverging)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(StoreError):
        backup(sqlite_store, out / "bad.sqlite")
    assert list(out.iterdir()) == []


def test_writes_during_a_backup_do_not_tear_it(
    sqlite_store: Store, clock: Clock, tmp_path: Path
) -> None:
    """The copy is one snapshot: audit entries appended while it is taken are either in it
    or not, and the check (same audit size and root as the source at that snapshot) holds."""
    import threading

    stop = threading.Event()
    appended = 0

    def writer() -> None:
        nonlocal appended
        while not stop.is_set():
            with sqlite_store.write() as conn:
                append(conn, Event(Action.CONSULTATION, "user:test", ["x"]), now=clock())
            appended += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        reports = [backup(sqlite_store, tmp_path / f"b{i}.sqlite") for i in range(5)]
    finally:
        stop.set()
        t.join()
    assert appended > 0
    assert all(r.integrity == "ok" for r in reports)
    sizes = [r.audit_size for r in reports]
    assert sizes == sorted(sizes)


@pytest.mark.skipif(
    not PG_URL, reason="BACKCHANNEL_TEST_DATABASE_URL not set: no PostgreSQL server to test"
)
def test_postgresql_pg_dump_and_pg_restore_round_trip(tmp_path: Path, clock: Clock) -> None:
    """What docs/operations.md tells PostgreSQL users to do: pg_dump, pg_restore into a new
    database, and the knowledge, the audit root and the append-only guard all come back."""
    import shutil
    import subprocess
    import uuid

    from sqlalchemy import create_engine, make_url
    from sqlalchemy import text as sql

    from backchannel.store.engine import normalise_url

    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.fail("pg_dump/pg_restore not installed next to the PostgreSQL server")
    assert PG_URL
    base = make_url(normalise_url(PG_URL))
    schema, restored = "b_" + uuid.uuid4().hex[:10], "r_" + uuid.uuid4().hex[:10]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    libpq = base.set(drivername="postgresql")
    options = f"?options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(sql(f"CREATE SCHEMA {schema}"))
    source = open_store(base.render_as_string(hide_password=False) + options, create=True)
    target = None
    try:
        import_stix(source, [str(DATA / "persons.json")], make_envelope(), clock=clock)
        dump = tmp_path / "kb.dump"
        url = libpq.render_as_string(hide_password=False)
        subprocess.run(
            ["pg_dump", "--format=custom", f"--schema={schema}", f"--file={dump}", url],
            check=True,
        )
        with admin.connect() as conn:
            conn.execute(sql(f"CREATE DATABASE {restored}"))
        into = libpq.set(database=restored).render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={into}", str(dump)], check=True)
        target = open_store(
            base.set(database=restored).render_as_string(hide_password=False) + options
        )
        assert _state(target) == _state(source)
        assert _state(target)[1] > 0
        with pytest.raises(Exception, match="append-only"), target.write() as conn:
            conn.execute(sql("DELETE FROM audit_entry"))
    finally:
        source.close()
        if target is not None:
            target.close()
        with admin.connect() as conn:
            conn.execute(sql(f"DROP DATABASE IF EXISTS {restored}"))
            conn.execute(sql(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
