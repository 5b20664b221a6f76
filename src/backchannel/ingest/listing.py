"""A listed subject (a person, an organisation, a vessel) as one STIX 2.1 ``identity``.

The list readers (``un_list``, ``ofac``, ``ftm``) fill a :class:`Listing` from one record and
call :meth:`Listing.to_stix`. Everything that makes re-import idempotent lives here:

* the id is ``identity--uuid5(NAMESPACE, "<format>:<the list's own record id>")``;
* ``created``/``modified`` come from the record's own dates (or :data:`UNDATED`), never from
  the clock;
* list items are de-duplicated in first-seen order, so the same record gives the same bytes.

Persons carry the person-profile extension; organisations carry their other names in
``aliases`` (the property the knowledge export also uses). What a list says that STIX has no
place for is kept in ``x_`` properties (see ``docs/formats.md``), never dropped.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from backchannel.ingest.country import country_code
from backchannel.model.envelope import NAMESPACE
from backchannel.stix.extension import PERSON_PROFILE

# created/modified of a record whose list gives no date at all (OFAC's legacy CSV).
UNDATED = "1970-01-01T00:00:00.000Z"

IdentityClass = Literal["individual", "organization", "unknown"]
Quality = Literal["good", "low"]
_RANK: dict[Quality | None, int] = {"good": 2, None: 1, "low": 0}

# First word of a letter's Unicode name → ISO 15924 script code.
_SCRIPTS = {
    "LATIN": "Latn",
    "ARABIC": "Arab",
    "CYRILLIC": "Cyrl",
    "GREEK": "Grek",
    "HEBREW": "Hebr",
    "CJK": "Hani",
    "HIRAGANA": "Hira",
    "KATAKANA": "Kana",
    "HANGUL": "Hang",
    "THAI": "Thai",
    "DEVANAGARI": "Deva",
    "BENGALI": "Beng",
    "GURMUKHI": "Guru",
    "TAMIL": "Taml",
    "GEORGIAN": "Geor",
    "ARMENIAN": "Armn",
    "ETHIOPIC": "Ethi",
    "SYRIAC": "Syrc",
    "THAANA": "Thaa",
    "KHMER": "Khmr",
    "MYANMAR": "Mymr",
    "LAO": "Laoo",
    "TIBETAN": "Tibt",
    "MONGOLIAN": "Mong",
    "SINHALA": "Sinh",
}


def stix_id(stix_type: str, fmt: str, source_id: str) -> str:
    """The deterministic STIX id of a list record: same list, same record, same id."""
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, f'{fmt}:{source_id}')}"


def day_stamp(text: str | None) -> str | None:
    """``2001-02-23`` (optionally with a zone suffix, as UN dates have) as a STIX timestamp."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None
    return f"{day.isoformat()}T00:00:00.000Z"


def instant_stamp(text: str | None) -> str | None:
    """An ISO 8601 date-time (naive means UTC) or date as a STIX timestamp, else ``None``."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z"


def script_of(text: str) -> str | None:
    """The ISO 15924 code of the script most letters of ``text`` are in, if we know it."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            word = unicodedata.name(ch, "").split(" ", 1)[0]
            script = _SCRIPTS.get(word)
            if script is not None:
                counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda s: counts[s]) if counts else None


def clean(text: str | None) -> str:
    """Whitespace collapsed (lists wrap long values over lines), ends stripped."""
    return " ".join(text.split()) if text else ""


@dataclass(slots=True, kw_only=True)
class Listing:
    """One subject of a list, collected field by field, then written as STIX."""

    fmt: str
    source_name: str
    source_id: str
    identity_class: IdentityClass
    created: str
    modified: str
    names: list[str] = field(default_factory=list)
    aliases: dict[str, Quality | None] = field(default_factory=dict)
    birth_dates: list[dict[str, Any]] = field(default_factory=list)
    birthplaces: list[dict[str, str]] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    gender: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return stix_id("identity", self.fmt, self.source_id)

    def add_name(self, value: str | None) -> None:
        """A name; the first one added is the object's ``name``."""
        value = clean(value)
        if value and value not in self.names:
            self.names.append(value)

    def add_alias(self, value: str | None, quality: Quality | None = None) -> None:
        """An alias; said twice with different quality, the better one wins."""
        value = clean(value)
        if not value:
            return
        if value not in self.aliases or _RANK[quality] > _RANK[self.aliases[value]]:
            self.aliases[value] = quality

    def add_birth_date(self, item: dict[str, Any]) -> None:
        """A ``birth_dates`` item (see :mod:`backchannel.ingest.list_date`), once."""
        if item not in self.birth_dates:
            self.birth_dates.append(item)

    def add_birthplace(self, name: str | None, country: str | None = None) -> None:
        """A place of birth as written, with its country's ISO code if known."""
        name = clean(name)
        if not name:
            return
        place = {"name": name}
        if country:
            place["country"] = country
        if place not in self.birthplaces:
            self.birthplaces.append(place)

    def add_nationality(self, text: str | None) -> None:
        """A nationality as a country name; unknown names are kept as ``x_nationality_text``."""
        text = clean(text)
        if not text:
            return
        code = country_code(text)
        if code is None:
            self.add("x_nationality_text", text)
        elif code not in self.nationalities:
            self.nationalities.append(code)

    def add_nationality_code(self, code: str) -> None:
        """A nationality already given as an ISO 3166-1 alpha-2 code."""
        if code not in self.nationalities:
            self.nationalities.append(code)

    def add(self, prop: str, value: str | None) -> None:
        """Append to a list-valued property (``roles``, ``labels``, ``x_…``), once."""
        value = clean(value)
        if not value:
            return
        values = self.extra.setdefault(prop, [])
        if value not in values:
            values.append(value)

    def set(self, prop: str, value: Any) -> None:
        """Set a single-valued property (``description``, ``x_…``) unless the value is empty."""
        if value not in (None, "", [], {}):
            self.extra[prop] = value

    def to_stix(self) -> dict[str, Any]:
        """The ``identity`` object; the caller has made sure there is at least one name."""
        obj: dict[str, Any] = {
            "type": "identity",
            "spec_version": "2.1",
            "id": self.id,
            "created": self.created,
            "modified": max(self.modified, self.created),
            "name": self.names[0],
            "identity_class": self.identity_class,
        }
        obj.update(self.extra)
        obj["external_references"] = [
            {"source_name": self.source_name, "external_id": self.source_id}
        ]
        if self.identity_class == "individual":
            obj["extensions"] = {PERSON_PROFILE: self._profile()}
        else:
            others = [n for n in (*self.names[1:], *self.aliases) if n != self.names[0]]
            if others:
                obj["aliases"] = list(dict.fromkeys(others))
        return obj

    def _profile(self) -> dict[str, Any]:
        p: dict[str, Any] = {"extension_type": "property-extension"}
        p["names"] = [_with_script({"value": n}) for n in self.names]
        aliases = []
        for value, quality in self.aliases.items():
            if value in self.names:
                continue
            item: dict[str, Any] = {"value": value, "kind": "alias"}
            if quality is not None:
                item["quality"] = quality
            aliases.append(_with_script(item))
        if aliases:
            p["aliases"] = aliases
        if self.birth_dates:
            p["birth_dates"] = self.birth_dates
        if self.birthplaces:
            p["birthplaces"] = self.birthplaces
        if self.nationalities:
            p["nationalities"] = self.nationalities
        if self.gender:
            p["gender"] = self.gender
        return p


def _with_script(item: dict[str, Any]) -> dict[str, Any]:
    script = script_of(item["value"])
    if script is not None:
        item["script"] = script
    return item
