"""Partners and their versioned agreements (docs/liaison.md).

Staff read them; admins register partners and change agreements (every change is a new
version with who, when and why; the whole result is validated, or nothing is written). A
partner system may read its own partner record, and no other.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from backchannel.api.auth import ADMINS, STAFF, allow, reading, writing
from backchannel.api.routes.guard import CLEAN_TEXT, author, now, own_partner
from backchannel.errors import NotFound
from backchannel.store.accounts import Account, Role
from backchannel.store.partners import (
    add_partner,
    agreement_history,
    change_agreement,
    current_agreement,
    get_partner,
    list_partners,
)

router = APIRouter(tags=["partners"], dependencies=[CLEAN_TEXT])

Staff = Annotated[Account, Depends(allow(*STAFF))]
StaffOrPartner = Annotated[Account, Depends(allow(*STAFF, Role.PARTNER))]
Admin = Annotated[Account, Depends(allow(*ADMINS))]


@router.get("/partners")
def partners(account: Staff, request: Request) -> list[dict[str, Any]]:
    """Every partner with its current agreement (or null: nothing is released)."""
    with reading(request) as conn:
        rows = [(p, current_agreement(conn, p.id)) for p in list_partners(conn)]
    return [p.as_dict() | {"agreement": a.as_dict() if a else None} for p, a in rows]


@router.get("/partners/{partner_id}")
def partner(partner_id: str, account: StaffOrPartner, request: Request) -> dict[str, Any]:
    """One partner. A partner system sees only its own record: id, name and contacts."""
    own_partner(account, partner_id)
    with reading(request) as conn:
        p = get_partner(conn, partner_id)
    if account.role is Role.PARTNER:
        return {"id": p.id, "name": p.name, "contacts": list(p.contacts)}
    return p.as_dict()


class NewPartner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    name: str = Field(min_length=1, max_length=200, pattern=r"\S")
    contacts: list[str] = Field(default_factory=list, max_length=20)
    originators: list[str] = Field(default_factory=list, max_length=50)


@router.post("/partners", status_code=201)
def create_partner(body: NewPartner, account: Admin, request: Request) -> dict[str, Any]:
    """Register a partner. It has no agreement (nothing is released) until one is set."""
    with writing(request) as conn:
        p = add_partner(
            conn,
            body.id,
            body.name,
            contacts=body.contacts,
            originators=body.originators,
            author=author(account),
            now=now(),
        )
    return p.as_dict()


@router.get("/partners/{partner_id}/agreement")
def agreement(partner_id: str, account: Staff, request: Request) -> dict[str, Any]:
    """The current agreement version (terms, author, reason); 404 if there is none."""
    with reading(request) as conn:
        history = agreement_history(conn, partner_id)
    if not history:
        raise NotFound(f"no agreement with {partner_id!r}", why="nothing is released")
    return history[-1].as_dict()


@router.get("/partners/{partner_id}/agreement/history")
def agreement_versions(partner_id: str, account: Staff, request: Request) -> list[dict[str, Any]]:
    """Every version of the agreement, oldest first."""
    with reading(request) as conn:
        return [v.as_dict() for v in agreement_history(conn, partner_id)]


class AgreementChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    terms: dict[str, Any] = Field(
        description="Terms (a partial object changes only the fields it names); "
        "see docs/liaison.md for every field."
    )
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")


@router.put("/partners/{partner_id}/agreement")
def set_agreement(
    partner_id: str, body: AgreementChange, account: Admin, request: Request
) -> dict[str, Any]:
    """Add a new version of a partner's agreement; the old ones are kept. The result is
    validated as a whole: an invalid combination is refused (422) and nothing changes."""
    with writing(request) as conn:
        v = change_agreement(
            conn, partner_id, body.terms, author=author(account), reason=body.reason, now=now()
        )
    return v.as_dict()
