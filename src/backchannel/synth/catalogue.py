"""What one source knows before any person: its own identity, places and groups, under its ids.

Sources never share STIX ids for the same real-world group or town, as in real liaison traffic;
each writes them in its own spelling, so groups and places also need resolving downstream.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from random import Random
from typing import Any

from backchannel.stix.extension import extension_definitions, project_identity
from backchannel.stix.markings import tlp2_marking_definition
from backchannel.synth import clock
from backchannel.synth.gazetteer import PLACES, Place
from backchannel.synth.group import TrueGroup
from backchannel.synth.identifier import stix_id
from backchannel.synth.sampler import uniform
from backchannel.synth.source import Source, marking_levels
from backchannel.synth.transliteration import spell, with_article

_RESOURCE_LEVELS = ("club", "team", "organization")
_SOPHISTICATION = ("minimal", "intermediate")


@dataclass(frozen=True, slots=True)
class Catalogue:
    """A source's ids and spellings for the shared world, indexed like ``PLACES`` and groups."""

    source: Source
    org_id: str
    place_ids: tuple[str, ...]
    place_names: tuple[str, ...]
    group_ids: tuple[str, ...]
    group_names: tuple[str, ...]

    def place_name(self, place: Place) -> str:
        """How this source spells a town."""
        return self.place_names[place.index]

    def place_id(self, place: Place) -> str:
        """This source's STIX id for a town."""
        return self.place_ids[place.index]


def build_catalogue(rng: Random, source: Source, groups: list[TrueGroup]) -> Catalogue:
    """Draw the source's ids and its spelling of every town and group."""
    style = source.style
    org_id = stix_id(rng, "identity")
    place_ids = tuple(stix_id(rng, "location") for _ in PLACES)
    # A source keeps one spelling per town; most use the English form.
    place_names = tuple(p.names[0] if rng.random() < 0.7 else uniform(rng, p.names) for p in PLACES)
    group_ids = tuple(stix_id(rng, "threat-actor") for _ in groups)
    names = []
    for g in groups:
        form = style.article.pick(rng)
        noun = with_article(spell(g.noun, style, rng), g.noun, form)
        qual = with_article(spell(g.qualifier, style, rng), g.qualifier, form)
        names.append(f"{spell(g.unit, style, rng)} {noun} {qual}")
    return Catalogue(source, org_id, place_ids, place_names, group_ids, tuple(names))


def header_objects(
    rng: Random, cat: Catalogue, groups: list[TrueGroup]
) -> Iterator[dict[str, Any]]:
    """The objects every bundle starts with, then the source's towns and groups.

    A generator, so a large group list is streamed like the persons are.
    """
    source = cat.source
    yield project_identity()
    yield from extension_definitions()
    for level in marking_levels(source):
        yield tlp2_marking_definition(level)
    since = clock.timestamp(clock.day(2014, 1, 2), rng)
    org: dict[str, Any] = {
        "type": "identity",
        "spec_version": "2.1",
        "id": cat.org_id,
        "created": since,
        "modified": since,
        "name": source.originator,
        "identity_class": "organization",
    }
    if source.channel != "osint":
        org["sectors"] = ["government-national"]
    yield org
    for place in PLACES:
        ts = clock.timestamp(clock.between(rng, clock.day(2014), clock.day(2015, 12, 31)), rng)
        loc: dict[str, Any] = {
            "type": "location",
            "spec_version": "2.1",
            "id": cat.place_id(place),
            "created_by_ref": cat.org_id,
            "created": ts,
            "modified": ts,
            "name": cat.place_name(place),
            "country": place.country,
        }
        if rng.random() < 0.8:
            loc["latitude"] = place.latitude
            loc["longitude"] = place.longitude
        else:
            loc["region"] = place.region
        yield loc
    for g in groups:
        yield from _group_objects(rng, cat, g)


def _group_objects(rng: Random, cat: Catalogue, g: TrueGroup) -> Iterator[dict[str, Any]]:
    source = cat.source
    created_day = clock.between(rng, max(g.founded, clock.day(2014)), clock.day(2018, 12, 31))
    created = clock.timestamp(created_day, rng)
    modified = clock.timestamp(clock.between(rng, created_day + 1, clock.REPORTING_END), rng)
    aliases = []
    if rng.random() < 0.6:
        aliases.append(g.english)
    if rng.random() < max(source.style.arabic, 0.1):
        aliases.append(g.arabic)
    actor: dict[str, Any] = {
        "type": "threat-actor",
        "spec_version": "2.1",
        "id": cat.group_ids[g.index],
        "created_by_ref": cat.org_id,
        "created": created,
        "modified": modified,
        "name": cat.group_names[g.index],
        "threat_actor_types": list(g.threat_actor_types),
        "first_seen": clock.timestamp(g.founded, rng),
        "primary_motivation": "ideology",
        "resource_level": uniform(rng, _RESOURCE_LEVELS),
        "sophistication": uniform(rng, _SOPHISTICATION),
    }
    if aliases:
        actor["aliases"] = aliases
    if rng.random() < source.habits.confidence:
        actor["confidence"] = source.confidence
    yield actor
    if rng.random() < 0.85:
        yield {
            "type": "relationship",
            "spec_version": "2.1",
            "id": stix_id(rng, "relationship"),
            "created_by_ref": cat.org_id,
            "created": created,
            "modified": created,
            "relationship_type": "located-at",
            "source_ref": cat.group_ids[g.index],
            "target_ref": cat.place_id(g.place),
        }
