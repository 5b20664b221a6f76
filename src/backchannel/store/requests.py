"""Partners' requests: queued, previewed under the policy, approved (wholly or in part) or
denied by an approver; an approval publishes a release and the partner sees the outcome.

A request asks for persons by nationality, group and status (a scope), or by entity id. It
is matched on the facts the partner may receive, never on withheld ones: answering "who of
nationality AU…" with a person whose AU nationality came from a third party without consent
would disclose that fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select, update

from backchannel.errors import InvalidInput, NotFound
from backchannel.liaison.agreement import Scope, parse_scope
from backchannel.liaison.policy import EntityDecision, scope_reasons
from backchannel.model.vocab import EntityKind
from backchannel.store.knowledge import gc_paused
from backchannel.store.partners import get_partner
from backchannel.store.releases import (
    PartnerProjection,
    Plan,
    Published,
    plan_from,
    project_partner,
    publish_plan,
)
from backchannel.store.schema import request
from backchannel.store.timefmt import to_text


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    PARTIAL = "partial"  # approved in part
    DENIED = "denied"


@dataclass(frozen=True)
class Request:
    id: int
    partner_id: str
    scope: Scope
    entities: tuple[str, ...]
    purpose: str
    created_at: str
    created_by: str
    state: RequestState
    decided_by: str | None
    decided_at: str | None
    decision_reason: str | None
    release_seq: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "partner": self.partner_id,
            "query": self.scope.as_dict() | {"entities": list(self.entities)},
            "purpose": self.purpose,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "state": self.state.value,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at,
            "reason": self.decision_reason,
            "release": self.release_seq,
        }


def _parse_query(query: dict[str, Any]) -> tuple[Scope, tuple[str, ...]]:
    if not isinstance(query, dict):
        raise InvalidInput("a request's query must be an object")
    entities = query.get("entities", [])
    if not isinstance(entities, list) or not all(isinstance(e, str) and e for e in entities):
        raise InvalidInput("request field 'entities': expected a list of entity ids")
    scope = parse_scope({k: v for k, v in query.items() if k != "entities"}, Scope())
    if not (scope.nationalities or scope.groups or scope.statuses or entities):
        raise InvalidInput(
            "an empty request", why="ask by nationalities, groups, statuses or entities"
        )
    return scope, tuple(entities)


def _row(r: Any) -> Request:
    q = orjson.loads(r.query)
    scope, entities = _parse_query(q)
    return Request(
        r.id,
        r.partner_id,
        scope,
        entities,
        r.purpose,
        r.created_at,
        r.created_by,
        RequestState(r.state),
        r.decided_by,
        r.decided_at,
        r.decision_reason,
        r.release_seq,
    )


def submit_request(
    conn: Connection,
    partner_id: str,
    query: dict[str, Any],
    *,
    purpose: str,
    created_by: str,
    now: datetime,
) -> Request:
    get_partner(conn, partner_id)
    if not purpose.strip():
        raise InvalidInput("a request needs a purpose")
    scope, entities = _parse_query(query)
    stored = scope.as_dict() | {"entities": list(entities)}
    rid = conn.execute(
        insert(request).values(
            partner_id=partner_id,
            query=orjson.dumps(stored).decode(),
            purpose=purpose.strip(),
            created_at=to_text(now),
            created_by=created_by,
            state=RequestState.PENDING.value,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    return get_request(conn, int(rid))


def get_request(conn: Connection, request_id: int, *, partner_id: str | None = None) -> Request:
    """One request; with ``partner_id``, only that partner's (another's looks missing)."""
    q = select(request).where(request.c.id == request_id)
    if partner_id is not None:
        q = q.where(request.c.partner_id == partner_id)
    row = conn.execute(q).first()
    if row is None:
        raise NotFound(f"no request {request_id}")
    return _row(row)


def list_requests(
    conn: Connection, *, partner_id: str | None = None, state: RequestState | None = None
) -> list[Request]:
    q = select(request).order_by(request.c.id)
    if partner_id is not None:
        q = q.where(request.c.partner_id == partner_id)
    if state is not None:
        q = q.where(request.c.state == state.value)
    return [_row(r) for r in conn.execute(q)]


@dataclass(frozen=True)
class RequestPreview:
    request: Request
    matches: list[EntityDecision]  # persons answering the request that may be released
    plan: Plan
    run: PartnerProjection  # the one pass over the base that both came from

    def as_dict(self) -> dict[str, Any]:
        return {
            "request": self.request.as_dict(),
            "matches": [
                {
                    "entity": d.entity_id,
                    "action": d.decision.action.value,
                    "reasons": [r.as_dict() for r in d.decision.reasons],
                }
                for d in self.matches
            ],
            "release": self.plan.summary(),
        }


def preview_request(conn: Connection, request_id: int, *, now: datetime) -> RequestPreview:
    """What approving the request in full would release, and why each match may go."""
    req = get_request(conn, request_id)
    with gc_paused():
        run = project_partner(conn, req.partner_id, now)
        ctx = run.ctx
        wanted = {ctx.canon(e) for e in req.entities}
        matches = []
        for d in run.projection.decisions:
            if d.kind is not EntityKind.PERSON or not d.decision.released:
                continue
            if req.entities and d.entity_id not in wanted:
                continue
            released = [s for s in run.views[d.entity_id].statements if s.id in d.released_ids]
            if scope_reasons(released, ctx, req.scope):
                continue
            matches.append(d)
        plan = plan_from(run, now=now, entity_ids=[d.entity_id for d in matches])
    return RequestPreview(req, matches, plan, run)


def approve_request(
    conn: Connection,
    request_id: int,
    *,
    approver: str,
    reason: str,
    now: datetime,
    only: list[str] | None = None,
) -> tuple[Request, Published | None]:
    """Approve all matches (or ``only`` some of them: a partial approval) and publish."""
    req = _pending(conn, request_id, approver)
    preview = preview_request(conn, request_id, now=now)
    matched = [d.entity_id for d in preview.matches]
    if only is not None:
        chosen = {preview.run.ctx.canon(e) for e in only}
        stray = sorted(chosen - set(matched))
        if stray:
            raise InvalidInput(
                f"{stray[0]} is not among the request's releasable matches",
                why="approve only what the preview lists",
            )
        selected = [e for e in matched if e in chosen]
    else:
        selected = matched
    pub = None
    if selected:
        plan = (
            preview.plan
            if selected == matched
            else plan_from(preview.run, now=now, entity_ids=selected)
        )
        pub = publish_plan(
            conn,
            plan,
            author=approver,
            purpose=f"request {req.id}: {req.purpose}",
            now=now,
            request_id=req.id,
        )
    state = RequestState.PARTIAL if len(selected) < len(matched) else RequestState.APPROVED
    _decide(conn, req.id, state, approver, reason, now, (pub.seq or None) if pub else None)
    return get_request(conn, req.id), pub


def deny_request(
    conn: Connection, request_id: int, *, approver: str, reason: str, now: datetime
) -> Request:
    req = _pending(conn, request_id, approver)
    if not reason.strip():
        raise InvalidInput("a denial needs a reason")
    _decide(conn, req.id, RequestState.DENIED, approver, reason, now, None)
    return get_request(conn, req.id)


def _pending(conn: Connection, request_id: int, approver: str) -> Request:
    req = get_request(conn, request_id)
    if req.state is not RequestState.PENDING:
        raise InvalidInput(f"request {request_id} is already {req.state.value}")
    if approver == req.created_by:
        raise InvalidInput(
            f"{approver} entered request {request_id}",
            why="a request is decided by someone other than who entered it",
        )
    return req


def _decide(
    conn: Connection,
    request_id: int,
    state: RequestState,
    approver: str,
    reason: str,
    now: datetime,
    release_seq: int | None,
) -> None:
    conn.execute(
        update(request)
        .where(request.c.id == request_id)
        .values(
            state=state.value,
            decided_by=approver,
            decided_at=to_text(now),
            decision_reason=reason.strip(),
            release_seq=release_seq,
        )
    )
