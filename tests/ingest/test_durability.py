"""kill -9 during an import (RELIABILITY.md DU-2; the application-worker half of DU-3).

A child process imports a generated STIX bundle in small batches and acknowledges each batch on
stdout only after its transaction has committed. The test SIGKILLs it at random moments, many
times, re-running the same import into the same database each time. After every kill the
database must be consistent, hold every acknowledged batch, and hold whole batches only (the
archive is exactly a prefix of the bundle cut at a batch boundary). Finally the import is run to
completion: the result must equal a clean single import into a fresh database, and a further
run must find everything unchanged.

``BACKCHANNEL_KILL_CYCLES`` sets the number of kills (default 15; raise it for nightly runs).
PostgreSQL is tested too when ``BACKCHANNEL_TEST_DATABASE_URL`` points at a throwaway server;
each run gets a database of its own, created and dropped here.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from backchannel.errors import StoreError
from backchannel.ingest.stix_bundle import import_stix
from backchannel.model.envelope import Envelope
from backchannel.model.vocab import TLP, Credibility, Reliability
from backchannel.stix.extract import extract
from backchannel.store.archive import version_of
from backchannel.store.engine import Store, normalise_url, open_store
from backchannel.store.schema import (
    SEARCHABLE_PROPS,
    delivery,
    entity,
    envelope,
    record,
    statement,
)
from tests.fork_server import ForkServer

KILL_CHILD = Path(__file__).with_name("kill_child.py")
BATCH = 50
SEED = 20240521
CYCLES = int(os.environ.get("BACKCHANNEL_KILL_CYCLES", "15"))
EVENT_TIMEOUT = 120.0  # seconds to wait for any one line from the child before failing

ENVELOPE = Envelope(
    source="durability-harness",
    originator="synthetic-partner",
    channel="file",
    tlp=TLP.AMBER,
    reliability=Reliability.B,
    credibility=Credibility.PROBABLY_TRUE,
)

TLP2_GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
TLP1_RED = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"


# --- the bundle ---------------------------------------------------------------------------


def _stix_id(rng: random.Random, kind: str) -> str:
    return f"{kind}--{uuid.UUID(int=rng.getrandbits(128), version=4)}"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


_SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ra",
    "ven",
    "dor",
    "sul",
    "ta",
    "ne",
    "gri",
    "bel",
    "ho",
    "zan",
    "pe",
    "ur",
    "fin",
)


def _name(rng: random.Random) -> str:
    def word() -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).title()

    return f"{word()} {word()}"


def make_bundle(seed: int, *, actors: int = 60, people: int = 1300) -> list[dict[str, Any]]:
    """A deterministic bundle of valid STIX 2.1 objects.

    Threat actors, individuals, member-of relationships between them, later versions of some
    individuals (same name, new description: the name statement's version range widens) and a
    few exact re-sends of earlier objects, as real feeds contain.
    """
    rng = random.Random(seed)
    epoch = datetime(2023, 1, 1, tzinfo=UTC)

    def when() -> datetime:
        offset = timedelta(seconds=rng.randint(0, 300 * 86400), milliseconds=rng.randint(0, 999))
        return epoch + offset

    base: list[dict[str, Any]] = []
    actor_ids: list[str] = []
    for i in range(actors):
        t = _stamp(when())
        obj: dict[str, Any] = {
            "type": "threat-actor",
            "spec_version": "2.1",
            "id": _stix_id(rng, "threat-actor"),
            "created": t,
            "modified": t,
            "name": f"Group {i} {_name(rng)}",
            "aliases": [_name(rng) for _ in range(rng.randint(0, 3))],
            "threat_actor_types": ["crime-syndicate"],
            "description": f"Synthetic armed group number {i}.",
        }
        if rng.random() < 0.3:
            obj["object_marking_refs"] = [TLP2_GREEN]
        base.append(obj)
        actor_ids.append(obj["id"])
    person_objs: list[dict[str, Any]] = []
    for i in range(people):
        created = when()
        t = _stamp(created)
        person: dict[str, Any] = {
            "type": "identity",
            "spec_version": "2.1",
            "id": _stix_id(rng, "identity"),
            "created": t,
            "modified": t,
            "identity_class": "individual",
            "name": _name(rng),
            "description": f"Synthetic person {i}.",
        }
        if rng.random() < 0.2:
            person["confidence"] = rng.choice([15, 50, 85])
        if rng.random() < 0.1:
            person["object_marking_refs"] = [TLP1_RED]
        person_objs.append(person)
        base.append(person)
        start = created + timedelta(days=rng.randint(0, 400))
        rel: dict[str, Any] = {
            "type": "relationship",
            "spec_version": "2.1",
            "id": _stix_id(rng, "relationship"),
            "created": t,
            "modified": t,
            "relationship_type": "member-of",
            "source_ref": person["id"],
            "target_ref": rng.choice(actor_ids),
            "start_time": _stamp(start),
        }
        if rng.random() < 0.3:
            rel["stop_time"] = _stamp(start + timedelta(days=rng.randint(1, 900)))
        base.append(rel)
    rng.shuffle(base)
    later: list[dict[str, Any]] = []
    for person in rng.sample(person_objs, k=people // 4):
        newer = dict(person)
        newer["modified"] = _stamp(
            datetime.fromisoformat(person["modified"].replace("Z", "+00:00"))
            + timedelta(days=rng.randint(1, 90))
        )
        newer["description"] = person["description"] + " Updated."
        later.append(newer)
    later.extend(dict(o) for o in rng.sample(base, k=25))
    # Each later object goes somewhere after the object it updates or repeats.
    index = {o["id"]: i for i, o in enumerate(base)}
    keyed = [(float(i), o) for i, o in enumerate(base)]
    keyed += [(rng.uniform(index[o["id"]] + 0.5, len(base)), o) for o in later]
    keyed.sort(key=lambda pair: pair[0])
    return [o for _, o in keyed]


@dataclass(frozen=True, slots=True)
class Expected:
    """What a prefix of the bundle must leave in the store, computed without a database."""

    keys: list[tuple[str, str]]  # (stix_id, version) by position - 1
    distinct: list[int]  # number of distinct keys among the first n objects, by n
    entities: list[str | None]
    statements: list[dict[str, str]]  # statement id -> version, by position - 1

    def prefix(self, n: int) -> tuple[set[tuple[str, str]], set[str], dict[str, tuple[str, str]]]:
        """Archived keys, entity ids, and statement id -> (first_version, last_version)."""
        keys = set(self.keys[:n])
        ents = {e for e in self.entities[:n] if e is not None}
        stmts: dict[str, tuple[str, str]] = {}
        for per in self.statements[:n]:
            for sid, ver in per.items():
                lo, hi = stmts.get(sid, (ver, ver))
                stmts[sid] = (min(lo, ver), max(hi, ver))
        return keys, ents, stmts


def expected_of(objects: list[dict[str, Any]]) -> Expected:
    seen = datetime(2024, 1, 1, tzinfo=UTC)
    keys, ents, stmts = [], [], []
    distinct, seen_keys = [0], set()
    for obj in objects:
        ver = version_of(obj)
        got = extract(obj, ENVELOPE, version=ver, seen_at=seen)
        keys.append((obj["id"], ver))
        seen_keys.add(keys[-1])
        distinct.append(len(seen_keys))
        ents.append(got.entity_id)
        stmts.append({s.id: ver for s in got.statements})
    return Expected(keys, distinct, ents, stmts)


# --- databases ----------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(backend: str, tmp_path: Path, name: str) -> Iterator[str]:
    """A URL for an empty database of its own, removed afterwards (PostgreSQL)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / (name + '.db')}"
        return
    base = make_url(normalise_url(os.environ["BACKCHANNEL_TEST_DATABASE_URL"]))
    dbname = f"bc_dur_{name}_{uuid.uuid4().hex[:12]}"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    try:
        yield base.set(database=dbname).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgresql" and not os.environ.get("BACKCHANNEL_TEST_DATABASE_URL"):
        pytest.skip(
            "PostgreSQL variant needs BACKCHANNEL_TEST_DATABASE_URL "
            "(a throwaway server, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/x)"
        )
    return name


def table_counts(store: Store) -> dict[str, int]:
    out: dict[str, int] = {}
    with store.read() as conn:
        for table in (envelope, record, delivery, entity, statement):
            out[table.name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
        if store.dialect == "sqlite":
            out["statement_fts"] = conn.execute(
                text("SELECT count(*) FROM statement_fts")
            ).scalar_one()
    return out


def statement_versions(store: Store) -> dict[str, tuple[str, str]]:
    with store.read() as conn:
        rows = conn.execute(
            select(statement.c.id, statement.c.first_version, statement.c.last_version)
        )
        return {sid: (lo, hi) for sid, lo, hi in rows}


# --- the consistency check ----------------------------------------------------------------


@dataclass(slots=True)
class Check:
    """The verdict on a store: where the archive is cut, and everything wrong with it."""

    cut: int | None = None  # the archive holds exactly the first ``cut`` objects of the bundle
    lost_batches: int = 0  # acknowledged batches not (wholly) in the store
    problems: list[str] = field(default_factory=list)


def check_store(store: Store, exp: Expected, *, acknowledged: int, total: int) -> Check:
    """Every way the store can be wrong after a crash; no problems means consistent.

    ``acknowledged`` is the highest bundle position ever reported as committed.
    """
    verdict = Check()
    problems = verdict.problems
    with store.read() as conn:
        if store.dialect == "sqlite":
            integrity = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            if integrity != ["ok"]:
                problems.append(f"PRAGMA integrity_check: {integrity[:10]}")
            fk = list(conn.exec_driver_sql("PRAGMA foreign_key_check"))
            if fk:
                problems.append(f"PRAGMA foreign_key_check: {fk[:10]}")
        records = {
            (sid, ver) for sid, ver in conn.execute(select(record.c.stix_id, record.c.version))
        }
        deliveries = [
            (sid, ver, env)
            for sid, ver, env in conn.execute(
                select(delivery.c.stix_id, delivery.c.version, delivery.c.envelope_id)
            )
        ]
        entities = set(conn.execute(select(entity.c.id)).scalars())
        envelopes = set(conn.execute(select(envelope.c.id)).scalars())
        stmts = {
            sid: (lo, hi, env, rec)
            for sid, lo, hi, env, rec in conn.execute(
                select(
                    statement.c.id,
                    statement.c.first_version,
                    statement.c.last_version,
                    statement.c.envelope_id,
                    statement.c.record_id,
                )
            )
        }
        searchable = {
            sid
            for sid, prop in conn.execute(select(statement.c.id, statement.c.prop))
            if prop in SEARCHABLE_PROPS
        }
        fts: list[str] = []
        if store.dialect == "sqlite":
            fts = list(conn.execute(text("SELECT statement_id FROM statement_fts")).scalars())
    if store.dialect == "sqlite":
        # FTS5's own consistency check; run in a write transaction as it is an INSERT command.
        with store.write() as conn:
            try:
                conn.execute(
                    text("INSERT INTO statement_fts(statement_fts) VALUES ('integrity-check')")
                )
            except Exception as exc:  # reported, not raised: the figure counts it
                problems.append(f"FTS5 integrity-check failed: {exc}")

    # Every acknowledged batch is there, with its delivery.
    delivered = {(sid, ver) for sid, ver, _ in deliveries}
    lost = [
        (pos + 1, key)
        for pos, key in enumerate(exp.keys[:acknowledged])
        if key not in records or key not in delivered
    ]
    if lost:
        verdict.lost_batches = len({(pos - 1) // BATCH for pos, _ in lost})
        problems.append(
            f"{verdict.lost_batches} acknowledged batch(es) lost ({len(lost)} objects), "
            f"first: {lost[:3]}"
        )

    # Whole batches only: the archive is exactly the bundle cut at a batch boundary.
    cuts = [*range(0, total, BATCH), total]
    sized = [n for n in cuts if exp.distinct[n] == len(records)]
    cut = next((n for n in sized if exp.prefix(n)[0] == records), None)
    if cut is None:
        near = min(cuts, key=lambda n: abs(exp.distinct[n] - len(records)))
        keys = exp.prefix(near)[0]
        problems.append(
            f"archive is not a whole-batch prefix of the bundle: nearest cut {near} "
            f"is missing {len(keys - records)} and has {len(records - keys)} extra"
        )
        return verdict
    verdict.cut = cut
    if cut > acknowledged + BATCH:
        problems.append(
            f"archive holds {cut} objects but only {acknowledged} were acknowledged "
            f"(more than one unacknowledged batch committed)"
        )

    # Records and deliveries pair up; one envelope; derived rows match the archived prefix.
    if len(deliveries) != len(delivered) or delivered != records:
        problems.append(
            f"records and deliveries differ: {len(records - delivered)} records "
            f"without delivery, {len(delivered - records)} deliveries without record"
        )
    if {env for _, _, env in deliveries} - {ENVELOPE.id}:
        problems.append("a delivery names an unexpected envelope")
    if envelopes != ({ENVELOPE.id} if records else set()):
        problems.append(f"envelope table holds {sorted(envelopes)}")
    _, want_entities, want_stmts = exp.prefix(cut)
    if entities != want_entities:
        problems.append(
            f"entities: {len(want_entities - entities)} missing, "
            f"{len(entities - want_entities)} unexpected"
        )
    got_stmts = {sid: (lo, hi) for sid, (lo, hi, _, _) in stmts.items()}
    if got_stmts != want_stmts:
        wrong = {s for s in got_stmts.keys() & want_stmts.keys() if got_stmts[s] != want_stmts[s]}
        problems.append(
            f"statements: {len(want_stmts.keys() - got_stmts.keys())} missing, "
            f"{len(got_stmts.keys() - want_stmts.keys())} unexpected, "
            f"{len(wrong)} with the wrong version range"
        )
    archived_ids = {sid for sid, _ in records}
    orphans = [
        s
        for s, (_, _, env, rec) in stmts.items()
        if env not in envelopes or rec not in archived_ids
    ]
    if orphans:
        problems.append(f"{len(orphans)} statement(s) without their envelope or record")
    if store.dialect == "sqlite" and (len(fts) != len(searchable) or set(fts) != searchable):
        problems.append(
            f"FTS rows: {len(fts)} ({len(set(fts))} distinct) for "
            f"{len(searchable)} searchable statements"
        )
    return verdict


# --- the child ----------------------------------------------------------------------------


class Child(ForkServer):
    """The fork server in ``kill_child.py``; its output lines arrive on a queue."""

    def __init__(self, db_url: str, bundle: Path) -> None:
        env = {
            "source": ENVELOPE.source,
            "originator": ENVELOPE.originator,
            "channel": ENVELOPE.channel,
            "tlp": ENVELOPE.tlp.value,
            "reliability": ENVELOPE.reliability.value,
            "credibility": ENVELOPE.credibility.value,
        }
        argv = [str(KILL_CHILD), db_url, str(bundle), str(BATCH), json.dumps(env)]
        super().__init__(argv, what="import", timeout=EVENT_TIMEOUT)


@dataclass(slots=True)
class Tally:
    cycles: int = 0
    killed: int = 0
    finished: int = 0  # runs that completed before the kill landed
    acks: int = 0  # batches acknowledged as committed, over all runs
    acks_writing: int = 0  # of which wrote something new
    acknowledged: int = 0  # highest bundle position acknowledged
    unacknowledged: int = 0  # kills that landed between a COMMIT and its acknowledgement
    lost_batches: int = 0
    problems: list[str] = field(default_factory=list)
    pace: float = 0.02  # seconds per writing batch, smoothed: kill delays scale with it


def kill_cycle(child: Child, rng: random.Random, tally: Tally, *, total: int) -> None:
    """Start a run, SIGKILL it at a random moment, and collect what it acknowledged."""
    child.send("run")
    start = child.next_event()
    assert start["event"] == "start", start
    pid = int(start["pid"])
    began = time.monotonic()
    if rng.random() < 0.25:
        # Anywhere at all, start-up and migrations included.
        deadline: float | None = began + rng.uniform(0.0, 0.6)
        target = None
    else:
        # A few batches beyond what is archived, then a little into the next transaction.
        deadline = None
        step = max(1, round(2 * total / BATCH / max(CYCLES, 1) * 0.8))
        if tally.acknowledged < total:
            target = tally.acknowledged + BATCH * rng.randint(0, step)
        else:  # all archived (long nightly runs): kill a re-run that writes nothing
            target = rng.randint(1, total)
    done = False
    last = time.monotonic()
    while not done:
        timeout = EVENT_TIMEOUT if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            event = child.events.get(timeout=timeout)
        except queue.Empty:
            break  # the deadline passed
        assert event is not None, "child ended unexpectedly"
        assert event["event"] != "error", f"import failed in the child:\n{event['error']}"
        if event["event"] == "batch":
            tally.acks += 1
            tally.acks_writing += event["wrote"] > 0
            tally.acknowledged = max(tally.acknowledged, event["through"])
            now = time.monotonic()
            if event["wrote"] and event["batch"] > 1:
                tally.pace = 0.8 * tally.pace + 0.2 * (now - last)
            last = now
            if target is not None and event["through"] >= target:
                time.sleep(rng.uniform(0.0, 1.5 * tally.pace))
                break
        elif event["event"] == "done":
            done = True
    os.kill(pid, signal.SIGKILL)  # safe even if it finished: unreaped, the pid is still its own
    child.send("reap")
    while True:
        event = child.next_event()
        if event["event"] == "batch":  # committed and written before the kill landed
            tally.acks += 1
            tally.acks_writing += event["wrote"] > 0
            tally.acknowledged = max(tally.acknowledged, event["through"])
        elif event["event"] == "done":
            done = True
        elif event["event"] == "exit":
            break
    tally.cycles += 1
    if done:
        tally.finished += 1
    else:
        assert event["signal"] == signal.SIGKILL, f"worker ended otherwise: {event}"
        tally.killed += 1


# --- the test -----------------------------------------------------------------------------


def test_kill_during_import_loses_nothing(backend: str, tmp_path: Path) -> None:
    began = time.monotonic()
    objects = make_bundle(SEED, people=max(1300, 45 * CYCLES))
    total = len(objects)
    bundle = tmp_path / "bundle.json"
    bundle.write_text(
        json.dumps({"type": "bundle", "id": f"bundle--{uuid.UUID(int=SEED)}", "objects": objects})
    )
    exp = expected_of(objects)
    rng = random.Random(SEED ^ 0x5EED)
    tally = Tally()

    with (
        fresh_database(backend, tmp_path, "killed") as url,
        fresh_database(backend, tmp_path, "clean") as clean_url,
    ):
        child = Child(url, bundle)
        try:
            for _ in range(CYCLES):
                kill_cycle(child, rng, tally, total=total)
                try:
                    store = open_store(url)
                except StoreError as exc:
                    # Killed before the schema migration committed: nothing may be acknowledged.
                    if tally.acknowledged:
                        tally.problems.append(f"cannot open store after kill: {exc}")
                        break
                    continue
                try:
                    verdict = check_store(store, exp, acknowledged=tally.acknowledged, total=total)
                finally:
                    store.close()
                tally.lost_batches += verdict.lost_batches
                if verdict.cut is not None and verdict.cut > tally.acknowledged:
                    tally.unacknowledged += 1
                if verdict.problems:
                    tally.problems += [f"after kill {tally.cycles}: {p}" for p in verdict.problems]
                    break
        finally:
            child.close()

        print(
            f"\nDU-2 ({backend}): {tally.cycles} kill cycles ({tally.killed} killed mid-run, "
            f"{tally.finished} finished first), {tally.acks} acknowledged batches "
            f"({tally.acks_writing} with new writes; objects 1..{tally.acknowledged} of "
            f"{total}), {tally.lost_batches} lost, "
            f"{len(tally.problems) - bool(tally.lost_batches)} integrity errors; "
            f"{tally.unacknowledged} kill(s) fell between a COMMIT and its acknowledgement"
        )
        assert not tally.problems, "\n".join(tally.problems)
        assert tally.killed >= CYCLES // 2, f"most kills should land mid-run: {tally}"

        # Re-running the import finishes the job.
        store = open_store(url, create=True)
        clean = open_store(clean_url, create=True)
        try:
            finish = import_stix(store, [str(bundle)], ENVELOPE, batch_size=BATCH)
            assert not finish.rejections, finish.rejections[:3]
            verdict = check_store(store, exp, acknowledged=total, total=total)
            assert not verdict.problems, "\n".join(verdict.problems)
            assert verdict.cut == total, verdict

            # ... with exactly what one clean import produces.
            once = import_stix(clean, [str(bundle)], ENVELOPE, batch_size=BATCH)
            assert not once.rejections, once.rejections[:3]
            counts = table_counts(store)
            assert counts == table_counts(clean), "row counts differ from a clean import"
            distinct = len(set(exp.keys))
            assert counts["record"] == distinct, "one record per (id, version) in the bundle"
            assert statement_versions(store) == statement_versions(clean), (
                "statements (ids and version ranges) differ from a clean import"
            )

            # ... and running it again changes nothing.
            again = import_stix(store, [str(bundle)], ENVELOPE, batch_size=BATCH)
            changed = {k: v for k, v in again.counts.as_dict().items() if k != "unchanged" and v}
            assert again.counts.unchanged == total and not changed, again.counts
            assert table_counts(store) == counts, "a repeated import changed row counts"
        finally:
            store.close()
            clean.close()
    print(
        f"DU-2 ({backend}): re-run completed the import with no duplicates "
        f"({counts['record']} records, {counts['statement']} statements, equal to a clean "
        f"import); {time.monotonic() - began:.1f} s"
    )
