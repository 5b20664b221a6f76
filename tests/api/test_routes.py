"""Route-by-route behaviour of the REST API, on every backend, over a small fictional world."""

from __future__ import annotations

import json
from typing import Any

from backchannel.api.routes.releases import signing_key
from backchannel.audit.receipt import verify_receipt
from tests.api.fixtures import (
    GROUP,
    MISSING_ENTITY,
    YOUSSEF,
    YUSUF,
    World,
    world,
)

__all__ = ["world"]
V1 = "/api/v1"
P = {"X-Purpose": "case 42"}


def _last_entry(w: World) -> dict[str, Any]:
    entries: list[dict[str, Any]] = w.get(f"{V1}/audit/entries?start=0&limit=10000", "audi").json()
    return entries[-1]


def test_person_reads_need_a_purpose_and_are_logged(world: World) -> None:
    w = world
    reads = [
        ("GET", f"{V1}/entities/{YUSUF}"),
        ("GET", f"{V1}/search?q=Yusuf"),
        ("POST", f"{V1}/screen"),
        ("GET", f"{V1}/proposals"),
        ("GET", f"{V1}/reviews/due"),
    ]
    served = 0
    for method, path in reads:
        kw: dict[str, Any] = {"json": {"name": "Yusuf al-Qaryani"}} if method == "POST" else {}
        r = w.api.client.request(method, path, headers=w.api.auth("ana"), **kw)
        assert r.status_code == 422, path
        assert r.json()["error"]["where"] == "purpose"
        served += r.status_code < 300
        before = len(w.get(f"{V1}/audit/entries?limit=10000", "audi").json())
        r = w.api.client.request(method, path, headers=w.api.auth("ana") | P, **kw)
        assert r.status_code == 200, (path, r.text)
        entry = _last_entry(w)
        assert entry["seq"] == before
        assert entry["action"] == "consultation"
        assert entry["actor"] == "user:ana" and entry["purpose"] == "case 42"
    assert "Yusuf" not in json.dumps(w.get(f"{V1}/audit/entries?limit=10000", "audi").json())
    print(f"\n{len(reads)} person-data reads without purpose, {served} served")


def test_entity_shows_every_statement_with_its_provenance(world: World) -> None:
    body = world.get(f"{V1}/entities/{YUSUF}", "ana", headers=P).json()
    assert body["id"] == YUSUF and body["kind"] == "person"
    assert body["assessment"]["status"] == "killed"
    s = body["statements"][0]
    for key in ("prop", "value", "source", "grade", "tlp", "state", "first_seen", "last_seen"):
        assert key in s
    assert [j["verdict"] for j in body["judgements"]] == ["unsure"]
    missing = world.get(f"{V1}/entities/{MISSING_ENTITY}", "ana", headers=P)
    assert missing.status_code == 404
    assert missing.json() == {"error": {"what": f"no entity {MISSING_ENTITY}"}}


def test_search_and_screen(world: World) -> None:
    hits = world.get(f"{V1}/search?q=Yusuf", "apro", headers=P).json()
    assert YUSUF in [h["id"] for h in hits]
    assert "query_hmac" in _last_entry(world)["details"]
    r = world.post(f"{V1}/screen", "ana", {"name": "Youssef Ben Khalil", "top": 3}, headers=P)
    found = r.json()["candidates"]
    assert found and found[0]["explanation"]
    assert {c["entity_id"] for c in found} <= {YUSUF, YOUSSEF}
    bad = world.post(f"{V1}/screen", "ana", {"name": "X", "birth_date": "nope"}, headers=P)
    assert bad.status_code == 422
    assert (
        world.post(f"{V1}/screen", "ana", {"name": "X", "extra": 1}, headers=P).status_code == 422
    )


def test_screening_reuses_its_index_until_the_knowledge_changes(
    world: World, tmp_path: Any
) -> None:
    """One index in memory, loaded again only after an import, a merge or an erasure: a new
    person is found at once, an erased one is gone at once."""
    from backchannel.ingest.stix_bundle import import_stix
    from backchannel.resolve.cluster import Verdict
    from backchannel.store.erasure import erase_person
    from backchannel.store.judgement import record_judgement
    from tests.api.conftest import NOW
    from tests.conftest import make_envelope

    cache = world.api.app.state.screening
    name = {"name": "Tariq Wardani", "top": 5}

    def screen() -> set[str]:
        r = world.post(f"{V1}/screen", "ana", name, headers=P)
        assert r.status_code == 200, r.text
        return {c["entity_id"] for c in r.json()["candidates"] if c["score"] >= 0.5}

    assert screen() == set()
    loads = cache.loads
    screen()
    assert cache.loads == loads  # nothing changed: the same index
    tariq = "identity--00000000-0000-4000-8000-0000000000e1"
    person = {
        "type": "identity",
        "spec_version": "2.1",
        "id": tariq,
        "created": "2024-05-01T00:00:00.000Z",
        "modified": "2024-05-01T00:00:00.000Z",
        "name": "Tariq Wardani",
        "identity_class": "individual",
    }
    path = tmp_path / "tariq.json"
    bundle = {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-0000000000e9"}
    path.write_text(json.dumps(bundle | {"objects": [person]}))
    import_stix(world.api.store, [str(path)], make_envelope("Service A"), clock=lambda: NOW)
    assert screen() == {tariq}
    assert cache.loads == loads + 1
    with world.api.store.write() as conn:  # a merge changes what the index holds too
        record_judgement(conn, YUSUF, tariq, Verdict.NOT_SAME, author="ana", reason="x", now=NOW)
    screen()
    assert cache.loads == loads + 2
    with world.api.store.write() as conn:
        erase_person(conn, tariq, actor="admin", reason="retention period over", now=NOW)
    assert screen() == set()


def test_judge_then_retract_restores_the_clusters(world: World) -> None:
    w = world
    r = w.post(
        f"{V1}/judgements",
        "ana",
        {"left": YUSUF, "right": YOUSSEF, "verdict": "same", "reason": "same birth date"},
    )
    assert r.status_code == 201, r.text
    seq = r.json()["judgement"]["seq"]
    assert sorted(r.json()["members"]) == sorted([YUSUF, YOUSSEF])
    merged = w.get(f"{V1}/entities/{YOUSSEF}", "ana", headers=P).json()
    assert sorted(merged["members"]) == sorted([YUSUF, YOUSSEF])
    assert w.post(f"{V1}/judgements/{seq}/retract", "apro", {"reason": "x"}).status_code == 403
    r = w.post(f"{V1}/judgements/{seq}/retract", "ana", {"reason": "different fathers"})
    assert r.status_code == 200 and r.json()["members"] == [r.json()["cluster"]]
    again = w.post(f"{V1}/judgements/{seq}/retract", "ana", {"reason": "twice"})
    assert again.status_code == 422
    bad = w.post(
        f"{V1}/judgements", "ana", {"left": YUSUF, "right": GROUP, "verdict": "same", "reason": "x"}
    )
    assert bad.status_code == 422


def test_partners_and_agreements_are_admin_business(world: World) -> None:
    w = world
    new = {"id": "p3", "name": "Partner Three", "contacts": ["desk@p3.invalid"]}
    assert w.post(f"{V1}/partners", "ana", new).status_code == 403
    assert w.post(f"{V1}/partners", "admin", new).status_code == 201
    assert w.post(f"{V1}/partners", "admin", new).status_code == 422  # exists
    assert w.get(f"{V1}/partners/p3/agreement", "ana").status_code == 404
    terms = {"terms": {"status": "active", "tlp_ceiling": "red"}, "reason": "try"}
    r = w.api.client.put(f"{V1}/partners/p3/agreement", json=terms, headers=w.api.auth("admin"))
    assert r.status_code == 422 and "tlp_ceiling" in r.text
    assert w.get(f"{V1}/partners/p3/agreement/history", "audi").json() == []
    ok = {"terms": {"status": "suspended"}, "reason": "not yet"}
    r = w.api.client.put(f"{V1}/partners/p3/agreement", json=ok, headers=w.api.auth("admin"))
    assert r.status_code == 200 and r.json()["version"] == 1
    assert r.json()["author"] == "admin"
    assert [p["id"] for p in w.get(f"{V1}/partners", "apro").json()] == ["p1", "p2", "p3"]
    mine = w.get(f"{V1}/partners/p1", "p1sys").json()
    assert set(mine) == {"id", "name", "contacts"}


def test_a_partner_gets_its_release_without_internal_ids_or_sources(world: World) -> None:
    w = world
    bundle = w.get(f"{V1}/partners/p1/releases", "p1sys")
    assert bundle.status_code == 200
    text = bundle.text
    assert bundle.json()["objects"]
    # DP-8: no internal entity ids, no source names, nothing of the other partner.
    assert "00000000-0000-4000-8000" not in text
    assert "Service A" not in text and "Partner Two" not in text
    # Two partners' copies of the same person cannot be linked by id.
    other = w.get(f"{V1}/partners/p2/releases", "p2sys").json()["objects"]

    def persons_and_groups(objects: list[dict[str, Any]]) -> set[str]:
        return {
            o["id"]
            for o in objects
            if o["type"] == "threat-actor" or o.get("identity_class") == "individual"
        }

    ours = persons_and_groups(bundle.json()["objects"])
    theirs = persons_and_groups(other)
    assert ours and theirs and not ours & theirs
    one = w.get(f"{V1}/partners/p1/releases/{w.releases['p1']}", "p1sys")
    assert one.status_code == 200
    entry = _last_entry(w)
    assert entry["action"] == "disclosure" and entry["recipient"] == "p1"
    # Staff reading a partner's bundle state a purpose.
    assert w.get(f"{V1}/partners/p1/releases", "apro").status_code == 422
    assert w.get(f"{V1}/partners/p1/releases", "apro", headers=P).status_code == 200


def test_preview_publish_and_receipt(world: World) -> None:
    w = world
    prev = w.post(f"{V1}/partners/p1/releases/preview", "apro", {}, headers=P)
    assert prev.status_code == 200
    assert {d["action"] for d in prev.json()["decisions"]} <= {"release", "redact", "withhold"}
    assert prev.json()["new_versions"] == 0  # already published by the fixture
    pub = w.post(f"{V1}/partners/p1/releases", "apro", {"purpose": "case 42"})
    assert pub.status_code == 201 and pub.json()["release"] == 0  # nothing new
    receipt = w.get(f"{V1}/partners/p1/releases/{w.releases['p1']}/receipt", "p1sys")
    assert receipt.status_code == 200
    key = signing_key(w.api.app.state.settings).verifier
    assert verify_receipt(receipt.json(), key) == []
    assert w.get(f"{V1}/partners/p1/releases/1/receipt", "audi").status_code == 200
    stats = w.get(f"{V1}/partners/p1/statistics?k=3", "ana")
    assert stats.status_code == 200 and stats.json()["threshold"] == 3


def test_request_lifecycle(world: World) -> None:
    w = world
    r = w.post(f"{V1}/requests", "p1sys", {"nationalities": ["SY"], "purpose": "case 7"})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert r.json()["state"] == "pending"
    assert w.get(f"{V1}/requests/{rid}", "apro").status_code == 422  # preview needs a purpose
    preview = w.get(f"{V1}/requests/{rid}", "apro", headers=P).json()
    assert preview["request"]["partner"] == "p1"
    decided = w.post(f"{V1}/requests/{rid}/deny", "apro", {"reason": "outside the MoU"})
    assert decided.status_code == 200 and decided.json()["state"] == "denied"
    assert w.post(f"{V1}/requests/{rid}/deny", "apro", {"reason": "again"}).status_code == 422
    seen = w.get(f"{V1}/requests/{rid}", "p1sys").json()
    assert seen["state"] == "denied" and seen["reason"] == "outside the MoU"
    assert "decided_by" not in seen and "created_by" not in seen
    other = w.requests["p1"]
    approved = w.post(f"{V1}/requests/{other}/approve", "apro", {"reason": "ok"})
    assert approved.status_code == 200 and approved.json()["state"] in ("approved", "partial")
    assert w.get(f"{V1}/requests?state=pending", "apro").json() == [
        x for x in w.get(f"{V1}/requests", "apro").json() if x["state"] == "pending"
    ]


def test_audit_routes(world: World) -> None:
    w = world
    assert w.get(f"{V1}/audit/verify", "audi").json()["verified"] is True
    entries = w.get(f"{V1}/audit/entries", "admin").json()
    assert entries and entries[0]["seq"] == 0
    about = w.get(f"{V1}/audit/entries?subject={YUSUF}", "audi").json()
    assert about and all(YUSUF in e["subjects"] for e in about)
    proof = w.get(f"{V1}/audit/proof/0", "audi").json()
    assert proof["index"] == 0 and proof["root"]
    size = len(w.get(f"{V1}/audit/entries?limit=10000", "audi").json())
    assert w.get(f"{V1}/audit/proof/{size}", "audi").status_code == 404
    c = w.get(f"{V1}/audit/consistency?first=1&second={size}", "audi")
    assert c.status_code == 200 and c.json()["second_root"] == proof["root"]
    assert w.get(f"{V1}/audit/consistency?first=3&second=2", "audi").status_code == 422
    assert w.get(f"{V1}/audit/verify", "ana").status_code == 403


def test_accounts_tokens_and_revocation(world: World) -> None:
    """AC-10: a revoked token or disabled account is refused on the very next request."""
    w = world
    body = {"username": "bea", "role": "analyst", "password": "a long enough secret"}
    assert w.post(f"{V1}/accounts", "ana", body).status_code == 403
    assert w.post(f"{V1}/accounts", "admin", body).status_code == 201
    bad = {"username": "px", "role": "partner", "partner": "p1", "password": "a long one 12"}
    assert w.post(f"{V1}/accounts", "admin", bad).status_code == 422
    issued = w.post(f"{V1}/accounts/bea/tokens", "admin", {"label": "laptop"}).json()
    bea = {"Authorization": f"Bearer {issued['token']}"}
    assert w.api.client.get(f"{V1}/session/me", headers=bea).json()["username"] == "bea"
    listed = w.get(f"{V1}/accounts/bea/tokens", "admin").json()
    assert issued["token"] not in json.dumps(listed)
    replays = succeeded = 0
    r = w.post(f"{V1}/tokens/{issued['token_id']}/revoke", "admin")
    assert r.status_code == 200
    for path in ("/session/me", f"/entities/{YUSUF}?purpose=x", "/search?q=Yusuf&purpose=x"):
        replays += 1
        succeeded += w.api.client.get(V1 + path, headers=bea).status_code < 300
    again = w.post(f"{V1}/accounts/bea/tokens", "admin", {}).json()
    bea = {"Authorization": f"Bearer {again['token']}"}
    assert w.post(f"{V1}/accounts/bea/disable", "admin", {}).json()["disabled"] is True
    replays += 1
    succeeded += w.api.client.get(f"{V1}/session/me", headers=bea).status_code < 300
    print(f"\n{replays} replays after revocation, {succeeded} succeeded")
    assert succeeded == 0


def test_a_suspended_agreement_releases_nothing_new(world: World) -> None:
    """AC-10 for agreements: after suspension the next publish revokes, and nothing new
    reaches the partner; statistics are refused."""
    w = world
    before = w.get(f"{V1}/partners/p1/releases", "p1sys").json()["objects"]
    change = {"terms": {"status": "suspended"}, "reason": "relations frozen"}
    r = w.api.client.put(f"{V1}/partners/p1/agreement", json=change, headers=w.api.auth("admin"))
    assert r.status_code == 200
    prev = w.post(f"{V1}/partners/p1/releases/preview", "apro", {}, headers=P).json()
    assert prev["new_versions"] == 0 or all(o.get("revoked") for o in prev["objects"])
    assert {d["action"] for d in prev["decisions"]} == {"withhold"}
    pub = w.post(f"{V1}/partners/p1/releases", "apro", {"purpose": "suspension"}).json()
    after = w.get(f"{V1}/partners/p1/releases", "p1sys").json()["objects"]
    fresh = after[len(before) :]
    assert pub["revocations"] == len(fresh) > 0
    assert all(o.get("revoked") is True for o in fresh)
    assert w.get(f"{V1}/partners/p1/statistics", "ana").status_code == 422


def test_every_data_response_is_no_store_without_internals(world: World) -> None:
    w = world
    responses = [
        w.get(f"{V1}/entities/{YUSUF}", "ana", headers=P),
        w.get(f"{V1}/partners", "admin"),
        w.get(f"{V1}/partners/p1/releases", "p1sys"),
        w.get(f"{V1}/requests", "p2sys"),
        w.get(f"{V1}/audit/entries", "audi"),
        w.get(f"{V1}/entities/{MISSING_ENTITY}", "ana", headers=P),
        w.post(f"{V1}/judgements", "ana", {"left": 1}),
        w.api.client.post(
            f"{V1}/screen?purpose=x",
            content=b"{not json",
            headers=w.api.auth("ana") | {"Content-Type": "application/json"},
        ),
    ]
    for r in responses:
        assert r.headers["Cache-Control"] == "no-store"
        assert "Traceback" not in r.text and 'File "' not in r.text
        if r.status_code >= 400:
            assert set(r.json()) == {"error"} and "what" in r.json()["error"]


def test_nul_and_lone_surrogates_are_refused_alike_on_every_backend(world: World) -> None:
    """Found by schemathesis: PostgreSQL text cannot hold NUL, which was a 500 there."""
    w = world
    body = {"id": "p9", "name": "Nine", "originators": ["a\u0000b"]}
    assert w.post(f"{V1}/partners", "admin", body).status_code == 422
    raw = b'{"id": "p9", "name": "\\ud800"}'
    r = w.api.client.post(
        f"{V1}/partners",
        content=raw,
        headers=w.api.auth("admin") | {"Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert w.get(f"{V1}/search?q=a%00b", "ana", headers=P).status_code == 422
    assert [p["id"] for p in w.get(f"{V1}/partners", "admin").json()] == ["p1", "p2"]
