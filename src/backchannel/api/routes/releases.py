"""Releases to partners: preview (a dry run with reasons), publish, the objects a partner was
given, receipts, and statistics (docs/liaison.md).

A partner system fetches only its own releases, as a STIX bundle of its partner-specific
objects (no internal ids, no sources); another partner's releases answer exactly like
missing ones. Every fetch that returns objects is logged as a transfer to that partner.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from backchannel.api.auth import ANALYSTS, APPROVERS, AUDITORS, actor, allow, writing
from backchannel.api.routes.guard import (
    CLEAN_TEXT,
    MaybePurpose,
    Purpose,
    Seq,
    author,
    consulted,
    now,
    own_partner,
    required,
)
from backchannel.audit.key import signing_key
from backchannel.audit.log import Action, Event, append
from backchannel.errors import NotFound
from backchannel.settings import Settings
from backchannel.store.accounts import Account, Role
from backchannel.store.partners import get_partner
from backchannel.store.releases import plan_release, publish, receipt_for_release, released_objects
from backchannel.store.statistics import partner_statistics

router = APIRouter(tags=["releases"], dependencies=[CLEAN_TEXT])

Approver = Annotated[Account, Depends(allow(*APPROVERS))]
ApproverOrPartner = Annotated[Account, Depends(allow(*APPROVERS, Role.PARTNER))]
AuditorOrPartner = Annotated[Account, Depends(allow(*AUDITORS, Role.PARTNER))]
Analyst = Annotated[Account, Depends(allow(*ANALYSTS))]

MAX_ENTITIES = 1000


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


class Selection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entities: list[str] | None = Field(
        default=None, max_length=MAX_ENTITIES, description="Only these entities (default: all)."
    )


@router.post("/partners/{partner_id}/releases/preview")
def preview(
    partner_id: str, body: Selection, account: Approver, why: Purpose, request: Request
) -> dict[str, Any]:
    """What a publish would release now, entity by entity, with the reasons for every
    withheld or redacted one, and the object versions it would write. Nothing leaves."""
    with writing(request) as conn:
        plan = plan_release(conn, partner_id, now=now(), entity_ids=body.entities or None)
        consulted(conn, account, [d.entity_id for d in plan.decisions], why)
    return plan.as_dict()


class Publication(Selection):
    purpose: str = Field(min_length=1, max_length=500, pattern=r"\S")


@router.post("/partners/{partner_id}/releases", status_code=201)
def publish_(
    partner_id: str, body: Publication, account: Approver, request: Request
) -> dict[str, Any]:
    """Publish a release: the partner can fetch it from now on, and the disclosure is in the
    audit log in the same transaction. Nothing new to release: ``release`` is 0."""
    with writing(request) as conn:
        pub = publish(
            conn,
            partner_id,
            author=author(account),
            purpose=body.purpose,
            now=now(),
            entity_ids=body.entities or None,
        )
    return pub.as_dict()


def _bundle(
    request: Request,
    account: Account,
    partner_id: str,
    release_seq: int | None,
    purpose: str | None,
) -> dict[str, Any]:
    own_partner(account, partner_id)
    with writing(request) as conn:
        get_partner(conn, partner_id)
        objects = released_objects(conn, partner_id, release_seq=release_seq)
        if release_seq is not None and not objects:
            raise NotFound(f"no release {release_seq} to {partner_id}")
        ids = [o["id"] for o in objects]
        if account.role is Role.PARTNER:
            if objects:
                append(
                    conn,
                    Event(
                        Action.DISCLOSURE,
                        actor(account),
                        subjects=sorted(set(ids)),
                        purpose="partner fetch of released objects",
                        recipient=partner_id,
                        details={"objects": len(objects), "release": release_seq},
                    ),
                    now=now(),
                )
        else:
            consulted(conn, account, ids, required(purpose), details={"objects": len(ids)})
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}


@router.get("/partners/{partner_id}/releases")
def bundle(
    partner_id: str, account: ApproverOrPartner, why: MaybePurpose, request: Request
) -> dict[str, Any]:
    """Every object version the partner was given, oldest first, as a STIX 2.1 bundle
    (revoked objects included, so the partner learns of revocations). Staff state a
    purpose; a partner system fetches its own."""
    return _bundle(request, account, partner_id, None, why)


@router.get("/partners/{partner_id}/releases/{seq}")
def release_bundle(
    partner_id: str, seq: Seq, account: ApproverOrPartner, why: MaybePurpose, request: Request
) -> dict[str, Any]:
    """The objects of one release, as a STIX 2.1 bundle."""
    return _bundle(request, account, partner_id, seq, why)


@router.get("/partners/{partner_id}/releases/{seq}/receipt")
def receipt(
    partner_id: str, seq: Seq, account: AuditorOrPartner, request: Request
) -> dict[str, Any]:
    """The receipt of a release: its disclosure entry, the inclusion proof and a signed
    checkpoint, verifiable offline with the log's public key (docs/audit.md)."""
    own_partner(account, partner_id)
    key = signing_key(settings_of(request))
    with writing(request) as conn:
        get_partner(conn, partner_id)
        return receipt_for_release(conn, partner_id, seq, key, now=now())


@router.get("/partners/{partner_id}/statistics")
def statistics(
    partner_id: str,
    account: Analyst,
    request: Request,
    k: Annotated[int, Query(ge=2, le=1000, description="Suppress counts under k.")] = 5,
) -> dict[str, Any]:
    """Persons by group × nationality × status as the partner's agreement lets them be
    counted, with counts under k suppressed (and enough others that none can be worked out
    from the totals). Counts only: no person is named."""
    with writing(request) as conn:
        table = partner_statistics(conn, partner_id, now=now(), k=k)
    return table.as_dict()
