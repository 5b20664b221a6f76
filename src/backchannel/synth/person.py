"""The true fictional person behind the records: name parts, origin, life line and fate."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from random import Random

from backchannel.model.vocab import Status
from backchannel.synth import clock
from backchannel.synth.gazetteer import CONFLICT_COUNTRIES, PLACES_BY_COUNTRY, Place, place_named
from backchannel.synth.group import TrueGroup
from backchannel.synth.lexicon import (
    CONVERT_NAMES,
    EUROPEAN,
    FAMILY,
    FAMILY_CAUCASUS,
    FAMILY_TURKISH,
    GIVEN_FEMALE,
    GIVEN_MALE,
    KUNYA_ONLY,
    LAQABS,
    NISBAS_FOREIGN,
    NISBAS_PLACE,
    NISBAS_TRIBAL,
    RESERVED_NOMS_DE_GUERRE,
    Word,
)
from backchannel.synth.sampler import Weighted, uniform


class Naming(StrEnum):
    """How a person's full name is built where they come from."""

    CHAIN = "chain"  # Iraq, Syria, Jordan, Egypt: ism, father, grandfather, nisba/tribe
    NASAB = "nasab"  # Gulf, Libya: ism bin father bin grandfather al-tribe
    FAMILY = "family"  # Maghreb and diaspora: given name and family name
    CAUCASUS = "caucasus"  # given name and a Russian-style surname


@dataclass(frozen=True, slots=True)
class Surname:
    """The last element of a name. ``ben``: a Maghrebi ``Ben X`` family name built on a name."""

    word: Word
    ben: bool = False


@dataclass(frozen=True, slots=True)
class Membership:
    """Belonging to a group since a day; at most one leader per group."""

    group: TrueGroup
    leader: bool
    since: int


@dataclass(frozen=True, slots=True)
class Leg:
    """A journey: arrived at ``place`` on ``start``, left on ``stop`` (None: still there)."""

    place: Place
    start: int
    stop: int | None


@dataclass(frozen=True, slots=True)
class Event:
    """A dated status of a person at a place: a sighting or their fate."""

    status: Status
    day: int
    place: Place


@dataclass(frozen=True, slots=True)
class TruePerson:
    """Ground truth for one fictional person; sources see distorted parts of it."""

    pid: str
    female: bool
    naming: Naming
    given: Word
    father: Word
    grandfather: Word | None
    surname: Surname | None
    kunya: Word | None
    kunya_nisba: Word | None
    laqab: Word | None
    birth_name: tuple[str, str] | None
    false_alias: tuple[Word, Word] | None
    born: int
    birthplace: Place
    nationalities: tuple[str, ...]
    memberships: tuple[Membership, ...]
    legs: tuple[Leg, ...]
    sighting: Event
    fate: Event


NATIONALITY = Weighted(
    [
        ("SY", 18.0), ("IQ", 20.0), ("TN", 8.0), ("MA", 5.0), ("FR", 7.0), ("BE", 4.0),
        ("DE", 5.0), ("GB", 4.0), ("RU", 4.0), ("TR", 4.0), ("JO", 4.0), ("SA", 5.0),
        ("EG", 4.0), ("LY", 3.0), ("AU", 2.0), ("NL", 2.0), ("SE", 2.0), ("DK", 1.0),
    ]
)  # fmt: skip

_NAMING = {
    "SY": Naming.CHAIN, "IQ": Naming.CHAIN, "JO": Naming.CHAIN, "EG": Naming.CHAIN,
    "SA": Naming.NASAB, "LY": Naming.NASAB, "RU": Naming.CAUCASUS,
}  # fmt: skip

# Family origin of European nationals who are not converts, and its weight.
_DIASPORA_ORIGIN: dict[str, Weighted[str]] = {
    "FR": Weighted([("MA", 4.0), ("TN", 4.0), ("EG", 1.0)]),
    "BE": Weighted([("MA", 8.0), ("TN", 1.0)]),
    "NL": Weighted([("MA", 8.0), ("TR", 2.0)]),
    "DE": Weighted([("TR", 4.0), ("SY", 3.0), ("IQ", 2.0), ("MA", 1.0)]),
    "GB": Weighted([("IQ", 2.0), ("LY", 2.0), ("EG", 1.0), ("SY", 1.0)]),
    "SE": Weighted([("IQ", 3.0), ("SY", 2.0), ("TN", 1.0)]),
    "DK": Weighted([("SY", 2.0), ("IQ", 2.0), ("MA", 1.0)]),
    "AU": Weighted([("SY", 2.0), ("JO", 1.0), ("EG", 1.0)]),
    "TR": Weighted([("TR", 1.0)]),
    "RU": Weighted([("RU", 1.0)]),
}

_MALE = Weighted((w, w.weight) for w in GIVEN_MALE)
_FEMALE = Weighted((w, w.weight) for w in GIVEN_FEMALE)
# Kunyas are built on a son's name, but "Abu Nur al-Din" is rare enough to leave out.
_SONS = Weighted((w, w.weight) for w in GIVEN_MALE if "al-Din" not in w.latin[0])
_CONVERT = tuple(w for w in GIVEN_MALE if w.arabic in CONVERT_NAMES)
_ABDULLAH = next(w for w in GIVEN_MALE if w.arabic == "عبد الله")
_PLACE_NISBAS = {
    code: tuple(w for w in NISBAS_PLACE if w.country == code)
    for code in {w.country for w in NISBAS_PLACE}
}
_FAMILIES = {code: tuple(w for w in FAMILY if w.country in (code, "")) for code in ("TN", "MA")}

_FATE_LOCAL = Weighted([(Status.AT_LARGE, 35.0), (Status.KILLED, 35.0), (Status.DETAINED, 30.0)])
_FATE_FOREIGN = Weighted(
    [
        (Status.AT_LARGE, 25.0),
        (Status.KILLED, 35.0),
        (Status.DETAINED, 25.0),
        (Status.RETURNED, 15.0),
    ]
)
_IDLIB = place_named("Idlib")
_DETENTION = {
    "SY": (place_named("Hasakah"), place_named("al-Hol")),
    "IQ": (place_named("Baghdad"), place_named("Mosul")),
    "LY": (place_named("Benghazi"),),
}


def _surname(rng: Random, origin: str) -> tuple[Surname | None, Naming]:
    if origin == "RU":
        return Surname(uniform(rng, FAMILY_CAUCASUS)), Naming.CAUCASUS
    if origin == "TR":
        return Surname(uniform(rng, FAMILY_TURKISH)), Naming.FAMILY
    if origin in ("TN", "MA"):
        r = rng.random()
        if r < 0.6:
            return Surname(uniform(rng, _FAMILIES[origin])), Naming.FAMILY
        if r < 0.85:
            return Surname(_MALE.pick(rng), ben=True), Naming.FAMILY
        return Surname(uniform(rng, _PLACE_NISBAS[origin])), Naming.FAMILY
    naming = _NAMING.get(origin, Naming.CHAIN)
    r = rng.random()
    if origin == "EG" and r < 0.4:
        return None, naming
    if r < 0.55 and origin in _PLACE_NISBAS:
        return Surname(uniform(rng, _PLACE_NISBAS[origin])), naming
    return Surname(uniform(rng, NISBAS_TRIBAL)), naming


def _kunya(rng: Random, female: bool) -> Word:
    if not female and rng.random() < 0.15:
        return uniform(rng, KUNYA_ONLY)
    return _SONS.pick(rng)


def draw_person(
    rng: Random, index: int, groups: list[TrueGroup], recruit: Weighted[int], leaders: bytearray
) -> TruePerson:
    """One fictional person. ``leaders`` marks groups that already have a leader (updated)."""
    nationality = NATIONALITY.pick(rng)
    female = rng.random() < 0.08
    home = nationality not in _DIASPORA_ORIGIN or nationality in ("TR", "RU")
    convert = not home or nationality == "RU"
    convert = convert and rng.random() < (0.15 if nationality == "RU" else 0.12)
    origin = nationality if home else _DIASPORA_ORIGIN[nationality].pick(rng)

    birth_name: tuple[str, str] | None = None
    if convert:
        given_names, surnames = EUROPEAN[nationality]
        birth_name = (uniform(rng, given_names), uniform(rng, surnames))
        given = uniform(rng, _FEMALE.items) if female else uniform(rng, _CONVERT)
        father = _ABDULLAH
        surname: Surname | None = Surname(NISBAS_FOREIGN[nationality])
        naming = Naming.FAMILY
    else:
        given = _FEMALE.pick(rng) if female else _MALE.pick(rng)
        father = _MALE.pick(rng)
        surname, naming = _surname(rng, origin)
    grandfather = _MALE.pick(rng) if naming in (Naming.CHAIN, Naming.NASAB) else None

    kunya = kunya_nisba = None
    if rng.random() < (0.8 if convert else 0.5):
        kunya = _kunya(rng, female)
        if rng.random() < 0.6:
            if not home or convert or nationality in ("TR", "RU"):
                kunya_nisba = NISBAS_FOREIGN[nationality]
            elif surname is not None and surname.word.article:
                kunya_nisba = surname.word
            else:
                kunya_nisba = uniform(rng, _PLACE_NISBAS.get(origin, NISBAS_TRIBAL))
            if (kunya.latin[0], kunya_nisba.latin[0]) in RESERVED_NOMS_DE_GUERRE:
                kunya_nisba = None
    laqab = uniform(rng, LAQABS) if rng.random() < 0.08 else None
    false_alias = (_MALE.pick(rng), uniform(rng, FAMILY)) if rng.random() < 0.06 else None

    nationalities: tuple[str, ...] = (nationality,)
    if not home and not convert and origin != nationality and rng.random() < 0.3:
        nationalities = (nationality, origin)
    born_in = origin if not home and not convert and rng.random() < 0.25 else nationality
    birthplace = uniform(rng, PLACES_BY_COUNTRY[born_in])
    born = clock.peaked(rng, clock.day(1962), clock.day(2003, 12, 31), clock.day(1990))

    joined = clock.peaked(rng, clock.day(2012, 6), clock.day(2017, 6, 30), clock.day(2014, 3))
    first = groups[recruit.pick(rng)]
    joined = max(joined, first.founded)
    lead = not leaders[first.index] and rng.random() < 0.3
    if lead:
        leaders[first.index] = 1
    memberships = [Membership(first, lead, joined)]
    if rng.random() < 0.12:
        second = groups[recruit.pick(rng)]
        if second is not first:
            since = max(joined + 200 + int(rng.random() * 700), second.founded)
            memberships.append(Membership(second, False, since))
    base = memberships[-1].group.place

    fate = _fate(rng, nationality, birthplace, base, joined)
    sighting = Event(Status.AT_LARGE, clock.between(rng, joined + 30, fate.day - 30), base)
    legs: list[Leg] = []
    if nationality not in CONFLICT_COUNTRIES:
        transit = uniform(rng, PLACES_BY_COUNTRY["TR"])
        arrived = joined - 3 - int(rng.random() * 40)
        legs.append(Leg(transit, arrived, joined - 1 - int(rng.random() * 2)))
    stay_end = None if fate.status is Status.AT_LARGE else fate.day
    first_base = memberships[0].group.place
    if legs or (first_base is not birthplace and rng.random() < 0.5):
        legs.append(Leg(first_base, joined, stay_end))

    return TruePerson(
        pid=f"P{index:06d}",
        female=female,
        naming=naming,
        given=given,
        father=father,
        grandfather=grandfather,
        surname=surname,
        kunya=kunya,
        kunya_nisba=kunya_nisba,
        laqab=laqab,
        birth_name=birth_name,
        false_alias=false_alias,
        born=born,
        birthplace=birthplace,
        nationalities=nationalities,
        memberships=tuple(memberships),
        legs=tuple(legs),
        sighting=sighting,
        fate=fate,
    )


def _fate(rng: Random, nationality: str, birthplace: Place, base: Place, joined: int) -> Event:
    foreign = nationality not in CONFLICT_COUNTRIES
    status = (_FATE_FOREIGN if foreign else _FATE_LOCAL).pick(rng)
    if status is Status.KILLED:
        when = clock.between(rng, joined + 90, clock.day(2019, 12, 31))
        where = base if rng.random() < 0.7 else uniform(rng, PLACES_BY_COUNTRY[base.country])
    elif status is Status.DETAINED:
        when = clock.between(rng, max(joined + 60, clock.day(2016)), clock.day(2021, 12, 31))
        if foreign and rng.random() < 0.2:
            where = uniform(rng, PLACES_BY_COUNTRY["TR"])
        else:
            where = uniform(rng, _DETENTION[base.country])
    elif status is Status.RETURNED:
        when = clock.between(rng, max(joined + 120, clock.day(2015)), clock.day(2020, 12, 31))
        where = (
            birthplace
            if birthplace.country == nationality
            else uniform(rng, PLACES_BY_COUNTRY[nationality])
        )
    else:
        when = clock.between(rng, clock.day(2018), clock.day(2023, 12, 31))
        where = _IDLIB if rng.random() < 0.5 else base
    return Event(status, when, where)
