"""One appearance of a person in one source: an ``identity`` and its relationships."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from random import Random
from typing import Any

from backchannel.model.vocab import Status
from backchannel.stix.extension import PERSON_PROFILE
from backchannel.stix.markings import TLP2_IDS
from backchannel.synth import clock
from backchannel.synth.catalogue import Catalogue
from backchannel.synth.identifier import stix_id
from backchannel.synth.person import TruePerson
from backchannel.synth.profile import build_profile


@dataclass(frozen=True, slots=True)
class Record:
    """The STIX objects of one appearance, identity first, and what a report should cite."""

    identity_id: str
    objects: list[dict[str, Any]]
    groups: list[int]  # indexes of the groups the record links the person to
    day: int


def build_record(
    person: TruePerson, cat: Catalogue, rng: Random, *, report_for: Callable[[int], str]
) -> Record:
    """Draw one source's record of ``person``: the identity with its profile, then relationships.

    ``report_for(day)`` names the report a record written that day will be filed in.
    """
    source = cat.source
    habits = source.habits
    iid = stix_id(rng, "identity")
    profile = build_profile(person, cat, rng)
    # Written some months after the newest fact it states, so stale records stay plausible.
    first = profile.latest + 7
    day = clock.between(rng, first, min(first + 720, clock.REPORTING_END))
    if profile.citing:
        report_id = report_for(day)
        for item in profile.citing:
            item["source_ref"] = report_id
    created = clock.timestamp(day, rng)
    modified = created
    if rng.random() < 0.3:
        modified = clock.timestamp(clock.between(rng, day + 1, clock.REPORTING_END), rng)
    common: dict[str, Any] = {
        "spec_version": "2.1",
        "created_by_ref": cat.org_id,
        "created": created,
        "modified": modified,
    }
    marking = habits.markings.pick(rng)
    if marking is not None:
        common["object_marking_refs"] = [TLP2_IDS[marking]]
    if rng.random() < habits.confidence:
        common["confidence"] = max(5, min(95, source.confidence + int((rng.random() - 0.5) * 30)))

    identity: dict[str, Any] = {"type": "identity", "id": iid, **common, "name": profile.name}
    identity["identity_class"] = "individual"
    if rng.random() < habits.description:
        group = person.memberships[0].group
        identity["description"] = f"Assessed member of {cat.group_names[group.index]}."
    identity["extensions"] = {PERSON_PROFILE: profile.extension}
    objects = [identity]

    def relate(kind: str, target: str, start: int | None = None, stop: int | None = None) -> None:
        rel: dict[str, Any] = {
            "type": "relationship",
            "id": stix_id(rng, "relationship"),
            **common,
            "relationship_type": kind,
            "source_ref": iid,
            "target_ref": target,
        }
        if start is not None and rng.random() < habits.time_bounds:
            rel["start_time"] = clock.timestamp(start, rng)
            if stop is not None and start < stop < day and rng.random() < 0.7:
                rel["stop_time"] = clock.timestamp(stop, rng)
        objects.append(rel)

    groups = []
    for m in person.memberships:
        gid = cat.group_ids[m.group.index]
        if rng.random() < habits.member:
            relate("member-of", gid, m.since)
            groups.append(m.group.index)
        if m.leader and rng.random() < 0.8:
            relate("leader-of", gid, m.since)
            if m.group.index not in groups:
                groups.append(m.group.index)
    if rng.random() < habits.located:
        fate = person.fate
        known = fate.day < day and fate.status is not Status.KILLED
        last = fate if known else person.sighting
        relate("located-at", cat.place_id(last.place))
    for leg in person.legs:
        if rng.random() < habits.travel:
            relate("travelled-to", cat.place_id(leg.place), leg.start, leg.stop)
    return Record(iid, objects, groups, day)
