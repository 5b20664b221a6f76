"""kill -9 during publish: a release and its disclosure entry commit together or not at all.

A child process (``publish_kill_child.py``) publishes releases over and over, acknowledging each
only after its transaction has committed; the test SIGKILLs it at random moments. After every
kill: every acknowledged release is there; every release row points at its disclosure entry
(``audit_seq``, whose leaf names the release) and every disclosure entry of a release has its
row; no object version is without its release, and each release has as many as it says; SQLite's
integrity check passes; and ``audit verify`` finds the log intact.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select, text

from backchannel.audit.log import Action, entries
from backchannel.audit.verify import verify
from backchannel.store.engine import open_store
from backchannel.store.schema import release, release_object
from tests.audit.helpers import make_key
from tests.conftest import Clock
from tests.fork_server import ForkServer
from tests.liaison.helpers import agree, world

CHILD = Path(__file__).with_name("publish_kill_child.py")
CYCLES = int(os.environ.get("BACKCHANNEL_PUBLISH_KILL_CYCLES", "10"))
SEED = 20261127
EVENT_TIMEOUT = 60.0


class Child(ForkServer):
    """The fork server in ``publish_kill_child.py``; its output lines arrive on a queue."""

    def __init__(self, db_url: str) -> None:
        super().__init__([str(CHILD), db_url], what="publish", timeout=EVENT_TIMEOUT)


@dataclass
class Tally:
    cycles: int = 0
    killed: int = 0
    acknowledged: dict[int, dict[str, Any]] = field(default_factory=dict)  # seq → ack
    lost: int = 0
    orphans: int = 0  # releases without their disclosure entry, or the reverse
    audit_breaks: int = 0  # verify or integrity failures
    pace: float = 0.1  # seconds per publish, smoothed: kill delays scale with it
    problems: list[str] = field(default_factory=list)


def _ack(tally: Tally, event: dict[str, Any]) -> None:
    if event["seq"]:  # 0: nothing new to publish, nothing written
        tally.acknowledged[event["seq"]] = event


def kill_cycle(child: Child, rng: random.Random, tally: Tally) -> None:
    """Start a run, SIGKILL it at a random moment, and collect what it acknowledged."""
    child.send("run")
    start = child.next_event()
    assert start["event"] == "start", start
    began = last = time.monotonic()
    # A quarter of the kills land anywhere (start-up included); the rest a few publishes in,
    # somewhere inside the next transaction.
    deadline = began + rng.uniform(0.0, 1.0) if rng.random() < 0.25 else None
    target = rng.randint(1, 4)
    seen = 0
    while True:
        timeout = EVENT_TIMEOUT if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            event = child.events.get(timeout=timeout)
        except queue.Empty:
            break
        assert event is not None, "child ended unexpectedly"
        assert event["event"] != "error", f"publish failed in the child:\n{event['error']}"
        if event["event"] == "release":
            _ack(tally, event)
            seen += 1
            now = time.monotonic()
            tally.pace = 0.8 * tally.pace + 0.2 * (now - last)
            last = now
            if deadline is None and seen >= target:
                time.sleep(rng.uniform(0.0, 1.2 * tally.pace))
                break
        elif event["event"] == "done":
            break
    os.kill(int(start["pid"]), signal.SIGKILL)  # unreaped, the pid is still the worker's
    child.send("reap")
    while True:
        event = child.next_event()
        if event["event"] == "release":  # committed before the kill landed
            _ack(tally, event)
        elif event["event"] == "exit":
            break
    tally.cycles += 1
    tally.killed += event["signal"] == signal.SIGKILL


def check(conn: Connection, tally: Tally, dialect: str) -> None:
    """Everything the kill must not have broken."""
    rows = {r.seq: r for r in conn.execute(select(release))}
    for seq in tally.acknowledged:
        if seq not in rows:
            tally.lost += 1
            tally.problems.append(f"acknowledged release {seq} is missing")
    disclosures = {
        e.seq: e
        for e in entries(conn, action=Action.DISCLOSURE)
        if isinstance(e.details.get("release"), int)
    }
    for seq, r in rows.items():
        entry = disclosures.get(r.audit_seq)
        if entry is None or entry.details["release"] != seq or entry.recipient != r.partner_id:
            tally.orphans += 1
            tally.problems.append(f"release {seq}: no disclosure entry (audit_seq {r.audit_seq})")
    for aseq, e in disclosures.items():
        r = rows.get(int(e.details["release"]))  # type: ignore[arg-type]
        if r is None or r.audit_seq != aseq:
            tally.orphans += 1
            tally.problems.append(f"disclosure entry {aseq}: no release {e.details['release']}")
    counts = dict(
        conn.execute(
            select(release_object.c.release_seq, func.count()).group_by(
                release_object.c.release_seq
            )
        ).all()
    )
    for seq, n in counts.items():
        if seq not in rows:
            tally.orphans += 1
            tally.problems.append(f"{n} object version(s) of release {seq}, which does not exist")
        elif rows[seq].objects != n:
            tally.problems.append(f"release {seq} says {rows[seq].objects} objects, holds {n}")
    for seq, ack in tally.acknowledged.items():
        if seq in rows and (rows[seq].objects, rows[seq].audit_seq) != (
            ack["objects"],
            ack["audit"][-1],
        ):
            tally.problems.append(f"release {seq} differs from what was acknowledged")
    if dialect == "sqlite":
        ok = conn.execute(text("PRAGMA integrity_check")).scalar_one()
        if ok != "ok":
            tally.audit_breaks += 1
            tally.problems.append(f"integrity_check: {ok}")
    report = verify(conn, make_key().verifier)  # no checkpoints: any key will do
    if not report.ok:
        tally.audit_breaks += 1
        tally.problems += [f"audit verify: {p}" for p in report.problems]


def test_kill_during_publish_keeps_release_and_audit_together(
    db_url: str, tmp_path: Path, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    began = time.monotonic()
    store = open_store(db_url, create=True)
    try:
        world(store, clock, tmp_path)
        agree(store, clock, "au")
        dialect = store.dialect
    finally:
        store.close()
    rng = random.Random(SEED)
    tally = Tally()
    child = Child(db_url)
    try:
        for _ in range(CYCLES):
            kill_cycle(child, rng, tally)
            store = open_store(db_url)
            try:
                with store.read() as conn:
                    check(conn, tally, dialect)
            finally:
                store.close()
            if tally.problems:
                break
    finally:
        child.close()
    with capsys.disabled():
        print(
            f"\npublish kill ({dialect}): {tally.cycles} kill cycles, "
            f"{len(tally.acknowledged)} acknowledged releases, {tally.lost} lost, "
            f"{tally.orphans} orphan releases, {tally.audit_breaks} audit breaks "
            f"({tally.killed} killed mid-run; {time.monotonic() - began:.1f} s)"
        )
    assert not tally.problems, "\n".join(tally.problems)
    assert tally.killed >= CYCLES // 2, "most kills should land mid-run"
    assert len(tally.acknowledged) >= CYCLES, "the child should publish between kills"
