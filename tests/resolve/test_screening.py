"""Screening through the store and the CLI: ranked, explained, current, batch."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from backchannel.cli.main import cli
from backchannel.ingest.formats import FORMATS
from backchannel.ingest.stix_bundle import import_stix
from backchannel.resolve.screening import MATCH_THRESHOLD, query_profile
from backchannel.store.engine import Store
from backchannel.store.screening import load_index
from tests.conftest import DATA, Clock, make_envelope

P1 = "identity--00000000-0000-4000-8000-000000000002"
P2 = "identity--00000000-0000-4000-8000-000000000003"


def test_screening_finds_a_person_across_scripts_and_spellings(store: Store, clock: Clock) -> None:
    import_stix(store, [str(DATA / "persons.json")], make_envelope(), clock=clock)
    index = load_index(store)
    # P1 and P2 are two records of one fictional man (not merged here): both come first.
    for query in (
        "يوسف بن خليل القرياني",
        "Youssef Ben Khalil El Karyani",
        "QARYANI, Yusuf",
        "Yousef al-Qaryani",
    ):
        found = index.screen(query_profile(query, birth_date="1986"))
        assert {c.entity_id for c in found[:2]} == {P1, P2}, (query, found)
        assert all(c.match.explanation for c in found)
    # A matching birth year raises the score; a contradicting one lowers it.
    with_year = index.screen(query_profile("Yusuf al-Qaryani", birth_date="1986"))[0].score
    without = index.screen(query_profile("Yusuf al-Qaryani"))[0].score
    contradicted = index.screen(query_profile("Yusuf al-Qaryani", birth_date="1950"))
    assert with_year > without
    assert not contradicted or contradicted[0].score < without
    # A kunya alone is weak evidence: never a match on its own.
    assert all(c.score < MATCH_THRESHOLD for c in index.screen(query_profile("Abu Khalil")))


def test_index_stays_current_as_data_is_imported(store: Store, clock: Clock) -> None:
    import_stix(store, [str(DATA / "persons.json")], make_envelope(), clock=clock)
    assert not any(
        c.records
        for c in load_index(store).screen(query_profile("Mariam Haddad"))
        if "UN" in str(c.records)
    )
    import_stix(
        store, [str(DATA / "un_list.xml")], make_envelope("UN SC"), clock=clock, fmt=FORMATS["un"]
    )
    index = load_index(store)
    assert len(index) > 4


def test_screen_cli_single_and_batch(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--db", db_url]
    runner.invoke(cli, [*base, "import", str(DATA / "persons.json"), "--source", "S"])
    out = runner.invoke(
        cli,
        [
            *base,
            "--json",
            "screen",
            "--name",
            "Yusuf al-Qaryani",
            "--birth-date",
            "1986",
            "--nationality",
            "SY",
        ],
    )
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    top = result["candidates"][0]
    assert top["entity_id"] == P1 and top["match"] is True
    assert top["records"] == [{"source": "S", "source_id": P1}]
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"id": "q1", "name": "Youssef El Karyani", "birth_date": "1986-04"}\n'
        "not json\n"
        '{"id": "q3", "name": "Mariam Haddad", "nationality": "Belgium"}\n'
        '{"id": "q4", "name": "Nobody Atall"}\n'
    )
    batch = runner.invoke(cli, [*base, "screen", "--queries", str(queries), "--top", "3"])
    assert batch.exit_code == 1  # two bad lines, reported; the good ones answered
    lines = [json.loads(line) for line in batch.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["q1", "q4"]
    assert lines[0]["candidates"][0]["entity_id"] == P2  # born 1986-04, spelled so
    assert f"{queries}:2: malformed JSON" in batch.stderr
    assert f"{queries}:3" in batch.stderr and "alpha-2" in batch.stderr
