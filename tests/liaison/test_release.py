"""Releases from the store: what leaves, versions, revocation, ids, relays, audit, atomicity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from stix2validator import ValidationOptions, validate_string

from backchannel.audit import log as audit_log
from backchannel.errors import InvalidInput, NotFound
from backchannel.store.engine import Store
from backchannel.store.releases import (
    plan_release,
    publish,
    released_objects,
    supporting_objects,
)
from backchannel.store.reviews import record_review
from backchannel.store.schema import release, release_object
from tests.conftest import Clock
from tests.liaison.helpers import GROUP, WITNESS, X_PERSON, YUSUF, agree, world

REF_KEYS = ("created_by_ref", "source_ref", "target_ref", "sighting_of_ref")


def _objects(store: Store, partner: str) -> list[dict[str, Any]]:
    with store.read() as conn:
        return released_objects(conn, partner)


def _latest(objs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for o in objs:
        key = o.get("modified") or o["created"]
        if o["id"] not in out or key > (out[o["id"]].get("modified") or ""):
            out[o["id"]] = o
    return out


def _publish(store: Store, clock: Clock, partner: str, **kw: Any) -> Any:
    with store.write() as conn:
        return publish(conn, partner, author="alice", purpose="case 1", now=clock(), **kw)


def _refs(obj: dict[str, Any]) -> set[str]:
    refs = {obj[k] for k in REF_KEYS if k in obj}
    refs |= set(obj.get("object_refs", ())) | set(obj.get("object_marking_refs", ()))
    return refs


def _names_in(objs: list[dict[str, Any]]) -> str:
    return json.dumps(objs, ensure_ascii=False)


@pytest.fixture
def kb(store: Store, clock: Clock, tmp_path: Path) -> Store:
    world(store, clock, tmp_path)
    return store


def test_release_contains_only_what_the_policy_allows(kb: Store, clock: Clock) -> None:
    agree(kb, clock, "au")
    _publish(kb, clock, "au")
    objs = _objects(kb, "au")
    text = _names_in(objs)
    assert "Yusuf bin Khalil al-Qaryani" in text
    assert "Hamid Zubayri" not in text  # partner X's person: no consent
    assert "Mariam Haddad" not in text  # a witness
    assert "Service A" not in text  # sources are never named
    # Every reference resolves inside what the partner holds (AC-8).
    ids = {o["id"] for o in objs}
    for o in objs:
        assert _refs(o) <= ids, o["id"]
    # No internal id leaks: released objects carry partner-specific ids.
    assert not {YUSUF, GROUP, WITNESS, X_PERSON} & ids
    bundle = {"type": "bundle", "id": "bundle--7f1c1f2e-3d6a-4a0e-9f62-1a4b2c3d4e5f"}
    results = validate_string(
        json.dumps(bundle | {"objects": objs}), ValidationOptions(strict=False)
    )
    assert results.is_valid, [str(e) for e in results.errors]


def test_third_party_facts_need_consent_per_statement(kb: Store, clock: Clock) -> None:
    agree(kb, clock, "au")
    agree(kb, clock, "x", consent_to=["au"])
    _publish(kb, clock, "au")
    text = _names_in(_objects(kb, "au"))
    assert "Hamid Zubayri" in text
    # Partner X gets its own facts back without anyone's consent.
    agree(kb, clock, "z")
    _publish(kb, clock, "z")
    assert "Hamid Zubayri" not in _names_in(_objects(kb, "z"))


def test_publishing_again_writes_nothing_new(kb: Store, clock: Clock) -> None:
    agree(kb, clock, "au")
    first = _publish(kb, clock, "au")
    clock.tick(60)
    second = _publish(kb, clock, "au")
    assert first.objects > 0 and second.objects == 0 and second.revocations == 0
    assert second.seq == 0 and second.audit_seqs == ()  # no release, nothing logged
    with kb.read() as conn:
        assert conn.execute(select(func.count()).select_from(release)).scalar() == 1


def test_changed_content_is_a_new_version_of_the_same_object(kb: Store, clock: Clock) -> None:
    agree(kb, clock, "au")
    _publish(kb, clock, "au")
    before = _latest(_objects(kb, "au"))
    clock.tick(60)
    agree(kb, clock, "au", categories=["persons", "groups", "statistics"])  # no status
    pub = _publish(kb, clock, "au")
    assert pub.objects > 0
    after = _latest(_objects(kb, "au"))
    changed = [i for i in before if before[i] != after[i]]
    assert changed and set(after) == set(before)
    for i in changed:
        assert after[i]["modified"] > before[i]["modified"]
        assert after[i]["created"] == before[i]["created"]
        assert "status_assertions" not in json.dumps(after[i])


def test_suspension_revokes_and_reactivation_uses_new_ids(kb: Store, clock: Clock) -> None:
    agree(kb, clock, "au")
    _publish(kb, clock, "au")
    shared = {o["id"] for o in supporting_objects()}
    live = {i for i, o in _latest(_objects(kb, "au")).items() if o["type"] == "identity"} - shared
    clock.tick(60)
    agree(kb, clock, "au", status="suspended")
    pub = _publish(kb, clock, "au")
    assert pub.revocations > 0
    latest = _latest(_objects(kb, "au"))
    markings = {i for i, o in latest.items() if o["type"] == "marking-definition"}
    assert all(o.get("revoked") for i, o in latest.items() if i not in shared | markings)
    clock.tick(60)
    agree(kb, clock, "au", status="active")
    _publish(kb, clock, "au")
    again = _latest(_objects(kb, "au"))
    revived = {
        i for i, o in again.items() if o["type"] == "identity" and not o.get("revoked")
    } - shared
    assert revived and not revived & live  # STIX forbids un-revoking: new ids


def test_ids_are_stable_per_partner_and_differ_between_partners(kb: Store, clock: Clock) -> None:
    agree(kb, clock, "au")
    agree(kb, clock, "z")
    _publish(kb, clock, "au")
    _publish(kb, clock, "z")
    au = {o["id"] for o in _objects(kb, "au")} - {o["id"] for o in supporting_objects()}
    z = {o["id"] for o in _objects(kb, "z")} - {o["id"] for o in supporting_objects()}
    assert au and z and not au & z
    with kb.read() as conn:
        again = plan_release(conn, "au", now=clock())
    markings = {i for i in au if i.startswith("marking-definition--")}
    assert len(markings) == 1  # the partner's handling conditions
    assert again.new == [] and set(again.unchanged) == au - markings


def test_relationship_with_an_unreleased_end_is_dropped(kb: Store, clock: Clock) -> None:
    agree(kb, clock, "au", categories=["persons", "status"])  # groups not covered
    _publish(kb, clock, "au")
    objs = _objects(kb, "au")
    assert not [o for o in objs if o["type"] in ("relationship", "threat-actor")]


def test_relay_checks_the_intermediary_and_logs_both_legs(kb: Store, clock: Clock) -> None:
    agree(kb, clock, "z")  # z may not pass anything on yet
    agree(kb, clock, "au", via="z")
    with kb.read() as conn:
        before = conn.execute(select(func.count()).select_from(release_object)).scalar()
    with pytest.raises(InvalidInput, match="does not allow onward sharing to au"):
        _publish(kb, clock, "au")
    with kb.read() as conn:
        assert conn.execute(select(func.count()).select_from(release_object)).scalar() == before
    agree(kb, clock, "z", onward_to=["au"])
    pub = _publish(kb, clock, "au")
    assert pub.via == "z" and len(pub.audit_seqs) == 2
    with kb.read() as conn:
        legs = [e for e in audit_log.entries(conn) if e.seq in pub.audit_seqs]
    assert [e.recipient for e in legs] == ["z", "au"]
    assert all(e.action is audit_log.Action.DISCLOSURE for e in legs)


def test_disclosure_is_audited_in_the_same_transaction(
    kb: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    agree(kb, clock, "au")

    def broken(*_a: Any, **_k: Any) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr("backchannel.store.releases.append", broken)
    with pytest.raises(RuntimeError):
        _publish(kb, clock, "au")
    with kb.read() as conn:
        assert conn.execute(select(func.count()).select_from(release)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(release_object)).scalar() == 0


def test_overdue_review_withholds_until_reviewed(kb: Store, clock: Clock) -> None:
    agree(kb, clock, "au")
    clock.tick(6 * 366 * 86400)  # six years on: every review is overdue
    agree(kb, clock, "au")
    with kb.read() as conn:
        plan = plan_release(conn, "au", now=clock())
    persons = [d for d in plan.decisions if d.kind.value == "person"]
    assert persons and all(
        "review-overdue" in {r.code for r in d.decision.reasons} for d in persons
    )
    with kb.write() as conn:
        record_review(conn, YUSUF, reviewer="bob", reason="still active", now=clock())
        plan = plan_release(conn, "au", now=clock())
    released = {d.entity_id for d in plan.decisions if d.decision.released}
    assert YUSUF in released


def test_unknown_partner_and_missing_purpose_are_clear_errors(kb: Store, clock: Clock) -> None:
    agree(kb, clock, "au")
    with kb.write() as conn, pytest.raises(InvalidInput, match="purpose"):
        publish(conn, "au", author="alice", purpose=" ", now=clock())
    with kb.write() as conn, pytest.raises(NotFound):
        publish(conn, "nobody", author="alice", purpose="x", now=clock())


TERMS = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["active", "suspended", "none"]),
        "tlp_ceiling": st.sampled_from(["clear", "green", "amber", "amber+strict"]),
        "categories": st.lists(
            st.sampled_from(["persons", "groups", "status", "locations", "reports"]),
            min_size=1,
            unique=True,
        ).map(lambda c: sorted(set(c) | ({"persons"} if "status" in c else set()))),
        "scope": st.fixed_dictionaries(
            {"nationalities": st.lists(st.sampled_from(["AU", "FR", "SY"]), unique=True)}
        ),
    }
)


@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(au=TERMS, consent=st.booleans())
def test_any_agreement_releases_a_closed_valid_subset(
    kb: Store, clock: Clock, au: dict[str, Any], consent: bool
) -> None:
    """AC-8: whatever the terms, every released statement is allowed, every reference
    resolves, markings travel, and our own validator accepts every object."""
    agree(kb, clock, "x", consent_to=["au"] if consent else [])
    agree(kb, clock, "au", **au)
    ceiling = ["clear", "green", "amber", "amber+strict"].index(au["tlp_ceiling"])
    with kb.read() as conn:
        plan = plan_release(conn, "au", now=clock())
    objs = plan.new
    if au["status"] != "active":
        assert objs == []
        return
    ids = {o["id"] for o in objs} | {o["id"] for o in supporting_objects()}
    for o in objs:
        assert _refs(o) <= ids
        if o["type"] == "marking-definition":
            assert "Retain" in o["definition"]["statement"]  # handling travels with the data
            continue
        assert len(o["object_marking_refs"]) == 2  # TLP and the handling conditions
        grading = next(
            v
            for k, v in o["extensions"].items()
            if k.endswith("8c0f3b52-6d0e-4b43-9a51-2f6f63c1d7aa")
        )
        for s in grading["statements"]:
            assert ["clear", "green", "amber", "amber+strict"].index(s["tlp"]) <= ceiling
    text = _names_in(objs)
    assert ("Hamid Zubayri" in text) <= consent
    assert "Mariam Haddad" not in text


def test_partner_verifies_a_release_offline_with_its_receipt(
    kb: Store, clock: Clock, tmp_path: Path
) -> None:
    from backchannel.audit.key import load_or_create_key, parse_verifier_key
    from backchannel.liaison.receipt import verify_release
    from backchannel.store.releases import receipt_for_release

    agree(kb, clock, "au")
    pub = _publish(kb, clock, "au")
    key = load_or_create_key(tmp_path / "audit.key", "test.invalid/audit")
    with kb.write() as conn:
        doc = receipt_for_release(conn, "au", pub.seq, key, now=clock())
        objs = released_objects(conn, "au", release_seq=pub.seq)
    # Only the public key, the receipt and the bundle: what the partner holds.
    public = parse_verifier_key(key.verifier.encode())
    assert verify_release(json.loads(json.dumps(doc)), objs, public, partner_id="au") == []
    assert verify_release(doc, objs, public, partner_id="z") == ["disclosed to 'au', not 'z'"]
    tampered = [dict(o) for o in objs]
    tampered[-1]["name"] = "someone else"
    assert any("manifest" in p for p in verify_release(doc, tampered, public))
    assert any("manifest" in p for p in verify_release(doc, objs[:-1], public))
    other = load_or_create_key(tmp_path / "other.key", "test.invalid/audit")
    assert verify_release(doc, objs, other.verifier)
    with kb.write() as conn, pytest.raises(NotFound):
        receipt_for_release(conn, "z", pub.seq, key, now=clock())


def test_date_added_never_goes_backwards(kb: Store, clock: Clock) -> None:
    """A publish whose clock reads earlier than the partner's newest object (a clock step
    back, or a concurrent publish that committed first) still adds after it, so a TAXII
    reader's added_after never skips it."""
    agree(kb, clock, "au")
    _publish(kb, clock, "au")
    with kb.read() as conn:
        first = conn.execute(select(func.max(release_object.c.added_at))).scalar()
    agree(kb, clock, "au", categories=["persons", "groups"])  # content changes
    clock.tick(-3600)
    second = _publish(kb, clock, "au")
    assert second.objects > 0
    with kb.read() as conn:
        added = conn.execute(
            select(release_object.c.added_at).where(release_object.c.release_seq == second.seq)
        ).scalars()
        assert all(a > first for a in added)


def test_writes_to_one_partner_are_serialised(kb: Store) -> None:
    """Two transactions writing to one partner's collections run one after the other (the
    second waits for the first to commit), on both backends."""
    import threading
    import time

    from backchannel.store.partners import lock_partner

    holding = threading.Event()
    waited: list[float] = []

    def first() -> None:
        with kb.write() as conn:
            lock_partner(conn, "au")
            holding.set()
            time.sleep(0.4)

    def second() -> None:
        holding.wait()
        start = time.monotonic()
        with kb.write() as conn:
            lock_partner(conn, "au")
            waited.append(time.monotonic() - start)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert waited and waited[0] >= 0.3
