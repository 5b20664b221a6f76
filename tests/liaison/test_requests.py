"""Requests (queued, previewed, approved in whole or part, denied) and partner statistics."""

from __future__ import annotations

from pathlib import Path

import pytest

from backchannel.errors import InvalidInput, NotFound
from backchannel.liaison.statistics import STATUSES
from backchannel.model.vocab import Status
from backchannel.store.engine import Store
from backchannel.store.releases import released_objects
from backchannel.store.requests import (
    RequestState,
    approve_request,
    deny_request,
    get_request,
    list_requests,
    preview_request,
    submit_request,
)
from backchannel.store.statistics import partner_statistics
from tests.conftest import Clock
from tests.liaison.helpers import X_PERSON, YOUSSEF, YUSUF, agree, world


@pytest.fixture
def kb(store: Store, clock: Clock, tmp_path: Path) -> Store:
    world(store, clock, tmp_path)
    agree(store, clock, "au")
    return store


def _submit(kb: Store, clock: Clock, query: dict[str, object], partner: str = "au") -> int:
    with kb.write() as conn:
        return submit_request(
            conn, partner, query, purpose="case 7", created_by="desk", now=clock()
        ).id


def test_request_is_answered_on_releasable_facts_only(kb: Store, clock: Clock) -> None:
    # Partner X's person is AU in X's facts only; without X's consent it does not match.
    rid = _submit(kb, clock, {"nationalities": ["AU"]})
    with kb.write() as conn:
        assert preview_request(conn, rid, now=clock()).matches == []
    agree(kb, clock, "x", consent_to=["au"])
    with kb.write() as conn:
        assert [d.entity_id for d in preview_request(conn, rid, now=clock()).matches] == [X_PERSON]


def test_approval_publishes_and_the_partner_sees_the_outcome(kb: Store, clock: Clock) -> None:
    rid = _submit(kb, clock, {"nationalities": ["FR", "SY"]})
    with kb.write() as conn:
        matches = {d.entity_id for d in preview_request(conn, rid, now=clock()).matches}
        assert matches == {YUSUF, YOUSSEF}
        req, pub = approve_request(
            conn, rid, approver="boss", reason="ok", now=clock(), only=[YUSUF]
        )
    assert req.state is RequestState.PARTIAL and pub is not None and req.release_seq == pub.seq
    with kb.read() as conn:
        objs = released_objects(conn, "au", release_seq=pub.seq)
        names = {o.get("name") for o in objs if o["type"] == "identity"}
        assert "Yusuf bin Khalil al-Qaryani" in names
        assert "Youssef Ben Khalil El Karyani" not in names
        mine = get_request(conn, rid, partner_id="au")
        assert mine.state is RequestState.PARTIAL and mine.decided_by == "boss"
        with pytest.raises(NotFound):
            get_request(conn, rid, partner_id="z")  # another partner's looks missing


def test_requests_are_decided_once_by_someone_else(kb: Store, clock: Clock) -> None:
    rid = _submit(kb, clock, {"statuses": ["killed"]})
    with kb.write() as conn, pytest.raises(InvalidInput, match="someone other"):
        approve_request(conn, rid, approver="desk", reason="", now=clock())
    with kb.write() as conn, pytest.raises(InvalidInput, match="reason"):
        deny_request(conn, rid, approver="boss", reason=" ", now=clock())
    with kb.write() as conn:
        req = deny_request(conn, rid, approver="boss", reason="not in the MoU", now=clock())
    assert req.state is RequestState.DENIED and req.decision_reason == "not in the MoU"
    with kb.write() as conn, pytest.raises(InvalidInput, match="already denied"):
        approve_request(conn, rid, approver="boss", reason="", now=clock())
    with kb.read() as conn:
        assert [r.id for r in list_requests(conn, state=RequestState.DENIED)] == [rid]


def test_approving_something_outside_the_preview_is_refused(kb: Store, clock: Clock) -> None:
    rid = _submit(kb, clock, {"nationalities": ["FR"]})
    with kb.write() as conn, pytest.raises(InvalidInput, match="not among"):
        approve_request(conn, rid, approver="boss", reason="", now=clock(), only=[X_PERSON])


@pytest.mark.parametrize(
    "query",
    [{}, {"nationalities": ["Atlantis"]}, {"religion": ["x"]}, {"entities": "x"}],
)
def test_malformed_requests_are_rejected(kb: Store, clock: Clock, query: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        _submit(kb, clock, query)
    with kb.read() as conn:
        assert list_requests(conn) == []


def test_statistics_count_only_what_the_partner_may_see(kb: Store, clock: Clock) -> None:
    agree(kb, clock, "au", categories=["statistics"], granularity="statistics-only")
    with kb.read() as conn:
        table = partner_statistics(conn, "au", now=clock(), k=1)
    (group,) = table.groups
    assert "AU" not in group.nationalities  # partner X's AU person: no consent
    assert group.value("FR", Status.DETAINED) == 1
    agree(kb, clock, "x", consent_to=["au"])
    with kb.read() as conn:
        table = partner_statistics(conn, "au", now=clock(), k=1)
    assert table.groups[0].value("AU", Status.KILLED) == 1
    with kb.read() as conn:
        suppressed = partner_statistics(conn, "au", now=clock(), k=5)
    values = [suppressed.groups[0].value(n, s) for n in ("AU", "FR") for s in STATUSES]
    assert all(v in (None, 0) for v in values)


def test_no_statistics_without_the_category(kb: Store, clock: Clock) -> None:
    agree(kb, clock, "z", categories=["persons"])
    with kb.read() as conn, pytest.raises(InvalidInput, match="statistics not covered"):
        partner_statistics(conn, "z", now=clock())


def test_a_partial_release_is_closed_and_leaves_the_rest_alone(kb: Store, clock: Clock) -> None:
    from backchannel.store.releases import publish

    rid = _submit(kb, clock, {"entities": [YUSUF]})
    with kb.write() as conn:
        _req, pub = approve_request(conn, rid, approver="boss", reason="", now=clock())
        assert pub is not None
        objs = released_objects(conn, "au")
    ids = {o["id"] for o in objs}
    types = {o["type"] for o in objs}
    assert {"identity", "relationship", "threat-actor"} <= types  # the group came along
    for o in objs:
        refs = {o[k] for k in ("source_ref", "target_ref", "created_by_ref") if k in o}
        assert refs | set(o.get("object_marking_refs", ())) <= ids
    with kb.write() as conn:
        full = publish(conn, "au", author="boss", purpose="all", now=clock())
        again = publish(conn, "au", author="boss", purpose="one", now=clock(), entity_ids=[YUSUF])
    assert full.revocations == 0 and again.objects == 0 and again.revocations == 0


def test_a_published_statistics_note_is_a_valid_closed_bundle(kb: Store, clock: Clock) -> None:
    import json

    from stix2validator import ValidationOptions, validate_string

    from backchannel.store.statistics import publish_statistics

    agree(kb, clock, "au", categories=["statistics"], granularity="statistics-only")
    with kb.write() as conn:
        table = partner_statistics(conn, "au", now=clock(), k=1)
        pub = publish_statistics(conn, "au", table, author="boss", purpose="annual", now=clock())
        objs = released_objects(conn, "au", release_seq=pub.seq)
    ids = {o["id"] for o in objs}
    (note,) = [o for o in objs if o["type"] == "note"]
    assert set(note["extensions"]) <= ids and set(note["object_marking_refs"]) <= ids
    bundle = {"type": "bundle", "id": "bundle--2b8c8c1e-8f0e-4f7b-9a7e-0c2d1e3f4a5b"}
    result = validate_string(json.dumps(bundle | {"objects": objs}), ValidationOptions())
    assert result.is_valid, [str(e) for e in result.errors]
