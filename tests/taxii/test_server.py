"""Our TAXII 2.1 server through real clients: taxii2-client for every endpoint, filter and
paging path; httpx for status codes, headers and bodies."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from backchannel.audit.log import Action, entries
from backchannel.store.schema import record, taxii_inbound
from backchannel.taxii.collection import Kind
from backchannel.taxii.server import TAXII_MEDIA
from tests.taxii.conftest import World, group

STIX = "application/stix+json;version=2.1"


def server(world: World, who: str) -> Server:
    return Server(world.url, user=who, password=world.tokens[who])


def root(world: World, who: str) -> ApiRoot:
    found = server(world, who).default
    assert found is not None
    return found


def by_title(world: World, who: str) -> dict[str, Collection]:
    return {c.title: c for c in root(world, who).collections}


def test_discovery_api_root_and_collections_for_a_partner(world: World) -> None:
    srv = server(world, "p1sys")
    assert srv.title == "backchannel TAXII 2.1"
    assert [r.url for r in srv.api_roots] == [world.root]
    api = root(world, "p1sys")
    assert api.versions == [TAXII_MEDIA]
    assert api.max_content_length == 16 * 1024 * 1024
    colls = by_title(world, "p1sys")
    assert set(colls) == {"Releases to p1", "Inbound from p1"}
    rel, inbound = colls["Releases to p1"], colls["Inbound from p1"]
    assert (rel.can_read, rel.can_write) == (True, False)
    assert (inbound.can_read, inbound.can_write) == (True, True)
    assert rel.media_types == [STIX]


def test_release_collection_pages_filters_manifest_and_versions(world: World) -> None:
    coll = by_title(world, "p1sys")["Releases to p1"]
    everything = [o for env in as_pages(coll.get_objects, per_request=4) for o in env["objects"]]
    ours = {o["id"] for o in world.released["p1"]}
    got = [o["id"] for o in everything]
    assert ours <= set(got)
    assert len(got) == len(set(got))  # one version each: nothing repeated across pages
    manifest = [m for env in as_pages(coll.get_manifest, per_request=3) for m in env["objects"]]
    assert [m["id"] for m in manifest] == got  # same order: date_added, then id
    assert all(m["media_type"] == STIX for m in manifest)

    only = coll.get_objects(type="threat-actor")["objects"]
    assert {o["id"] for o in only} == ours
    one = world.released["p1"][0]
    assert coll.get_objects(id=one["id"])["objects"] == [one]
    assert coll.get_objects(id=one["id"], spec_version="2.0").get("objects", []) == []
    assert coll.get_object(one["id"])["objects"] == [one]
    assert coll.object_versions(one["id"])["versions"] == [one["modified"]]
    later = coll.get_objects(added_after=manifest[-1]["date_added"])
    assert later.get("objects", []) == []


def test_new_versions_first_last_all_and_timestamp(world: World) -> None:
    from tests.taxii.conftest import T0, release_to

    v1 = world.released["p2"][0]
    v2 = group(0, seed="p2", modified="2026-02-02T00:00:00.000Z") | {"description": "v2"}
    release_to(world.store, "p2", [v2], T0.replace(hour=10))
    coll = by_title(world, "p2sys")["Releases to p2"]
    assert coll.get_object(v1["id"])["objects"] == [v2]
    assert coll.get_object(v1["id"], version="first")["objects"] == [v1]
    assert coll.get_object(v1["id"], version="all")["objects"] == [v1, v2]
    assert coll.get_object(v1["id"], version=v1["modified"])["objects"] == [v1]
    assert coll.object_versions(v1["id"])["versions"] == [v1["modified"], v2["modified"]]
    ids = [o["id"] for o in world.released["p2"][:2]]
    assert len(coll.get_objects(id=ids, version="all")["objects"]) == 3
    # default last: an incremental reader after the first release sees only the new version
    firsts = coll.get_manifest()["objects"]
    newest = max(m["date_added"] for m in firsts)
    assert [m["id"] for m in coll.get_manifest(added_after=firsts[0]["date_added"])["objects"]] == [
        m["id"] for m in firsts if m["date_added"] > firsts[0]["date_added"]
    ]
    assert newest > firsts[0]["date_added"]


def test_inbound_post_status_idempotent_repost_and_withdraw(world: World) -> None:
    api = root(world, "p1sys")
    inbound = by_title(world, "p1sys")["Inbound from p1"]
    objs = [group(n, seed="in") for n in range(6)]
    status = inbound.add_objects({"objects": objs})
    assert (status.status, status.success_count, status.failure_count) == ("complete", 6, 0)
    assert api.get_status(status.id).status == "complete"
    back = [o for env in as_pages(inbound.get_objects, per_request=4) for o in env["objects"]]
    assert back == objs
    with world.store.read() as conn:
        before = (
            conn.execute(select(func.count()).select_from(taxii_inbound)).scalar(),
            conn.execute(select(func.count()).select_from(record)).scalar(),
        )
    for _ in range(3):  # IN-4: replays change nothing and succeed
        again = inbound.add_objects({"objects": objs})
        assert (again.success_count, again.failure_count) == (6, 0)
    with world.store.read() as conn:
        after = (
            conn.execute(select(func.count()).select_from(taxii_inbound)).scalar(),
            conn.execute(select(func.count()).select_from(record)).scalar(),
        )
    assert after == before
    changed = objs[0] | {"name": "changed without a new modified"}
    bad = {"type": "threat-actor", "id": "not-an-id"}
    mixed = inbound.add_objects({"objects": [changed, bad, group(9, seed="in")]})
    assert (mixed.success_count, mixed.failure_count) == (1, 2)
    assert all(f.get("message") for f in mixed.failures)
    inbound.delete_object(objs[0]["id"])
    with pytest.raises(Exception, match="404"):
        inbound.get_object(objs[0]["id"])
    with world.store.read() as conn:  # withdrawn from the collection, not from the archive
        kept = conn.execute(select(record.c.stix_id).where(record.c.stix_id == objs[0]["id"]))
        assert kept.first() is not None
    # the status belongs to its sender only
    other = httpx.get(f"{world.root}status/{status.id}/", headers=world.bearer("p2sys"))
    assert other.status_code == 404


def test_inbound_envelope_is_the_partners(world: World) -> None:
    from backchannel.store.schema import envelope

    inbound = by_title(world, "p2sys")["Inbound from p2"]
    inbound.add_objects({"objects": [group(1, seed="env")]})
    with world.store.read() as conn:
        row = conn.execute(select(envelope).where(envelope.c.source == "p2")).one()
    assert (row.originator, row.channel, row.tlp, row.reliability, row.credibility) == (
        "p2",
        "taxii",
        "amber",  # the ceiling is green; unmarked partner information is at least AMBER
        "F",
        "6",
    )


def test_release_objects_cannot_be_deleted_or_written(world: World) -> None:
    rel = world.objects_url(Kind.RELEASE, "p1")
    one = world.released["p1"][0]["id"]
    r = httpx.delete(f"{rel}{one}/", headers=world.bearer("p1sys"))
    assert r.status_code == 403
    r = httpx.post(
        rel,
        headers=world.bearer("p1sys") | {"Content-Type": TAXII_MEDIA},
        content=b'{"objects": []}',
    )
    assert r.status_code == 403


def test_relay_collection_holds_only_relayed_releases(world: World) -> None:
    colls = by_title(world, "hubsys")
    relay = colls["Relay to far via hub"]
    got = {o["id"] for o in relay.get_objects()["objects"]}
    assert {o["id"] for o in world.released["far"]} <= got
    far_own = by_title(world, "farsys")["Releases to far"]
    assert got == {o["id"] for o in far_own.get_objects()["objects"]}
    assert "Relay to far via hub" not in by_title(world, "p1sys")


def test_staff_read_everything_admin_nothing(world: World) -> None:
    titles = set(by_title(world, "ana"))
    assert {"Releases to p1", "Inbound from p1", "Releases to far"} <= titles
    assert not any(c.can_write for c in root(world, "ana").collections)
    assert root(world, "admin").collections == []


def test_media_types_and_errors(world: World) -> None:
    url = world.objects_url(Kind.RELEASE, "p1")
    h = world.bearer("p1sys")
    for accept, code in (
        ("application/taxii+json", 200),
        ("*/*", 200),
        (TAXII_MEDIA, 200),
        ("application/taxii+json;version=2.0", 406),
        ("application/xml", 406),
        ("application/json", 406),
    ):
        r = httpx.get(url, headers=h | {"Accept": accept})
        assert r.status_code == code, accept
        assert r.headers["content-type"] == TAXII_MEDIA
    inbound = world.objects_url(Kind.INBOUND, "p1")
    r = httpx.post(inbound, headers=h | {"Content-Type": "application/json"}, content=b"{}")
    assert r.status_code == 415
    r = httpx.post(inbound, headers=h | {"Content-Type": TAXII_MEDIA}, content=b"[1")
    assert (r.status_code, r.json()["title"]) == (400, "invalid envelope")
    big = b'{"objects": ["' + b"x" * (17 * 1024 * 1024) + b'"]}'
    r = httpx.post(inbound, headers=h | {"Content-Type": TAXII_MEDIA}, content=big)
    assert r.status_code == 413
    assert r.headers["content-type"] == TAXII_MEDIA
    for params in ({"limit": "0"}, {"limit": "x"}, {"added_after": "yesterday"}, {"next": "abc"}):
        r = httpx.get(url, headers=h, params=params)
        assert r.status_code == 400, params
        assert r.headers["content-type"] == TAXII_MEDIA
        assert set(r.json()) >= {"title", "http_status"}


def test_unauthenticated_and_basic_auth(world: World) -> None:
    r = httpx.get(world.url)
    assert r.status_code == 401
    assert "Basic" in r.headers["WWW-Authenticate"]
    assert r.headers["content-type"] == TAXII_MEDIA
    token = world.tokens["p1sys"]
    for user, code in (("p1sys", 200), ("p2sys", 401), ("", 401)):
        basic = base64.b64encode(f"{user}:{token}".encode()).decode()
        r = httpx.get(world.url, headers={"Authorization": f"Basic {basic}"})
        assert r.status_code == code, user


def test_reads_are_logged_as_consultations(world: World) -> None:
    coll = by_title(world, "p1sys")["Releases to p1"]
    with world.store.read() as conn:
        before = len(entries(conn, action=Action.CONSULTATION))
    env = coll.get_objects(limit=3)
    coll.get_objects(type="no-such-type")  # nothing returned: nothing logged
    with world.store.read() as conn:
        logged = entries(conn, action=Action.CONSULTATION)
    assert len(logged) == before + 1
    last = logged[-1]
    assert last.actor == "partner:p1"
    assert last.details["count"] == 3
    assert last.details["collection"] == coll.id
    assert set(last.subjects) == {o["id"] for o in env["objects"]}


def test_tampered_or_foreign_cursors_are_refused(world: World) -> None:
    url = world.objects_url(Kind.RELEASE, "p1")
    h = world.bearer("p1sys")
    first = httpx.get(url, headers=h, params={"limit": 2}).json()
    cursor = first["next"]
    _payload, _, mac = cursor.partition(".")
    forged = base64.urlsafe_b64encode(b'["0000","a","b"]').rstrip(b"=").decode() + "." + mac
    for bad, params in (
        (forged, {}),
        (cursor, {"match[type]": "identity"}),  # other filters
        (cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB"), {}),
    ):
        r = httpx.get(url, headers=h, params={"limit": 2, "next": bad} | params)
        assert r.status_code == 400
    other = world.objects_url(Kind.INBOUND, "p1")
    r = httpx.get(other, headers=h, params={"next": cursor})
    assert r.status_code == 400
    ok = httpx.get(url, headers=h, params={"limit": 2, "next": cursor})
    assert ok.status_code == 200


def test_unknown_status_object_and_root(world: World) -> None:
    h = world.bearer("p1sys")
    for url in (
        f"{world.root}status/{uuid.uuid4()}/",
        f"{world.objects_url(Kind.RELEASE, 'p1')}threat-actor--{uuid.uuid4()}/",
        f"{world.objects_url(Kind.RELEASE, 'p1')}threat-actor--{uuid.uuid4()}/versions/",
        f"{world.url}nope/",
        f"{world.root}collections/{uuid.uuid4()}/",
    ):
        r = httpx.get(url, headers=h)
        assert r.status_code == 404, url
        assert r.headers["content-type"] == TAXII_MEDIA


def _json(r: httpx.Response) -> Any:
    return r.json()
