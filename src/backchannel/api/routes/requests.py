"""Partners' requests: submitted by a partner system, decided by an approver.

A partner system submits requests for its own partner only: the partner is taken from its
token, never from the body (a body naming a partner is refused, AC-11). It lists and reads its
own requests; another partner's request answers exactly like a missing one (rule 7). It sees
the state, the reason and the release, never who decided or internal entity ids (DP-8).
Approvers see every request with the policy preview (a consultation: purpose required).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from backchannel.api.auth import APPROVERS, allow, reading, writing
from backchannel.api.routes.guard import (
    CLEAN_TEXT,
    MaybePurpose,
    Seq,
    author,
    consulted,
    now,
    required,
)
from backchannel.liaison.statistics import STATUSES
from backchannel.store.accounts import Account, Role
from backchannel.store.requests import (
    Request as PartnerRequest,
)
from backchannel.store.requests import (
    RequestState,
    approve_request,
    deny_request,
    get_request,
    list_requests,
    preview_request,
    submit_request,
)

router = APIRouter(tags=["requests"], dependencies=[CLEAN_TEXT])

Partner = Annotated[Account, Depends(allow(Role.PARTNER))]
Approver = Annotated[Account, Depends(allow(*APPROVERS))]
ApproverOrPartner = Annotated[Account, Depends(allow(*APPROVERS, Role.PARTNER))]

StatusName = Annotated[str, Field(pattern="^(" + "|".join(s.value for s in STATUSES) + ")$")]


def partner_view(r: PartnerRequest) -> dict[str, Any]:
    """What a partner sees of its request: no staff names, no internal entity ids."""
    return {
        "id": r.id,
        "query": {
            "nationalities": sorted(r.scope.nationalities),
            "statuses": sorted(s.value for s in r.scope.statuses),
        },
        "purpose": r.purpose,
        "created_at": r.created_at,
        "state": r.state.value,
        "decided_at": r.decided_at,
        "reason": r.decision_reason,
        "release": r.release_seq,
    }


class NewRequest(BaseModel):
    """A partner's request, by nationality and assessed status. (Asking by group or by
    object id needs the partner's object ids mapped to ours: not offered yet.)"""

    model_config = ConfigDict(extra="forbid")

    nationalities: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = Field(
        default_factory=list, max_length=250
    )
    statuses: list[StatusName] = Field(default_factory=list, max_length=len(STATUSES))
    purpose: str = Field(min_length=1, max_length=500, pattern=r"\S")


@router.post("/requests", status_code=201)
def submit(body: NewRequest, account: Partner, request: Request) -> dict[str, Any]:
    """Queue a request from the calling partner system for an approver. The partner is the
    one the token is bound to; a body naming a partner is refused (422)."""
    assert account.partner_id is not None
    query: dict[str, Any] = {}
    if body.nationalities:
        query["nationalities"] = body.nationalities
    if body.statuses:
        query["statuses"] = body.statuses
    with writing(request) as conn:
        req = submit_request(
            conn,
            account.partner_id,
            query,
            purpose=body.purpose,
            created_by=author(account),
            now=now(),
        )
    return partner_view(req)


@router.get("/requests")
def requests(
    account: ApproverOrPartner,
    request: Request,
    state: Annotated[RequestState | None, Query()] = None,
    partner: Annotated[
        str | None, Query(max_length=64, description="Approvers: one partner's requests.")
    ] = None,
) -> list[dict[str, Any]]:
    """Requests, oldest first. A partner system gets its own only (``partner`` is ignored)."""
    if account.role is Role.PARTNER:
        with reading(request) as conn:
            mine = list_requests(conn, partner_id=account.partner_id, state=state)
        return [partner_view(r) for r in mine]
    with reading(request) as conn:
        found = list_requests(conn, partner_id=partner, state=state)
    return [r.as_dict() for r in found]


@router.get("/requests/{request_id}")
def one(
    request_id: Seq, account: ApproverOrPartner, why: MaybePurpose, request: Request
) -> dict[str, Any]:
    """A request. Approvers get the policy preview (the persons approving would release and
    why; a consultation, so a purpose is required); a partner system gets its own request."""
    if account.role is Role.PARTNER:
        with reading(request) as conn:
            return partner_view(get_request(conn, request_id, partner_id=account.partner_id))
    with writing(request) as conn:
        preview = preview_request(conn, request_id, now=now())
        consulted(conn, account, [d.entity_id for d in preview.matches], required(why))
    return preview.as_dict()


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid")

    only: list[str] | None = Field(
        default=None, max_length=1000, description="Approve only these persons (partial)."
    )
    reason: str = Field(default="", max_length=2000)


@router.post("/requests/{request_id}/approve")
def approve(request_id: Seq, body: Approval, account: Approver, request: Request) -> dict[str, Any]:
    """Approve a request (all matches, or ``only`` some) and publish the release. Decided
    once, by someone other than who entered it."""
    with writing(request) as conn:
        req, pub = approve_request(
            conn,
            request_id,
            approver=author(account),
            reason=body.reason,
            now=now(),
            only=body.only,
        )
    return req.as_dict() | {"published": pub.as_dict() if pub else None}


class Denial(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")


@router.post("/requests/{request_id}/deny")
def deny(request_id: Seq, body: Denial, account: Approver, request: Request) -> dict[str, Any]:
    """Deny a request with a reason (the partner sees it)."""
    with writing(request) as conn:
        req = deny_request(
            conn, request_id, approver=author(account), reason=body.reason, now=now()
        )
    return req.as_dict()
