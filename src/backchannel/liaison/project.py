"""Projecting canonical entities for one partner: the STIX objects a release contains.

Pure: the caller supplies the entities (each with the statements of every record merged into
it), the policy context and a function giving each released entity its partner-specific id.
Only released statements go into objects; a relationship whose other end is not released is
dropped; a reference (``object_refs``) to an unreleased object is removed; every object keeps
the marking of the strictest TLP among its released statements. Sources are never named: the
release-grading extension carries each fact's grade and marking instead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

import orjson

from backchannel.liaison.agreement import Terms
from backchannel.liaison.policy import Context, EntityDecision, decide_entity
from backchannel.model.envelope import NAMESPACE
from backchannel.model.statement import StoredStatement
from backchannel.stix.extension import (
    PERSON_PROFILE,
    PROJECT_IDENTITY,
)
from backchannel.stix.extract import is_reference
from backchannel.stix.writer import entity_object, relationship_objects, statement_extension
from backchannel.store.knowledge import EntityView

RELEASE_GRADING = "extension-definition--8c0f3b52-6d0e-4b43-9a51-2f6f63c1d7aa"


@cache
def release_grading_schema() -> dict[str, Any]:
    path = resources.files("backchannel.stix").joinpath("schema/release-grading.json")
    schema: dict[str, Any] = json.loads(path.read_text())
    return schema


def release_grading_definition() -> dict[str, Any]:
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": RELEASE_GRADING,
        "created_by_ref": PROJECT_IDENTITY,
        "created": "2026-11-27T00:00:00.000Z",
        "modified": "2026-11-27T00:00:00.000Z",
        "version": "1.0.0",
        "extension_types": ["property-extension"],
        "name": "backchannel released statement grading",
        "description": release_grading_schema()["description"],
        "schema": "https://backchannel.invalid/schema/release-grading/1.0.json",
    }


def partner_object_id(secret: bytes, partner_id: str, key: str, stix_type: str) -> str:
    """A deterministic id for one partner's copy of something: the same every time for that
    partner, and unlinkable between partners without this database's secret."""
    digest = hmac.new(secret, f"{partner_id}\x1f{key}".encode(), hashlib.sha256).digest()
    return f"{stix_type}--{uuid.UUID(bytes=digest[:16], version=4)}"


def handling_marking(partner_id: str, terms: Terms) -> dict[str, Any]:
    """The handling conditions of an agreement as a STIX statement marking, so they travel
    with every object released under it (DP-6): purpose, retention, onward sharing."""
    onward = ", ".join(sorted(terms.onward_to)) or "nobody"
    retention = (
        f"Retain at most {terms.retention_days} days after receipt."
        if terms.retention_days
        else "Retain only as long as the purpose requires."
    )
    statement = (
        f"Released to {partner_id} for: {terms.purpose or 'the purpose agreed'}. {retention} "
        f"No onward dissemination except to: {onward}; facts originated by third parties "
        "remain subject to their consent."
    )
    key = orjson.dumps([partner_id, statement]).decode()
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": f"marking-definition--{uuid.uuid5(NAMESPACE, key)}",
        "created_by_ref": PROJECT_IDENTITY,
        "created": "2026-11-27T00:00:00.000Z",
        "name": f"backchannel handling conditions for {partner_id}",
        "definition_type": "statement",
        "definition": {"statement": statement},
    }


@dataclass(frozen=True)
class Projected:
    """One object of a release before it is versioned: ``content`` lacks created/modified."""

    object_id: str
    canonical_id: str
    content: dict[str, Any]
    first_seen: str  # the earliest first_seen of its statements (becomes `created`)


@dataclass(frozen=True)
class Projection:
    decisions: list[EntityDecision]
    objects: list[Projected]


def _released_form(
    obj: dict[str, Any], stmts: Sequence[StoredStatement], handling: str | None
) -> dict[str, Any]:
    """Add the grading (in place of the provenance, which names sources); unname status
    sources."""
    exts = obj["extensions"]
    exts[RELEASE_GRADING] = statement_extension(stmts, name_sources=False)
    profile = exts.get(PERSON_PROFILE)
    if profile is not None:
        for item in profile.get("status_assertions", ()):
            item.pop("source", None)
    obj["created_by_ref"] = PROJECT_IDENTITY
    if handling is not None:
        obj["object_marking_refs"] = [*obj["object_marking_refs"], handling]
    for key in ("created", "modified"):
        obj.pop(key, None)
    return obj


def project(
    views: Iterable[EntityView],
    ctx: Context,
    object_id: Callable[[str, str], str],
    *,
    handling: str | None = None,
) -> Projection:
    """Decide every entity and build the objects of the released ones.

    ``views`` are canonical entities (ids are canonical ids); ``object_id(canonical_id,
    stix_type)`` gives the partner's id for a released entity.
    """
    views = list(views)
    decisions = [decide_entity(v.id, v.kind, v.statements, ctx) for v in views]
    released = {d.entity_id for d in decisions if d.decision.released}
    ids = {v.id: object_id(v.id, v.stix_type) for v in views if v.id in released}

    def target(value: str) -> str | None:
        return ids.get(ctx.canon(value))

    objects: list[Projected] = []
    for view, decision in zip(views, decisions, strict=True):
        if view.id not in released:
            continue
        keep = decision.released_ids
        stmts = [s for s in view.statements if s.id in keep]
        facts: list[StoredStatement] = []
        links: list[StoredStatement] = []
        for s in stmts:
            if not s.link:
                facts.append(s)
            elif (mapped := target(s.value)) is not None:
                (facts if is_reference(s.prop) else links).append(replace(s, value=mapped))
        mine = replace(view, id=ids[view.id])
        obj = _released_form(entity_object(mine, facts, provenance=False), facts, handling)
        first = min(s.first_seen for s in facts)
        objects.append(Projected(obj["id"], view.id, obj, first))
        for rel in relationship_objects(mine, links, provenance=False):
            group = [
                s
                for s in links
                if (s.prop, s.value, s.valid_from, s.valid_to)
                == (
                    rel["relationship_type"],
                    rel["target_ref"],
                    rel.get("start_time"),
                    rel.get("stop_time"),
                )
            ]
            rel_first = min(s.first_seen for s in group)
            objects.append(
                Projected(rel["id"], view.id, _released_form(rel, group, handling), rel_first)
            )
    return Projection(decisions, objects)
