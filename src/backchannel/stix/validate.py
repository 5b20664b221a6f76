"""Validation of received STIX 2.1 objects, reporting every problem with its property.

This is the fast gate on the import path: the common properties, identifiers, timestamps,
references, required properties per type, and our own extensions against their JSON schemas.
Custom objects and ``x_`` properties are kept as received and not judged. ``stix2-validator`` is
used in tests as an independent oracle, not here (it is far too slow for bulk import).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from backchannel.stix.extension import PERSON_PROFILE, PROVENANCE
from backchannel.stix.extension_check import check_person_profile, check_provenance


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one object: which property and why."""

    prop: str
    reason: str


_TYPE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_ID = re.compile(
    r"^([a-z0-9]+(?:-[a-z0-9]+)*)--"
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

# Cyber-observable types: no created/modified, spec_version optional.
SCO_TYPES = frozenset(
    [
        "artifact",
        "autonomous-system",
        "directory",
        "domain-name",
        "email-addr",
        "email-message",
        "file",
        "ipv4-addr",
        "ipv6-addr",
        "mac-addr",
        "mutex",
        "network-traffic",
        "process",
        "software",
        "url",
        "user-account",
        "windows-registry-key",
        "x509-certificate",
    ]
)

REQUIRED: dict[str, tuple[str, ...]] = {
    "attack-pattern": ("name",),
    "campaign": ("name",),
    "course-of-action": ("name",),
    "grouping": ("context", "object_refs"),
    "identity": ("name",),
    "incident": ("name",),
    "indicator": ("pattern", "pattern_type", "valid_from"),
    "infrastructure": ("name",),
    "intrusion-set": ("name",),
    "malware": ("is_family",),
    "malware-analysis": ("product",),
    "note": ("content", "object_refs"),
    "observed-data": ("first_observed", "last_observed", "number_observed"),
    "opinion": ("opinion", "object_refs"),
    "report": ("name", "published", "object_refs"),
    "threat-actor": ("name",),
    "tool": ("name",),
    "vulnerability": ("name",),
    "relationship": ("relationship_type", "source_ref", "target_ref"),
    "sighting": ("sighting_of_ref",),
    "extension-definition": ("name", "schema", "version", "extension_types", "created_by_ref"),
}

_TIMESTAMP_PROPS = (
    "created",
    "modified",
    "published",
    "valid_from",
    "valid_until",
    "first_seen",
    "last_seen",
    "start_time",
    "stop_time",
    "first_observed",
    "last_observed",
)


def is_timestamp(value: Any) -> bool:
    return isinstance(value, str) and _TIMESTAMP.match(value) is not None


def validate_object(obj: Any) -> list[Problem]:
    """Every problem found in one object; an empty list means it may be archived."""
    if not isinstance(obj, dict):
        return [Problem("(object)", f"expected a JSON object, got {type(obj).__name__}")]
    problems: list[Problem] = []
    kind = obj.get("type")
    if not isinstance(kind, str) or not _TYPE.match(kind) or not 3 <= len(kind) <= 250:
        problems.append(Problem("type", f"missing or malformed type {kind!r}"))
        return problems
    ident = obj.get("id")
    m = _ID.match(ident) if isinstance(ident, str) else None
    if m is None:
        problems.append(Problem("id", f"missing or malformed identifier {ident!r}"))
    elif m.group(1) != kind:
        problems.append(Problem("id", f"identifier prefix {m.group(1)!r} is not the type {kind!r}"))
    is_sco = kind in SCO_TYPES
    spec = obj.get("spec_version")
    if spec is None and not is_sco:
        problems.append(Problem("spec_version", "missing (STIX 2.1 objects must say 2.1)"))
    elif spec is not None and spec != "2.1":
        problems.append(Problem("spec_version", f"{spec!r} is not 2.1"))
    if not is_sco:
        _check_times(obj, problems)
    for prop in REQUIRED.get(kind, ()):
        if obj.get(prop) in (None, "", []):
            problems.append(Problem(prop, f"required for {kind}"))
    if kind == "malware" and obj.get("is_family") is True and not obj.get("name"):
        problems.append(Problem("name", "required for a malware family"))
    if kind == "location" and not (
        obj.get("region") or obj.get("country") or ("latitude" in obj and "longitude" in obj)
    ):
        problems.append(Problem("region", "a location needs region, country or latitude+longitude"))
    conf = obj.get("confidence")
    if conf is not None and (
        isinstance(conf, bool) or not isinstance(conf, int) or not 0 <= conf <= 100
    ):
        problems.append(Problem("confidence", f"{conf!r} is not an integer from 0 to 100"))
    _check_refs(obj, problems)
    _check_extensions(obj, problems)
    _check_text(obj, problems)
    return problems


def _check_text(obj: dict[str, Any], problems: list[Problem]) -> None:
    """No NUL character anywhere: PostgreSQL text cannot hold one, so it is refused on every
    backend alike, naming the property, rather than failing later in the database."""
    try:
        if b"\\u0000" not in orjson.dumps(obj):
            return
    except (TypeError, orjson.JSONEncodeError):
        pass  # e.g. a lone surrogate: look property by property
    for path in nul_paths(obj, ""):
        problems.append(Problem(path, "contains a NUL character (U+0000), which cannot be stored"))


def nul_paths(value: Any, path: str = "") -> Iterator[str]:
    """Where in a JSON value a NUL character occurs (keys included), as property paths."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path or "(object)"
    elif isinstance(value, dict):
        for k, v in value.items():
            here = f"{path}.{k}" if path else str(k)
            if isinstance(k, str) and "\x00" in k:
                yield here
            yield from nul_paths(v, here)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from nul_paths(v, f"{path}.{i}")


def _check_times(obj: dict[str, Any], problems: list[Problem]) -> None:
    if "created" not in obj:
        problems.append(Problem("created", "required"))
    if "modified" not in obj and obj.get("type") != "marking-definition":
        problems.append(Problem("modified", "required"))
    for prop in _TIMESTAMP_PROPS:
        if prop in obj and not is_timestamp(obj[prop]):
            problems.append(Problem(prop, f"{obj[prop]!r} is not a UTC timestamp"))
    created, modified = obj.get("created"), obj.get("modified")
    if (
        isinstance(created, str)
        and isinstance(modified, str)
        and is_timestamp(created)
        and is_timestamp(modified)
        and normalise_timestamp(modified) < normalise_timestamp(created)
    ):
        problems.append(Problem("modified", "earlier than created"))


def _check_refs(obj: dict[str, Any], problems: list[Problem]) -> None:
    for prop, value in obj.items():
        if prop.startswith("x_"):
            continue  # custom properties are kept as received, not judged
        if prop.endswith("_ref"):
            if not (isinstance(value, str) and _ID.match(value)):
                problems.append(Problem(prop, f"{value!r} is not a STIX identifier"))
        elif prop.endswith("_refs") and (
            not isinstance(value, list)
            or not all(isinstance(v, str) and _ID.match(v) for v in value)
        ):
            problems.append(Problem(prop, "must be a list of STIX identifiers"))
    for ref in obj.get("object_marking_refs") or ():
        if isinstance(ref, str) and not ref.startswith("marking-definition--"):
            problems.append(Problem("object_marking_refs", f"{ref!r} is not a marking-definition"))


def _check_extensions(obj: dict[str, Any], problems: list[Problem]) -> None:
    exts = obj.get("extensions")
    if exts is None:
        return
    if not isinstance(exts, dict):
        problems.append(Problem("extensions", "must be an object"))
        return
    checks = ((PERSON_PROFILE, check_person_profile), (PROVENANCE, check_provenance))
    for ext_id, check in checks:
        if ext_id not in exts:
            continue
        if ext_id == PERSON_PROFILE and (
            obj.get("type") != "identity" or obj.get("identity_class") != "individual"
        ):
            problems.append(
                Problem(
                    f"extensions.{ext_id}",
                    "the person profile applies to identity_class individual",
                )
            )
        for path, reason in check(exts[ext_id]):
            where = f"extensions.{ext_id}" + (f".{path}" if path else "")
            problems.append(Problem(where, reason))


def normalise_timestamp(ts: str) -> str:
    """Fixed-width, sortable form: ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (extra digits truncated)."""
    base, _, frac = ts[:-1].partition(".")
    return f"{base}.{(frac + '000000')[:6]}Z"
