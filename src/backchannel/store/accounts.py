"""Accounts, roles and API tokens.

Users have one role (admin, analyst, approver, auditor); partner accounts are bound to exactly
one partner, and that binding is the only source of a partner's identity in the service.
Passwords are hashed with scrypt; API tokens are 256-bit random strings shown once and stored
as SHA-256 hashes (a token is high-entropy, so a fast hash is enough and lets every request
look it up by index). Revoking a token or disabling an account takes effect on the next
request: every request reads the token row.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from backchannel.errors import InvalidInput, NotFound
from backchannel.store.partners import get_partner
from backchannel.store.schema import account, api_token, login_failure
from backchannel.store.timefmt import to_text

TOKEN_PREFIX = "bc_"
# A hash compared against when the user does not exist, so both cases cost the same.
_DUMMY_SALT = bytes(16)


class Role(StrEnum):
    ADMIN = "admin"  # manages accounts and agreements
    ANALYST = "analyst"  # reads and writes knowledge, judges, screens
    APPROVER = "approver"  # decides partners' requests, publishes releases
    AUDITOR = "auditor"  # reads and verifies the audit log
    PARTNER = "partner"  # a partner service's system: its own releases only


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: Role
    partner_id: str | None
    disabled: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "role": self.role.value,
            "partner": self.partner_id,
            "disabled": self.disabled,
        }


def _account(row: Any) -> Account:
    return Account(row.id, row.username, Role(row.role), row.partner_id, bool(row.disabled))


def _hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_account(
    conn: Connection,
    username: str,
    role: Role,
    *,
    password: str | None = None,
    partner_id: str | None = None,
    now: datetime,
) -> Account:
    """A user (with a role) or a partner account (bound to one partner)."""
    if not username or len(username) > 64 or not username.isprintable() or " " in username:
        raise InvalidInput(f"invalid username {username!r}", why="1-64 printable, no spaces")
    if (role is Role.PARTNER) != (partner_id is not None):
        raise InvalidInput("a partner account needs --partner; other roles must not have one")
    if partner_id is not None:
        get_partner(conn, partner_id)
    if password is not None and len(password) < 12:
        raise InvalidInput("password too short", why="at least 12 characters")
    exists = conn.execute(select(account.c.id).where(account.c.username == username)).first()
    if exists:
        raise InvalidInput(f"account {username!r} already exists")
    salt = secrets.token_bytes(16)
    row_id = conn.execute(
        insert(account).values(
            username=username,
            role=role.value,
            partner_id=partner_id,
            password_salt=salt.hex() if password else None,
            password_hash=_hash_password(password, salt).hex() if password else None,
            disabled=False,
            created_at=to_text(now),
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    return get_account(conn, int(row_id))


def get_account(conn: Connection, account_id: int) -> Account:
    row = conn.execute(select(account).where(account.c.id == account_id)).first()
    if row is None:
        raise NotFound(f"no account {account_id}")
    return _account(row)


def find_account(conn: Connection, username: str) -> Account:
    row = conn.execute(select(account).where(account.c.username == username)).first()
    if row is None:
        raise NotFound(f"no account {username!r}")
    return _account(row)


def list_accounts(conn: Connection) -> list[Account]:
    return [_account(r) for r in conn.execute(select(account).order_by(account.c.id))]


def set_disabled(conn: Connection, username: str, disabled: bool) -> Account:
    acc = find_account(conn, username)
    conn.execute(update(account).where(account.c.id == acc.id).values(disabled=disabled))
    return get_account(conn, acc.id)


@dataclass(frozen=True)
class IssuedToken:
    id: int
    token: str  # shown once, never stored
    account: Account


def issue_token(conn: Connection, username: str, *, now: datetime, label: str = "") -> IssuedToken:
    acc = find_account(conn, username)
    if acc.disabled:
        raise InvalidInput(f"account {username!r} is disabled")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    tid = conn.execute(
        insert(api_token).values(
            account_id=acc.id,
            token_hash=token_hash(token),
            label=label,
            created_at=to_text(now),
            revoked_at=None,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    return IssuedToken(int(tid), token, acc)


def revoke_token(conn: Connection, token_id: int, *, now: datetime) -> None:
    done = conn.execute(
        update(api_token)
        .where(api_token.c.id == token_id, api_token.c.revoked_at.is_(None))
        .values(revoked_at=to_text(now))
    ).rowcount
    if not done:
        raise NotFound(f"no live token {token_id}")


def list_tokens(conn: Connection, username: str) -> list[dict[str, Any]]:
    acc = find_account(conn, username)
    rows = conn.execute(
        select(api_token.c.id, api_token.c.label, api_token.c.created_at, api_token.c.revoked_at)
        .where(api_token.c.account_id == acc.id)
        .order_by(api_token.c.id)
    )
    return [dict(r._mapping) for r in rows]


def authenticate_token(conn: Connection, token: str) -> Account | None:
    """The account a bearer token belongs to, or None (unknown, revoked, or disabled)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return None
    row = conn.execute(
        select(account)
        .join(api_token, api_token.c.account_id == account.c.id)
        .where(api_token.c.token_hash == token_hash(token))
        .where(api_token.c.revoked_at.is_(None))
    ).first()
    if row is None or row.disabled:
        return None
    return _account(row)


FAILURE_WINDOW = timedelta(minutes=15)


def recent_failures(conn: Connection, username: str, now: datetime) -> int:
    since = to_text(now - FAILURE_WINDOW)
    return int(
        conn.execute(
            select(func.count())
            .select_from(login_failure)
            .where(login_failure.c.username == username, login_failure.c.at >= since)
        ).scalar_one()
    )


def check_password(
    conn: Connection, username: str, password: str, *, now: datetime
) -> Account | None:
    """The account if the password is right; None otherwise — the same work either way
    (unknown user or wrong password), and a failure is recorded for slowing down."""
    row = conn.execute(select(account).where(account.c.username == username)).first()
    salt = (
        bytes.fromhex(row.password_salt) if row is not None and row.password_salt else _DUMMY_SALT
    )
    expected = bytes.fromhex(row.password_hash) if row is not None and row.password_hash else b""
    actual = _hash_password(password, salt)
    ok = (
        row is not None
        and not row.disabled
        and bool(expected)
        and hmac.compare_digest(actual, expected)
    )
    if ok:
        conn.execute(delete(login_failure).where(login_failure.c.username == username))
        return _account(row)
    conn.execute(insert(login_failure).values(username=username[:64], at=to_text(now)))
    return None
