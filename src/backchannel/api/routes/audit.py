"""The audit log for auditors and admins: verify, entries, inclusion and consistency proofs
(RFC 9162; docs/audit.md). Entries hold ids, counts and hashes, never names or query text."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from backchannel.api.auth import AUDITORS, allow, reading
from backchannel.api.routes.guard import CLEAN_TEXT, MAX_SEQ, Seq
from backchannel.api.routes.releases import settings_of
from backchannel.audit import log
from backchannel.audit.key import signing_key
from backchannel.audit.verify import verify as verify_log
from backchannel.errors import InvalidInput
from backchannel.store.accounts import Account

router = APIRouter(tags=["audit"], dependencies=[CLEAN_TEXT])

Auditor = Annotated[Account, Depends(allow(*AUDITORS))]
Size = Annotated[int, Query(ge=0, le=MAX_SEQ)]


@router.get("/audit/verify")
def verify(account: Auditor, request: Request) -> dict[str, Any]:
    """Recompute the whole tree and check every entry, node and stored checkpoint;
    ``verified`` is false with the problems listed otherwise."""
    key = signing_key(settings_of(request)).verifier
    with reading(request) as conn:
        return verify_log(conn, key).as_dict()


@router.get("/audit/entries")
def entries(
    account: Auditor,
    request: Request,
    subject: Annotated[
        str | None, Query(max_length=200, description="Entries about an id.")
    ] = None,
    action: Annotated[log.Action | None, Query()] = None,
    start: Size = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 50,
) -> list[dict[str, Any]]:
    """Audit entries: who did what to which ids, when, why and for whom. Oldest first from
    ``start``; with ``subject``, the entries about that id."""
    with reading(request) as conn:
        if subject is not None:
            found = log.entries_about(conn, subject, limit=limit)
        else:
            found = log.entries(conn, start=start, limit=limit, action=action)
    return [e.as_dict() for e in found]


@router.get("/audit/proof/{seq}")
def proof(
    seq: Seq,
    account: Auditor,
    request: Request,
    size: Annotated[int | None, Query(ge=0, le=MAX_SEQ)] = None,
) -> dict[str, Any]:
    """The RFC 9162 inclusion proof of entry ``seq`` (in the tree of ``size`` entries,
    default: now), hashes in hex."""
    with reading(request) as conn:
        return log.inclusion_proof(conn, seq, size).as_dict()


@router.get("/audit/consistency")
def consistency(first: Size, second: Size, account: Auditor, request: Request) -> dict[str, Any]:
    """The RFC 9162 consistency proof from tree size ``first`` to ``second`` (hex)."""
    if first > second:
        raise InvalidInput(f"first ({first}) must not exceed second ({second})", where="first")
    with reading(request) as conn:
        size = log.size(conn)
        if second > size:
            raise InvalidInput(f"no tree of {second} entries", where="second", why=f"size {size}")
        path = log.consistency_proof(conn, first, second)
        roots = [log.root(conn, first).hex(), log.root(conn, second).hex()]
    return {
        "first": first,
        "second": second,
        "first_root": roots[0],
        "second_root": roots[1],
        "path": [h.hex() for h in path],
    }
