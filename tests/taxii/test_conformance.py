"""AC-9 per-client conformance, AC-10 revocation, and the shared TAXII checker.

Every partner profile (a plain partner, an intermediary with a relay, a relayed recipient)
and staff role is checked against the collections it may see, computed from the store:
401 with a challenge without credentials, 404 — with the very body of a collection that does
not exist — for every collection it may not see, can_read/can_write only where granted, and
no filter, page or cursor returning anything outside the collection or the unfiltered result.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select

from backchannel.store.accounts import issue_token, list_tokens, revoke_token, set_disabled
from backchannel.store.partners import change_agreement
from backchannel.store.schema import release, release_object, taxii_inbound
from backchannel.taxii.collection import Kind, collection_id
from backchannel.taxii.server import TAXII_MEDIA
from tests.conftest import shared_or_skip
from tests.taxii.conftest import T0, World, group

# (kind, whose rows, via) of every collection in the world
ALL = [
    *((k, p, None) for p in ("p1", "p2", "hub", "far") for k in (Kind.RELEASE, Kind.INBOUND)),
    (Kind.RELAY, "far", "hub"),
]


def expected(who: str) -> dict[tuple[Kind, str, str | None], tuple[bool, bool]]:
    """Collections a profile may see → (can_read, can_write)."""
    if who in ("ana", "audi"):
        return {c: (True, False) for c in ALL if c[0] is not Kind.RELAY}
    if who == "admin":
        return {}
    me = who.removesuffix("sys")
    out = {(Kind.RELEASE, me, None): (True, False), (Kind.INBOUND, me, None): (True, True)}
    if me == "hub":
        out[(Kind.RELAY, "far", "hub")] = (True, False)
    return out


def rows_of(world: World, kind: Kind, partner: str, via: str | None) -> set[str]:
    with world.store.read() as conn:
        if kind is Kind.INBOUND:
            q = select(taxii_inbound.c.object_id).where(taxii_inbound.c.partner_id == partner)
        else:
            q = select(release_object.c.object_id).where(release_object.c.partner_id == partner)
            if kind is Kind.RELAY:
                q = q.where(
                    release_object.c.release_seq.in_(
                        select(release.c.seq).where(release.c.via == via)
                    )
                )
        return set(conn.execute(q).scalars())


@dataclass
class Tally:
    checks: int = 0
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> None:
        self.checks += 1
        if not ok:
            self.failures.append(what)


def pages(client: httpx.Client, url: str, params: dict[str, Any], limit: int) -> list[str]:
    ids: list[str] = []
    nxt = None
    while True:
        r = client.get(url, params=params | {"limit": limit} | ({"next": nxt} if nxt else {}))
        assert r.status_code == 200, (url, r.text)
        env = r.json()
        ids += [o["id"] for o in env.get("objects", [])]
        nxt = env.get("next")
        if not env.get("more"):
            return ids


def test_every_profile_sees_exactly_its_collections(world: World) -> None:
    # some inbound content, so that inbound collections are not trivially empty
    for p in ("p1", "hub"):
        with httpx.Client(headers=world.bearer(f"{p}sys")) as c:
            r = c.post(
                world.objects_url(Kind.INBOUND, p),
                headers={"Content-Type": TAXII_MEDIA},
                content=httpx.Request("POST", "/", json={"objects": [group(1, seed=p)]}).content,
            )
            assert r.status_code == 202
    profiles = ["p1sys", "p2sys", "hubsys", "farsys", "ana", "audi", "admin"]
    tally = Tally()
    missing = httpx.get(
        f"{world.root}collections/{uuid.uuid4()}/objects/", headers=world.bearer("p1sys")
    )
    for who in profiles:
        want = expected(who)
        client = httpx.Client(headers=world.bearer(who))
        # unauthenticated
        for url in (world.url, f"{world.root}collections/"):
            r = httpx.get(url)
            tally.check(
                r.status_code == 401 and "WWW-Authenticate" in r.headers, f"{who}: 401 {url}"
            )
        listed = client.get(f"{world.root}collections/").json().get("collections", [])
        ids = {c["id"]: (c["can_read"], c["can_write"]) for c in listed}
        tally.check(
            ids == {collection_id(k, p, v): rw for (k, p, v), rw in want.items()},
            f"{who}: collections {ids}",
        )
        for key in ALL:
            kind, partner, via = key
            cid = collection_id(kind, partner, via)
            base = f"{world.root}collections/{cid}/"
            known = sorted(rows_of(world, kind, partner, via))
            if key not in want:
                for method, url in (
                    ("GET", base),
                    ("GET", base + "objects/"),
                    ("GET", base + "manifest/"),
                    *(("GET", f"{base}objects/{o}/") for o in known[:1]),
                    *(("GET", f"{base}objects/{o}/versions/") for o in known[:1]),
                    *(("DELETE", f"{base}objects/{o}/") for o in known[:1]),
                ):
                    r = client.request(method, url)
                    tally.check(
                        r.status_code == 404 and r.content == missing.content,
                        f"{who}: {method} {url} → {r.status_code}",
                    )
                r = client.post(
                    base + "objects/",
                    headers={"Content-Type": TAXII_MEDIA},
                    content=b'{"objects": []}',
                )
                tally.check(r.status_code == 404, f"{who}: POST to {kind} {partner}")
                continue
            everything = pages(client, base + "objects/", {"match[version]": "all"}, 3)
            tally.check(set(everything) <= set(known), f"{who}: {kind} {partner} widened")
            tally.check(
                len(everything) == len(set(everything)) or kind is not Kind.INBOUND,
                f"{who}: duplicates",
            )
            for params in (
                {"match[type]": "threat-actor"},
                {"match[type]": "marking-definition,identity"},
                {"added_after": "2026-03-01T09:00:30Z"},
                {"match[id]": ",".join([*known[:2], f"threat-actor--{uuid.uuid4()}"])},
                {"match[version]": "first"},
                {"match[spec_version]": "2.0"},
            ):
                got = pages(client, base + "objects/", params, 2)
                tally.check(set(got) <= set(everything), f"{who}: {params} widened")
                man = pages(client, base + "manifest/", params, 2)
                tally.check(set(man) <= set(everything), f"{who}: manifest {params} widened")
            # someone else's object asked for by id, in one's own collection: nothing
            others = set().union(*(rows_of(world, *k) for k in ALL if k not in want)) - set(known)
            for oid in sorted(others)[:3]:
                got = pages(client, base + "objects/", {"match[id]": oid}, 5)
                tally.check(got == [], f"{who}: foreign id {oid} via match[id]")
                r = client.get(f"{base}objects/{oid}/")
                tally.check(r.status_code == 404, f"{who}: foreign object {oid}")
            r = client.post(
                base + "objects/", headers={"Content-Type": TAXII_MEDIA}, content=b'{"objects":[]}'
            )
            tally.check(r.status_code == (202 if want[key][1] else 403), f"{who}: POST {kind}")
        client.close()
    print(
        f"{tally.checks} TAXII checks × {len(profiles)} partner profiles, "
        f"{len(tally.failures)} failures"
    )
    assert tally.failures == []


def test_revocation_applies_to_the_very_next_request(world: World) -> None:
    """AC-10: replay the last successful requests (same token, same next) after revoking."""
    url = world.objects_url(Kind.RELEASE, "p1")
    h = world.bearer("p1sys")
    first = httpx.get(url, headers=h, params={"limit": 2}).json()
    one = world.released["p1"][0]["id"]
    requests = [
        (world.url, {}),
        (f"{world.root}collections/", {}),
        (url, {"limit": 2}),
        (url, {"limit": 2, "next": first["next"]}),
        (f"{url}{one}/", {}),
        (url.replace("/objects/", "/manifest/"), {}),
    ]
    assert all(httpx.get(u, headers=h, params=p).status_code == 200 for u, p in requests)

    def leaked(headers: dict[str, str]) -> list[str]:
        out = []
        for u, p in requests:
            r = httpx.get(u, headers=headers, params=p)
            body = r.json() if r.content else {}
            if r.status_code == 200 and (body.get("objects") or body.get("collections")):
                out.append(u)
        return out

    replays = 0
    # 1. the token is revoked
    with world.store.write() as conn:
        (tok,) = list_tokens(conn, "p1sys")
        revoke_token(conn, tok["id"], now=T0)
    assert all(httpx.get(u, headers=h, params=p).status_code == 401 for u, p in requests)
    replays += len(requests)
    # 2. a fresh token, then the agreement is suspended: nothing from the very next request
    with world.store.write() as conn:
        h = {"Authorization": f"Bearer {issue_token(conn, 'p1sys', now=T0).token}"}
    assert leaked(h) == [u for u, _ in requests[1:]]
    with world.store.write() as conn:
        change_agreement(conn, "p1", {"status": "suspended"}, author="admin", reason="x", now=T0)
    assert leaked(h) == []
    assert httpx.get(url, headers=h, params={"limit": 2, "next": first["next"]}).status_code == 404
    replays += len(requests)
    # 3. the relay stops when the intermediary's agreement is suspended
    hub = world.bearer("hubsys")
    relay = world.objects_url(Kind.RELAY, "far", "hub")
    assert httpx.get(relay, headers=hub).status_code == 200
    with world.store.write() as conn:
        change_agreement(conn, "hub", {"status": "suspended"}, author="admin", reason="x", now=T0)
    assert httpx.get(relay, headers=hub).status_code == 404
    # 4. the account is disabled
    far = world.bearer("farsys")
    with world.store.write() as conn:
        set_disabled(conn, "farsys", True)
    assert httpx.get(world.objects_url(Kind.RELEASE, "far"), headers=far).status_code == 401
    replays += 2
    print(f"{replays} replays after revocation, 0 succeeded; max revocation latency 0 requests")


def test_shared_taxii_checker_passes_every_check(world: World, tmp_path: Any) -> None:
    tool = shared_or_skip("tools", "taxii_bench.py")
    out = subprocess.run(
        [
            sys.executable,
            str(tool),
            "--url",
            world.url,
            "--user",
            "p1sys",
            "--password",
            world.tokens["p1sys"],
            "--collection",
            collection_id(Kind.INBOUND, "p1"),
            "--objects",
            "300",
            "--samples",
            "30",
            "--timeout",
            "60",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(out.stdout[-3000:])
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert " 0 failed" in out.stdout
