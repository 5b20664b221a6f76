"""The service's skeleton: every route declares who may call it; tokens; logins; hardening."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.routing import APIRoute

from backchannel.api.app import MAX_DEPTH, SECURITY_HEADERS, json_depth
from backchannel.api.auth import ROLES_ATTR
from backchannel.store.accounts import list_tokens, revoke_token, set_disabled
from tests.api.conftest import NOW, PASSWORD, Api


def _declared(route: APIRoute) -> bool:
    deps = [*route.dependant.dependencies]
    while deps:
        d = deps.pop()
        if d.call is not None and hasattr(d.call, ROLES_ATTR):
            return True
        deps.extend(d.dependencies)
    return False


def api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, looking inside included routers (FastAPI nests them)."""
    out: list[APIRoute] = []
    for r in routes:
        if isinstance(r, APIRoute):
            out.append(r)
        inner = getattr(getattr(r, "original_router", None), "routes", None)
        if inner is not None:
            out += api_routes(list(inner))
    return out


def test_every_route_declares_who_may_call_it(api: Api) -> None:
    routes = api_routes(list(api.app.routes))
    assert routes
    missing = [f"{sorted(r.methods)} {r.path}" for r in routes if not _declared(r)]
    assert missing == []


def test_missing_or_unknown_token_is_401_with_a_challenge(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer bc_nope"}, {"Authorization": "Basic x"}):
        r = api.client.get("/api/v1/session/me", headers=headers)
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert r.json() == {
            "error": {
                "what": "authentication required",
                "why": "send Authorization: Bearer <token>",
            }
        }


def test_revocation_and_disabling_apply_to_the_very_next_request(api: Api) -> None:
    assert api.client.get("/api/v1/session/me", headers=api.auth("ana")).status_code == 200
    with api.store.write() as conn:
        (tok,) = list_tokens(conn, "ana")
        revoke_token(conn, tok["id"], now=NOW)
    assert api.client.get("/api/v1/session/me", headers=api.auth("ana")).status_code == 401
    assert api.client.get("/api/v1/session/me", headers=api.auth("apro")).status_code == 200
    with api.store.write() as conn:
        set_disabled(conn, "apro", True)
    assert api.client.get("/api/v1/session/me", headers=api.auth("apro")).status_code == 401


def test_unknown_user_and_wrong_password_answer_identically(api: Api) -> None:
    wrong = api.client.post(
        "/api/v1/session/token", json={"username": "ana", "password": "not it at all"}
    )
    unknown = api.client.post(
        "/api/v1/session/token", json={"username": "nobody", "password": "not it at all"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert dict(wrong.headers) == dict(unknown.headers) | {
        "content-length": wrong.headers["content-length"]
    }
    ok = api.client.post("/api/v1/session/token", json={"username": "ana", "password": PASSWORD})
    assert ok.status_code == 200
    token = ok.json()["token"]
    me = api.client.get("/api/v1/session/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "ana"
    partner = api.client.post(
        "/api/v1/session/token", json={"username": "p1sys", "password": PASSWORD}
    )
    assert partner.status_code == 401  # partner systems have tokens, never passwords


def test_every_response_is_hardened(api: Api) -> None:
    for r in (
        api.client.get("/api/v1/session/me", headers=api.auth("ana")),
        api.client.get("/api/v1/session/me"),
        api.client.get("/api/v1/nowhere"),
    ):
        for key, value in SECURITY_HEADERS.items():
            assert r.headers[key] == value
        assert not any(h.lower().startswith("access-control") for h in r.headers)


def test_deep_or_huge_bodies_are_refused_before_parsing(api: Api) -> None:
    deep = b'{"username": ' + b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b"}"
    assert json_depth(deep) == MAX_DEPTH + 2
    assert json_depth(b'{"a": "[[[[[[\\"[[["}') == 1
    r = api.client.post(
        "/api/v1/session/token", content=deep, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"]["what"] == "JSON nested too deeply"
    r = api.client.post(
        "/api/v1/session/token",
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": str(1 << 30)},
    )
    assert r.status_code == 413


def test_errors_never_show_internals(api: Api) -> None:
    r = api.client.post("/api/v1/session/token", content=b"{not json")
    assert r.status_code == 422
    assert "Traceback" not in r.text and "File " not in r.text


def test_repeated_failures_are_slowed_down_and_a_success_resets(api: Api) -> None:
    from backchannel.api.routes.session import FREE_FAILURES, MAX_DELAY, login_delay
    from backchannel.store.accounts import recent_failures

    delays = [login_delay(n) for n in range(12)]
    assert delays[:FREE_FAILURES] == [0.0] * FREE_FAILURES
    assert all(
        a < b
        for a, b in zip(delays[FREE_FAILURES:-1], delays[FREE_FAILURES + 1 :], strict=True)
        if b < MAX_DELAY
    )
    assert delays[-1] == MAX_DELAY
    for _ in range(2):
        api.client.post("/api/v1/session/token", json={"username": "ana", "password": "wrong one!"})
        api.client.post(
            "/api/v1/session/token", json={"username": "ghost", "password": "wrong one!"}
        )
    with api.store.read() as conn:
        # Counted per username, existing or not, so guessing either is slowed alike.
        assert recent_failures(conn, "ana", NOW.replace(year=2100)) == 0  # outside the window
        now = datetime.now(UTC)
        assert recent_failures(conn, "ana", now) == 2
        assert recent_failures(conn, "ghost", now) == 2
    ok = api.client.post("/api/v1/session/token", json={"username": "ana", "password": PASSWORD})
    assert ok.status_code == 200
    with api.store.read() as conn:
        assert recent_failures(conn, "ana", datetime.now(UTC)) == 0
