"""Read the UN Security Council Consolidated List (XML) as STIX ``identity`` objects.

The list (``CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL`` and ``ENTITIES/ENTITY``) is streamed
with a pull parser and every record is dropped once converted, so memory stays bounded whatever
the size of the file. Individuals become persons with the person profile, entities become
organisations (the list does not say which entities are armed groups, so none is guessed to
be a ``threat-actor``). ``docs/formats.md`` has the field-by-field mapping.

* id: ``identity--uuid5("un:<REFERENCE_NUMBER>")``; the reference number (``QDi.001``) is also
  the external id;
* ``created`` is ``LISTED_ON``, ``modified`` the latest ``LAST_DAY_UPDATED`` (or ``LISTED_ON``):
  the same list imports as unchanged, an amended record as a new version;
* XML with a document type declaration is refused: a DTD can declare entities that expand
  without bound, and the UN list has none.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import IO

from backchannel.errors import InvalidInput
from backchannel.ingest.country import country_code
from backchannel.ingest.list_date import date_range, parse_date_text
from backchannel.ingest.listing import UNDATED, Listing, Quality, clean, day_stamp
from backchannel.stix.reader import Located
from backchannel.stix.validate import Problem

FORMAT = "un"
SOURCE_NAME = "UN Security Council Consolidated List"
ROOT = "CONSOLIDATED_LIST"
_RECORDS = ("INDIVIDUAL", "ENTITY")
_CHUNK = 1 << 16
_MAX_PROLOGUE = 1 << 20
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")

# Children read field by field; any other child with text is kept in x_notes.
_HANDLED = frozenset(
    [
        "FIRST_NAME",
        "SECOND_NAME",
        "THIRD_NAME",
        "FOURTH_NAME",
        "REFERENCE_NUMBER",
        "LISTED_ON",
        "LAST_DAY_UPDATED",
        "NAME_ORIGINAL_SCRIPT",
        "COMMENTS1",
        "UN_LIST_TYPE",
        "TITLE",
        "DESIGNATION",
        "NATIONALITY",
        "GENDER",
        "INDIVIDUAL_ALIAS",
        "INDIVIDUAL_DATE_OF_BIRTH",
        "INDIVIDUAL_PLACE_OF_BIRTH",
        "INDIVIDUAL_ADDRESS",
        "INDIVIDUAL_DOCUMENT",
        "ENTITY_ALIAS",
        "ENTITY_ADDRESS",
    ]
)
# List bookkeeping with no meaning for the subject: the database key and version, the sort
# keys, and LIST_TYPE (always "UN List").
_IGNORED = frozenset(["DATAID", "VERSIONNUM", "SORT_KEY", "SORT_KEY_LAST_MOD", "LIST_TYPE"])
_QUALITY: dict[str, Quality] = {"good": "good", "low": "low"}
_NOT_AVAILABLE = frozenset(["na", "n/a", "not available", "unknown"])


def read_un_list(name: str) -> Iterator[Located]:
    """Yield one STIX identity per INDIVIDUAL and ENTITY, in file order (1-based position).

    A record that cannot be converted (no reference number, no name, a malformed date) is
    yielded with its problems; malformed XML raises :class:`InvalidInput` with the parser's
    line and column.
    """
    label = "<stdin>" if name == "-" else name
    try:
        stream: IO[bytes] = sys.stdin.buffer if name == "-" else open(name, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InvalidInput("cannot read file", where=label, why=str(exc)) from None
    try:
        yield from _records(stream, label)
    except OSError as exc:
        raise InvalidInput("cannot read file", where=label, why=str(exc)) from None
    finally:
        if name != "-":
            stream.close()


def _records(stream: IO[bytes], label: str) -> Iterator[Located]:
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    stack: list[ET.Element] = []
    position = 0
    head = b""
    checked = False

    def events() -> Iterator[Located]:
        nonlocal position
        for item in parser.read_events():
            event, elem = item[0], item[-1]
            if not isinstance(elem, ET.Element):
                continue  # only start and end events were asked for: always elements
            if event == "start":
                if not stack and elem.tag != ROOT:
                    raise InvalidInput(
                        "not a UN Security Council consolidated list",
                        where=label,
                        why=f"the root element is <{elem.tag}>, expected <{ROOT}>",
                    )
                stack.append(elem)
                continue
            stack.pop()
            if elem.tag in _RECORDS and len(stack) == 2:
                position += 1
                yield _convert(elem, label, position)
                stack[-1].remove(elem)  # converted: keep memory bounded

    try:
        while True:
            chunk = stream.read(_CHUNK)
            if not checked:
                head += chunk
                checked = _prologue_ok(head, label, eof=not chunk)
                if not checked:
                    continue
                chunk, head = head, b""
            if not chunk:
                break
            parser.feed(chunk)
            yield from events()
        parser.close()
        yield from events()
    except ET.ParseError as exc:
        raise InvalidInput(
            "malformed XML", where=f"{label} (after record {position})", why=str(exc)
        ) from None


def _prologue_ok(head: bytes, label: str, *, eof: bool) -> bool:
    """True once the root element is in sight and no DTD came before it."""
    first = _FIRST_ELEMENT.search(head)
    if first is None:
        if len(head) > _MAX_PROLOGUE:
            raise InvalidInput("no XML root element in the first megabyte", where=label)
        return eof
    if b"<!DOCTYPE" in head[: first.start()]:
        raise InvalidInput(
            "XML with a document type declaration is refused",
            where=label,
            why="a DTD can declare entities that expand without bound; the UN list has none",
        )
    return True


def _text(elem: ET.Element, path: str) -> str:
    return clean(elem.findtext(path))


def _values(elem: ET.Element, path: str) -> list[str]:
    return [v for v in (clean(e.text) for e in elem.findall(path)) if v]


def _convert(elem: ET.Element, label: str, position: int) -> Located:
    problems: list[Problem] = []
    ref = _text(elem, "REFERENCE_NUMBER")
    if not ref:
        problems.append(Problem("REFERENCE_NUMBER", "missing: the record's id on the list"))
    created = _date(elem, "LISTED_ON", problems) or UNDATED
    updates = _values(elem, "LAST_DAY_UPDATED/VALUE")
    updated = [d for d in (_stamp(v, "LAST_DAY_UPDATED", problems) for v in updates) if d]
    is_person = elem.tag == "INDIVIDUAL"
    listing = Listing(
        fmt=FORMAT,
        source_name=SOURCE_NAME,
        source_id=ref,
        identity_class="individual" if is_person else "organization",
        created=created,
        modified=max([created, *updated]),
    )
    parts = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
    listing.add_name(" ".join(p for p in (_text(elem, t) for t in parts) if p))
    listing.add_name(_text(elem, "NAME_ORIGINAL_SCRIPT"))
    if not listing.names:
        problems.append(
            Problem(
                "FIRST_NAME",
                "no name: FIRST_NAME to FOURTH_NAME and NAME_ORIGINAL_SCRIPT are empty",
            )
        )
    if problems:
        obj = {"id": listing.id} if ref else {}
        which = ref or (listing.names[0] if listing.names else "")
        where = f" ({which})" if which else ""
        problems = [Problem(p.prop, p.reason + where) for p in problems]
        return Located(label, position, obj, tuple(problems))
    listing.set("description", _text(elem, "COMMENTS1"))
    for value in _values(elem, "DESIGNATION/VALUE"):
        listing.add("roles", value)
    listing.add("labels", _text(elem, "UN_LIST_TYPE"))
    for value in _values(elem, "TITLE/VALUE"):
        listing.add("x_titles", value)
    if is_person:
        _person(elem, listing)
    else:
        for alias in elem.findall("ENTITY_ALIAS"):
            _alias(alias, listing)
        for address in elem.findall("ENTITY_ADDRESS"):
            listing.add("x_addresses", _address(address))
    for child in elem:
        text = clean(child.text)
        if child.tag not in _HANDLED and child.tag not in _IGNORED and text:
            listing.add("x_notes", f"{child.tag}: {text}")
    return Located(label, position, listing.to_stix())


def _person(elem: ET.Element, listing: Listing) -> None:
    for alias in elem.findall("INDIVIDUAL_ALIAS"):
        _alias(alias, listing)
    for dob in elem.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        _birth_date(dob, listing)
    for pob in elem.findall("INDIVIDUAL_PLACE_OF_BIRTH"):
        place = _address(pob, note=False)
        listing.add_birthplace(place, country_code(_text(pob, "COUNTRY")))
        note = _text(pob, "NOTE")
        if note:
            listing.add("x_notes", f"place of birth {place}: {note}" if place else note)
    for value in _values(elem, "NATIONALITY/VALUE"):
        if value.casefold() not in _NOT_AVAILABLE:
            listing.add_nationality(value)
    gender = _text(elem, "GENDER")
    if gender.casefold() in ("male", "female"):
        listing.gender = gender.casefold()
    elif gender:
        listing.add("x_notes", f"gender: {gender}")
    for address in elem.findall("INDIVIDUAL_ADDRESS"):
        listing.add("x_addresses", _address(address))
    for doc in elem.findall("INDIVIDUAL_DOCUMENT"):
        listing.add("x_identifiers", _document(doc))


def _alias(alias: ET.Element, listing: Listing) -> None:
    """INDIVIDUAL_ALIAS (quality Good/Low) or ENTITY_ALIAS (a.k.a./f.k.a.)."""
    name = _text(alias, "ALIAS_NAME")
    if not name:
        return
    listing.add_alias(name, _QUALITY.get(_text(alias, "QUALITY").casefold()))
    note = _text(alias, "NOTE")
    if note:
        listing.add("x_notes", f"alias {name}: {note}")
    raw_date = _text(alias, "DATE_OF_BIRTH")
    if raw_date:
        item = parse_date_text(raw_date)
        if item is None:
            listing.add("x_notes", f"alias {name}: date of birth {raw_date}")
        else:
            listing.add_birth_date(item)
    city, country = _text(alias, "CITY_OF_BIRTH"), _text(alias, "COUNTRY_OF_BIRTH")
    listing.add_birthplace(", ".join(p for p in (city, country) if p), country_code(country))


def _birth_date(dob: ET.Element, listing: Listing) -> None:
    kind = _text(dob, "TYPE_OF_DATE").upper()
    note = _text(dob, "NOTE")
    note_says_approx = note.casefold().startswith("approx")
    approximate = kind == "APPROXIMATELY" or note_says_approx
    note_used = note_says_approx or not note
    exact, year = _text(dob, "DATE"), _text(dob, "YEAR")
    first, last = _text(dob, "FROM_YEAR"), _text(dob, "TO_YEAR")
    item = None
    if exact:
        item = parse_date_text(exact, approximate=approximate)
    elif year:
        if not note_used:  # "Sep." with YEAR 1958 is September 1958
            item = parse_date_text(f"{note} {year}", approximate=approximate)
            note_used = item is not None
        item = item or parse_date_text(year, approximate=approximate)
    elif first and last:
        a, b = parse_date_text(first), parse_date_text(last)
        if a is not None and b is not None and "date" in a and "date" in b:
            item = date_range(a["date"], b["date"], approximate=approximate)
    elif note and not note_used:  # "Nov. 1973", "Between Aug. and Sep. 1977"
        item = parse_date_text(note, approximate=approximate)
        note_used = item is not None
    given = " ".join(p for p in (exact, year, first, last) if p)
    if item is not None:
        listing.add_birth_date(item)
    elif given:
        listing.add("x_notes", f"date of birth: {given}")
    if not note_used:
        listing.add(
            "x_notes", f"date of birth {given}: {note}" if given else f"date of birth: {note}"
        )


def _address(elem: ET.Element, *, note: bool = True) -> str:
    parts = [
        _text(elem, tag) for tag in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")
    ]
    text = ", ".join(p for p in parts if p)
    remark = _text(elem, "NOTE") if note else ""
    if remark:
        return f"{text} ({remark})" if text else remark
    return text


def _document(doc: ET.Element) -> str:
    kind = _text(doc, "TYPE_OF_DOCUMENT")
    detail = _text(doc, "TYPE_OF_DOCUMENT2")
    head = " ".join(p for p in (kind, f"({detail})" if detail else "", _text(doc, "NUMBER")) if p)
    extras = []
    for tag, words in (
        ("ISSUING_COUNTRY", "issued by"),
        ("DATE_OF_ISSUE", "issued on"),
        ("CITY_OF_ISSUE", "in"),
        ("COUNTRY_OF_ISSUE", "country of issue"),
        ("NOTE", ""),
    ):
        value = _text(doc, tag)
        if value:
            extras.append(f"{words} {value}".strip())
    return f"{head} ({'; '.join(extras)})" if extras else head


def _date(elem: ET.Element, tag: str, problems: list[Problem]) -> str | None:
    raw = _text(elem, tag)
    return _stamp(raw, tag, problems) if raw else None


def _stamp(raw: str, tag: str, problems: list[Problem]) -> str | None:
    stamp = day_stamp(raw)
    if stamp is None:
        problems.append(Problem(tag, f"{raw!r} is not a date (expected YYYY-MM-DD)"))
    return stamp
