"""Accounts and API tokens, for admins: create, list, issue a token (shown once), revoke a
token, disable or enable an account. Revocation and disabling apply to the next request."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from backchannel.api.auth import ADMINS, allow, reading, writing
from backchannel.api.routes.guard import CLEAN_TEXT, Seq, now
from backchannel.errors import InvalidInput
from backchannel.store.accounts import (
    Account,
    Role,
    create_account,
    find_account,
    issue_token,
    list_accounts,
    list_tokens,
    revoke_token,
    set_disabled,
)

router = APIRouter(tags=["accounts"], dependencies=[CLEAN_TEXT])

Admin = Annotated[Account, Depends(allow(*ADMINS))]
Username = Annotated[str, Field(min_length=1, max_length=64)]


class NewAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    role: Role
    partner: str | None = Field(default=None, max_length=64, description="For role partner.")
    password: str | None = Field(
        default=None, min_length=12, max_length=1024, description="Users only (for login)."
    )


@router.get("/accounts")
def accounts(account: Admin, request: Request) -> list[dict[str, Any]]:
    """Every account with its role, partner and state."""
    with reading(request) as conn:
        return [a.as_dict() for a in list_accounts(conn)]


@router.post("/accounts", status_code=201)
def create(body: NewAccount, account: Admin, request: Request) -> dict[str, Any]:
    """Create an account: a user with a role, or a partner system bound to one partner
    (tokens only, no password)."""
    if body.role is Role.PARTNER and body.password is not None:
        raise InvalidInput("partner accounts have no password", where="password")
    with writing(request) as conn:
        acc = create_account(
            conn,
            body.username,
            body.role,
            password=body.password,
            partner_id=body.partner,
            now=now(),
        )
    return acc.as_dict()


@router.get("/accounts/{username}/tokens")
def tokens(username: str, account: Admin, request: Request) -> list[dict[str, Any]]:
    """An account's tokens: ids, labels, when issued and revoked (never the tokens)."""
    with reading(request) as conn:
        return list_tokens(conn, username)


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(default="", max_length=200)


@router.post("/accounts/{username}/tokens", status_code=201)
def issue(username: str, body: TokenRequest, account: Admin, request: Request) -> dict[str, Any]:
    """Issue an API token. It is in this response only; the store keeps its hash."""
    with writing(request) as conn:
        issued = issue_token(conn, username, now=now(), label=body.label)
    return {"token_id": issued.id, "token": issued.token, "account": issued.account.as_dict()}


@router.post("/tokens/{token_id}/revoke")
def revoke(token_id: Seq, account: Admin, request: Request) -> dict[str, Any]:
    """Revoke a token: refused from the very next request."""
    with writing(request) as conn:
        revoke_token(conn, token_id, now=now())
    return {"token_id": token_id, "revoked": True}


class Disabling(BaseModel):
    model_config = ConfigDict(extra="forbid")

    disabled: bool = True


@router.post("/accounts/{username}/disable")
def disable(username: str, body: Disabling, account: Admin, request: Request) -> dict[str, Any]:
    """Disable an account (every token stops working at once), or enable it again with
    ``{"disabled": false}``."""
    with writing(request) as conn:
        find_account(conn, username)
        acc = set_disabled(conn, username, body.disabled)
    return acc.as_dict()
