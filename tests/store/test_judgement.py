"""Judgements and clusters: append-only, retractable, clusters restored exactly (rule 4)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from backchannel.errors import InvalidInput, NotFound
from backchannel.ingest.stix_bundle import import_stix
from backchannel.resolve.cluster import Verdict, pair
from backchannel.store.engine import Store, open_store
from backchannel.store.judgement import (
    cluster_of,
    rebuild_clusters,
    record_judgement,
    retract,
    unmerge,
)
from backchannel.store.schema import cluster_member, judgement
from tests.conftest import Clock, make_envelope

N = 6
IDS = [f"identity--00000000-0000-4000-a000-{i:012d}" for i in range(N)]


def _people(store: Store, tmp: Path, clock: Clock) -> None:
    """Six persons, each imported a second after the previous one (so first seen differs)."""
    for i in reversed(range(N)):  # the last id is the oldest: anchors are not just min(id)
        obj = {
            "type": "identity",
            "spec_version": "2.1",
            "id": IDS[i],
            "name": f"Person {i}",
            "identity_class": "individual",
            "created": "2024-01-01T00:00:00.000Z",
            "modified": "2024-01-01T00:00:00.000Z",
        }
        path = tmp / f"p{i}.json"
        path.write_text(
            json.dumps({"type": "bundle", "id": "bundle--" + IDS[i][10:], "objects": [obj]})
        )
        import_stix(store, [str(path)], make_envelope(), clock=clock)
        clock.tick()


def _clusters(store: Store) -> dict[str, str]:
    with store.read() as conn:
        return dict(
            conn.execute(select(cluster_member.c.entity_id, cluster_member.c.canonical_id)).all()
        )


def test_merge_unmerge_and_canonical_ids(store: Store, clock: Clock, tmp_path: Path) -> None:
    _people(store, tmp_path, clock)
    a, b, c = IDS[0], IDS[1], IDS[5]
    with store.write() as conn:
        record_judgement(
            conn, a, b, Verdict.SAME, author="ana", reason="same DOB and names", now=clock()
        )
        record_judgement(conn, b, c, Verdict.SAME, author="ana", reason="photo", now=clock())
    with store.read() as conn:
        canonical, members = cluster_of(conn, a)
    # IDS[5] was imported first, so it anchors the cluster and gives it its id.
    assert canonical == c and members == sorted([a, b, c])
    with store.write() as conn:
        undone = unmerge(conn, b, author="ana", reason="wrong photo", now=clock())
    assert len(undone) == 2
    assert _clusters(store) == {}
    with store.read() as conn:
        assert cluster_of(conn, a) == (a, [a])
        # Nothing was deleted: two judgements and two retractions are on record.
        assert conn.execute(select(func.count()).select_from(judgement)).scalar_one() == 4


def test_judgement_errors(store: Store, clock: Clock, tmp_path: Path) -> None:
    _people(store, tmp_path, clock)
    with store.write() as conn:
        with pytest.raises(InvalidInput, match="itself"):
            record_judgement(
                conn, IDS[0], IDS[0], Verdict.SAME, author="x", reason="r", now=clock()
            )
        with pytest.raises(InvalidInput, match="reason"):
            record_judgement(
                conn, IDS[0], IDS[1], Verdict.SAME, author="x", reason=" ", now=clock()
            )
        with pytest.raises(NotFound):
            record_judgement(
                conn, IDS[0], "identity--nope", Verdict.SAME, author="x", reason="r", now=clock()
            )
        with pytest.raises(NotFound):
            retract(conn, 999, author="x", reason="r", now=clock())
        with pytest.raises(InvalidInput, match="not merged"):
            unmerge(conn, IDS[2], author="x", reason="r", now=clock())


ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("judge"),
            st.integers(0, N - 1),
            st.integers(0, N - 1),
            st.sampled_from(list(Verdict)),
        ),
        st.tuples(st.just("retract"), st.integers(0, 30), st.just(0), st.just(Verdict.SAME)),
    ),
    max_size=14,
)


def _oracle(history: list[tuple[int, str, str, str, int | None]]) -> dict[str, str]:
    """Naive reference: effective verdicts, then components by repeated relaxation."""
    retracted = {r for *_, r in history if r is not None}
    effective: dict[tuple[str, str], str] = {}
    for seq, left, right, verdict, _r in history:
        if verdict != "retract" and seq not in retracted:
            effective[(left, right)] = verdict
    label = {e: e for e in IDS}
    changed = True
    while changed:
        changed = False
        for (left, right), verdict in effective.items():
            if verdict == "same" and label[left] != label[right]:
                low = min(label[left], label[right])
                for e in IDS:
                    if label[e] in (label[left], label[right]) and label[e] != low:
                        label[e] = low
                        changed = True
    groups: dict[str, list[str]] = {}
    for e in IDS:
        groups.setdefault(label[e], []).append(e)
    out = {}
    for members in groups.values():
        if len(members) > 1:
            anchor = max(members)  # the highest id was imported first
            out.update({m: anchor for m in members})
    return out


@settings(max_examples=25, deadline=None, derandomize=True)
@given(steps=ops)
def test_clusters_follow_judgements_and_retractions_restore_them(steps: list) -> None:
    clock = Clock()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "kb.db"), create=True)
        try:
            _people(store, Path(tmp), clock)
            history: list[tuple[int, str, str, str, int | None]] = []
            snapshots: dict[int, dict[str, str]] = {}
            for op, x, y, verdict in steps:
                before = _clusters(store)
                with store.write() as conn:
                    if op == "judge" and x != y:
                        j = record_judgement(
                            conn, IDS[x], IDS[y], verdict, author="t", reason="r", now=clock()
                        )
                        left, right = pair(IDS[x], IDS[y])
                        history.append((j.seq, left, right, verdict.value, None))
                        snapshots[j.seq] = before
                    elif op == "retract":
                        live = [
                            h
                            for h in history
                            if h[3] != "retract" and h[0] not in {r for *_, r in history if r}
                        ]
                        if not live:
                            continue
                        target = live[x % len(live)]
                        retract(conn, target[0], author="t", reason="r", now=clock())
                        history.append(
                            (len(history) + 1, target[1], target[2], "retract", target[0])
                        )
                        if target is history[-2]:
                            # Undoing the latest judgement restores the clusters before it.
                            assert _clusters_after(store, conn) == snapshots[target[0]]
                    else:
                        continue
                assert _clusters(store) == _oracle(history)
            with store.write() as conn:
                rebuild_clusters(conn)
            assert _clusters(store) == _oracle(history)  # the table is derived: rebuildable
        finally:
            store.close()


def _clusters_after(store: Store, conn: object) -> dict[str, str]:
    from sqlalchemy import Connection

    assert isinstance(conn, Connection)
    return dict(
        conn.execute(select(cluster_member.c.entity_id, cluster_member.c.canonical_id)).all()
    )
