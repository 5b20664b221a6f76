"""Liaison benchmarks (liaison issue, item 10): decisions, a release projection, audit appends.

Three parts, each with an in-run reference so the ratio survives a noisy, shared machine:

* ``decisions``: ``decide_statement`` and ``decide_entity`` over synthetic ``StoredStatement``
  objects under several agreements (target ≥ 200,000 statements/s). Reference: a bare Python
  loop calling a one-line function (one dict look-up) per statement.
* ``projection``: ``plan_release`` (dry run) and ``publish`` for one partner over a synthetic
  knowledge base of ``--persons`` true persons (target ≤ 30 s for 100,000). Reference: a plain
  ``iter_entities`` read of the same entities.
* ``audit``: ``audit.log.append`` one entry per transaction and many per transaction, then an
  inclusion proof for every entry and consistency proofs between many sizes, all verified
  (target ≥ 5,000 entries/s). Reference: plain INSERTs of the same leaves into a table with no
  tree, in the same transaction pattern.

Progress goes to stderr; stdout is Markdown for RESULTS.md. ``--json FILE`` keeps every figure.

    .venv/bin/python bench/liaison_bench.py                       # quick run, all parts
    .venv/bin/python bench/liaison_bench.py --persons 100000 --keep /tmp/lb --json out.json
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import hashlib
import io
import json
import os
import platform
import pstats
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from backchannel.liaison.agreement import parse_terms
from backchannel.liaison.policy import Context, decide_entity, decide_statement
from backchannel.model.statement import State, StoredStatement
from backchannel.model.vocab import TLP, Credibility, EntityKind, Reliability

DECISIONS_TARGET = 200_000  # statements/s
PROJECTION_TARGET = 30.0  # seconds for 100,000 persons
AUDIT_TARGET = 5_000  # entries/s


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Fastest of ``repeat`` runs (the least disturbed by the other core's work)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def profile_top(fn: Callable[[], Any], n: int = 15) -> str:
    prof = cProfile.Profile()
    prof.runcall(fn)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(n)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# 1. decisions


ORIGINATORS = [  # (name, weight): our services, a public source, partners, one nobody classified
    ("Service A", 30),
    ("Service B", 20),
    ("News Monitor", 20),
    ("Partner C", 15),
    ("Partner D", 10),
    ("Unclassified Desk", 5),
]
TLPS = [(TLP.CLEAR, 15), (TLP.GREEN, 35), (TLP.AMBER, 35), (TLP.AMBER_STRICT, 10), (TLP.RED, 5)]
STATES = [(State.CURRENT, 85), (State.SUPERSEDED, 10), (State.REVOKED, 5)]
NATIONALITIES = ["FR", "BE", "DE", "GB", "TN", "MA", "RU", "SY", "IQ", "NL"]
STATUSES = ["at-large", "killed", "detained", "returned", "unknown"]
SUBJECTS = [("suspect", 70), ("other", 15), ("convicted", 8), ("victim", 4), ("witness", 3)]
# (prop, weight, link) of a person's statements, roughly as stix/extract.py makes them
PERSON_PROPS = [
    ("name", 3, False),
    ("alias", 2, False),
    ("nationality", 1.2, False),
    ("birth_date", 0.8, False),
    ("gender", 0.8, False),
    ("member-of", 1, True),
    ("status", 1, False),
    ("subject_category", 0.8, False),
    ("birth_place", 0.4, False),
]


def _pick(rng: random.Random, weighted: list[tuple[Any, float]]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def synthetic_entities(
    n_statements: int, seed: int
) -> tuple[list[tuple[str, EntityKind, list[StoredStatement]]], list[str]]:
    """Persons (most) and groups, each with a few statements, ``n_statements`` in all."""
    rng = random.Random(seed)
    groups = [f"threat-actor--{i:08d}-0000-4000-8000-000000000000" for i in range(40)]
    entities: list[tuple[str, EntityKind, list[StoredStatement]]] = []
    total, k = 0, 0
    while total < n_statements:
        k += 1
        is_group = rng.random() < 0.02
        eid = f"threat-actor--{k:032x}" if is_group else f"identity--{k:032x}"
        kind = EntityKind.GROUP if is_group else EntityKind.PERSON
        stmts = []
        for _ in range(min(rng.randint(4, 16), n_statements - total)):
            if is_group:
                prop, link = rng.choice(["name", "alias", "description"]), False
            else:
                prop, link = _pick(rng, [((p, link), w) for p, w, link in PERSON_PROPS])
            if prop == "nationality":
                value = rng.choice(NATIONALITIES)
            elif prop == "member-of":
                value = rng.choice(groups)
            elif prop == "status":
                value = rng.choice(STATUSES)
            elif prop == "subject_category":
                value = _pick(rng, SUBJECTS)
            else:
                value = f"{prop}-{rng.randrange(10**6)}"
            rel, cred = rng.choice("ABCDEF"), rng.choice("123456")
            stmts.append(
                StoredStatement(
                    id=hashlib.sha256(f"{eid}/{len(stmts)}".encode()).hexdigest()[:40],
                    entity_id=eid,
                    prop=prop,
                    value=value,
                    qualifiers={"script": "Latn"} if prop in ("name", "alias") else {},
                    link=link,
                    record_id=eid,
                    first_version="2024-01-01T00:00:00.000Z",
                    last_version="2024-01-01T00:00:00.000Z",
                    source=_pick(rng, ORIGINATORS),
                    originator=_pick(rng, ORIGINATORS),
                    channel="liaison",
                    tlp=_pick(rng, TLPS),
                    reliability=Reliability(rel),
                    credibility=Credibility(cred),
                    valid_from=f"20{rng.randint(12, 24)}-0{rng.randint(1, 9)}"
                    if prop == "status"
                    else None,
                    valid_to=None,
                    first_seen="2024-01-01T00:00:00.000000Z",
                    last_seen="2024-01-01T00:00:00.000000Z",
                    state=_pick(rng, STATES),
                )
            )
        total += len(stmts)
        entities.append((eid, kind, stmts))
    return entities, groups


def decision_contexts(groups: list[str], now: datetime) -> dict[str, Context]:
    """The fictional partners of synth/liaison.py plus a group scope and a suspended one."""
    base = {"status": "active", "purpose": "bench", "granularity": "person-level"}
    agreements = {
        "partner-c": parse_terms(
            base
            | {
                "tlp_ceiling": "amber",
                "categories": ["persons", "groups", "status"],
                "scope": {"nationalities": ["FR", "BE"]},
                "onward_to": ["partner-e"],
            }
        ),
        "partner-d": parse_terms(
            base
            | {
                "tlp_ceiling": "amber",
                "categories": ["statistics", "groups"],
                "granularity": "statistics-only",
                "consent_to": ["partner-c"],
            }
        ),
        "partner-e": parse_terms(
            base
            | {
                "tlp_ceiling": "green",
                "categories": ["persons", "status"],
                "scope": {"nationalities": ["BE"]},
                "via": "partner-c",
            }
        ),
        "partner-f": parse_terms(
            base
            | {
                "tlp_ceiling": "amber+strict",
                "categories": ["persons", "groups", "status"],
                "scope": {"groups": groups[:10], "statuses": ["at-large", "returned"]},
                "subject_categories": ["suspect", "convicted", "other", "victim"],
            }
        ),
        "partner-g": parse_terms(
            base | {"status": "suspended", "categories": ["persons"], "tlp_ceiling": "green"}
        ),
    }
    originators = {
        "Service A": "own",
        "Service B": "own",
        "News Monitor": "public",
        "Partner C": "partner-c",
        "Partner D": "partner-d",
    }
    canonical = {g: groups[i // 2 * 2] for i, g in enumerate(groups)}  # pairs of groups merged
    return {
        pid: Context(pid, agreements, originators, now, canonical=canonical, overdue=frozenset())
        for pid in ("partner-c", "partner-e", "partner-f", "partner-d", "partner-g")
    }


def _digest(items: Iterator[Any]) -> str:
    h = hashlib.sha256()
    for item in items:
        h.update(repr(item).encode())
    return h.hexdigest()[:16]


def run_decisions(args: argparse.Namespace) -> dict[str, Any]:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    log(f"decisions: building {args.statements:,} synthetic statements")
    entities, groups = synthetic_entities(args.statements, args.seed)
    flat = [(s, kind) for _, kind, stmts in entities for s in stmts]
    n = len(flat)
    contexts = decision_contexts(groups, now)
    originators = contexts["partner-c"].originators

    def _bare(s: StoredStatement, kind: EntityKind, ctx: Context) -> bool:
        return originators.get(s.originator) is not None

    def anchor() -> int:
        ctx = contexts["partner-c"]
        return sum(_bare(s, k, ctx) for s, k in flat)

    anchor_s, _ = best_of(args.repeat, anchor)
    log(f"decisions: reference (bare call + dict look-up) {n / anchor_s:,.0f}/s")
    out: dict[str, Any] = {
        "statements": n,
        "entities": len(entities),
        "anchor": {
            "what": "bare Python call with one dict look-up per statement",
            "seconds": anchor_s,
            "per_s": n / anchor_s,
        },
        "contexts": {},
    }
    all_stmt_digest, all_ent_digest = [], []
    for pid, ctx in contexts.items():
        st_s, st_res = best_of(
            args.repeat, lambda ctx=ctx: [decide_statement(s, k, ctx) for s, k in flat]
        )
        en_s, en_res = best_of(
            args.repeat, lambda ctx=ctx: [decide_entity(e, k, st, ctx) for e, k, st in entities]
        )
        released = sum(d.released for d in st_res)
        actions: dict[str, int] = {}
        for d in en_res:
            actions[d.decision.action.value] = actions.get(d.decision.action.value, 0) + 1
        sd = _digest(iter(st_res))
        ed = _digest((d.entity_id, d.decision, sorted(d.statements.items())) for d in en_res)
        all_stmt_digest.append(sd)
        all_ent_digest.append(ed)
        out["contexts"][pid] = {
            "decide_statement": {
                "seconds": st_s,
                "per_s": n / st_s,
                "x_anchor": st_s / anchor_s,
                "released": released,
            },
            "decide_entity": {
                "seconds": en_s,
                "per_s": n / en_s,
                "x_anchor": en_s / anchor_s,
                "entities": actions,
            },
            "digest": {"statements": sd, "entities": ed},
        }
        log(
            f"decisions: {pid}: decide_statement {n / st_s:,.0f}/s ({st_s / anchor_s:.1f}× ref), "
            f"decide_entity {n / en_s:,.0f} statements/s, released {released:,}/{n:,}, {actions}"
        )
    per_st = [c["decide_statement"]["per_s"] for c in out["contexts"].values()]
    per_en = [c["decide_entity"]["per_s"] for c in out["contexts"].values()]
    # The headline uses the agreements that release persons (not suspended / statistics-only,
    # where the agreement check alone decides).
    person = [c for p, c in out["contexts"].items() if p in ("partner-c", "partner-e", "partner-f")]
    out["summary"] = {
        "decide_statement_min_per_s": min(per_st),
        "decide_entity_min_per_s": min(per_en),
        "person_level_decide_statement_min_per_s": min(
            c["decide_statement"]["per_s"] for c in person
        ),
        "person_level_decide_entity_min_per_s": min(c["decide_entity"]["per_s"] for c in person),
        "digest": _digest(iter(all_stmt_digest + all_ent_digest)),
    }
    if args.profile:
        ctx = contexts["partner-c"]
        out["profile"] = profile_top(
            lambda: [decide_entity(e, k, st, ctx) for e, k, st in entities]
        )
        log("decisions: profile of decide_entity (partner-c):\n" + out["profile"])
    return out


# --------------------------------------------------------------------------------------------
# 2. projection


class Phases:
    """Wall time spent inside named functions, measured by wrapping module attributes."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._undo: list[tuple[Any, str, Any]] = []

    def wrap(self, module: Any, name: str, label: str) -> None:
        original = getattr(module, name)

        @functools.wraps(original)
        def timed(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return original(*a, **k)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - t

        setattr(module, name, timed)
        self._undo.append((module, name, original))

    def reset(self) -> None:
        self.seconds = {}

    def restore(self) -> None:
        for module, name, original in reversed(self._undo):
            setattr(module, name, original)
        self._undo = []


def _copy_db(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        target = Path(str(dst) + suffix)
        if target.exists():
            target.unlink()
    # sqlite3's backup copies a consistent snapshot, WAL included.
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)


def build_kb(work: Path, persons: int, seed: int, resolve: bool) -> dict[str, Any]:
    """Generate, import (and optionally resolve) into ``work/pristine.sqlite``; reused if there."""
    from backchannel.ingest.manifest import read_manifest
    from backchannel.ingest.stix_bundle import import_stix
    from backchannel.store.engine import open_store
    from backchannel.synth import generate

    marker = work / "pristine.json"
    db = work / "pristine.sqlite"
    want = {"persons": persons, "seed": seed, "resolve": resolve}
    if marker.exists() and db.exists():
        info = json.loads(marker.read_text())
        if {k: info.get(k) for k in want} == want:
            log(f"projection: reusing the knowledge base in {db}")
            return info | {"reused": True}
    for p in (db, marker):
        if p.exists():
            p.unlink()
    data = work / "data"
    log(f"projection: generating {persons:,} persons (seed {seed}) into {data}")
    t = time.perf_counter()
    summary = generate(
        data,
        persons=persons,
        seed=seed,
        progress=lambda k: log(f"  generated {k:,}") if k % 20000 == 0 else None,
    )
    gen_s = time.perf_counter() - t
    log(f"projection: {summary.objects:,} objects in {gen_s:.0f} s; importing")
    store = open_store(str(db), create=True)
    try:
        t = time.perf_counter()
        for files, env in read_manifest(summary.manifest):
            r = import_stix(store, files, env)
            log(f"  imported {env.source}: {r.counts.objects:,} objects")
        import_s = time.perf_counter() - t
        resolve_s = None
        merged = 0
        if resolve:
            from backchannel.store.dedup import deduplicate

            log("projection: resolving duplicates (deduplicate)")
            t = time.perf_counter()
            with store.write() as conn:
                merged = deduplicate(conn, now=datetime.now(UTC)).merged
            resolve_s = time.perf_counter() - t
    finally:
        store.close()
    info = want | {
        "objects": summary.objects,
        "records": summary.records,
        "generate_s": gen_s,
        "import_s": import_s,
        "import_objects_per_s": summary.objects / import_s,
        "resolve_s": resolve_s,
        "merged": merged,
    }
    marker.write_text(json.dumps(info, indent=1))
    return info | {"reused": False}


# A bench-only partner with the widest person-level agreement: no scope, so every canonical
# person is read and decided and most are released (the demo's partners are scoped).
WIDE = (
    "partner-wide",
    "Partner Wide (bench only: person-level, no scope)",
    {
        "status": "active",
        "tlp_ceiling": "amber",
        "categories": ["persons", "groups", "status"],
        "granularity": "person-level",
        "purpose": "bench: every person",
    },
)


def set_up_partners(conn: Any, now: datetime) -> None:
    """The demo's partners and agreements (synth/liaison.py), without its releases, and the
    bench-only :data:`WIDE` partner."""
    from backchannel.store.partners import add_partner, change_agreement, set_originator
    from backchannel.synth.liaison import AUTHOR, LATER, ORIGINATORS, PARTNERS

    for name, kind in ORIGINATORS.items():
        set_originator(conn, name, kind, author=AUTHOR, now=now)
    for pid, name, originators, _ in PARTNERS:
        add_partner(conn, pid, name, originators=originators, author=AUTHOR, now=now)
    for pid, _, _, terms in PARTNERS:
        change_agreement(
            conn, pid, terms | LATER.get(pid, {}), author=AUTHOR, reason="bench agreement", now=now
        )
    pid, name, terms = WIDE
    add_partner(conn, pid, name, originators=[], author=AUTHOR, now=now)
    change_agreement(conn, pid, terms, author=AUTHOR, reason="bench agreement", now=now)


def _project_one(
    store: Any,
    partner: str,
    now: datetime,
    step: Callable[[str, Callable[[], Any], dict[str, Any]], Any],
    anchor_s: float,
) -> dict[str, Any]:
    """Preview, first publish and an unchanged second publish for one partner."""
    from backchannel.store import releases

    out: dict[str, Any] = {}
    steps: dict[str, Any] = {}
    with store.read() as conn:
        plan = step(
            "plan_release (dry run)",
            lambda: releases.plan_release(conn, partner, now=now),
            steps,
        )
    summary = plan.summary()
    decided = sum(1 for d in plan.decisions if d.kind is EntityKind.PERSON)
    out["plan_summary"] = summary
    out["canonical_persons_decided"] = decided
    out["released_persons"] = sum(
        1 for d in plan.decisions if d.kind is EntityKind.PERSON and d.decision.released
    )

    def published(at: datetime) -> Any:
        # The transaction is part of the step: a publish is done when it is committed.
        with store.write() as conn:
            return releases.publish(conn, partner, author="bench", purpose="bench release", now=at)

    out["published"] = []
    for name, at in (
        ("publish (first)", now),
        ("publish (again, nothing changed)", now + timedelta(seconds=1)),
    ):
        pub = step(name, lambda t=at: published(t), steps)
        out["published"].append(pub.as_dict())
    for st in steps.values():
        st["x_anchor"] = st["seconds"] / anchor_s
    out["steps"] = steps
    return out


def run_projection(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from backchannel.liaison import project as project_mod
    from backchannel.store import releases
    from backchannel.store.engine import open_store
    from backchannel.store.knowledge import iter_entities

    partners = [p.strip() for p in args.partner.split(",") if p.strip()]
    kb = build_kb(work, args.persons, args.seed, args.resolve)
    run_db = work / "run.sqlite"
    log("projection: copying the pristine knowledge base for this run")
    _copy_db(work / "pristine.sqlite", run_db)
    store = open_store(str(run_db))
    now = datetime.now(UTC).replace(microsecond=0)
    out: dict[str, Any] = {"kb": kb, "now": now.isoformat()}
    try:
        with store.write() as conn:
            set_up_partners(conn, now)
        with store.read() as conn:
            t = time.perf_counter()
            counts: dict[str, int] = {}
            statements = 0
            for v in iter_entities(conn):
                counts[v.kind.value] = counts.get(v.kind.value, 0) + 1
                statements += len(v.statements)
            anchor_s = time.perf_counter() - t
        out["anchor"] = {
            "what": "iter_entities over every entity (plain read, no merge)",
            "seconds": anchor_s,
            "entities": counts,
            "statements": statements,
        }
        log(
            f"projection: reference iter_entities {anchor_s:.1f} s ({counts}, "
            f"{statements:,} statements)"
        )

        phases = Phases()
        phases.wrap(releases, "canonical_views", "read canonical views")
        phases.wrap(releases, "policy_context", "policy context")
        phases.wrap(releases, "_latest", "latest released versions")
        phases.wrap(project_mod, "decide_entity", "policy (decide_entity)")
        phases.wrap(releases, "project", "project (incl. policy)")
        phases.wrap(releases, "plan_release", "plan_release")
        phases.wrap(releases, "_check_valid", "validate (STIX)")
        phases.wrap(releases, "write_release", "write_release (incl. validate)")
        phases.wrap(releases, "append", "audit append")
        phases.wrap(releases, "preselected", "preselect")

        def step(name: str, fn: Callable[[], Any], steps: dict[str, Any]) -> Any:
            phases.reset()
            log(f"projection: {name} …")
            t = time.perf_counter()
            result = fn()
            total = time.perf_counter() - t
            s = dict(phases.seconds)
            # Exclusive shares so the phases add up to the total.
            proj = s.get("project (incl. policy)", 0.0)
            pol = s.get("policy (decide_entity)", 0.0)
            plan = s.get("plan_release", 0.0)
            write = s.get("write_release (incl. validate)", 0.0)
            valid = s.get("validate (STIX)", 0.0)
            app = s.get("audit append", 0.0)
            read = s.get("read canonical views", 0.0)
            ctx = s.get("policy context", 0.0)
            latest = s.get("latest released versions", 0.0)
            pre = s.get("preselect", 0.0)
            excl = {
                "preselect (query)": pre,
                "read canonical views": read,
                "policy context (terms, clusters, reviews)": ctx,
                "latest released versions": latest,
                "policy (decide_entity)": pol,
                "projection (objects)": proj - pol,
                "versioning / compare / revocations": plan - pre - read - ctx - latest - proj,
                "validate (STIX)": valid,
                "write rows": write - valid - app,
                "audit append": app,
                "commit and other": total - plan - write,
            }
            steps[name] = {"seconds": total, "phases": excl}
            log(
                f"projection: {name}: {total:.1f} s "
                + ", ".join(f"{k} {v:.1f}" for k, v in excl.items() if v >= 0.05)
            )
            return result

        out["partners"] = {}
        later = now
        for partner in partners:
            later += timedelta(seconds=2)
            out["partners"][partner] = _project_one(store, partner, later, step, anchor_s)
        phases.restore()
        if args.profile:
            for partner in partners:
                with store.read() as conn:
                    out["partners"][partner]["profile"] = prof = profile_top(
                        lambda p=partner: releases.plan_release(conn, p, now=later), 25
                    )
                log(f"projection: profile of plan_release for {partner}:\n" + prof)
    finally:
        store.close()
    return out


# --------------------------------------------------------------------------------------------
# 3. audit


def _events(n: int, seed: int) -> list[Any]:
    from backchannel.audit.log import Action, Event

    rng = random.Random(seed)
    actions = [Action.CONSULTATION, Action.COLLECTION, Action.COMBINATION, Action.DISCLOSURE]
    out = []
    for i in range(n):
        action = rng.choice(actions)
        subjects = [f"identity--{rng.getrandbits(128):032x}" for _ in range(rng.randint(1, 4))]
        out.append(
            Event(
                action,
                actor=f"user:analyst-{rng.randint(1, 9)}",
                subjects=subjects,
                purpose=f"CASE-{rng.randint(1, 500)}" if action is not Action.COLLECTION else None,
                recipient="partner-c" if action is Action.DISCLOSURE else None,
                details={"statements": rng.randint(1, 40), "n": i},
            )
        )
    return out


def run_audit(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from sqlalchemy import Column, Integer, MetaData, PrimaryKeyConstraint, String, Table, Text

    from backchannel.audit import log as audit_log
    from backchannel.audit import merkle
    from backchannel.store.engine import open_store

    n = args.audit_entries
    per_tx = args.audit_batch
    single = min(n, args.audit_single)
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    events = _events(n + single, args.seed)
    md = MetaData()
    Table(
        "bench_leaf",
        md,
        Column("seq", Integer, primary_key=True),
        Column("at", String),
        Column("action", String),
        Column("actor", String),
        Column("purpose", String),
        Column("recipient", String),
        Column("leaf", Text),
        Column("leaf_hash", String),
    )
    Table(
        "bench_leaf_subject",
        md,
        Column("seq", Integer),
        Column("subject_id", String),
        PrimaryKeyConstraint("seq", "subject_id"),
    )
    out: dict[str, Any] = {"entries": n, "per_transaction": per_tx, "single_tx_entries": single}
    runs: dict[str, Any] = {}
    for mode, count, batch in (
        ("one entry per transaction", single, 1),
        (f"{per_tx} entries per transaction", n, per_tx),
    ):
        db = work / f"audit-{batch}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        store = open_store(str(db), create=True)
        try:
            with store.write() as conn:
                md.create_all(conn)
            evs = events[:count]

            # Reference: the same leaves and subject rows (serialised the same way), sent to the
            # driver as plain INSERTs (as append does), with no checks and no tree.
            at = audit_log.to_text(now)
            rows = []
            for i, e in enumerate(evs):
                leaf = audit_log.canonical(audit_log.leaf_document(i, at, e))
                rows.append(
                    (
                        (
                            i,
                            at,
                            e.action.value,
                            e.actor,
                            e.purpose,
                            e.recipient,
                            leaf.decode(),
                            merkle.leaf_hash(leaf).hex(),
                        ),
                        [(i, s) for s in sorted(set(e.subjects))],
                    )
                )
            t = time.perf_counter()
            for i in range(0, count, batch):
                with store.write() as conn:
                    for row, subs in rows[i : i + batch]:
                        conn.exec_driver_sql(
                            "INSERT INTO bench_leaf (seq, at, action, actor, purpose, recipient,"
                            " leaf, leaf_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            row,
                        )
                        conn.exec_driver_sql(
                            "INSERT INTO bench_leaf_subject (seq, subject_id) VALUES (?, ?)", subs
                        )
            anchor_s = time.perf_counter() - t

            log(f"audit: {mode}: appending {count:,}")
            t = time.perf_counter()
            for i in range(0, count, batch):
                with store.write() as conn:
                    for j in range(i, min(i + batch, count)):
                        audit_log.append(conn, evs[j], now=now)
            append_s = time.perf_counter() - t
            runs[mode] = {
                "entries": count,
                "seconds": append_s,
                "per_s": count / append_s,
                "anchor_seconds": anchor_s,
                "anchor_per_s": count / anchor_s,
                "x_anchor": append_s / anchor_s,
            }
            log(
                f"audit: {mode}: {count / append_s:,.0f} entries/s "
                f"(plain inserts {count / anchor_s:,.0f}/s, {append_s / anchor_s:.2f}×)"
            )
            if batch == 1:
                continue

            with store.read() as conn:
                # inclusion proofs for every entry against the full tree
                t = time.perf_counter()
                root = audit_log.root(conn)
                proofs = [audit_log.inclusion_proof(conn, i, count) for i in range(count)]
                prove_s = time.perf_counter() - t
                t = time.perf_counter()
                ok = all(
                    merkle.verify_inclusion(p.leaf_hash, p.index, p.tree_size, p.path, root)
                    and p.root == root
                    for p in proofs
                )
                verify_s = time.perf_counter() - t
                # consistency proofs between many sizes
                rng = random.Random(args.seed)
                pairs = []
                for _ in range(args.consistency):
                    a, b = sorted(rng.randint(1, count) for _ in range(2))
                    pairs.append((a, b))
                t = time.perf_counter()
                roots = {s: audit_log.root(conn, s) for p in pairs for s in p}
                cons = [audit_log.consistency_proof(conn, a, b) for a, b in pairs]
                cons_s = time.perf_counter() - t
                t = time.perf_counter()
                cok = all(
                    merkle.verify_consistency(a, b, roots[a], roots[b], path)
                    for (a, b), path in zip(pairs, cons, strict=True)
                )
                cverify_s = time.perf_counter() - t
                # the stored tree agrees with one recomputed from the leaves
                leaf_hashes = [p.leaf_hash for p in proofs]
                recomputed = merkle.tree_hash(leaf_hashes) == root
            out["proofs"] = {
                "inclusion": {
                    "count": count,
                    "seconds": prove_s,
                    "per_s": count / prove_s,
                    "verify_seconds": verify_s,
                    "verify_per_s": count / verify_s,
                    "all_verify": ok,
                },
                "consistency": {
                    "count": len(pairs),
                    "seconds": cons_s,
                    "per_s": len(pairs) / cons_s,
                    "verify_seconds": cverify_s,
                    "all_verify": cok,
                    "note": "includes the two roots of each pair",
                },
                "root_recomputed_matches": recomputed,
            }
            log(
                f"audit: inclusion proofs {count / prove_s:,.0f}/s "
                f"(verify {count / verify_s:,.0f}/s, ok={ok}); "
                f"consistency {len(pairs) / cons_s:,.0f}/s (ok={cok}); root matches: {recomputed}"
            )
            if args.profile:

                def more(store: Any = store) -> None:
                    with store.write() as conn:
                        for e in events[:1000]:
                            audit_log.append(conn, e, now=now)

                out["profile"] = profile_top(more, 20)
                log("audit: profile of 1,000 appends in one transaction:\n" + out["profile"])
        finally:
            store.close()
    out["runs"] = runs
    return out


# --------------------------------------------------------------------------------------------
# report


def _verdict(ok: bool) -> str:
    return "met" if ok else "**NOT met**"


def machine() -> dict[str, Any]:
    import sqlalchemy

    return {
        "nproc": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "platform": platform.platform(),
    }


def report(res: dict[str, Any]) -> str:
    lines = [
        f"Machine: `nproc` {res['machine']['nproc']}, load average at start "
        f"{', '.join(f'{x:.2f}' for x in res['machine']['loadavg_start'])}, at end "
        f"{', '.join(f'{x:.2f}' for x in res['machine']['loadavg_end'])}; Python "
        f"{res['machine']['python']}, SQLite {res['machine']['sqlite']}.",
        "",
    ]
    if "decisions" in res:
        d = res["decisions"]
        lines += [
            f"**Decisions** ({d['statements']:,} statements, {d['entities']:,} entities; "
            f"reference: {d['anchor']['what']}, {d['anchor']['per_s']:,.0f}/s)",
            "",
            "| agreement | decide_statement /s | × reference time "
            "| decide_entity statements/s | × reference time | released statements |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for pid, c in d["contexts"].items():
            st, en = c["decide_statement"], c["decide_entity"]
            lines.append(
                f"| {pid} | {st['per_s']:,.0f} | {st['x_anchor']:.1f}× | "
                f"{en['per_s']:,.0f} | {en['x_anchor']:.1f}× | {st['released']:,} |"
            )
        s = d["summary"]
        lines += [
            "",
            f"Slowest person-level agreement: decide_statement "
            f"{s['person_level_decide_statement_min_per_s']:,.0f}/s, decide_entity "
            f"{s['person_level_decide_entity_min_per_s']:,.0f} statements/s — target ≥ "
            f"{DECISIONS_TARGET:,}/s: "
            f"{_verdict(s['person_level_decide_entity_min_per_s'] >= DECISIONS_TARGET)} "
            f"(decisions digest `{s['digest']}`).",
            "",
        ]
    if "projection" in res:
        p = res["projection"]
        kb = p["kb"]
        lines += [
            f"**Projection**: {kb['persons']:,} true persons (seed {kb['seed']}), "
            f"{kb['records']:,} person records, {kb['objects']:,} objects. Import (not part of "
            "the target): "
            + (
                f"{kb['import_s']:.0f} s ({kb['import_objects_per_s']:,.0f} objects/s)"
                + (
                    f", resolution {kb['resolve_s']:.0f} s ({kb['merged']:,} merges)"
                    if kb.get("resolve_s")
                    else ", no resolution run"
                )
            )
            + ("; reused from --keep" if kb.get("reused") else "")
            + ". Reference: "
            f"{p['anchor']['what']}, {p['anchor']['seconds']:.1f} s.",
            "",
        ]
        scale = 100_000 / kb["persons"]
        for partner, r in p["partners"].items():
            summary = r["plan_summary"]
            lines += [
                f"`{partner}`: {r['canonical_persons_decided']:,} canonical persons decided, "
                f"{r['released_persons']:,} released, {summary['passed_over']:,} entities "
                "passed over by the preselection.",
                "",
            ]
            names = [k for k in next(iter(r["steps"].values()))["phases"]]
            lines += [
                "| step | seconds | × reference | " + " | ".join(names) + " |",
                "|---|---:|---:|" + "---:|" * len(names),
            ]
            for name, st in r["steps"].items():
                lines.append(
                    f"| {name} | {st['seconds']:.1f} | {st['x_anchor']:.2f}× | "
                    + " | ".join(f"{st['phases'][k]:.1f}" for k in names)
                    + " |"
                )
            first = r["steps"]["publish (first)"]["seconds"]
            lines += [
                "",
                "Publishes: "
                + "; ".join(
                    f"release {x['release']}: {x['objects']:,} object versions, "
                    f"{x['revocations']} revocations"
                    for x in r["published"]
                )
                + ".",
                f"First publish to `{partner}` {first:.1f} s for {kb['persons']:,} persons"
                + (
                    ""
                    if kb["persons"] == 100_000
                    else f" (≈ {first * scale:.0f} s scaled linearly to 100,000)"
                )
                + f" — target ≤ {PROJECTION_TARGET:.0f} s for 100,000: "
                + _verdict(first * scale <= PROJECTION_TARGET),
                "",
            ]
    if "audit" in res:
        a = res["audit"]
        lines += [
            "**Audit appends** (SQLite; reference: plain INSERTs of the same leaves and subject "
            "rows, no tree, same transaction pattern)",
            "",
            "| mode | entries | entries/s | plain INSERTs/s | × reference time |",
            "|---|---:|---:|---:|---:|",
        ]
        for mode, r in a["runs"].items():
            lines.append(
                f"| {mode} | {r['entries']:,} | {r['per_s']:,.0f} | "
                f"{r['anchor_per_s']:,.0f} | {r['x_anchor']:.2f}× |"
            )
        pr = a["proofs"]
        batched = a["runs"][f"{a['per_transaction']} entries per transaction"]["per_s"]
        lines += [
            "",
            f"Proofs: {pr['inclusion']['count']:,} inclusion proofs "
            f"{pr['inclusion']['per_s']:,.0f}/s "
            f"(verified {pr['inclusion']['verify_per_s']:,.0f}/s, "
            f"all valid: {pr['inclusion']['all_verify']}); {pr['consistency']['count']:,} "
            f"consistency proofs with both roots {pr['consistency']['per_s']:,.0f}/s (all valid: "
            f"{pr['consistency']['all_verify']}); stored root = root recomputed from the leaves: "
            f"{pr['root_recomputed_matches']}.",
            f"Batched appends {batched:,.0f} entries/s — target ≥ {AUDIT_TARGET:,}/s: "
            f"{_verdict(batched >= AUDIT_TARGET)}.",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Liaison benchmarks: policy decisions/s, release projection, audit appends.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument(
        "parts",
        nargs="*",
        metavar="PART",
        help="decisions, projection, audit (several allowed) or all (default)",
    )
    ap.add_argument("--seed", type=int, default=1, help="seed of every synthetic input")
    ap.add_argument("--statements", type=int, default=200_000, help="decisions: statements")
    ap.add_argument("--repeat", type=int, default=3, help="decisions: best of N runs")
    ap.add_argument(
        "--persons",
        type=int,
        default=5_000,
        help="projection: true persons to generate (the target is about 100000)",
    )
    ap.add_argument(
        "--partner",
        default="partner-c,partner-wide",
        help="projection: the recipients, comma-separated (partner-c: the demo's agreement on "
        "FR/BE nationals; partner-wide: person-level with no scope)",
    )
    ap.add_argument(
        "--resolve",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="projection: run duplicate resolution after import (clusters)",
    )
    ap.add_argument(
        "--audit-entries",
        type=int,
        default=20_000,
        help="audit: entries appended in batched transactions",
    )
    ap.add_argument("--audit-batch", type=int, default=1_000, help="audit: entries per transaction")
    ap.add_argument(
        "--audit-single",
        type=int,
        default=2_000,
        help="audit: entries appended one per transaction",
    )
    ap.add_argument("--consistency", type=int, default=2_000, help="audit: consistency proofs")
    ap.add_argument("--profile", action="store_true", help="cProfile each part, print the top")
    ap.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="work in DIR and keep it (the projection's knowledge base is reused)",
    )
    ap.add_argument("--json", type=Path, default=None, help="write every figure to FILE")
    args = ap.parse_args(argv)
    known = {"decisions", "projection", "audit"}
    bad = set(args.parts) - known - {"all"}
    if bad:
        ap.error(
            f"unknown part(s) {', '.join(sorted(bad))}: expected {', '.join(sorted(known))} or all"
        )
    parts = known if not args.parts or "all" in args.parts else set(args.parts)

    res: dict[str, Any] = {
        "command": " ".join(
            [
                ".venv/bin/python",
                "bench/liaison_bench.py",
                *(argv if argv is not None else sys.argv[1:]),
            ]
        ),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    tmp = None
    if args.keep is None:
        tmp = tempfile.mkdtemp(prefix="liaison-bench-")
        work = Path(tmp)
    else:
        work = args.keep
        work.mkdir(parents=True, exist_ok=True)
    try:
        if "decisions" in parts:
            res["decisions"] = run_decisions(args)
        if "audit" in parts:
            res["audit"] = run_audit(args, work)
        if "projection" in parts:
            res["projection"] = run_projection(args, work)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    res["machine"]["loadavg_end"] = os.getloadavg()
    text = report(res)
    print(text)
    if args.json:
        res["report"] = text
        args.json.write_text(json.dumps(res, indent=1, default=str))
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
