"""Screening through the store and the CLI: ranked, explained, current, batch."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

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


def _reference_shortlist(index: Any, query: Any, size: int) -> list[int]:
    """The shortlist as first written: the same keys, weights summed person by person in a
    dict, then a sort by weight and index."""
    keys, smallest = index.query_keys(query)
    weight: dict[int, float] = {}
    for key, w in keys:
        for i in index._postings[key]:
            weight[i] = weight.get(i, 0.0) + w
    if not weight:
        return [] if smallest is None else list(smallest[:size])
    return sorted(weight, key=lambda i: (-weight[i], i))[:size]


def test_the_shortlist_equals_a_plain_person_by_person_ranking() -> None:
    """The shortlist sums weights in an array (numpy); it must give exactly the ranking of a
    plain loop, ties by index included, also for names common enough to pass the cap."""
    import random

    from backchannel.resolve.profile import NameEntry, PersonProfile
    from backchannel.resolve.screening import ScreeningIndex

    rng = random.Random(5)
    common = ["Mohammed", "Ahmed", "Ali", "Omar"]
    given = [*common, "Yusuf", "Khalid", "Tariq", "Bilal", "Hamza", "Idris", "Karim", "Nabil"]
    family = ["Haddad", "Mansour", "Qaryani", "Zubayri", "Wardani", "Khalil", "Saleh", "Nasser"]
    family += [f"Rare{n}an" for n in range(200)]
    index = ScreeningIndex()
    for n in range(9_000):
        first = rng.choice(common) if rng.random() < 0.6 else rng.choice(given)
        names = [f"{first} {rng.choice(family)}"]
        if rng.random() < 0.3:
            names.append(f"Abu {rng.choice(given)} {rng.choice(family)}")
        index.add(
            PersonProfile(
                f"identity--{n}",
                tuple(NameEntry(t, "name", False) for t in names),
                (),
                frozenset(),
                frozenset(),
                frozenset(),
                (),
            )
        )
    index.finish()
    queries = ["Mohammed", "Mohamed Ali", "Ahmed Haddad", "Omar Rare7an", "Yusuf Qaryani"]
    queries += [f"{rng.choice(given)} {rng.choice(family)}" for _ in range(150)]
    queries += ["Mohammed Ahmed Ali Omar", "Abu Tariq", "Zzyzx Qqq"]
    for text in queries:
        q = query_profile(text)
        for size in (5, 150):
            assert index.shortlist(q, size=size) == _reference_shortlist(index, q, size), text
    # Some parts are too common to count alone (over the cap), so that path is exercised.
    assert max(len(p) for k, p in index._postings.items() if "|" not in k) > 2_000
    # The service shares one index between request threads: the same answers in parallel.
    from concurrent.futures import ThreadPoolExecutor

    alone = [index.shortlist(query_profile(t)) for t in queries]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda t: index.shortlist(query_profile(t)), queries))
    assert together == alone


def test_skipping_hopeless_candidates_changes_no_result(monkeypatch: Any) -> None:
    """Screening scores a shortlisted candidate only if its score ceiling can still make the
    list. Checked against scoring every shortlisted candidate: the same candidates, scores
    and order for every query, while many comparisons are skipped."""
    import random

    from backchannel.model.partial_date import parse_partial_date
    from backchannel.resolve import screening
    from backchannel.resolve.matcher import ceiling_base, compare, prepare, score_ceiling
    from backchannel.resolve.profile import NameEntry, PersonProfile
    from backchannel.resolve.screening import ScreeningIndex

    rng = random.Random(11)
    given = ["Mohammed", "Ahmed", "Yusuf", "Khalid", "Tariq", "Omar", "Bilal", "Hamza"]
    family = ["Haddad", "Mansour", "Qaryani", "Zubayri", "Wardani", "Khalil", "Saleh", "Nasser"]
    syllables = ["ba", "di", "ku", "mo", "ra", "se", "ti", "za", "lu", "ne", "fa", "gi"]
    rare = sorted({"".join(rng.sample(syllables, 3)).title() for _ in range(600)})
    countries = ["FR", "BE", "SY", "IQ", "TN"]

    def person(n: int) -> PersonProfile:
        year = rng.randint(1975, 2000)
        dates = () if rng.random() < 0.2 else (parse_partial_date(f"{year}-0{rng.randint(1, 9)}"),)
        name = f"{rng.choice(given)} {rng.choice(family)}"
        if rng.random() < 0.3:  # rare enough for the rarity term to count
            name = f"{rng.choice(rare)} {rng.choice(rare)}"
        return PersonProfile(
            f"identity--{n:05d}",
            (NameEntry(name, "name", False),),
            dates,
            frozenset(rng.sample(countries, rng.randint(0, 2))),
            frozenset(rng.sample(["male", "female"], rng.randint(0, 1))),
            frozenset(),
            (),
        )

    index = ScreeningIndex()
    for n in range(3_000):
        index.add(person(n))
    index.finish()
    calls = 0

    def counted(*args: Any, **kw: Any) -> Any:
        nonlocal calls
        calls += 1
        return compare(*args, **kw)

    monkeypatch.setattr(screening, "compare", counted)
    shortlisted: Counter[float] = Counter()
    scored: Counter[float] = Counter()
    for n in range(120):
        q = person(10_000 + n)
        q = screening.query_profile(
            q.names[0].text,
            birth_date=q.birth_dates[0].text if q.birth_dates and n % 3 else None,
            nationality=min(q.nationalities) if q.nationalities and n % 2 else None,
            gender=min(q.genders) if q.genders and n % 5 else None,
        )
        for top, floor in ((10, screening.REVIEW_THRESHOLD), (3, 0.5), (50, 0.0)):
            before = calls
            got = index.screen(q, top=top, min_score=floor)
            scored[floor] += calls - before
            shortlisted[floor] += len(index.shortlist(q))
            prepared = prepare(q)
            every = []
            base = ceiling_base(prepared, model=index.model, stats=index)
            for i in index.shortlist(q):
                m = compare(prepared, index._prepared(i), model=index.model, stats=index)
                ceiling = score_ceiling(
                    prepared, index._prepared(i).profile, model=index.model, base=base
                )
                assert m.score <= ceiling + 1e-9, (q.names, index.ids[i], m.explanation)
                if m.score >= floor:
                    every.append((-m.score, index.ids[i]))
            want = [(i, -s) for s, i in sorted(every)[:top]]
            assert [(c.entity_id, c.score) for c in got] == want
    print({f: f"{scored[f]} of {shortlisted[f]} scored" for f in shortlisted})
    # The default screening skips many namesakes; with no floor nothing can be skipped
    # until `top` candidates are in hand.
    assert scored[screening.REVIEW_THRESHOLD] < 0.8 * shortlisted[screening.REVIEW_THRESHOLD]
    assert scored[0.5] < scored[screening.REVIEW_THRESHOLD]
