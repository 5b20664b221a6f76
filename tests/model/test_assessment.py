"""Rule 3: a person's fate is assessed from evidence, and the assessment says why."""

from __future__ import annotations

from backchannel.model.assessment import assess_status
from backchannel.model.statement import State, StoredStatement
from backchannel.model.vocab import TLP, Credibility, Reliability, Status


def status(
    value: str, date: str | None, grade: str, *, state: State = State.CURRENT, sid: str = ""
) -> StoredStatement:
    return StoredStatement(
        id=sid or f"{value}{date}{grade}",
        entity_id="identity--x",
        prop="status",
        value=value,
        qualifiers={},
        link=False,
        record_id="identity--x",
        first_version="v",
        last_version="v",
        source="S",
        originator="S",
        channel="c",
        tlp=TLP.AMBER,
        reliability=Reliability(grade[0]),
        credibility=Credibility(grade[1]),
        valid_from=date,
        valid_to=None,
        first_seen="t",
        last_seen="t",
        state=state,
    )


def test_no_assertion_is_unknown() -> None:
    a = assess_status([])
    assert a.status is Status.UNKNOWN and a.basis is None


def test_latest_credible_wins() -> None:
    a = assess_status([status("killed", "2017-06", "B2"), status("detained", "2019-01", "C3")])
    assert a.status is Status.DETAINED
    assert "1 other assertion" in a.reason


def test_weak_later_report_does_not_overturn_credible_one() -> None:
    a = assess_status([status("killed", "2017-06", "B2"), status("at-large", "2018-03", "E5")])
    assert a.status is Status.KILLED


def test_only_weak_reports_are_used_and_say_so() -> None:
    a = assess_status([status("at-large", "2018-03", "E5")])
    assert a.status is Status.AT_LARGE and "no credible assertion" in a.reason


def test_superseded_assertions_do_not_count() -> None:
    a = assess_status(
        [
            status("killed", "2017-06", "A1", state=State.SUPERSEDED),
            status("detained", "2016-01", "C3"),
        ]
    )
    assert a.status is Status.DETAINED


def test_same_date_prefers_better_grade_and_is_order_independent() -> None:
    one = [status("killed", "2017-06", "C3"), status("detained", "2017-06", "A2")]
    assert assess_status(one).status is Status.DETAINED
    assert assess_status(list(reversed(one))).status is Status.DETAINED


def test_a_status_dated_with_a_full_timestamp_counts_by_its_day() -> None:
    """Profiles carry partial dates; a STIX timestamp from another input is not "undated"."""
    a = assess_status(
        [status("detained", "2019-01", "B2"), status("killed", "2021-03-04T10:00:00Z", "B2")]
    )
    assert a.status is Status.KILLED
    b = assess_status(
        [status("killed", "2018-12-31T23:59:59.000Z", "B2"), status("detained", "2019", "B2")]
    )
    assert b.status is Status.DETAINED
