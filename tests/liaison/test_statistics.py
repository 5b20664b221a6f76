"""Statistics releases: counting, suppression checked against an LP attacker, and the formats."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from scipy.optimize import linprog

from backchannel.errors import InvalidInput
from backchannel.liaison.statistics import (
    STATUSES,
    UNKNOWN_NATIONALITY,
    GroupCounts,
    Key,
    PersonFacts,
    build_statistics,
    count_groups,
    suppression_pattern,
)
from backchannel.model.vocab import TLP, Status
from backchannel.stix.extension import (
    PERSON_PROFILE,
    PROJECT_IDENTITY,
    PROVENANCE,
    STATISTICS,
    extension_definitions,
    project_identity,
    statistics_schema,
)
from backchannel.stix.markings import TLP2_IDS, tlp2_marking_definition
from tests.stix.helpers import validator_errors

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
G1 = "threat-actor--00000000-0000-4000-8000-0000000000a1"
G2 = "threat-actor--00000000-0000-4000-8000-0000000000a2"
K, D, A, R = Status.KILLED, Status.DETAINED, Status.AT_LARGE, Status.RETURNED
# One small cell (FR killed) in an otherwise large table: the example of docs/statistics.md.
CELLS = {("FR", K): 2, ("FR", A): 10, ("FR", D): 7, ("DE", K): 8, ("DE", A): 9, ("NL", D): 6}


def people(
    group: str, cells: Mapping[tuple[str, Status], int], *, also: Iterable[str] = ()
) -> list[PersonFacts]:
    """Fictional persons: ``cells[(nationality, status)]`` of them in ``group``."""
    groups = frozenset({group, *also})
    return [
        PersonFacts(groups, frozenset({n}), s)
        for (n, s), count in cells.items()
        for _ in range(count)
    ]


def one_table(cells: Mapping[tuple[str, Status], int]) -> GroupCounts:
    [table] = count_groups(people(G1, cells))
    return table


# --- the attacker: every published value, non-negativity, linear programming -------------------


def intervals(table: GroupCounts, hidden: Collection[Key]) -> dict[Key, tuple[float, float]]:
    """The feasible [min, max] of each hidden entry given every published one (LP relaxation)."""
    variables = sorted(hidden, key=table.entries().index)
    index = {key: i for i, key in enumerate(variables)}
    rows: list[str | None] = [*table.nationalities, None]
    cols: list[Status | None] = [*STATUSES, None]
    lines = [[(n, s) for s in STATUSES] + [(n, None)] for n in rows]
    lines += [[(n, s) for n in table.nationalities] + [(None, s)] for s in cols]
    a_eq, b_eq = [], []
    for line in lines:
        # sum of the line's entries minus its total is zero
        coefficients = [0.0] * len(variables)
        rhs = 0.0
        for position, key in enumerate(line):
            sign = -1.0 if position == len(line) - 1 else 1.0
            if key in index:
                coefficients[index[key]] += sign
            else:
                rhs -= sign * table.value(key)
        if any(coefficients):
            a_eq.append(coefficients)
            b_eq.append(rhs)
    out: dict[Key, tuple[float, float]] = {}
    for key, i in index.items():
        objective = [0.0] * len(variables)
        bounds: list[float] = []
        for direction in (1.0, -1.0):
            objective[i] = direction
            result = linprog(objective, A_eq=a_eq or None, b_eq=b_eq or None, bounds=(0, None))
            if result.status == 3:  # unbounded: only possible when maximising
                bounds.append(math.inf)
            else:
                assert result.status == 0, result.message
                bounds.append(direction * result.fun)
        out[key] = (bounds[0], bounds[1])
    return out


def assert_sound(table: GroupCounts, hidden: Collection[Key], k: int) -> None:
    values = {key: table.value(key) for key in table.entries()}
    small = {key for key, v in values.items() if 0 < v < k}
    assert small <= set(hidden), "every count under k is suppressed"
    for n in table.nationalities:
        if 0 < values[(n, None)] < k:
            assert {(n, s) for s in STATUSES} <= set(hidden), "a small row is hidden whole"
    for key, (low, high) in intervals(table, hidden).items():
        assert low <= values[key] <= high
        assert high - low > 0.5, f"{key} = {values[key]} is recoverable: [{low}, {high}]"
        if key in small:
            assert high >= k - 1e-6, f"{key} = {values[key]} is provably under {k}: ≤ {high}"
            assert low <= 1e-6, f"{key} = {values[key]} is provably non-empty: ≥ {low}"


def test_the_attacker_recovers_a_cell_that_only_primary_suppression_hides() -> None:
    table = one_table({("FR", K): 2, ("FR", A): 10, ("DE", K): 8, ("DE", A): 9})
    with pytest.raises(AssertionError, match="recoverable"):
        assert_sound(table, {("FR", K)}, 5)
    # Two cells in the same row are still pinned down by their column totals.
    with pytest.raises(AssertionError, match="recoverable"):
        assert_sound(table, {("FR", K), ("FR", A)}, 5)
    assert_sound(table, {("FR", K), ("FR", A), ("DE", K), ("DE", A)}, 5)


# --- counting ----------------------------------------------------------------------------------


def test_counts_persons_in_every_group_and_nationality_they_belong_to() -> None:
    dual = PersonFacts(frozenset({G1, G2}), frozenset({"FR", "MA"}), K)
    stateless = PersonFacts(frozenset({G1}), frozenset(), D)
    loner = PersonFacts(frozenset({G2}), frozenset({"BE"}), R)
    [t1, t2] = count_groups([dual, stateless, loner])
    assert (t1.group, t2.group) == (G1, G2)
    # Every table has the same rows, so a row's presence says nothing about the group.
    assert t1.nationalities == t2.nationalities == ("BE", "FR", "MA", UNKNOWN_NATIONALITY)
    assert t1.value(("FR", K)) == t1.value(("MA", K)) == 1
    assert t1.value((UNKNOWN_NATIONALITY, D)) == 1
    assert t1.value(("BE", None)) == 0
    # Column and group totals count person-nationality pairs: the dual national twice.
    assert t1.value((None, K)) == 2
    assert t1.value((None, None)) == 3
    assert t2.value((None, None)) == 3


def test_scope_restricts_rows_and_totals_and_groups() -> None:
    dual = PersonFacts(frozenset({G1, G2}), frozenset({"FR", "MA"}), K)
    other = PersonFacts(frozenset({G1}), frozenset({"DE"}), A)
    [table] = count_groups([dual, other], nationalities=["FR", "NL"], groups=[G1])
    assert table.nationalities == ("FR", "NL")
    assert table.value((None, None)) == 1  # totals are over the published rows only
    assert table.value(("NL", None)) == 0


def test_rejects_bad_input() -> None:
    with pytest.raises(InvalidInput, match="nationality"):
        count_groups([PersonFacts(frozenset({G1}), frozenset({"France"}), K)])
    with pytest.raises(InvalidInput, match="nationality"):
        count_groups([], nationalities=["fr"])
    with pytest.raises(InvalidInput, match="group"):
        count_groups([PersonFacts(frozenset({""}), frozenset({"FR"}), K)])
    with pytest.raises(InvalidInput, match="k must be"):
        build_statistics([], generated=WHEN, k=0)
    with pytest.raises(InvalidInput, match="naive"):
        build_statistics([], generated=datetime(2026, 3, 1))


# --- suppression: hand-made cases ----------------------------------------------------------------


def test_single_small_cell_gets_complements_and_totals_stay_published() -> None:
    table = one_table(CELLS)
    hidden = suppression_pattern(table, k=5)
    assert_sound(table, hidden, 5)
    assert all(n is not None and s is not None for n, s in hidden), "no total needed hiding"
    # Greedy, not minimal (four cells would do); this guards against a regression.
    assert len(hidden) <= 6
    # The example in docs/statistics.md: FR killed (2) may be anything from 0 to 9.
    assert intervals(table, hidden)[("FR", K)] == pytest.approx((0, 9))


def test_row_with_one_large_cell_is_published_as_is() -> None:
    table = one_table({("FR", K): 12, ("DE", A): 9, ("DE", K): 6})
    assert suppression_pattern(table, k=5) == frozenset()


def test_small_row_with_one_cell_is_hidden_whole() -> None:
    table = one_table({("FR", K): 3, ("DE", A): 9, ("DE", K): 6, ("NL", D): 7})
    hidden = suppression_pattern(table, k=5)
    assert {("FR", s) for s in [*STATUSES, None]} <= hidden
    assert_sound(table, hidden, 5)


def test_table_with_one_row() -> None:
    table = one_table({("FR", K): 2, ("FR", A): 10, ("FR", D): 1})
    hidden = suppression_pattern(table, k=5)
    assert_sound(table, hidden, 5)
    assert ("FR", None) not in hidden and (None, None) not in hidden


def test_all_cells_small() -> None:
    cells = {(n, s): 1 + (i + j) % 4 for i, n in enumerate(["BE", "DE", "FR"]) for j, s in
             enumerate(STATUSES)}  # fmt: skip
    table = one_table(cells)
    hidden = suppression_pattern(table, k=5)
    assert_sound(table, hidden, 5)
    assert (None, None) not in hidden  # 38 persons: the group total can be given


def test_small_group_is_hidden_whole() -> None:
    table = one_table({("FR", K): 2, ("DE", A): 1})
    assert suppression_pattern(table, k=5) == frozenset(table.entries())
    assert_sound(table, table.entries(), 5)


def test_k1_suppresses_nothing_and_empty_input_gives_no_tables() -> None:
    table = one_table({("FR", K): 1, ("DE", A): 2})
    assert suppression_pattern(table, k=1) == frozenset()
    release = build_statistics([], generated=WHEN)
    assert release.groups == ()
    assert release.to_csv() == "group,nationality,status,count,suppressed\n"


# --- suppression: random tables against the LP attacker -----------------------------------------

persons_strategy = st.lists(
    st.builds(
        PersonFacts,
        groups=st.frozensets(st.sampled_from([G1, G2]), min_size=1, max_size=2),
        nationalities=st.frozensets(st.sampled_from(["BE", "DE", "FR", "NL"]), max_size=2),
        status=st.sampled_from(STATUSES),
    ),
    max_size=45,
)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(persons=persons_strategy, k=st.integers(min_value=1, max_value=7))
def test_no_suppressed_value_can_be_recovered(persons: list[PersonFacts], k: int) -> None:
    release = build_statistics(persons, generated=WHEN, k=k)
    for counts, published in zip(count_groups(persons), release.groups, strict=True):
        hidden = {key for key, v in published.values.items() if v is None}
        assert hidden == suppression_pattern(counts, k=k)
        for key, v in published.values.items():
            assert v is None or v == counts.value(key)
        if k == 1:
            assert not hidden
        assert_sound(counts, hidden, k)


# --- formats ------------------------------------------------------------------------------------


def release_of_two_groups() -> list[PersonFacts]:
    return people(G1, CELLS) + people(G2, {("FR", R): 5, ("DE", R): 6})


def test_json_withholds_suppressed_counts() -> None:
    data = json.loads(build_statistics(release_of_two_groups(), generated=WHEN).to_json())
    assert (data["threshold"], data["rule"], data["generated"]) == (
        5,
        "backchannel-cell-suppression/1",
        "2026-03-01T12:00:00.000Z",
    )
    assert data["statuses"] == ["at-large", "killed", "detained", "returned", "unknown"]
    g1 = data["groups"][0]
    assert g1["group"] == G1 and g1["nationalities"] == ["DE", "FR", "NL"]
    fr_killed = next(c for c in g1["cells"] if (c["nationality"], c["status"]) == ("FR", "killed"))
    assert fr_killed == {"nationality": "FR", "status": "killed", "suppressed": True}
    assert {"nationality": "*", "status": "*", "suppressed": False, "count": 42} in g1["totals"]
    assert len(g1["cells"]) == 15 and len(g1["totals"]) == 3 + 5 + 1
    assert all(("count" in v) != v["suppressed"] for v in g1["cells"] + g1["totals"])


def test_csv_marks_suppressed_with_an_empty_count() -> None:
    text = build_statistics(release_of_two_groups(), generated=WHEN).to_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2 * (3 + 1) * (5 + 1)
    by_key = {(r["group"], r["nationality"], r["status"]): r for r in rows}
    assert by_key[(G1, "FR", "killed")] == {
        "group": G1,
        "nationality": "FR",
        "status": "killed",
        "count": "",
        "suppressed": "true",
    }
    assert by_key[(G1, "*", "*")]["count"] == "42"
    assert by_key[(G2, "NL", "*")] == {
        "group": G2,
        "nationality": "NL",
        "status": "*",
        "count": "0",
        "suppressed": "false",
    }
    assert all((r["count"] == "") == (r["suppressed"] == "true") for r in rows)


def test_stix_note_is_valid_stix_and_matches_the_schema() -> None:
    release = build_statistics(release_of_two_groups(), generated=WHEN)
    note = release.to_stix_note(created_by_ref=PROJECT_IDENTITY, tlp=TLP.AMBER)
    assert note["object_refs"] == [G1, G2]
    assert note["object_marking_refs"] == [TLP2_IDS[TLP.AMBER]]
    assert note["created"] == note["modified"] == "2026-03-01T12:00:00.000Z"
    assert "under 5" in note["content"] and note["abstract"]
    extension = note["extensions"][STATISTICS]
    assert extension["extension_type"] == "property-extension"
    assert list(Draft202012Validator(statistics_schema()).iter_errors(extension)) == []
    groups = [
        {"type": "threat-actor", "spec_version": "2.1", "id": g, "created": note["created"],
         "modified": note["created"], "name": f"Fictional group {i}"}
        for i, g in enumerate([G1, G2])
    ]  # fmt: skip
    bundle = {
        "type": "bundle",
        "id": "bundle--00000000-0000-4000-8000-0000000000b1",
        "objects": [
            project_identity(),
            *extension_definitions(),
            tlp2_marking_definition(TLP.AMBER),
            *groups,
            note,
        ],
    }
    assert validator_errors(bundle) == []


def test_schema_rejects_a_count_on_a_suppressed_value() -> None:
    release = build_statistics(release_of_two_groups(), generated=WHEN)
    extension = release.to_stix_note(created_by_ref=PROJECT_IDENTITY, tlp=TLP.GREEN)["extensions"][
        STATISTICS
    ]
    leaked = json.loads(json.dumps(extension))
    hidden = next(c for c in leaked["groups"][0]["cells"] if c["suppressed"])
    hidden["count"] = 2
    assert list(Draft202012Validator(statistics_schema()).iter_errors(leaked)) != []


def test_note_id_is_deterministic_and_changes_with_the_release() -> None:
    def note_id(k: int = 5, tlp: TLP = TLP.AMBER) -> str:
        release = build_statistics(release_of_two_groups(), generated=WHEN, k=k)
        note = release.to_stix_note(created_by_ref=PROJECT_IDENTITY, tlp=tlp)
        return str(note["id"])

    assert note_id().startswith("note--")
    assert note_id() == note_id()
    assert len({note_id(), note_id(k=3), note_id(tlp=TLP.RED)}) == 3


def test_note_needs_stix_refs() -> None:
    empty = build_statistics([], generated=WHEN)
    with pytest.raises(InvalidInput, match="empty"):
        empty.to_stix_note(created_by_ref=PROJECT_IDENTITY, tlp=TLP.AMBER)
    named = build_statistics(people("Fictional Front", {("FR", K): 6}), generated=WHEN)
    with pytest.raises(InvalidInput, match="Fictional Front"):
        named.to_stix_note(created_by_ref=PROJECT_IDENTITY, tlp=TLP.AMBER)
    note = named.to_stix_note(created_by_ref=PROJECT_IDENTITY, tlp=TLP.AMBER, object_refs=[G1])
    assert note["object_refs"] == [G1]


def test_statistics_extension_is_published_next_to_the_others() -> None:
    ids = [d["id"] for d in extension_definitions()]
    assert ids[:2] == [PERSON_PROFILE, PROVENANCE] and STATISTICS in ids
    [definition] = [d for d in extension_definitions() if d["id"] == STATISTICS]
    assert definition["description"] == statistics_schema()["description"]
