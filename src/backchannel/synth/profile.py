"""The person-profile extension of one record: what one source believes about one person.

The output follows ``backchannel/stix/schema/person-profile.json``: lists are left out rather than
written empty, partial dates are ``YYYY[-MM[-DD]]``, grades are Admiralty letters and digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from random import Random
from typing import Any

from backchannel.model.vocab import Status
from backchannel.synth import clock
from backchannel.synth import transliteration as tr
from backchannel.synth.catalogue import Catalogue
from backchannel.synth.clock import Precision
from backchannel.synth.gazetteer import CONFLICT_COUNTRIES, PLACES_BY_COUNTRY, Place
from backchannel.synth.person import NATIONALITY, Event, TruePerson
from backchannel.synth.sampler import uniform

_STATUS_PRECISION = (Precision.DAY, Precision.DAY, Precision.MONTH, Precision.MONTH, Precision.YEAR)


@dataclass(frozen=True, slots=True)
class Profile:
    """A record's view of a person: its display name, the extension, its latest dated fact.

    ``citing`` are the status assertions that cite the report the record will be filed in; the
    caller sets their ``source_ref`` once it knows the record's date and so its report.
    """

    name: str
    extension: dict[str, Any]
    latest: int
    citing: list[dict[str, Any]]


def build_profile(person: TruePerson, cat: Catalogue, rng: Random) -> Profile:
    """Draw what this source records about ``person``."""
    habits = cat.source.habits
    ext: dict[str, Any] = {"extension_type": "property-extension", "subject_category": "suspect"}
    name, names, aliases = _names(person, cat, rng)
    ext["names"] = names
    if aliases:
        ext["aliases"] = aliases
    births = _birth_dates(person, cat, rng)
    if births:
        ext["birth_dates"] = births
    if rng.random() < habits.birthplace:
        place = person.birthplace
        item = {"name": cat.place_name(place), "country": place.country}
        if rng.random() < 0.1:
            del item["country"]
        ext["birthplaces"] = [item]
    if rng.random() < habits.nationality:
        ext["nationalities"] = _nationalities(person, rng)
    if rng.random() < habits.gender:
        ext["gender"] = "unknown" if rng.random() < 0.01 else "female" if person.female else "male"
    latest = max(m.since for m in person.memberships)
    citing: list[dict[str, Any]] = []
    if rng.random() < habits.status:
        statuses, latest = _statuses(person, cat, rng, citing, latest)
        ext["status_assertions"] = statuses
        if any(s["status"] in ("detained", "returned") for s in statuses) and rng.random() < 0.3:
            ext["subject_category"] = "convicted"
    elif rng.random() < 0.02:
        ext["subject_category"] = "contact"
    return Profile(name, ext, latest, citing)


def _names(
    person: TruePerson, cat: Catalogue, rng: Random
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    style = cat.source.style
    full = tr.full_name(person, style, rng)
    names: list[dict[str, Any]] = []
    aliases: list[dict[str, Any]] = []
    arabic = full.arabic is not None and rng.random() < style.arabic
    born_as = tr.birth_name(person, style, rng)
    nom = tr.nom_de_guerre(person, style, rng)

    if born_as is not None and rng.random() < style.birth_name_first:
        primary = born_as
        names.append({"value": born_as, "script": "Latn"})
        aliases.append({"value": full.latin, "kind": "alias", "script": "Latn"})
        born_as = None
    elif (known := nom or tr.kunya(person, style, rng)) and rng.random() < style.kunya_only:
        # Only the nom de guerre or kunya is known: typical of press reporting on fighters.
        primary = known.latin
        names.append({"value": known.latin, "script": "Latn"})
        arabic = False
    else:
        primary = full.latin
        entry: dict[str, Any] = {"value": full.latin, "script": "Latn"}
        if arabic and full.arabic is not None:
            entry |= {"lang": "ar-Latn", "transliteration_of": full.arabic, "system": style.system}
            names.append(entry)
            names.append({"value": full.arabic, "script": "Arab", "lang": "ar"})
        else:
            names.append(entry)
        if rng.random() < style.second_spelling:
            other = tr.full_name(person, style, rng).latin
            if other != full.latin:
                names.append({"value": other, "script": "Latn"})

    if rng.random() < cat.source.habits.aliases:
        k = tr.kunya(person, style, rng)
        if k is not None and rng.random() < 0.85:
            aliases.append({"value": k.latin, "kind": "kunya", "script": "Latn"})
            if arabic and k.arabic:
                aliases.append({"value": k.arabic, "kind": "kunya", "script": "Arab"})
        if nom is not None and nom.latin != primary and rng.random() < 0.7:
            aliases.append({"value": nom.latin, "kind": "nom-de-guerre", "script": "Latn"})
        laqab = tr.laqab(person, style, rng)
        if laqab is not None and rng.random() < 0.6:
            aliases.append({"value": laqab.latin, "kind": "laqab", "script": "Latn"})
        if born_as is not None and rng.random() < 0.8:
            aliases.append({"value": born_as, "kind": "birth-name", "script": "Latn"})
        cover = tr.false_alias(person, style, rng)
        if cover is not None and rng.random() < 0.5:
            aliases.append({"value": cover, "kind": "alias", "script": "Latn"})
    seen = {primary}
    unique = []
    for a in aliases:
        if a["value"] not in seen:
            seen.add(a["value"])
            unique.append(a)
    return primary, names, unique


def _birth_dates(person: TruePerson, cat: Catalogue, rng: Random) -> list[dict[str, Any]]:
    habits = cat.source.habits
    kind = habits.birth.pick(rng)
    if kind == "none":
        return []
    born = date.fromordinal(person.born)
    y, m, d = born.year, born.month, born.day
    if rng.random() < habits.birth_error:
        if d <= 12 and d != m and rng.random() < 0.4:
            m, d = d, m  # day and month read the wrong way round
        else:
            y += 1 if rng.random() < 0.5 else -1
    if kind == "day":
        items: list[dict[str, Any]] = [{"date": f"{y:04d}-{m:02d}-{d:02d}"}]
    elif kind == "month":
        items = [{"date": f"{y:04d}-{m:02d}"}]
    elif kind == "year":
        items = [{"date": f"{y:04d}"}]
    elif kind == "approx":
        items = [{"date": f"{y:04d}", "approximate": True}]
    else:
        before = int(rng.random() * 4)
        after = 1 + int(rng.random() * 3) if before == 0 else int(rng.random() * 3)
        items = [{"earliest": f"{y - before:04d}", "latest": f"{y + after:04d}"}]
    if rng.random() < 0.05:
        # Two documents, two years: the record keeps both.
        other = y + (1 + int(rng.random() * 2)) * (1 if rng.random() < 0.5 else -1)
        items.append({"date": f"{other:04d}"})
    return items


def _nationalities(person: TruePerson, rng: Random) -> list[str]:
    if rng.random() < 0.03:
        return [NATIONALITY.pick(rng)]  # recorded wrongly, e.g. from a forged passport
    if len(person.nationalities) > 1 and rng.random() < 0.5:
        return [person.nationalities[0]]
    return list(person.nationalities)


def _statuses(
    person: TruePerson, cat: Catalogue, rng: Random, citing: list[dict[str, Any]], latest: int
) -> tuple[list[dict[str, Any]], int]:
    fate = person.fate
    r = rng.random()
    if r < 0.70:
        jitter = int((rng.random() - 0.5) * 120) if rng.random() < 0.3 else 0
        event = Event(fate.status, fate.day + jitter, fate.place)
    elif r < 0.82:
        event = person.sighting
    elif r < 0.93:
        event = _contradiction(person, rng)
    else:
        event = Event(Status.UNKNOWN, 0, fate.place)
    assertions = [_assertion(event, cat, rng, citing)]
    if event.status is not Status.AT_LARGE and rng.random() < 0.3:
        assertions.insert(0, _assertion(person.sighting, cat, rng, citing))
    days = [e.day for e in (event, person.sighting) if e.day]
    return assertions, max(latest, *days)


def _contradiction(person: TruePerson, rng: Random) -> Event:
    """The report that disagrees: seen alive after a reported death, or a false death claim."""
    fate = person.fate
    if fate.status is Status.KILLED:
        later = fate.day + 60 + int(rng.random() * 440)
        where: Place = uniform(rng, PLACES_BY_COUNTRY[uniform(rng, CONFLICT_COUNTRIES)])
        return Event(Status.AT_LARGE, later, where)
    start = person.memberships[0].since
    when = clock.between(rng, start + 30, max(start + 31, fate.day - 10))
    return Event(Status.KILLED, when, person.sighting.place)


def _assertion(
    event: Event, cat: Catalogue, rng: Random, citing: list[dict[str, Any]]
) -> dict[str, Any]:
    habits = cat.source.habits
    item: dict[str, Any] = {"status": event.status.value}
    if event.status is not Status.UNKNOWN:
        item["date"] = clock.partial(event.day, uniform(rng, _STATUS_PRECISION))
        if rng.random() < 0.8:
            item["place"] = cat.place_name(event.place)
        if rng.random() < 0.9:
            item["country"] = event.place.country
    if rng.random() < habits.status_graded:
        who, reliability, credibility = habits.status_sources.pick(rng)
        item |= {"source": who, "reliability": reliability.value, "credibility": int(credibility)}
    elif rng.random() < 0.2:
        citing.append(item)
    return item
