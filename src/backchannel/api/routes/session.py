"""Logging in (a password for a token) and who am I."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from backchannel.api.auth import ANYONE, STAFF, allow, writing
from backchannel.api.errors import unauthenticated
from backchannel.store.accounts import Account, Role, check_password, issue_token, recent_failures

router = APIRouter(tags=["session"])

# After this many failures in the window, each further attempt waits longer (capped), so
# guessing is slow while a user who mistypes twice notices nothing.
FREE_FAILURES = 3
MAX_DELAY = 8.0


def login_delay(failures: int) -> float:
    """Seconds to wait before checking a password, given recent failures for the username."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(MAX_DELAY, 0.25 * 2.0 ** (failures - FREE_FAILURES))


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    label: str = Field(default="", max_length=200)


@router.post("/session/token", dependencies=[ANYONE])
def login(body: Login, request: Request) -> dict[str, Any]:
    """Exchange a username and password for an API token (shown once).

    Unknown users and wrong passwords get the same answer after the same work; repeated
    failures for a username are slowed down.
    """
    now = datetime.now(UTC)
    with writing(request) as conn:
        failures = recent_failures(conn, body.username, now)
    time.sleep(login_delay(failures))
    with writing(request) as conn:
        account = check_password(conn, body.username, body.password, now=now)
        if account is None or account.role is Role.PARTNER:
            token = None
        else:
            token = issue_token(conn, account.username, now=now, label=body.label or "login")
    if token is None:
        raise unauthenticated()
    return {"token": token.token, "token_id": token.id, "account": token.account.as_dict()}


@router.get("/session/me")
def me(
    account: Annotated[Account, Depends(allow(*STAFF, Role.PARTNER))],
) -> dict[str, Any]:
    """The account the presented token belongs to."""
    return account.as_dict()
