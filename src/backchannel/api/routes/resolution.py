"""Identity resolution: review proposals, record judgements, retract them (unmerge).

Judgements are append-only (design rule 4): a retraction is a new judgement, and the clusters
become exactly what they were without the retracted one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from backchannel.api.auth import ANALYSTS, allow, writing
from backchannel.api.routes.guard import CLEAN_TEXT, Purpose, Seq, author, consulted, now
from backchannel.resolve.cluster import Verdict
from backchannel.store.accounts import Account, Role
from backchannel.store.dedup import list_proposals
from backchannel.store.judgement import cluster_of, record_judgement, retract

router = APIRouter(tags=["resolution"], dependencies=[CLEAN_TEXT])

Reader = Annotated[Account, Depends(allow(*ANALYSTS))]
Judge = Annotated[Account, Depends(allow(Role.ANALYST))]


@router.get("/proposals")
def proposals(
    account: Reader,
    why: Purpose,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 20,
) -> list[dict[str, Any]]:
    """Pairs the last resolution run proposes for review, best first, with the evidence."""
    with writing(request) as conn:
        found = list_proposals(conn, limit=limit)
        consulted(
            conn,
            account,
            [x for p in found for x in (p["left"], p["right"])],
            why,
            details={"proposals": len(found)},
        )
    return found


class JudgementBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    left: str = Field(min_length=1, max_length=200)
    right: str = Field(min_length=1, max_length=200)
    verdict: Verdict
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")


@router.post("/judgements", status_code=201)
def judge(body: JudgementBody, account: Judge, request: Request) -> dict[str, Any]:
    """Record that two records are the same person (or not, or unsure), with a reason.

    Never overwrites: a newer judgement on the pair takes effect. "same" merges the clusters;
    "not-same" keeps the pair from being proposed or merged again."""
    with writing(request) as conn:
        j = record_judgement(
            conn,
            body.left,
            body.right,
            body.verdict,
            author=author(account),
            reason=body.reason,
            now=now(),
        )
        canonical, members = cluster_of(conn, body.left)
    return {"judgement": j.as_dict(), "cluster": canonical, "members": members}


class Retraction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")


@router.post("/judgements/{seq}/retract")
def retract_(seq: Seq, body: Retraction, account: Judge, request: Request) -> dict[str, Any]:
    """Retract one judgement (unmerge): recorded as a new judgement, nothing deleted."""
    with writing(request) as conn:
        j = retract(conn, seq, author=author(account), reason=body.reason, now=now())
        canonical, members = cluster_of(conn, j.left_id)
    return {"retracted": j.as_dict(), "cluster": canonical, "members": members}
