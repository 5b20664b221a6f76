"""A small liaison world: our facts, a partner's facts, partners and agreements."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backchannel.ingest.stix_bundle import import_stix
from backchannel.store.engine import Store
from backchannel.store.partners import add_partner, change_agreement, set_originator
from tests.conftest import DATA, Clock, make_envelope

PERSON_PROFILE = "extension-definition--2ef024af-703e-43d4-b8a5-15daef67bd1d"
GROUP = "threat-actor--00000000-0000-4000-8000-000000000001"
YUSUF = "identity--00000000-0000-4000-8000-000000000002"
YOUSSEF = "identity--00000000-0000-4000-8000-000000000003"
WITNESS = "identity--00000000-0000-4000-8000-000000000004"
# A person only partner X told us about, with an AU nationality and a membership.
X_PERSON = "identity--00000000-0000-4000-8000-0000000000a1"

PERSON_LEVEL: dict[str, Any] = {
    "status": "active",
    "tlp_ceiling": "amber",
    "categories": ["persons", "groups", "status", "statistics"],
    "granularity": "person-level",
    "purpose": "counter-terrorism cooperation",
}


def partner_x_bundle(tmp: Path) -> Path:
    """Facts originated by partner X: a person of theirs, and a membership of it."""
    objects = [
        {
            "type": "identity",
            "spec_version": "2.1",
            "id": X_PERSON,
            "created": "2024-02-01T00:00:00.000Z",
            "modified": "2024-02-01T00:00:00.000Z",
            "name": "Hamid Zubayri",
            "identity_class": "individual",
            "extensions": {
                PERSON_PROFILE: {
                    "extension_type": "property-extension",
                    "subject_category": "suspect",
                    "names": [{"value": "Hamid Zubayri", "script": "Latn"}],
                    "nationalities": ["AU"],
                    "status_assertions": [{"status": "killed", "date": "2019-03"}],
                }
            },
        },
        {
            "type": "relationship",
            "spec_version": "2.1",
            "id": "relationship--00000000-0000-4000-8000-0000000000a3",
            "created": "2024-02-01T00:00:00.000Z",
            "modified": "2024-02-01T00:00:00.000Z",
            "relationship_type": "member-of",
            "source_ref": X_PERSON,
            "target_ref": GROUP,
        },
    ]
    path = tmp / "partner_x.json"
    path.write_text(
        json.dumps(
            {
                "type": "bundle",
                "id": "bundle--00000000-0000-4000-8000-0000000000a9",
                "objects": objects,
            }
        )
    )
    return path


def world(store: Store, clock: Clock, tmp: Path) -> None:
    """Our facts (Service A, own), partner X's facts, partners au / x / z, no agreements."""
    import_stix(store, [str(DATA / "persons.json")], make_envelope("Service A"), clock=clock)
    import_stix(store, [str(partner_x_bundle(tmp))], make_envelope("Partner X"), clock=clock)
    with store.write() as conn:
        for pid, name in (("au", "Service AU"), ("x", "Service X"), ("z", "Service Z")):
            origin = ["Partner X"] if pid == "x" else []
            add_partner(conn, pid, name, originators=origin, author="admin", now=clock())
        set_originator(conn, "Service A", "own", author="admin", now=clock())


def agree(store: Store, clock: Clock, partner: str, **changes: Any) -> None:
    with store.write() as conn:
        change_agreement(
            conn, partner, PERSON_LEVEL | changes, author="admin", reason="test", now=clock()
        )
