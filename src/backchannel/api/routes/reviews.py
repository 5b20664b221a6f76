"""Periodic review of stored persons: who is due (overdue persons are withheld from every
release and statistic), and recording a review (docs/liaison.md, Reviews)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from backchannel.api.auth import ANALYSTS, allow, writing
from backchannel.api.routes.guard import CLEAN_TEXT, Purpose, author, consulted, now
from backchannel.store.accounts import Account, Role
from backchannel.store.reviews import REVIEW_YEARS, due_reviews, record_review

router = APIRouter(tags=["reviews"], dependencies=[CLEAN_TEXT])

Reader = Annotated[Account, Depends(allow(*ANALYSTS))]
Reviewer = Annotated[Account, Depends(allow(Role.ANALYST))]


@router.get("/reviews/due")
def due(
    account: Reader,
    why: Purpose,
    request: Request,
    within_days: Annotated[int, Query(ge=0, le=3660)] = 183,
) -> list[dict[str, Any]]:
    """Persons whose review is overdue (not releasable) or falls due within the days given,
    soonest first."""
    with writing(request) as conn:
        found = due_reviews(conn, now(), within=timedelta(days=within_days))
        consulted(conn, account, [d.entity_id for d in found], why)
    return [d.as_dict() for d in found]


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")
    years: int = Field(default=REVIEW_YEARS, ge=1, le=REVIEW_YEARS)


@router.post("/reviews/{entity_id}", status_code=201)
def review(entity_id: str, body: Review, account: Reviewer, request: Request) -> dict[str, Any]:
    """Record a review of a person: keep it, with a reason, until the next review."""
    with writing(request) as conn:
        d = record_review(
            conn,
            entity_id,
            reviewer=author(account),
            reason=body.reason,
            now=now(),
            years=body.years,
        )
    return d.as_dict()
