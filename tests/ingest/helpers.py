"""Small helpers shared by the list-format tests."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from backchannel.ingest.formats import FORMATS
from backchannel.stix.reader import Located
from backchannel.store.engine import Store
from backchannel.store.knowledge import EntityView, get_entity
from backchannel.store.schema import delivery, entity, envelope, record, statement
from tests.stix.helpers import validator_errors


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every truth table, sorted: equal dumps mean nothing changed."""
    with store.read() as conn:
        return {
            t.name: sorted(tuple(r) for r in conn.execute(select(t)))
            for t in (envelope, record, delivery, entity, statement)
        }


def entity_of(store: Store, entity_id: str) -> EntityView:
    with store.read() as conn:
        return get_entity(conn, entity_id)


def values(view: EntityView, prop: str) -> set[str]:
    return {s.value for s in view.current(prop)}


def qualified(view: EntityView, prop: str) -> dict[str, dict[str, str]]:
    """Current values of ``prop`` with their qualifiers."""
    return {s.value: s.qualifiers for s in view.current(prop)}


def source_ids(view: EntityView) -> set[tuple[str, str]]:
    """(source_name, external_id) of the entity's external references."""
    refs = [json.loads(v) for v in values(view, "external_references")]
    return {(r["source_name"], r["external_id"]) for r in refs}


def converted(fmt: str, path: str) -> list[Located]:
    return list(FORMATS[fmt].read(path))


def oracle_errors(located: list[Located]) -> list[str]:
    """stix2-validator errors for every converted (not rejected) object."""
    objects = [loc.obj for loc in located if not loc.problems]
    return validator_errors(
        {
            "type": "bundle",
            "id": "bundle--00000000-0000-4000-8000-0000000000bb",
            "objects": objects,
        }
    )
