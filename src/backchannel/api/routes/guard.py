"""What data routes need beyond a role: a purpose for person-data reads (DP-7), the
consultation entry that records them (LG-1), the partner binding (rule 7) and the documented
error responses.

A partner caller's identity is ``account.partner_id`` and nothing else: a partner id in a path
that is not the caller's own answers exactly like a partner that does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy import Connection

from backchannel.api.auth import actor
from backchannel.audit.log import Action, Detail, Event, append
from backchannel.errors import InvalidInput, NotFound
from backchannel.store.accounts import Account, Role

MAX_PURPOSE = 500
MAX_SEQ = 2**31 - 1  # sequence numbers are 32-bit integers on PostgreSQL

Seq = Annotated[int, Path(ge=0, le=MAX_SEQ)]


class ErrorDetail(BaseModel):
    what: str
    where: str | None = None
    why: str | None = None
    problems: list[dict[str, str]] | None = None


class ErrorBody(BaseModel):
    """The one error shape: ``{"error": {"what", "where", "why"}}``."""

    error: ErrorDetail


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# Every route may answer these; documenting them keeps the OpenAPI document true.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("malformed request body (not JSON)"),
    401: _error("no valid token (with WWW-Authenticate)"),
    403: _error("the caller's role may not do this"),
    404: _error("not found, or not the caller's to see (indistinguishable)"),
    413: _error("request body too large or too deep"),
    422: _error("invalid input"),
}


def _bad_text(value: Any) -> bool:
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate
            return True
        return False
    if isinstance(value, dict):
        return any(_bad_text(k) or _bad_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_bad_text(v) for v in value)
    return False


async def clean_text(request: Request) -> None:
    """Refuse NUL characters and lone surrogates anywhere in a request (path, query, purpose,
    JSON body): PostgreSQL text cannot hold them, so both backends refuse them alike (422)
    instead of one failing deep inside the store."""
    texts: list[Any] = [request.url.path, *request.query_params.values()]
    texts.append(request.headers.get("x-purpose", ""))
    if request.method in ("POST", "PUT", "PATCH"):
        with suppress(ValueError):  # not JSON: the body's own validation answers
            texts.append(json.loads(await request.body()))
    if any(_bad_text(t) for t in texts):
        raise InvalidInput("text contains a NUL character or a lone surrogate")


CLEAN_TEXT = Depends(clean_text)


def now() -> datetime:
    return datetime.now(UTC)


def purpose(
    purpose: Annotated[
        str | None,
        Query(
            max_length=MAX_PURPOSE,
            description="Purpose or case reference (or the X-Purpose header); required.",
        ),
    ] = None,
    x_purpose: Annotated[
        str | None,
        Header(alias="X-Purpose", max_length=MAX_PURPOSE, description="Purpose or case ref."),
    ] = None,
) -> str:
    """The stated purpose of a person-data read: without one, nothing is served (DP-7)."""
    return required(maybe_purpose(purpose, x_purpose))


def maybe_purpose(
    purpose: Annotated[
        str | None,
        Query(
            max_length=MAX_PURPOSE,
            description="Purpose or case reference (or the X-Purpose header).",
        ),
    ] = None,
    x_purpose: Annotated[
        str | None,
        Header(alias="X-Purpose", max_length=MAX_PURPOSE, description="Purpose or case ref."),
    ] = None,
) -> str | None:
    """A stated purpose, if any (for routes where only some callers must state one)."""
    return (purpose or x_purpose or "").strip() or None


def required(value: str | None) -> str:
    """The purpose, or 422: person data is never served without one."""
    if not value:
        raise InvalidInput(
            "a purpose is required",
            where="purpose",
            why="person data is read for a stated purpose or case reference: "
            "?purpose=… or the X-Purpose header",
        )
    return value


Purpose = Annotated[str, Depends(purpose)]
MaybePurpose = Annotated[str | None, Depends(maybe_purpose)]


def consulted(
    conn: Connection,
    account: Account,
    subjects: Iterable[str],
    purpose: str,
    *,
    details: dict[str, Detail] | None = None,
) -> None:
    """Log a consultation (who, when, which ids, why) in the read's own transaction."""
    append(
        conn,
        Event(
            Action.CONSULTATION,
            actor(account),
            subjects=sorted(set(subjects)),
            purpose=purpose,
            details=details or {},
        ),
        now=now(),
    )


def own_partner(account: Account, partner_id: str) -> None:
    """A partner caller may only name itself; any other partner looks missing (rule 7)."""
    if account.role is Role.PARTNER and account.partner_id != partner_id:
        raise NotFound(f"no partner {partner_id!r}")


def author(account: Account) -> str:
    """Who is recorded as having done something (a username, or partner:<id>)."""
    return actor(account) if account.role is Role.PARTNER else account.username
