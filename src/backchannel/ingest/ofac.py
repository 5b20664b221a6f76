"""Read the US OFAC SDN list, legacy CSV (``sdn.csv`` with ``alt.csv``/``add.csv``), as STIX.

OFAC's data specification: three files without header rows, ``-0-`` for empty, linked by
``ent_num``. The reader is given ``sdn.csv`` and reads ``alt.csv`` (strong aliases) and
``add.csv`` (addresses) from beside it (``X_sdn.csv`` pairs with ``X_alt.csv``); either may be
absent. Individuals become persons with the person profile; date and place of birth,
nationality, citizenship and gender are parsed from the Remarks column, and so are the *weak*
aliases, which the legacy files keep there (``a.k.a. 'ABU AHMAD'``) rather than in ``alt.csv``.
Entities become organisations; vessels and aircraft become identities of class ``unknown``
with their vessel fields. The Remarks text is kept whole as ``description``.

The legacy CSV carries no date at all, so every record is dated :data:`UNDATED`: the same file
imports as unchanged, but a record OFAC has since amended is rejected as "a changed object
needs a new modified" instead of silently replacing the earlier version.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from backchannel.errors import InvalidInput
from backchannel.ingest.country import country_code
from backchannel.ingest.list_date import parse_date_text
from backchannel.ingest.listing import UNDATED, IdentityClass, Listing, Quality, clean
from backchannel.stix.reader import Located
from backchannel.stix.validate import Problem

FORMAT = "ofac"
SOURCE_NAME = "OFAC SDN List"
_NULL = "-0-"
_SDN_COLUMNS = 12
_SUB = "\x1a"  # DOS end-of-file mark that ends some OFAC files

# Vessel columns (after name, type, program, title) and where they go.
_VESSEL = (
    (5, "x_call_sign"),
    (6, "x_vessel_type"),
    (7, "x_tonnage"),
    (8, "x_gross_registered_tonnage"),
    (9, "x_vessel_flag"),
    (10, "x_vessel_owner"),
)
_REMARK = re.compile(
    r"^(?:alt\.\s+)?(?P<key>DOB|POB|nationality|citizen|Gender|[afn]\.k\.a\.):?\s+(?P<value>.+)$",
    re.IGNORECASE,
)


def read_ofac(name: str) -> Iterator[Located]:
    """Yield one STIX identity per ``sdn.csv`` row (position = the line the row starts on).

    A row that cannot be converted (wrong number of columns, no ``ent_num``, an ``ent_num``
    seen before) is yielded with its problems, as is an ``alt.csv``/``add.csv`` row that links
    to no entry.
    """
    if name == "-":
        raise InvalidInput(
            "the OFAC format reads files, not standard input",
            why="alt.csv and add.csv are found beside sdn.csv",
        )
    sdn = Path(name)
    aliases, alias_rows = _companion(sdn, "alt.csv", 5)
    addresses, address_rows = _companion(sdn, "add.csv", 6)
    seen: dict[str, int] = {}
    for position, row in _rows(sdn):
        problems = []
        if len(row) != _SDN_COLUMNS:
            problems.append(
                Problem("(row)", f"{len(row)} columns, expected {_SDN_COLUMNS} (sdn.csv layout)")
            )
        ent_num = _cell(row[0]) if row else None
        if not ent_num:
            problems.append(Problem("ent_num", "missing: the entry's id on the list"))
        elif ent_num in seen:
            problems.append(
                Problem("ent_num", f"{ent_num} already used on line {seen[ent_num]}; row ignored")
            )
        if problems:
            yield Located(str(sdn), position, {}, tuple(problems))
            continue
        assert ent_num is not None
        seen[ent_num] = position
        listing = _entry(row, aliases.get(ent_num, []), addresses.get(ent_num, []))
        if not listing.names:
            yield Located(str(sdn), position, {}, (Problem("SDN_Name", "empty"),))
            continue
        yield Located(str(sdn), position, listing.to_stix())
    for where, pos, problem in (*alias_rows, *address_rows):
        yield Located(where, pos, {}, (Problem("(row)", problem),))
    for links in (aliases, addresses):
        for ent_num, items in links.items():
            if ent_num not in seen:
                for where, pos, _cells in items:
                    reason = f"{ent_num} is not in {sdn.name}: nothing to attach this row to"
                    yield Located(where, pos, {}, (Problem("ent_num", reason),))


# (file, row, cells) per ent_num; plus (file, row, problem) for rows that cannot be linked.
Links = dict[str, list[tuple[str, int, list[str | None]]]]
Unlinked = list[tuple[str, int, str]]


def _companion(sdn: Path, suffix: str, columns: int) -> tuple[Links, Unlinked]:
    stem = sdn.name[: -len("sdn.csv")] if sdn.name.lower().endswith("sdn.csv") else ""
    path = sdn.with_name(stem + suffix)
    links: Links = {}
    unlinked: Unlinked = []
    if not path.is_file():
        return links, unlinked
    for position, row in _rows(path):
        ent_num = _cell(row[0]) if row else None
        if len(row) != columns:
            unlinked.append(
                (str(path), position, f"{len(row)} columns, expected {columns} ({suffix} layout)")
            )
        elif not ent_num:
            unlinked.append((str(path), position, "ent_num missing"))
        else:
            links.setdefault(ent_num, []).append((str(path), position, [_cell(c) for c in row]))
    return links, unlinked


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line the row starts on, cells); UTF-8, or Windows-1252 as older OFAC files were."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput("cannot read file", where=str(path), why=str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    text = text.rstrip().removesuffix(_SUB)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        while True:
            line = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                return
            if any(c.strip() for c in row):
                yield line, row
    except csv.Error as exc:
        where = f"{path} (line {reader.line_num})"
        raise InvalidInput("malformed CSV", where=where, why=str(exc)) from None


def _cell(value: str) -> str | None:
    value = value.strip()
    return None if value in ("", _NULL) else value


def _person_name(name: str) -> str:
    """OFAC writes individuals as "LAST, First Middle"; we write "First Middle LAST"."""
    last, sep, first = name.partition(",")
    return f"{first.strip()} {last.strip()}" if sep and first.strip() else name


def _entry(
    row: list[str],
    aliases: list[tuple[str, int, list[str | None]]],
    addresses: list[tuple[str, int, list[str | None]]],
) -> Listing:
    cells = [_cell(c) for c in row]
    ent_num, name, kind = cells[0] or "", cells[1] or "", (cells[2] or "").casefold()
    is_person = kind == "individual"
    if is_person:
        identity_class: IdentityClass = "individual"
    elif kind in ("vessel", "aircraft"):
        identity_class = "unknown"
    else:
        identity_class = "organization"
    listing = Listing(
        fmt=FORMAT,
        source_name=SOURCE_NAME,
        source_id=ent_num,
        identity_class=identity_class,
        created=UNDATED,
        modified=UNDATED,
    )
    listing.add_name(_person_name(name) if is_person else name)
    if kind in ("vessel", "aircraft"):
        listing.set("x_source_type", kind)
    for program in re.split(r"\]\s*\[", (cells[3] or "").strip("[] ")):
        listing.add("labels", program)
    listing.add("roles", cells[4])
    for index, prop in _VESSEL:
        listing.set(prop, cells[index])
    for _file, _pos, alt in aliases:
        alias = alt[3] or ""
        listing.add_alias(_person_name(alias) if is_person else alias, "good")
        if alt[4]:
            listing.add("x_notes", f"alias {alias}: {alt[4]}")
    for _file, _pos, add in addresses:
        text = ", ".join(p for p in (add[2], add[3], add[4]) if p)
        listing.add("x_addresses", f"{text} ({add[5]})" if add[5] else text)
    remarks = cells[11] or ""
    listing.set("description", clean(remarks))
    _remarks(remarks, listing, is_person=is_person)
    return listing


def _remarks(remarks: str, listing: Listing, *, is_person: bool) -> None:
    """The parts of Remarks we understand: birth, nationality, gender, weak aliases."""
    for part in remarks.split(";"):
        m = _REMARK.match(part.strip())
        if m is None:
            continue
        key, value = m["key"].casefold(), m["value"].strip()
        if key.endswith("k.a."):
            weak = _unquote(value)
            quality: Quality | None = "low" if weak != value else None
            listing.add_alias(weak, quality)
        elif not is_person:
            continue
        elif key == "dob":
            item = parse_date_text(value)
            if item is None:
                listing.add("x_notes", f"date of birth: {value}")
            else:
                listing.add_birth_date(item)
        elif key == "pob":
            place = value.rstrip(".")
            listing.add_birthplace(place, place_country(place))
        elif key in ("nationality", "citizen"):
            listing.add_nationality(value.rstrip("."))
        elif key == "gender" and value.rstrip(".").casefold() in ("male", "female"):
            listing.gender = value.rstrip(".").casefold()


def _unquote(value: str) -> str:
    """``'ABU-'UMAR'.`` → ``ABU-'UMAR`` (weak aliases are in single quotes)."""
    text = value.strip().rstrip(".") if value.strip().endswith("'.") else value.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].strip()
    return text


def place_country(place: str) -> str | None:
    """The country of "City, Province, Country", also when OFAC writes it "Korea, North"."""
    parts = [p.strip() for p in place.split(",")]
    for n in (2, 1):
        code = country_code(", ".join(parts[-n:])) if len(parts) >= n else None
        if code is not None:
            return code
    return None
