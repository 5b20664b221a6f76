"""Fast checks of our two extensions, equivalent to their published JSON schemas.

The JSON schemas (``schema/*.json``) are the contract partners read; this module enforces the
same rules on the import path about fifty times faster than a generic schema validator, which
matters at tens of thousands of persons per second. ``tests/stix/test_extension_check.py``
checks on generated documents that both always agree. One deliberate difference: timestamps in
the provenance extension must really be UTC timestamps here (a schema ``format`` is only
advisory).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_SCRIPT = re.compile(r"^[A-Z][a-z]{3}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_REF = re.compile(r"^[a-z0-9-]+--[0-9a-fA-F-]{36}$")
_PROP = re.compile(r"^[a-z][a-z0-9_-]*$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

_RELIABILITY = ("A", "B", "C", "D", "E", "F")
_TLP = ("clear", "green", "amber", "amber+strict", "red")

Issue = tuple[str, str]  # (path below the extension, reason)
Check = Callable[[Any, str, list[Issue]], None]


def _str(pattern: re.Pattern[str] | None = None, *, nonempty: bool = False) -> Check:
    def check(v: Any, path: str, out: list[Issue]) -> None:
        if not isinstance(v, str):
            out.append((path, f"{v!r} is not a string"))
        elif nonempty and not v:
            out.append((path, "must not be empty"))
        elif pattern is not None and not pattern.match(v):
            out.append((path, f"{v!r} does not match {pattern.pattern!r}"))

    return check


def _enum(*values: str) -> Check:
    def check(v: Any, path: str, out: list[Issue]) -> None:
        if not isinstance(v, str) or v not in values:
            out.append((path, f"{v!r} is not one of {list(values)}"))

    return check


def _bool(v: Any, path: str, out: list[Issue]) -> None:
    if not isinstance(v, bool):
        out.append((path, f"{v!r} is not a boolean"))


def _credibility(v: Any, path: str, out: list[Issue]) -> None:
    is_int = isinstance(v, int) or (isinstance(v, float) and v.is_integer())
    if isinstance(v, bool) or not is_int:
        out.append((path, f"{v!r} is not an integer"))
    elif not 1 <= v <= 6:
        out.append((path, f"{v!r} is not between 1 and 6"))


def _string_map(v: Any, path: str, out: list[Issue]) -> None:
    if not isinstance(v, dict):
        out.append((path, f"{v!r} is not an object"))
        return
    for k, x in v.items():
        if not isinstance(x, str):
            out.append((f"{path}.{k}", f"{x!r} is not a string"))


def _object(fields: dict[str, Check], required: tuple[str, ...] = ()) -> Check:
    def check(v: Any, path: str, out: list[Issue]) -> None:
        if not isinstance(v, dict):
            out.append((path, f"{v!r} is not an object"))
            return
        for name in required:
            if name not in v:
                out.append((path, f"{name!r} is a required property"))
        for name, x in v.items():
            sub = f"{path}.{name}" if path else name
            if name in fields:
                fields[name](x, sub, out)
            else:
                out.append((path, f"additional property {name!r} is not allowed"))

    return check


def _list(item: Check) -> Check:
    def check(v: Any, path: str, out: list[Issue]) -> None:
        if not isinstance(v, list):
            out.append((path, f"{v!r} is not an array"))
            return
        if not v:
            out.append((path, "must not be empty"))
        for i, x in enumerate(v):
            item(x, f"{path}.{i}", out)

    return check


def _birth_date(v: Any, path: str, out: list[Issue]) -> None:
    date = _str(_PARTIAL_DATE)
    _object({"date": date, "earliest": date, "latest": date, "approximate": _bool})(v, path, out)
    if isinstance(v, dict):
        single = "date" in v and "earliest" not in v and "latest" not in v
        ranged = "earliest" in v and "latest" in v and "date" not in v
        if not (single or ranged):
            out.append((path, "give either 'date', or both 'earliest' and 'latest'"))


_COUNTRY_CHECK = _str(_COUNTRY)
_SOURCE = _str(nonempty=True)

_PROFILE = _object(
    {
        "extension_type": _enum("property-extension"),
        "subject_category": _enum("suspect", "convicted", "victim", "witness", "contact", "other"),
        "names": _list(
            _object(
                {
                    "value": _str(nonempty=True),
                    "script": _str(_SCRIPT),
                    "lang": _str(_LANG),
                    "transliteration_of": _str(nonempty=True),
                    "system": _str(),
                },
                ("value",),
            )
        ),
        "aliases": _list(
            _object(
                {
                    "value": _str(nonempty=True),
                    "kind": _enum("alias", "kunya", "nom-de-guerre", "laqab", "birth-name"),
                    "script": _str(_SCRIPT),
                    "quality": _enum("good", "low"),
                },
                ("value", "kind"),
            )
        ),
        "birth_dates": _list(_birth_date),
        "birthplaces": _list(
            _object({"name": _str(nonempty=True), "country": _COUNTRY_CHECK}, ("name",))
        ),
        "nationalities": _list(_COUNTRY_CHECK),
        "gender": _enum("male", "female", "other", "unknown"),
        "status_assertions": _list(
            _object(
                {
                    "status": _enum("at-large", "killed", "detained", "returned", "unknown"),
                    "date": _str(_PARTIAL_DATE),
                    "place": _str(nonempty=True),
                    "country": _COUNTRY_CHECK,
                    "source": _SOURCE,
                    "source_ref": _str(_REF),
                    "reliability": _enum(*_RELIABILITY),
                    "credibility": _credibility,
                },
                ("status",),
            )
        ),
    },
    ("extension_type",),
)

_PROVENANCE = _object(
    {
        "extension_type": _enum("property-extension"),
        "statements": _list(
            _object(
                {
                    "property": _str(_PROP),
                    "value": _str(),
                    "qualifiers": _string_map,
                    "source": _SOURCE,
                    "originator": _SOURCE,
                    "channel": _SOURCE,
                    "reliability": _enum(*_RELIABILITY),
                    "credibility": _credibility,
                    "tlp": _enum(*_TLP),
                    "valid_from": _str(),
                    "valid_to": _str(),
                    "first_seen": _str(_TIMESTAMP),
                    "last_seen": _str(_TIMESTAMP),
                    "record": _str(),
                },
                (
                    "property",
                    "value",
                    "source",
                    "originator",
                    "channel",
                    "reliability",
                    "credibility",
                    "tlp",
                    "first_seen",
                    "last_seen",
                ),
            )
        ),
    },
    ("extension_type", "statements"),
)


def check_person_profile(ext: Any) -> list[Issue]:
    """Every way ``ext`` breaks the person-profile schema, as (path, reason)."""
    out: list[Issue] = []
    _PROFILE(ext, "", out)
    return out


def check_provenance(ext: Any) -> list[Issue]:
    """Every way ``ext`` breaks the provenance schema (timestamps checked strictly)."""
    out: list[Issue] = []
    _PROVENANCE(ext, "", out)
    return out
