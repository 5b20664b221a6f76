"""Read FollowTheMoney entities (JSON lines, as OpenSanctions publishes them) as STIX objects.

One entity per line: ``{"id", "schema", "properties": {"name": [...], ...}, "first_seen",
"last_change", "datasets"}``. What each schema becomes:

* ``Person`` → ``identity`` (individual) with the person profile;
* ``Organization``, ``Company``, ``LegalEntity``, ``PublicBody`` → ``identity`` (organization);
* ``Vessel``, ``Airplane``, ``Vehicle`` → ``identity`` of class ``unknown``;
* links between them (``Membership``, ``Family``, ``Ownership``, …, see :data:`RELATIONS`) →
  ``relationship`` (``member-of``, ``related-to``, ``owns``, …);
* anything else (``Sanction``, ``Address``, ``Passport``, …) → a custom ``x-ftm-entity``
  object: archived as received, making no statements.

Ids are ``<type>--uuid5("ftm:<entity id>")``, so a link's ends are the ids its entities get;
``created``/``modified`` are ``first_seen``/``last_change`` (``last_seen`` moves with every
export, so it is not used). Properties with no STIX or profile home are kept whole in
``x_ftm_properties``. A line that is not JSON, or has no id or schema, is reported with its
line number while the other lines land.
"""

from __future__ import annotations

import gzip
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import orjson

from backchannel.errors import InvalidInput
from backchannel.ingest.country import country_name
from backchannel.ingest.list_date import parse_date_text
from backchannel.ingest.listing import (
    UNDATED,
    IdentityClass,
    Listing,
    clean,
    instant_stamp,
    stix_id,
)
from backchannel.stix.reader import Located
from backchannel.stix.validate import Problem

FORMAT = "ftm"
SOURCE_NAME = "FollowTheMoney"

IDENTITY_CLASSES: dict[str, IdentityClass] = {
    "Person": "individual",
    "Organization": "organization",
    "Company": "organization",
    "LegalEntity": "organization",
    "PublicBody": "organization",
    "Vessel": "unknown",
    "Airplane": "unknown",
    "Vehicle": "unknown",
}
# schema: (source property, target property, relationship_type, properties that describe it)
RELATIONS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "Membership": ("member", "organization", "member-of", ("role",)),
    "Directorship": ("director", "organization", "director-of", ("role",)),
    "Employment": ("employee", "employer", "employed-by", ("role",)),
    "Ownership": ("owner", "asset", "owns", ("role", "percentage")),
    "Representation": ("agent", "client", "represents", ("role",)),
    "Family": ("person", "relative", "related-to", ("relationship",)),
    "Associate": ("person", "associate", "related-to", ("relationship",)),
    "UnknownLink": ("subject", "object", "related-to", ("role",)),
}
_NAME_PARTS = ("firstName", "secondName", "middleName", "fatherName", "lastName")
_TEXT = ("summary", "description", "notes")
# Mapped for every identity; the rest of its properties go to x_ftm_properties.
_MAPPED = frozenset(
    [
        "name",
        "alias",
        "weakAlias",
        "previousName",
        "country",
        "jurisdiction",
        "mainCountry",
        "topics",
        "position",
        "title",
        "address",
        *_TEXT,
    ]
)
_PERSON_MAPPED = frozenset(
    ["birthDate", "birthPlace", "birthCountry", "nationality", "citizenship", "gender"]
)
_CODE = re.compile(r"^[A-Za-z]{2}$")
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Props = dict[str, list[str]]


def read_ftm(name: str) -> Iterator[Located]:
    """Yield one STIX object per entity line (position = line number; blank lines skipped)."""
    label = "<stdin>" if name == "-" else name
    try:
        stream = _open(name)
    except OSError as exc:
        raise InvalidInput("cannot read file", where=label, why=str(exc)) from None
    try:
        for number, line in enumerate(stream, start=1):
            if line.strip():
                yield _line(line, label, number)
    except (OSError, EOFError) as exc:
        raise InvalidInput("cannot read file", where=label, why=str(exc)) from None
    finally:
        if name != "-":
            stream.close()


def _open(name: str) -> IO[bytes]:
    if name == "-":
        return sys.stdin.buffer
    raw = open(name, "rb")  # noqa: SIM115 - closed by the caller
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    raw.seek(0)
    return raw


def _line(line: bytes, label: str, number: int) -> Located:
    def bad(prop: str, reason: str) -> Located:
        return Located(label, number, {}, (Problem(prop, reason),))

    try:
        data = orjson.loads(line.rstrip(b"\r\n"))
    except orjson.JSONDecodeError as exc:
        return bad("(line)", f"malformed JSON at column {exc.colno}: {exc.msg}")
    if not isinstance(data, dict):
        return bad("(line)", f"expected a JSON object, got {type(data).__name__}")
    problems: list[Problem] = []
    entity_id, schema = data.get("id"), data.get("schema")
    if not isinstance(entity_id, str) or not entity_id.strip():
        problems.append(Problem("id", "missing: every entity needs its id"))
    if not isinstance(schema, str) or not schema.strip():
        problems.append(Problem("schema", "missing: every entity needs its schema"))
    props = _properties(data.get("properties", {}), problems)
    created = _stamp(data, "first_seen", problems) or UNDATED
    modified = _stamp(data, "last_change", problems) or created
    if problems:
        return Located(label, number, {}, tuple(problems))
    assert isinstance(entity_id, str) and isinstance(schema, str)
    datasets = data.get("datasets")
    entity = _Entity(
        entity_id.strip(),
        schema.strip(),
        props,
        created=created,
        modified=max(created, modified),
        datasets=tuple(d for d in datasets if isinstance(d, str))
        if isinstance(datasets, list)
        else (),
    )
    if entity.schema in IDENTITY_CLASSES:
        obj, found = _identity(entity)
    elif entity.schema in RELATIONS:
        obj, found = _relationship(entity)
    else:
        obj, found = _archived(entity), ()
    return Located(label, number, obj, found)


@dataclass(frozen=True, slots=True)
class _Entity:
    """One well-formed entity line, before it becomes STIX."""

    id: str
    schema: str
    props: Props
    created: str
    modified: str
    datasets: tuple[str, ...]

    def common(self, stix_type: str) -> dict[str, Any]:
        return {
            "type": stix_type,
            "spec_version": "2.1",
            "id": stix_id(stix_type, FORMAT, self.id),
            "created": self.created,
            "modified": self.modified,
        }

    @property
    def reference(self) -> list[dict[str, str]]:
        return [{"source_name": SOURCE_NAME, "external_id": self.id}]


Converted = tuple[dict[str, Any], tuple[Problem, ...]]


def _archived(entity: _Entity) -> dict[str, Any]:
    """A schema with no STIX counterpart: kept whole as a custom object."""
    return entity.common("x-ftm-entity") | {
        "x_ftm_schema": entity.schema,
        "x_ftm_properties": entity.props,
        "external_references": entity.reference,
    }


def _properties(raw: Any, problems: list[Problem]) -> Props:
    if not isinstance(raw, dict):
        problems.append(Problem("properties", "expected an object of property lists"))
        return {}
    props: Props = {}
    for prop, values in raw.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            nested = isinstance(values, list) and any(isinstance(v, dict) for v in values)
            problems.append(
                Problem(
                    f"properties.{prop}",
                    "nested entities are not read: use the flat entities.ftm.json export"
                    if nested
                    else "expected a list of strings",
                )
            )
            continue
        kept = [v for v in (clean(x) for x in values) if v]
        if kept:
            props[prop] = kept
    return dict(sorted(props.items()))


def _stamp(data: dict[str, Any], key: str, problems: list[Problem]) -> str | None:
    raw = data.get(key)
    if raw is None:
        return None
    stamp = instant_stamp(raw) if isinstance(raw, str) else None
    if stamp is None:
        problems.append(Problem(key, f"{raw!r} is not an ISO 8601 date-time"))
    return stamp


def _identity(entity: _Entity) -> Converted:
    props = entity.props
    kind = IDENTITY_CLASSES[entity.schema]
    listing = Listing(
        fmt=FORMAT,
        source_name=SOURCE_NAME,
        source_id=entity.id,
        identity_class=kind,
        created=entity.created,
        modified=entity.modified,
    )
    for value in props.get("name", ()):
        listing.add_name(value)
    if not listing.names:
        listing.add_name(" ".join(v for p in _NAME_PARTS for v in props.get(p, ())[:1]))
    if not listing.names:
        reason = f"a {entity.schema} needs a name (or firstName/lastName)"
        return {"id": listing.id}, (Problem("properties.name", reason),)
    for prop in ("alias", "previousName"):
        for value in props.get(prop, ()):
            listing.add_alias(value)
    for value in props.get("weakAlias", ()):
        listing.add_alias(value, "low")
    listing.set("x_source_type", entity.schema)
    listing.set("description", "\n\n".join(v for p in _TEXT for v in props.get(p, ())))
    for prop, target in (
        ("position", "roles"),
        ("topics", "labels"),
        ("title", "x_titles"),
        ("address", "x_addresses"),
    ):
        for value in props.get(prop, ()):
            listing.add(target, value)
    for prop in ("country", "jurisdiction", "mainCountry"):
        for value in props.get(prop, ()):
            listing.add("x_countries", _code(value) or value)
    for value in entity.datasets:
        listing.add("x_datasets", value)
    mapped = _MAPPED
    if kind == "individual":
        _person(props, listing)
        mapped = _MAPPED | _PERSON_MAPPED
    listing.set("x_ftm_properties", {k: v for k, v in props.items() if k not in mapped})
    return listing.to_stix(), ()


def _person(props: Props, listing: Listing) -> None:
    for value in props.get("birthDate", ()):
        item = parse_date_text(value[:10] if "T" in value else value)
        if item is None:
            listing.add("x_notes", f"birthDate: {value}")
        else:
            listing.add_birth_date(item)
    countries = [c for c in (_code(v) for v in props.get("birthCountry", ())) if c]
    places = props.get("birthPlace", [])
    for place in places:
        listing.add_birthplace(place, countries[0] if len(countries) == 1 else None)
    if not places:
        for country in countries:
            listing.add_birthplace(country_name(country) or country, country)
    for prop in ("nationality", "citizenship"):
        for value in props.get(prop, ()):
            code = _code(value)
            if code is None:
                listing.add("x_nationality_text", value)
            else:
                listing.add_nationality_code(code)
    for value in props.get("gender", ()):
        if value.casefold() in ("male", "female", "other") and listing.gender is None:
            listing.gender = value.casefold()
        else:
            listing.add("x_notes", f"gender: {value}")


def _code(value: str) -> str | None:
    """FtM countries are lower-case alpha-2 codes; other values (``suhh``) are not codes."""
    return value.upper() if _CODE.match(value) else None


def _relationship(entity: _Entity) -> Converted:
    source_prop, target_prop, rtype, described_by = RELATIONS[entity.schema]
    props = entity.props
    ends = {p: props.get(p, []) for p in (source_prop, target_prop)}
    obj = entity.common("relationship")
    problems = tuple(
        Problem(f"properties.{p}", f"a {entity.schema} needs exactly one {p}, got {len(v)}")
        for p, v in ends.items()
        if len(v) != 1
    )
    if problems:
        return {"id": obj["id"]}, problems
    obj["relationship_type"] = rtype
    obj["source_ref"] = stix_id("identity", FORMAT, ends[source_prop][0])
    obj["target_ref"] = stix_id("identity", FORMAT, ends[target_prop][0])
    description = "; ".join(v for p in (*described_by, *_TEXT) for v in props.get(p, ()))
    if description:
        obj["description"] = description
    for prop, stix_prop in (("startDate", "start_time"), ("endDate", "stop_time")):
        days = props.get(prop, [])
        if len(days) == 1 and _FULL_DATE.match(days[0]):
            obj[stix_prop] = f"{days[0]}T00:00:00.000Z"
    start, stop = obj.get("start_time"), obj.get("stop_time")
    if start and stop and stop <= start:
        del obj["stop_time"]  # STIX wants stop after start; both dates stay in x_ftm_properties
    obj["external_references"] = entity.reference
    rest = {k: v for k, v in props.items() if k not in (source_prop, target_prop)}
    if rest:
        obj["x_ftm_properties"] = rest
    return obj, ()
