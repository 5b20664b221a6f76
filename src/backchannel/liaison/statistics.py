"""Statistics releases: counts by group × nationality × status, small counts suppressed.

Pure functions: the caller passes one :class:`PersonFacts` per canonical person, built from the
statements the release policy lets this partner's statistics use; nothing here reads a store.

For each group the table has one row per nationality and one column per :class:`Status`
(``unknown`` included, so every person in scope is counted somewhere), plus row totals, column
totals and the group total. A person counts in every group and every nationality row they
belong to; a row total is therefore a count of persons, while column and group totals count
person-nationality pairs. Nothing is totalled across groups: no cross-group value is published,
so each group's table is protected on its own.

Suppression (rule ``backchannel-cell-suppression/1``, see ``docs/statistics.md``):

* primary: every cell and total with ``0 < count < k``; every cell of a row whose total is under
  ``k`` (its zeros too: published zeros would say which statuses the few persons have); the whole
  table when the group total is under ``k``;
* complementary: the table with its totals is a set of additive relations, and the values an
  attacker can still reach form a network flow (the perturbations that keep every published value
  are circulations on the bipartite graph of extended rows and columns). For each suppressed
  entry we compute, by max-flow, how far it can move; while a small entry cannot reach both 0 and
  ``k``, or any other suppressed entry cannot move at all, we suppress the cheapest path (smallest
  counts, cells before totals) that adds capacity, and repeat until stable.

Guarantee: for every suppressed entry the feasible range given everything published and
non-negative integers has ``min < max``, and for every entry with ``0 < count < k`` it spans
``[0, k]`` or more: the release is consistent with that entry being empty and with it being at
least ``k``. Max-flow equals the linear-programming bound here (the relations are totally
unimodular, and unit moves along a cycle keep integers), which the tests check with an LP.
"""

from __future__ import annotations

import csv
import hashlib
import heapq
import io
import re
import uuid
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import orjson

from backchannel.errors import InvalidInput
from backchannel.model.envelope import NAMESPACE
from backchannel.model.vocab import TLP, Status
from backchannel.stix.extension import STATISTICS
from backchannel.stix.markings import TLP2_IDS

DEFAULT_K = 5
RULE = "backchannel-cell-suppression/1"
# The row of persons with no known nationality (not an ISO code, so it cannot clash with one).
UNKNOWN_NATIONALITY = "unknown"
# "All nationalities" / "all statuses" in CSV and JSON.
ALL = "*"
STATUSES: tuple[Status, ...] = tuple(Status)
CSV_HEADER = ("group", "nationality", "status", "count", "suppressed")

# An entry of a group's table: (nationality, status); None stands for the total over that axis.
Key = tuple[str | None, Status | None]

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_STIX_ID = re.compile(r"^[a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_INF = 1 << 60


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What the statistics need of one canonical person (after the release policy)."""

    groups: frozenset[str]
    nationalities: frozenset[str]  # ISO 3166-1 alpha-2; empty means unknown
    status: Status


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """The true counts of one group's table. Internal: never release these as they are."""

    group: str
    nationalities: tuple[str, ...]
    cells: Mapping[tuple[str, Status], int]

    def value(self, key: Key) -> int:
        rows = self.nationalities if key[0] is None else (key[0],)
        cols = STATUSES if key[1] is None else (key[1],)
        return sum(self.cells.get((n, s), 0) for n in rows for s in cols)

    def entries(self) -> list[Key]:
        """Every entry in publication order: each row's cells then its total, then the totals."""
        rows: list[str | None] = [*self.nationalities, None]
        cols: list[Status | None] = [*STATUSES, None]
        return [(n, s) for n in rows for s in cols]


def count_groups(
    persons: Iterable[PersonFacts],
    *,
    nationalities: Collection[str] | None = None,
    groups: Collection[str] | None = None,
) -> list[GroupCounts]:
    """Count persons per group, nationality and status (unsuppressed: for :func:`build_statistics`).

    Rows are the ``nationalities`` in scope if given (``unknown`` may be among them), otherwise
    every nationality any input person has, in every group's table alike, so a row's presence
    says nothing about that group. Tables are the ``groups`` given, otherwise every group seen.
    """
    people = list(persons)
    given = [code for p in people for code in p.nationalities]
    scope = [code for code in nationalities or () if code != UNKNOWN_NATIONALITY]
    problems = [code for code in given + scope if not _COUNTRY.match(code)]
    if problems:
        raise InvalidInput(
            f"not a nationality code: {', '.join(sorted(set(problems)))}",
            why="expected ISO 3166-1 alpha-2 codes such as FR",
        )
    if any(not g for p in people for g in p.groups) or any(not g for g in groups or ()):
        raise InvalidInput("empty group id in statistics input")
    if nationalities is not None:
        rows = sorted(set(nationalities))
    else:
        rows = sorted({n for p in people for n in (p.nationalities or {UNKNOWN_NATIONALITY})})
    tables = (
        sorted(set(groups)) if groups is not None else sorted({g for p in people for g in p.groups})
    )
    cells: dict[str, dict[tuple[str, Status], int]] = {g: {} for g in tables}
    row_set = set(rows)
    for p in people:
        mine = (p.nationalities or {UNKNOWN_NATIONALITY}) & row_set
        for g in p.groups:
            table = cells.get(g)
            if table is None:
                continue
            for n in mine:
                table[(n, p.status)] = table.get((n, p.status), 0) + 1
    return [GroupCounts(g, tuple(rows), MappingProxyType(cells[g])) for g in tables]


def suppression_pattern(counts: GroupCounts, *, k: int) -> frozenset[Key]:
    """The entries of one table to withhold under the rule described in the module docstring."""
    _check_k(k)
    values = {key: counts.value(key) for key in counts.entries()}
    if 0 < values[(None, None)] < k:
        return frozenset(values)
    suppressed: set[Key] = {key for key, v in values.items() if 0 < v < k}
    for n in counts.nationalities:
        if 0 < values[(n, None)] < k:
            suppressed.update((n, s) for s in STATUSES)
    order = {key: i for i, key in enumerate(values)}
    work = deque(sorted(suppressed, key=order.__getitem__))
    while work:
        entry = work.popleft()
        v = values[entry]
        # A small count must look possibly empty and possibly k or more; anything else withheld
        # must merely be able to move.
        goals = [(True, k - v), (False, v)] if 0 < v < k else [(True, 1)]
        if not (0 < v < k) and v > 0 and _reach(values, suppressed, entry, up=False, need=1):
            goals = []
        for up, need in goals:
            while not _reach(values, suppressed, entry, up=up, need=need):
                added = _cheapest_path(values, suppressed, entry, up=up)
                if not added:  # cannot happen (see _cheapest_path); withholding all is safe
                    return frozenset(values)
                suppressed.update(added)
                work.extend(sorted(added, key=order.__getitem__))
    return frozenset(suppressed)


@dataclass(frozen=True, slots=True)
class GroupTable:
    """One group's released table: a count per entry, or None where suppressed."""

    group: str
    nationalities: tuple[str, ...]
    values: Mapping[Key, int | None]

    def value(self, nationality: str | None, status: Status | None) -> int | None:
        """A published count (None: suppressed). ``None`` arguments ask for a total."""
        return self.values[(nationality, status)]

    def _entries(self, *, totals: bool) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for (n, s), v in self.values.items():
            if (n is None or s is None) != totals:
                continue
            item: dict[str, Any] = {"nationality": n or ALL, "status": s.value if s else ALL}
            item |= {"suppressed": True} if v is None else {"suppressed": False, "count": v}
            out.append(item)
        return out


@dataclass(frozen=True, slots=True)
class StatisticsTable:
    """A statistics release: one suppressed table per group, with k, rule and generation time."""

    k: int
    generated: datetime
    groups: tuple[GroupTable, ...]
    rule: str = RULE
    statuses: tuple[Status, ...] = STATUSES

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (also the STIX extension's content, without ``extension_type``)."""
        return {
            "rule": self.rule,
            "threshold": self.k,
            "generated": _stix_time(self.generated),
            "statuses": [s.value for s in self.statuses],
            "groups": [
                {
                    "group": g.group,
                    "nationalities": list(g.nationalities),
                    "cells": g._entries(totals=False),
                    "totals": g._entries(totals=True),
                }
                for g in self.groups
            ],
        }

    def to_json(self) -> str:
        return orjson.dumps(self.as_dict(), option=orjson.OPT_INDENT_2).decode()

    def to_csv(self) -> str:
        """One line per entry; a suppressed entry has an empty count and ``suppressed`` true."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for g in self.groups:
            for (n, s), v in g.values.items():
                writer.writerow(
                    [
                        g.group,
                        n or ALL,
                        s.value if s else ALL,
                        "" if v is None else v,
                        "true" if v is None else "false",
                    ]
                )
        return out.getvalue()

    def to_stix_note(
        self,
        *,
        created_by_ref: str,
        tlp: TLP,
        object_refs: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """The release as a STIX 2.1 ``note`` with the statistics extension.

        ``object_refs`` defaults to the groups (whose ids must then be STIX ids). The id is
        ``note--uuid5`` of a hash of the extension content, ``created_by_ref``, the marking and
        the sorted ``object_refs``: the same release gives the same id, any change a new one.
        """
        refs = list(object_refs) if object_refs is not None else [g.group for g in self.groups]
        bad = [r for r in [*refs, created_by_ref] if not _STIX_ID.match(r)]
        if not refs or bad:
            raise InvalidInput(
                "cannot build a statistics note",
                why=f"not STIX ids: {', '.join(bad)}" if bad else "object_refs may not be empty",
            )
        extension = {"extension_type": "property-extension"} | self.as_dict()
        marking = TLP2_IDS[tlp]
        digest = hashlib.sha256(
            orjson.dumps(
                [extension, created_by_ref, marking, sorted(refs)], option=orjson.OPT_SORT_KEYS
            )
        ).hexdigest()
        when = _stix_time(self.generated)
        return {
            "type": "note",
            "spec_version": "2.1",
            "id": "note--" + str(uuid.uuid5(NAMESPACE, "statistics:" + digest)),
            "created_by_ref": created_by_ref,
            "created": when,
            "modified": when,
            "abstract": f"Statistics: persons by group, nationality and status (k={self.k})",
            "content": self._summary(),
            "object_refs": refs,
            "object_marking_refs": [marking],
            "extensions": {STATISTICS: extension},
        }

    def _summary(self) -> str:
        total = sum(len(g.values) for g in self.groups)
        withheld = sum(v is None for g in self.groups for v in g.values.values())
        return (
            f"Counts of persons for {len(self.groups)} group(s) by nationality and status "
            f"({', '.join(s.value for s in self.statuses)}), with totals per group only. "
            f"Counts under {self.k} and the values that would reveal them are suppressed: "
            f"{withheld} of {total} values withheld. A person with several nationalities counts "
            "in each of their rows; do not add counts across groups."
        )


def build_statistics(
    persons: Iterable[PersonFacts],
    *,
    generated: datetime,
    k: int = DEFAULT_K,
    nationalities: Collection[str] | None = None,
    groups: Collection[str] | None = None,
) -> StatisticsTable:
    """Count, suppress and package a statistics release (see :func:`count_groups` for scope)."""
    _check_k(k)
    if generated.tzinfo is None:
        raise InvalidInput("naive generation time", why="statistics need a timezone-aware time")
    tables = []
    for counts in count_groups(persons, nationalities=nationalities, groups=groups):
        hidden = suppression_pattern(counts, k=k)
        values = {key: None if key in hidden else counts.value(key) for key in counts.entries()}
        tables.append(GroupTable(counts.group, counts.nationalities, MappingProxyType(values)))
    return StatisticsTable(k=k, generated=generated, groups=tuple(tables))


def _check_k(k: int) -> None:
    if k < 1:
        raise InvalidInput(f"k must be at least 1, got {k}")


def _stix_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z"


# --- the flow view of a table ------------------------------------------------------------------
#
# Entries are edges between an extended row node ("r", nationality or None) and an extended
# column node ("c", status or None). Multiplying an entry's change by -1 when exactly one of its
# coordinates is a total turns every additive relation into "the changes along this line sum to
# zero", so the changes that keep all published values are the circulations on the suppressed
# edges. An entry may not drop below zero: in the flow view that bounds one direction of its edge
# by its count, the other direction is unbounded.

Node = tuple[str, str | None]
Caps = dict[tuple[Node, Node], int]


def _ends(key: Key) -> tuple[Node, Node, int]:
    sign = 1 if (key[0] is None) == (key[1] is None) else -1
    return ("r", key[0]), ("c", key[1].value if key[1] else None), sign


def _arcs(key: Key, value: int) -> list[tuple[Node, Node, int]]:
    r, c, sign = _ends(key)
    return [(r, c, _INF), (c, r, value)] if sign == 1 else [(r, c, value), (c, r, _INF)]


def _terminals(key: Key, *, up: bool) -> tuple[Node, Node]:
    """Source and sink of the flow that raises (lowers) ``key``: it comes back round its edge."""
    r, c, sign = _ends(key)
    return (c, r) if (sign == 1) == up else (r, c)


def _network(values: Mapping[Key, int], suppressed: Collection[Key], entry: Key) -> Caps:
    caps: Caps = {}
    for key in suppressed:
        if key != entry:
            for u, v, cap in _arcs(key, values[key]):
                caps[(u, v)] = caps.get((u, v), 0) + cap
    return caps


def _max_flow(caps: Caps, source: Node, sink: Node, limit: int) -> int:
    """Edmonds-Karp up to ``limit``; leaves the residual capacities in ``caps``."""
    adjacent: dict[Node, list[Node]] = {}
    for u, v in list(caps):
        adjacent.setdefault(u, []).append(v)
        adjacent.setdefault(v, []).append(u)
        caps.setdefault((v, u), 0)
    flow = 0
    while flow < limit:
        parent: dict[Node, Node] = {source: source}
        queue = deque([source])
        while queue and sink not in parent:
            u = queue.popleft()
            for v in adjacent.get(u, ()):
                if v not in parent and caps[(u, v)] > 0:
                    parent[v] = u
                    queue.append(v)
        if sink not in parent:
            break
        path, v = [], sink
        while v != source:
            path.append((parent[v], v))
            v = parent[v]
        push = min(limit - flow, *(caps[a] for a in path))
        for u, v in path:
            caps[(u, v)] -= push
            caps[(v, u)] += push
        flow += push
    return flow


def _reach(
    values: Mapping[Key, int], suppressed: Collection[Key], entry: Key, *, up: bool, need: int
) -> bool:
    """Whether ``entry`` can rise (or fall) by ``need`` while every published value holds."""
    source, sink = _terminals(entry, up=up)
    return _max_flow(_network(values, suppressed, entry), source, sink, need) >= need


def _cheapest_path(
    values: Mapping[Key, int], suppressed: Collection[Key], entry: Key, *, up: bool
) -> set[Key]:
    """Published entries on the cheapest path that lets ``entry`` rise (fall) by one more.

    The residual network of the current maximum flow has no path; unsuppressed entries are offered
    at a cost (their count, totals dearer) and the cheapest path is taken. One exists whenever the
    goal is reachable with everything withheld, which it always is: an entry can rise along the
    unbounded directions (row → cell column → total row → total column → row), and can fall to
    zero together with the totals it is part of.
    """
    source, sink = _terminals(entry, up=up)
    caps = _network(values, suppressed, entry)
    _max_flow(caps, source, sink, _INF)
    arcs: dict[Node, list[tuple[Node, int, Key | None]]] = {}
    for (u, v), cap in caps.items():
        if cap > 0:
            arcs.setdefault(u, []).append((v, 0, None))
    for key, value in values.items():
        if key in suppressed:
            continue
        weight = (value + 1) * (1 if key[0] is not None and key[1] is not None else 3)
        for u, v, cap in _arcs(key, value):
            if cap > 0:
                arcs.setdefault(u, []).append((v, weight, key))
    best: dict[Node, int] = {source: 0}
    via: dict[Node, tuple[Node, Key | None]] = {}
    heap: list[tuple[int, int, Node]] = [(0, 0, source)]
    tie = 0
    while heap:
        dist, _, u = heapq.heappop(heap)
        if u == sink:
            break
        if dist > best.get(u, _INF):
            continue
        for v, weight, offered in arcs.get(u, ()):
            if dist + weight < best.get(v, _INF):
                best[v] = dist + weight
                via[v] = (u, offered)
                tie += 1
                heapq.heappush(heap, (dist + weight, tie, v))
    if sink not in via:
        return set()
    added: set[Key] = set()
    node = sink
    while node != source:
        node, offered = via[node]
        if offered is not None:
            added.add(offered)
    return added
