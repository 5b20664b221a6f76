"""The extensions backchannel publishes, as STIX 2.1 ``extension-definition`` objects.

* person profile: a property extension on ``identity`` (``identity_class: individual``); its JSON
  schema ships in this package (``schema/person-profile.json``).
* statement provenance: a property extension on any SDO/SRO of a knowledge export that lists the
  statements the object was built from, each with its source, grade, marking and dates, so an
  export can be imported elsewhere without losing who said what.
* statistics: a property extension on ``note`` carrying a statistics release (counts by group ×
  nationality × status with small cells suppressed; ``schema/statistics.json``,
  ``liaison/statistics.py``).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

PROJECT_IDENTITY = "identity--ef995a80-d375-4416-aa65-e37e0d7c7725"
PERSON_PROFILE = "extension-definition--2ef024af-703e-43d4-b8a5-15daef67bd1d"
PROVENANCE = "extension-definition--46b1e98d-5963-470b-becf-ab28710d8f30"
STATISTICS = "extension-definition--3dfac56c-00dd-49ca-97cf-4706020f9e14"

_CREATED = "2026-11-27T00:00:00.000Z"


@cache
def person_profile_schema() -> dict[str, Any]:
    text = resources.files("backchannel.stix").joinpath("schema/person-profile.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def provenance_schema() -> dict[str, Any]:
    text = resources.files("backchannel.stix").joinpath("schema/provenance.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def statistics_schema() -> dict[str, Any]:
    text = resources.files("backchannel.stix").joinpath("schema/statistics.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def project_identity() -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": PROJECT_IDENTITY,
        "created": _CREATED,
        "modified": _CREATED,
        "name": "backchannel project",
        "identity_class": "organization",
    }


def extension_definitions() -> list[dict[str, Any]]:
    """The extension-definition objects to put in front of any bundle that uses them."""
    common = {
        "type": "extension-definition",
        "spec_version": "2.1",
        "created_by_ref": PROJECT_IDENTITY,
        "created": _CREATED,
        "modified": _CREATED,
        "version": "1.0.0",
        "extension_types": ["property-extension"],
    }
    return [
        common
        | {
            "id": PERSON_PROFILE,
            "name": "backchannel person profile",
            "description": person_profile_schema()["description"],
            "schema": "https://backchannel.invalid/schema/person-profile/1.0.json",
        },
        common
        | {
            "id": PROVENANCE,
            "name": "backchannel statement provenance",
            "description": provenance_schema()["description"],
            "schema": "https://backchannel.invalid/schema/provenance/1.0.json",
        },
        common
        | {
            "id": STATISTICS,
            "name": "backchannel statistics release",
            "description": statistics_schema()["description"],
            "schema": "https://backchannel.invalid/schema/statistics/1.0.json",
        },
    ]
