"""The release policy as a pure function: every rule, its reason, and default deny."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backchannel.liaison.agreement import (
    AgreementStatus,
    Category,
    Granularity,
    Scope,
    Terms,
)
from backchannel.liaison.policy import (
    OWN,
    PUBLIC,
    Action,
    Context,
    decide_entity,
    decide_statement,
)
from backchannel.model.statement import State, StoredStatement
from backchannel.model.vocab import TLP, Credibility, EntityKind, Reliability, Status

NOW = datetime(2026, 6, 1, tzinfo=UTC)
PERSON = "identity--00000000-0000-4000-8000-0000000000a1"
GROUP = "threat-actor--00000000-0000-4000-8000-0000000000b1"


def stmt(
    prop: str,
    value: str,
    *,
    originator: str = "Service A",
    tlp: TLP = TLP.GREEN,
    state: State = State.CURRENT,
    link: bool = False,
    entity: str = PERSON,
    n: int = 0,
) -> StoredStatement:
    return StoredStatement(
        id=f"s{prop}{value}{originator}{tlp}{n}",
        entity_id=entity,
        prop=prop,
        value=value,
        qualifiers={},
        link=link,
        record_id=entity,
        first_version="2026-01-01T00:00:00.000000Z",
        last_version="2026-01-01T00:00:00.000000Z",
        source="Service A",
        originator=originator,
        channel="liaison",
        tlp=tlp,
        reliability=Reliability.B,
        credibility=Credibility.PROBABLY_TRUE,
        valid_from=None,
        valid_to=None,
        first_seen="2026-01-01T00:00:00.000000Z",
        last_seen="2026-01-01T00:00:00.000000Z",
        state=state,
    )


ACTIVE = Terms(
    status=AgreementStatus.ACTIVE,
    tlp_ceiling=TLP.AMBER,
    categories=frozenset({Category.PERSONS, Category.GROUPS, Category.STATUS}),
    granularity=Granularity.PERSON,
    purpose="counter-terrorism cooperation",
)


def ctx(terms: Terms = ACTIVE, **others: Terms) -> Context:
    return Context(
        recipient="au",
        agreements={"au": terms, **others},
        originators={"Service A": OWN, "UN": PUBLIC, "Partner X": "x", "Partner Z": "z"},
        now=NOW,
    )


def codes(decision: object) -> set[str]:
    return {r.code for r in decision.reasons}  # type: ignore[attr-defined]


def test_own_current_fact_within_terms_is_released() -> None:
    d = decide_statement(stmt("name", "Yusuf al-Qaryani"), EntityKind.PERSON, ctx())
    assert d.action is Action.RELEASE and d.reasons == ()


@pytest.mark.parametrize(
    ("terms", "code"),
    [
        (Terms(), "no-agreement"),
        (replace(ACTIVE, status=AgreementStatus.SUSPENDED), "agreement-not-in-force"),
        (replace(ACTIVE, effective_from="2026-07-01"), "agreement-not-in-force"),
        (replace(ACTIVE, effective_until="2026-05-31"), "agreement-not-in-force"),
        (replace(ACTIVE, categories=frozenset({Category.GROUPS})), "category"),
        (replace(ACTIVE, granularity=Granularity.STATISTICS), "granularity"),
        (replace(ACTIVE, tlp_ceiling=TLP.CLEAR), "tlp-ceiling"),
    ],
)
def test_each_agreement_rule_withholds_with_its_reason(terms: Terms, code: str) -> None:
    d = decide_statement(stmt("name", "Yusuf al-Qaryani"), EntityKind.PERSON, ctx(terms))
    assert d.action is Action.WITHHOLD and code in codes(d)


def test_red_never_leaves_even_under_a_red_ceiling() -> None:
    terms = replace(ACTIVE, tlp_ceiling=TLP.RED)  # invalid terms; the policy still refuses
    d = decide_statement(stmt("name", "x", tlp=TLP.RED), EntityKind.PERSON, ctx(terms))
    assert "tlp-red" in codes(d)


def test_amber_strict_goes_only_to_the_organisation_itself() -> None:
    strict = replace(ACTIVE, tlp_ceiling=TLP.AMBER_STRICT)
    own = stmt("name", "x", tlp=TLP.AMBER_STRICT)
    assert decide_statement(own, EntityKind.PERSON, ctx(strict)).released
    relayed = replace(strict, via="z")
    d = decide_statement(own, EntityKind.PERSON, ctx(relayed))
    assert "tlp-amber-strict" in codes(d)
    theirs = stmt("name", "x", tlp=TLP.AMBER_STRICT, originator="Partner X")
    consenting = replace(ACTIVE, consent_to=frozenset({"au"}))
    d = decide_statement(theirs, EntityKind.PERSON, ctx(strict, x=consenting))
    assert "tlp-amber-strict" in codes(d)


def test_third_party_rule_needs_the_originators_consent() -> None:
    fact = stmt("name", "x", originator="Partner X")
    assert "third-party" in codes(decide_statement(fact, EntityKind.PERSON, ctx(x=ACTIVE)))
    consenting = replace(ACTIVE, consent_to=frozenset({"au"}))
    assert decide_statement(fact, EntityKind.PERSON, ctx(x=consenting)).released
    # Consent recorded in an agreement that no longer exists does not count.
    gone = replace(consenting, status=AgreementStatus.NONE)
    assert not decide_statement(fact, EntityKind.PERSON, ctx(x=gone)).released
    # A partner always gets back what it gave us.
    mine = Context("x", {"x": ACTIVE}, {"Partner X": "x"}, NOW)
    assert decide_statement(fact, EntityKind.PERSON, mine).released


def test_relay_needs_consent_for_the_intermediary_too() -> None:
    fact = stmt("name", "x", originator="Partner X")
    relayed = replace(ACTIVE, via="z")
    only_au = replace(ACTIVE, consent_to=frozenset({"au"}))
    d = decide_statement(fact, EntityKind.PERSON, ctx(relayed, x=only_au))
    assert [r.detail for r in d.reasons] == ["originated by x, no consent for z"]
    both = replace(ACTIVE, consent_to=frozenset({"au", "z"}))
    assert decide_statement(fact, EntityKind.PERSON, ctx(relayed, x=both)).released


def test_unclassified_originator_is_withheld() -> None:
    d = decide_statement(stmt("name", "x", originator="Someone"), EntityKind.PERSON, ctx())
    assert codes(d) == {"originator-unknown"}


def test_superseded_and_revoked_statements_stay_home() -> None:
    for state in (State.SUPERSEDED, State.REVOKED):
        d = decide_statement(stmt("name", "x", state=state), EntityKind.PERSON, ctx())
        assert codes(d) == {"not-current"}


def test_status_is_its_own_category() -> None:
    no_status = replace(ACTIVE, categories=frozenset({Category.PERSONS}))
    d = decide_statement(stmt("status", "killed"), EntityKind.PERSON, ctx(no_status))
    assert codes(d) == {"category"}


def person(*extra: StoredStatement) -> list[StoredStatement]:
    return [stmt("name", "Yusuf al-Qaryani"), stmt("nationality", "AU"), *extra]


def test_entity_is_redacted_when_some_statements_are_withheld() -> None:
    stmts = person(stmt("alias", "Abu Khalil", originator="Partner X"))
    d = decide_entity(PERSON, EntityKind.PERSON, stmts, ctx())
    assert d.decision.action is Action.REDACT
    assert {s.prop for s in stmts if s.id in d.released_ids} == {"name", "nationality"}


def test_victims_and_witnesses_are_not_released_by_default() -> None:
    for category in ("victim", "witness"):
        stmts = person(stmt("subject_category", category))
        d = decide_entity(PERSON, EntityKind.PERSON, stmts, ctx())
        assert d.decision.action is Action.WITHHOLD and "subject-category" in codes(d.decision)
        assert d.released_ids == frozenset()


def test_scope_is_judged_on_released_facts_only() -> None:
    scoped = replace(ACTIVE, scope=Scope(nationalities=frozenset({"AU"})))
    hidden = [stmt("name", "x"), stmt("nationality", "AU", originator="Partner X")]
    d = decide_entity(PERSON, EntityKind.PERSON, hidden, ctx(scoped))
    assert "scope-nationality" in codes(d.decision)
    d = decide_entity(PERSON, EntityKind.PERSON, person(), ctx(scoped))
    assert d.decision.action is Action.RELEASE


def test_group_and_status_scopes() -> None:
    scoped = replace(ACTIVE, scope=Scope(groups=frozenset({GROUP})))
    member = stmt("member-of", GROUP, link=True)
    assert decide_entity(PERSON, EntityKind.PERSON, person(member), ctx(scoped)).decision.released
    assert not decide_entity(PERSON, EntityKind.PERSON, person(), ctx(scoped)).decision.released
    killed = replace(ACTIVE, scope=Scope(statuses=frozenset({Status.KILLED})))
    dead = stmt("status", "killed")
    assert decide_entity(PERSON, EntityKind.PERSON, person(dead), ctx(killed)).decision.released
    assert not decide_entity(PERSON, EntityKind.PERSON, person(), ctx(killed)).decision.released


def test_overdue_review_withholds_the_person() -> None:
    c = replace(ctx(), overdue=frozenset({PERSON}))
    d = decide_entity(PERSON, EntityKind.PERSON, person(), c)
    assert codes(d.decision) == {"review-overdue"}


def test_person_without_a_releasable_name_is_withheld() -> None:
    stmts = [stmt("name", "x", originator="Partner X"), stmt("nationality", "AU")]
    d = decide_entity(PERSON, EntityKind.PERSON, stmts, ctx())
    assert codes(d.decision) == {"no-name"}


terms_st = st.builds(
    Terms,
    status=st.sampled_from(AgreementStatus),
    tlp_ceiling=st.sampled_from([TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT]),
    categories=st.frozensets(st.sampled_from(Category)),
    granularity=st.sampled_from(Granularity),
    consent_to=st.frozensets(st.sampled_from(["au", "z"])),
    via=st.sampled_from([None, "z"]),
)
stmt_st = st.builds(
    stmt,
    st.sampled_from(["name", "alias", "nationality", "status"]),
    st.sampled_from(["a", "b"]),
    originator=st.sampled_from(["Service A", "UN", "Partner X", "Partner Z", "Other"]),
    tlp=st.sampled_from(TLP),
    state=st.sampled_from(State),
)


@settings(max_examples=300, derandomize=True)
@given(terms_st, terms_st, stmt_st)
def test_released_statements_satisfy_every_rule(au: Terms, x: Terms, s: StoredStatement) -> None:
    """Whatever the terms, a released statement is current, not RED, within the ceiling,
    of a covered category and either not a partner's or consented to by its originator."""
    c = ctx(au, x=x)
    if not decide_statement(s, EntityKind.PERSON, c).released:
        return
    assert au.in_force(NOW) and s.state is State.CURRENT and s.tlp is not TLP.RED
    assert s.tlp.rank <= au.tlp_ceiling.rank
    assert Category.PERSONS in au.categories or Category.STATUS in au.categories
    if s.originator == "Partner X":
        assert "au" in x.consent_to and (au.via is None or au.via in x.consent_to)
    assert s.originator != "Other"
