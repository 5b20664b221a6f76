"""TLP marking definitions: TLP 2.0 (the FIRST standard, as published for STIX 2.1) and TLP 1.0.

We write TLP 2.0 markings and read both. The TLP 2.0 marking-definition objects use the OASIS
extension ``extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d``.
"""

from __future__ import annotations

from typing import Any

from backchannel.model.vocab import TLP

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

TLP2_IDS: dict[TLP, str] = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

TLP1_IDS: dict[TLP, str] = {
    TLP.CLEAR: "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    TLP.GREEN: "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    TLP.AMBER: "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    TLP.RED: "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}

TLP_BY_MARKING_ID: dict[str, TLP] = {v: k for k, v in TLP1_IDS.items()} | {
    v: k for k, v in TLP2_IDS.items()
}


def tlp_of(obj: dict[str, Any]) -> TLP | None:
    """The strictest TLP among an object's ``object_marking_refs``, or None if it has none."""
    refs = obj.get("object_marking_refs") or ()
    found = [TLP_BY_MARKING_ID[r] for r in refs if r in TLP_BY_MARKING_ID]
    return TLP.strictest(found) if found else None


def tlp2_marking_definition(level: TLP) -> dict[str, Any]:
    """The standard TLP 2.0 marking-definition object for a level."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_IDS[level],
        "created": "2022-10-01T00:00:00.000Z",
        "name": level.label,
        "extensions": {
            TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level.value}
        },
    }
