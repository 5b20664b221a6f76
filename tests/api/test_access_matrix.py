"""The access matrix (AC-2, AC-3, AC-11, rule 7): every REST route × every caller.

The routes come from the application's route table, so a new route is in the matrix the day
it is added. Path parameters point at the OTHER partner's objects for partner callers; a
partner must get exactly what it would get for an object that does not exist.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute

from backchannel.api.auth import ROLES_ATTR
from backchannel.api.routes import ROUTERS
from backchannel.store.accounts import Role
from tests.api.fixtures import MISSING_ENTITY, OTHER, PARTNERS, YUSUF, World, world
from tests.api.test_app import api_routes

__all__ = ["world"]

CALLERS: tuple[str | None, ...] = (None, "admin", "ana", "apro", "audi", "p1sys", "p2sys")
ROLE_OF = {
    "admin": Role.ADMIN,
    "ana": Role.ANALYST,
    "apro": Role.APPROVER,
    "audi": Role.AUDITOR,
    "p1sys": Role.PARTNER,
    "p2sys": Role.PARTNER,
}
MISSING_SEQ = 999_999
PREFIX = "/api/v1"
# Path parameters that name (or sit under) a partner's object.
PARTNER_SCOPED = ("{partner_id}", "{request_id}")
IGNORED_HEADERS = {"date", "content-length"}


def declared_roles(route: APIRoute) -> frozenset[Role] | None:
    """The roles a route admits (None: public)."""
    deps = [*route.dependant.dependencies]
    while deps:
        d = deps.pop()
        roles = getattr(d.call, ROLES_ATTR, None)
        if roles is not None:
            return frozenset(roles) or None
        deps.extend(d.dependencies)
    return None


def rest_routes() -> list[tuple[str, str, APIRoute]]:
    """(method, mounted path, route) for every REST route: the routers create_app mounts."""
    out = []
    for router in ROUTERS:
        for route in api_routes(list(router.routes)):
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                out.append((method, PREFIX + route.path, route))
    return sorted(out, key=lambda t: (t[1], t[0]))


def fill(path: str, world: World, partner: str, *, missing: bool = False) -> str:
    """The path with its parameters pointing at ``partner``'s objects (or at none)."""
    seq = MISSING_SEQ
    if not missing:
        if "/releases/" in path:
            seq = world.releases[partner]
        elif "/judgements/" in path:
            seq = world.judgement
        else:
            seq = 0
    values = {
        "partner_id": "zz-missing" if missing else partner,
        "request_id": str(MISSING_SEQ if missing else world.requests[partner]),
        "seq": str(seq),
        "entity_id": MISSING_ENTITY if missing else YUSUF,
        "username": "ghost",
        "token_id": str(MISSING_SEQ),
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def call(world: World, method: str, path: str, who: str | None) -> Any:
    headers = world.api.auth(who) if who else {}
    headers["X-Purpose"] = "access matrix"
    if method in ("POST", "PUT", "PATCH"):
        return world.api.client.request(method, path, headers=headers, json={})
    return world.api.client.request(method, path, headers=headers)


def _normalised(r: Any, *ids: str) -> tuple[int, str, dict[str, str]]:
    text = r.text
    for i in ids:
        text = text.replace(i, "<id>")
    headers = {k: v for k, v in r.headers.items() if k.lower() not in IGNORED_HEADERS}
    return r.status_code, text, headers


def test_every_route_refuses_every_caller_it_does_not_admit(world: World) -> None:
    routes = rest_routes()
    assert len(routes) >= 30
    requests = unauthorised = compared = 0
    problems: list[str] = []
    for method, template, route in routes:
        roles = declared_roles(route)
        for who in CALLERS:
            own = PARTNERS.get(who or "")
            target = OTHER[own] if own else "p1"
            path = fill(template, world, target)
            r = call(world, method, path, who)
            requests += 1
            where = f"{method} {path} as {who}"
            if r.status_code >= 500:
                problems.append(f"{where}: {r.status_code}")
                continue
            if roles is None:
                continue
            if who is None:
                expected_refusal = r.status_code == 401 and "WWW-Authenticate" in r.headers
            elif ROLE_OF[who] not in roles:
                expected_refusal = r.status_code == 403
            elif own is not None and any(p in template for p in PARTNER_SCOPED):
                # Another partner's object must look exactly like a missing one.
                gone = call(world, method, fill(template, world, target, missing=True), who)
                compared += 1
                values = [
                    target,
                    "zz-missing",
                    str(world.requests[target]),
                    str(world.releases[target]),
                    str(MISSING_SEQ),
                ]
                expected_refusal = r.status_code == 404 and _normalised(r, *values) == _normalised(
                    gone, *values
                )
            else:
                continue  # admitted: behaviour is tested route by route
            if not expected_refusal:
                if 200 <= r.status_code < 300:
                    unauthorised += 1
                problems.append(f"{where}: {r.status_code} {r.text[:200]}")
    callers = len(CALLERS)
    print(
        f"\n{len(routes)} routes × {callers} callers = {requests} requests, "
        f"{compared} forbidden/missing pairs compared, "
        f"{unauthorised} unauthorised reads or writes"
    )
    assert problems == []
    assert unauthorised == 0


def test_partner_lists_hold_only_their_own(world: World) -> None:
    for who, own in PARTNERS.items():
        mine = world.get("/api/v1/requests", who).json()
        assert [r["id"] for r in mine] == [world.requests[own]]
        theirs = world.requests[OTHER[own]]
        # The other partner's request by id: 404, the same as a request that never existed.
        a = world.get(f"/api/v1/requests/{theirs}", who)
        b = world.get(f"/api/v1/requests/{MISSING_SEQ}", who)
        assert a.status_code == b.status_code == 404
        assert a.json()["error"]["what"].replace(str(theirs), "N") == b.json()["error"][
            "what"
        ].replace(str(MISSING_SEQ), "N")
        # Filters never widen: naming the other partner changes nothing.
        spoof = world.get(f"/api/v1/requests?partner={OTHER[own]}", who).json()
        assert spoof == mine


def test_a_partner_cannot_submit_for_another_partner(world: World) -> None:
    """AC-11: the partner comes from the token; a body naming one is refused."""
    attempts = accepted = 0
    for who, own in PARTNERS.items():
        other = OTHER[own]
        for body in (
            {"partner": other, "statuses": ["killed"], "purpose": "spoof"},
            {"partner_id": other, "statuses": ["killed"], "purpose": "spoof"},
            {"query": {"partner": other}, "statuses": ["killed"], "purpose": "spoof"},
        ):
            attempts += 1
            r = world.post("/api/v1/requests", who, body)
            if r.status_code < 300:
                accepted += 1
            assert r.status_code == 422
        r = world.post("/api/v1/requests", who, {"statuses": ["killed"], "purpose": "legit"})
        assert r.status_code == 201
    with world.api.store.read() as conn:
        from backchannel.store.requests import list_requests

        for own in PARTNERS.values():
            assert [r.purpose for r in list_requests(conn, partner_id=own)] == [
                f"case {own}",
                "legit",
            ]
    print(f"\n{attempts} spoof attempts, {accepted} accepted")
    assert accepted == 0
