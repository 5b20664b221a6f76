"""Agreements: versioned with history; invalid terms rejected, never widened (AC-7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backchannel.errors import InvalidInput
from backchannel.liaison.agreement import AgreementStatus
from backchannel.store.engine import Store
from backchannel.store.partners import agreement_history, change_agreement, current_agreement
from tests.conftest import Clock
from tests.liaison.helpers import PERSON_LEVEL, world


@pytest.fixture
def kb(store: Store, clock: Clock, tmp_path: Path) -> Store:
    world(store, clock, tmp_path)
    return store


def _change(kb: Store, clock: Clock, changes: dict[str, Any], partner: str = "au") -> Any:
    with kb.write() as conn:
        return change_agreement(conn, partner, changes, author="alice", reason="r", now=clock())


def test_every_version_is_kept_with_who_when_and_why(kb: Store, clock: Clock) -> None:
    _change(kb, clock, PERSON_LEVEL)
    clock.tick(3600)
    _change(kb, clock, {"status": "suspended"})
    with kb.read() as conn:
        history = agreement_history(conn, "au")
        current = current_agreement(conn, "au")
    assert [v.version for v in history] == [1, 2]
    assert history[0].terms.status is AgreementStatus.ACTIVE
    assert current is not None and current.terms.status is AgreementStatus.SUSPENDED
    assert current.terms.categories == history[0].terms.categories  # only status changed
    assert history[1].created_at > history[0].created_at and history[1].author == "alice"


BAD: list[tuple[dict[str, Any], str]] = [
    ({"tlp_ceiling": "red"}, "tlp_ceiling"),
    ({"granularity": "statistics-only"}, "categories"),  # persons at statistics level
    ({"categories": ["status"]}, "categories"),  # status without persons
    ({"categories": []}, "categories"),
    ({"purpose": ""}, "purpose"),
    ({"onward_to": ["nobody"]}, "onward_to"),
    ({"consent_to": ["au"]}, "consent_to"),  # itself
    ({"via": "au"}, "via"),
    ({"via": "nobody"}, "via"),
    ({"effective_from": "2026-05-01", "effective_until": "2026-04-01"}, "effective_until"),
    ({"effective_from": "2026-02-30"}, "effective_from"),
    ({"retention_days": 0}, "retention_days"),
    ({"scope": {"nationalities": ["Atlantis"]}}, "scope.nationalities"),
    ({"scope": {"religion": ["x"]}}, "scope.religion"),  # rule 9: no special categories
    ({"scope": {"ethnicity": ["x"]}}, "scope.ethnicity"),
    ({"categories": ["persons", "secrets"]}, "categories"),
    ({"distribution": "all"}, "distribution"),  # unknown field: never silently ignored
    ({"status": "maybe"}, "status"),
    ({"tlp_ceiling": 3}, "tlp_ceiling"),
]


@pytest.mark.parametrize(("changes", "field"), BAD)
def test_invalid_terms_are_rejected_with_the_field(
    kb: Store, clock: Clock, changes: dict[str, Any], field: str
) -> None:
    _change(kb, clock, PERSON_LEVEL)
    with pytest.raises(InvalidInput, match=f"'{field}'"):
        _change(kb, clock, changes)
    with kb.read() as conn:
        assert [v.version for v in agreement_history(conn, "au")] == [1]


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.dictionaries(
        st.sampled_from(
            ["status", "tlp_ceiling", "categories", "granularity", "via", "onward_to", "scope"]
        ),
        st.one_of(
            st.none(),
            st.text(max_size=5),
            st.integers(),
            st.lists(st.text(max_size=8), max_size=3),
            st.dictionaries(st.text(max_size=8), st.lists(st.text(max_size=3), max_size=2)),
        ),
        max_size=3,
    )
)
def test_malformed_terms_never_widen_an_agreement(
    kb: Store, clock: Clock, changes: dict[str, Any]
) -> None:
    """AC-7: random malformed changes are either rejected (nothing written) or valid terms."""
    with kb.read() as conn:
        before = agreement_history(conn, "x")
    try:
        v = _change(kb, clock, changes, partner="x")
    except InvalidInput:
        with kb.read() as conn:
            assert agreement_history(conn, "x") == before
        return
    assert v.terms.tlp_ceiling.value != "red"
    assert v.terms.via in (None, "au", "z")
