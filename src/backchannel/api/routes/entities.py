"""Reading the knowledge base: an entity with every statement, search, and name screening.

Every route here reads person data, so each needs a purpose and writes a consultation entry
(ids and counts; never names or query text, which go in only as a keyed hash).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from backchannel.api.auth import ANALYSTS, allow, store_of, writing
from backchannel.api.routes.guard import CLEAN_TEXT, Purpose, consulted
from backchannel.audit.log import keyed_hash, query_secret
from backchannel.model.partial_date import parse_partial_date
from backchannel.resolve.cluster import Judgement
from backchannel.resolve.screening import MATCH_THRESHOLD, REVIEW_THRESHOLD, query_profile
from backchannel.store.accounts import Account
from backchannel.store.judgement import judgements_of
from backchannel.store.knowledge import get_entity, search

router = APIRouter(tags=["entities"], dependencies=[CLEAN_TEXT])

Reader = Annotated[Account, Depends(allow(*ANALYSTS))]


@router.get("/entities/{entity_id}")
def entity(entity_id: str, account: Reader, why: Purpose, request: Request) -> dict[str, Any]:
    """A person or group merged with every record judged the same: each statement with its
    value, source, grade, TLP, state and first/last seen, the status assessment, and the
    judgements that made the cluster. Asking for any member gives the whole cluster."""
    with writing(request) as conn:
        view = get_entity(conn, entity_id)
        seen: dict[int, Judgement] = {}
        for member in view.members:
            for j in judgements_of(conn, member):
                seen[j.seq] = j
        judgements = [seen[k] for k in sorted(seen)]
        consulted(
            conn,
            account,
            [view.id, *view.members],
            why,
            details={"statements": len(view.statements), "linked_from": len(view.mentioned_by)},
        )
    return view.as_dict() | {"judgements": [j.as_dict() for j in judgements]}


@router.get("/search")
def search_(
    q: Annotated[str, Query(min_length=1, max_length=500, description="Words to find.")],
    account: Reader,
    why: Purpose,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> list[dict[str, Any]]:
    """Entities whose names, aliases (any script) or descriptions contain every word of q.
    The hits are logged by id; the query only as a keyed hash."""
    with writing(request) as conn:
        hits = search(conn, q, limit=limit)
        consulted(
            conn,
            account,
            [h.entity_id for h in hits],
            why,
            details={"query_hmac": keyed_hash(query_secret(conn), q), "hits": len(hits)},
        )
    return [
        {"id": h.entity_id, "kind": h.kind.value, "label": h.label, "matched": h.matched}
        for h in hits
    ]


class ScreenQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=500, pattern=r"\S")
    birth_date: str | None = Field(
        default=None, max_length=40, description="YYYY, YYYY-MM, YYYY-MM-DD or a range A/B"
    )
    nationality: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    gender: Literal["male", "female"] | None = None
    top: int = Field(default=10, ge=1, le=100)


@router.post("/screen")
def screen(body: ScreenQuery, account: Reader, why: Purpose, request: Request) -> dict[str, Any]:
    """Do we know this person? Candidates ranked by a calibrated score, each explained
    (match at or above the match threshold with agreeing names; review band below it).

    The service keeps one index in memory and loads it again only when an import, a merge,
    an alteration or an erasure has committed since (read from the audit log), so answers
    always reflect the store as of the request.
    """
    if body.birth_date:
        parse_partial_date(body.birth_date, where="birth_date")
    profile = query_profile(
        body.name,
        birth_date=body.birth_date or None,
        nationality=body.nationality,
        gender=body.gender,
    )
    index = request.app.state.screening.index(store_of(request))
    found = index.screen(profile, top=body.top)
    with writing(request) as conn:
        consulted(
            conn,
            account,
            [c.entity_id for c in found],
            why,
            details={"query_hmac": keyed_hash(query_secret(conn), body.name), "hits": len(found)},
        )
    return {
        "match_threshold": MATCH_THRESHOLD,
        "review_threshold": REVIEW_THRESHOLD,
        "candidates": [c.as_dict() for c in found],
    }
