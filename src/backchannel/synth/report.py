"""Reports: each source periodically publishes a ``report`` citing the records it just wrote.

Records are filed by the year they were written, one open batch per year, so a report cites
records of its own year and is published after the newest of them. Only the open batches are
held, so memory stays bounded however many persons there are. A batch's report id is drawn
when the batch opens, so status assertions can cite it (``source_ref``) before it is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random
from typing import Any

from backchannel.synth import clock
from backchannel.synth.catalogue import Catalogue
from backchannel.synth.identifier import stix_id
from backchannel.synth.record import Record
from backchannel.synth.sampler import uniform

_OUTLETS = (
    ("Levant Daily Monitor", "levant-daily.example"),
    ("Euphrates Observer", "euphrates-observer.example"),
    ("Maghreb Wire", "maghreb-wire.example"),
    ("Crescent Regional News", "crescent-news.example"),
)
_HEADLINES = (
    "Fighters of {group} named in reports from {place}",
    "{n} members of {group} identified after clashes near {place}",
    "Families say men from {place} joined {group}",
    "{group} commanders reported killed or captured near {place}",
)


@dataclass(slots=True)
class _Batch:
    report_id: str
    refs: list[str] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    day: int = 0


class ReportDesk:
    """Collects one source's records and turns each full batch into a ``report`` object."""

    def __init__(self, cat: Catalogue, rng: Random) -> None:
        self._cat = cat
        self._rng = rng
        self._seq = 0
        self._open: dict[int, _Batch] = {}

    def report_for(self, day: int) -> str:
        """The id of the report a record written on ``day`` will be filed in."""
        return self._batch(clock.year_of(day)).report_id

    def add(self, record: Record) -> dict[str, Any] | None:
        """File a record; returns the finished report when its batch is full."""
        year = clock.year_of(record.day)
        batch = self._batch(year)
        batch.refs.append(record.identity_id)
        for g in record.groups:
            if g not in batch.groups:
                batch.groups.append(g)
        batch.day = max(batch.day, record.day)
        if len(batch.refs) >= self._cat.source.habits.report_every:
            del self._open[year]
            return self._report(batch)
        return None

    def close(self) -> list[dict[str, Any]]:
        """Reports for every batch still open, oldest year first."""
        batches = [self._open[y] for y in sorted(self._open)]
        self._open.clear()
        return [self._report(b) for b in batches]

    def _batch(self, year: int) -> _Batch:
        batch = self._open.get(year)
        if batch is None:
            batch = self._open[year] = _Batch(stix_id(self._rng, "report"))
        return batch

    def _report(self, batch: _Batch) -> dict[str, Any]:
        rng = self._rng
        cat = self._cat
        source = cat.source
        self._seq += 1
        count = len(batch.refs)
        published = clock.timestamp(min(batch.day + 1, clock.REPORTING_END), rng)
        names = [cat.group_names[g] for g in batch.groups[:3]]
        groups = ", ".join(names) if names else "unidentified groups"
        report: dict[str, Any] = {
            "type": "report",
            "spec_version": "2.1",
            "id": batch.report_id,
            "created_by_ref": cat.org_id,
            "created": published,
            "modified": published,
            "published": published,
            "report_types": ["threat-actor"],
            "object_refs": batch.refs + [cat.group_ids[g] for g in batch.groups],
        }
        year = clock.year_of(batch.day)
        if source.channel == "osint":
            place = uniform(rng, cat.place_names)
            report["name"] = uniform(rng, _HEADLINES).format(
                group=names[0] if names else "an armed group", place=place, n=count
            )
            report["description"] = (
                f"Press and social-media monitoring summary naming {count} individuals "
                f"associated with {groups}."
            )
            outlet, host = uniform(rng, _OUTLETS)
            report["external_references"] = [
                {"source_name": outlet, "url": f"https://{host}/{year}/{self._seq:06d}"}
            ]
        else:
            report["name"] = f"{source.originator} INTREP {year}/{self._seq:05d}"
            report["description"] = (
                f"Liaison report on {count} individuals associated with {groups}."
            )
        return report
