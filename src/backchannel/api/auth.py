"""Who is calling, and may they: bearer tokens and per-route role declarations.

Every route declares who may call it with ``Depends(allow(...))`` (or :data:`ANYONE` for the
few public routes: discovery of the login, the OpenAPI document). A test walks the route table
and fails on any route without a declaration. The caller's identity — and, for partner
accounts, their partner — comes only from the token, looked up on every request, so a revoked
token or disabled account is refused on the very next request.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from backchannel.api.errors import unauthenticated
from backchannel.errors import Forbidden
from backchannel.store.accounts import Account, Role, authenticate_token
from backchannel.store.engine import Store

ROLES_ATTR = "__backchannel_roles__"


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _token(request: Request) -> tuple[str | None, str | None]:
    """(username or None, token): Bearer, or HTTP Basic with the token as the password
    (what TAXII clients send); a Basic username must be the token's account."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value.strip():
        try:
            user, sep, password = (
                base64.b64decode(value.strip(), validate=True).decode().partition(":")
            )
        except (ValueError, UnicodeDecodeError):
            return None, None
        return (user, password) if sep and password else (None, None)
    if scheme.lower() != "bearer" or not value.strip():
        return None, None
    return None, value.strip()


def caller(request: Request) -> Account:
    """The authenticated account, or 401 with ``WWW-Authenticate``."""
    user, token = _token(request)
    if token is None:
        raise unauthenticated()
    with store_of(request).read() as conn:
        account = authenticate_token(conn, token)
    if account is None or (user is not None and user != account.username):
        raise unauthenticated()
    request.state.account = account
    return account


def allow(*roles: Role) -> Callable[[Account], Account]:
    """A dependency admitting only callers with one of ``roles`` (403 for others)."""

    def check(account: Annotated[Account, Depends(caller)]) -> Account:
        if account.role not in roles:
            raise Forbidden(f"role {account.role.value} may not do this")
        return account

    setattr(check, ROLES_ATTR, frozenset(roles))
    return check


def anyone() -> None:
    """Declares a route public (no credential needed)."""


setattr(anyone, ROLES_ATTR, frozenset())
ANYONE = Depends(anyone)

STAFF = (Role.ADMIN, Role.ANALYST, Role.APPROVER, Role.AUDITOR)
ANALYSTS = (Role.ANALYST, Role.APPROVER)
APPROVERS = (Role.APPROVER,)
ADMINS = (Role.ADMIN,)
AUDITORS = (Role.AUDITOR, Role.ADMIN)
PARTNERS = (Role.PARTNER,)


def actor(account: Account) -> str:
    """How the audit log names a caller."""
    if account.role is Role.PARTNER:
        return f"partner:{account.partner_id}"
    return f"user:{account.username}"


@contextmanager
def writing(request: Request) -> Iterator[Connection]:
    with store_of(request).write() as conn:
        yield conn


@contextmanager
def reading(request: Request) -> Iterator[Connection]:
    with store_of(request).read() as conn:
        yield conn
