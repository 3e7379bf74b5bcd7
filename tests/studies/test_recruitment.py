"""Ranking candidates, recruiting a shortlist with a waitlist, and the researcher's hand edits."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.factories import PASSWORD, make_consent, make_customer, make_participant, make_study
from workbench.customers.loyalty import LoyaltyScore, LoyaltyTier
from workbench.customers.models import ConsentKind, Customer
from workbench.customers.services import current_consents
from workbench.db import utcnow
from workbench.demo import load_demo
from workbench.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from workbench.studies.models import ParticipantStatus, StudyParticipant, StudyStatus
from workbench.studies.recruitment import (
    add_by_hand,
    drop_participant,
    promote_from_waitlist,
    rank_candidates,
    recruit,
    shortlist_size,
)
from workbench.studies.screening import EligibleCustomer, ScreenerRules, eligible_customers
from workbench.studies.settings import get_recruitment_settings

S = ParticipantStatus


def candidate(customer_id: int, segment: str, score: float) -> EligibleCustomer:
    loyalty = LoyaltyScore(score, LoyaltyTier.LOYAL, 0.0, 0.0, 0.0, 0.0)
    return EligibleCustomer(Customer(id=customer_id, segment=segment), loyalty, reasons=())


def order(ranked) -> list[int]:
    return [item.customer_id for item in ranked]


# --- ranking (pure) ---------------------------------------------------------------------------


def test_loyalty_comes_first_and_ties_go_to_the_lower_id():
    pool = [
        candidate(4, "a", 80),
        candidate(2, "a", 90),
        candidate(3, "a", 80),
        candidate(1, "a", 70),
    ]
    ranked = rank_candidates(pool, ScreenerRules(), wanted=3)
    assert order(ranked) == [2, 3, 4, 1]
    assert [item.rank for item in ranked] == [1, 2, 3, 4]
    assert ranked[0].reason == "Loyalty: score 90 (loyal)"


def test_quotas_are_met_within_wanted_even_from_a_less_loyal_segment():
    pool = [candidate(i, "private", 100 - i) for i in range(1, 7)]
    pool += [candidate(10, "business", 40), candidate(11, "business", 30)]
    rules = ScreenerRules(quotas={"business": 2})

    ranked = rank_candidates(pool, rules, wanted=4)

    assert order(ranked)[:4] == [1, 2, 10, 11]
    assert [item.basis for item in ranked[:4]] == ["loyalty", "loyalty", "quota", "quota"]
    assert ranked[2].reason == "Quota: 1 of 2 from business · loyal, score 40"
    assert ranked[3].reason == "Quota: 2 of 2 from business · loyal, score 30"
    assert order(rank_candidates(pool, rules, wanted=6))[4:6] == [10, 11]


def test_a_quota_that_cannot_be_met_takes_everyone_there_is():
    pool = [candidate(i, "private", 100 - i) for i in range(1, 7)] + [candidate(9, "student", 10)]
    ranked = rank_candidates(pool, ScreenerRules(quotas={"student": 3}), wanted=4)
    assert order(ranked)[:4] == [1, 2, 3, 9]


def test_quotas_above_wanted_fill_every_place_from_the_quota_segments():
    pool = [candidate(i, "private", 100 - i) for i in range(1, 4)]
    pool += [candidate(10 + i, "a", 50 - i) for i in range(3)]
    pool += [candidate(20 + i, "b", 60 - i) for i in range(3)]
    ranked = rank_candidates(pool, ScreenerRules(quotas={"a": 3, "b": 3}), wanted=4)
    assert {item.segment for item in ranked[:4]} <= {"a", "b"}
    assert [item.basis for item in ranked[:4]] == ["quota"] * 4


def test_people_already_placed_count_towards_quotas():
    pool = [candidate(i, "private", 100 - i) for i in range(1, 5)] + [candidate(9, "business", 10)]
    rules = ScreenerRules(quotas={"business": 1})
    assert order(rank_candidates(pool, rules, wanted=2, already_placed=["business"]))[:2] == [1, 2]
    assert order(rank_candidates(pool, rules, wanted=2))[:2] == [1, 9]


def test_close_scores_mix_segments_and_distant_ones_do_not():
    close = [candidate(1, "a", 80), candidate(2, "a", 79), candidate(3, "a", 78)]
    ranked = rank_candidates([*close, candidate(4, "b", 77)], ScreenerRules(), wanted=4)
    assert order(ranked) == [1, 4, 2, 3]
    assert ranked[1].basis == "mix"
    assert ranked[1].reason == "Segment mix: b had 0 of 1 places · score 77 (loyal), near the best"
    distant = rank_candidates([*close, candidate(4, "b", 70)], ScreenerRules(), wanted=4)
    assert order(distant) == [1, 2, 3, 4]


def test_ranking_is_deterministic_and_every_place_has_a_short_reason():
    pool = [candidate(i, "abc"[i % 3], 60 + (i * 7) % 13) for i in range(1, 10)]
    rules = ScreenerRules(quotas={"c": 2})
    expected = order(rank_candidates(pool, rules, wanted=6))
    for shuffled in itertools.islice(itertools.permutations(pool), 0, 500, 37):
        ranked = rank_candidates(list(shuffled), rules, wanted=6)
        assert order(ranked) == expected
        assert all(0 < len(item.reason) <= 300 for item in ranked)
    assert len(rank_candidates(pool, rules, wanted=6, limit=4)) == 4


# --- recruit ----------------------------------------------------------------------------------


def willing(session, **overrides) -> Customer:
    overrides.setdefault("consents", {"research": True})
    return make_customer(session, **overrides)


def register(session, count: int, segment: str = "private", orders: int = 30) -> list[Customer]:
    """Customers with research consent, less loyal one after the other."""
    return [willing(session, segment=segment, orders_count=orders - i) for i in range(count)]


def listed(session, study) -> dict[int, StudyParticipant]:
    rows = session.exec(select(StudyParticipant).where(StudyParticipant.study_id == study.id))
    return {row.customer_id: row for row in rows}


def test_recruit_over_recruits_and_keeps_a_waitlist(session):
    register(session, 20)
    study = make_study(session)

    result = recruit(session, study, now=utcnow())

    assert [row.rank for row in result.shortlisted] == list(range(1, 10))
    assert [row.rank for row in result.waitlisted] == list(range(10, 16))
    assert all(row.reason and not row.added_by_hand for row in result.shortlisted)
    assert (result.eligible, result.messages) == (20, [])
    assert len(listed(session, study)) == 15


@pytest.mark.parametrize(
    ("target", "factor", "expected"), [(6, 1.5, 9), (5, 1.2, 6), (10, 1.1, 11), (6, 0.5, 6)]
)
def test_shortlist_size_rounds_up(session, target, factor, expected):
    study = make_study(session, target_participants=target, over_recruit_factor=factor)
    assert shortlist_size(study) == expected


def test_recruiting_again_changes_nothing(session):
    register(session, 20)
    study = make_study(session)
    now = utcnow()
    first = recruit(session, study, now=now)
    before = {c: (r.id, r.status, r.rank, r.reason) for c, r in listed(session, study).items()}

    again = recruit(session, study, now=now)

    after = {c: (r.id, r.status, r.rank, r.reason) for c, r in listed(session, study).items()}
    assert after == before
    assert [row.id for row in again.shortlisted] == [row.id for row in first.shortlisted]


def test_recruiting_again_keeps_hand_additions_drops_and_invitations(session):
    now = utcnow()
    register(session, 20, segment="private")
    outsider = willing(session, segment="business")  # fails the screener below
    study = make_study(session, screener={"segments": ["private"]})
    first = recruit(session, study, now=now)
    dropped, invited = first.shortlisted[0], first.shortlisted[1]
    drop_participant(session, dropped.id)
    invited.status, invited.invited_at = S.INVITED, now
    added = add_by_hand(session, study, outsider.id, now=now)

    result = recruit(session, study, now=now)

    rows = listed(session, study)
    assert rows[dropped.customer_id].status is S.DROPPED
    assert rows[invited.customer_id].status is S.INVITED
    assert rows[outsider.id].id == added.id and rows[outsider.id].added_by_hand
    # Nine places: the invited person, the hand addition and seven new picks.
    assert len(result.shortlisted) == 8
    assert outsider.id in {row.customer_id for row in result.shortlisted}
    assert len(result.waitlisted) == 6
    assert len(rows) == 1 + 1 + 8 + 6  # dropped, invited, shortlisted, waitlisted: nobody twice
    ranks = [row.rank for row in rows.values() if row.rank is not None]
    assert len(ranks) == len(set(ranks))


def test_earlier_picks_who_are_no_longer_eligible_leave_the_list(session):
    now = utcnow()
    register(session, 20)
    study = make_study(session)
    leaving = recruit(session, study, now=now).shortlisted[0]
    customer = session.get(Customer, leaving.customer_id)
    make_consent(session, customer, ConsentKind.RESEARCH, given=False)

    result = recruit(session, study, now=now + timedelta(seconds=1))

    assert customer.id not in listed(session, study)
    assert len(result.shortlisted) == 9


def test_recruit_reports_an_unmet_quota_and_a_short_register(session):
    register(session, 4, segment="private")
    register(session, 1, segment="student")
    study = make_study(session, screener={"quotas": {"student": 2}})

    result = recruit(session, study, now=utcnow())

    assert [(q.segment, q.wanted, q.met, q.satisfied) for q in result.quotas] == [
        ("student", 2, 1, False)
    ]
    assert result.messages == [
        "The quota for student cannot be met: 2 wanted, 1 among the first 6 places.",
        "Only 5 eligible customers for 9 places on the shortlist; "
        "loosen the screener or add people by hand.",
    ]
    assert len(result.shortlisted) == 5 and result.waitlisted == []


def test_a_closed_study_takes_nobody(session):
    study = make_study(session, status=StudyStatus.CLOSED)
    with pytest.raises(InvalidTransition):
        recruit(session, study, now=utcnow())
    with pytest.raises(InvalidTransition):
        add_by_hand(session, study, willing(session).id, now=utcnow())


# --- by hand ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"consents": {}}, "has no research consent in force"),
        ({"consents": {"research": False}}, "has no research consent in force"),
        ({"do_not_contact": True}, "is marked do-not-contact"),
        ({"email": None}, "has no e-mail address"),
    ],
)
def test_adding_by_hand_still_obeys_the_hard_rules(session, overrides, problem):
    customer = willing(session, name="Stina Ström", **overrides)
    study = make_study(session)
    with pytest.raises(ValidationFailed) as raised:
        add_by_hand(session, study, customer.id, now=utcnow())
    assert raised.value.message == f"Stina Ström {problem}; not added."
    assert listed(session, study) == {}


def test_adding_by_hand_overrides_screener_and_governance(session):
    now = utcnow()
    customer = willing(session, segment="student")
    make_participant(session, make_study(session), customer, status=S.INVITED, invited_at=now)
    study = make_study(session, screener={"segments": ["private"]})

    row = add_by_hand(session, study, customer.id, now=now)

    assert (row.status, row.added_by_hand, row.reason, row.rank) == (
        S.SHORTLISTED,
        True,
        "Added by hand",
        None,
    )
    assert add_by_hand(session, study, customer.id, now=now).id == row.id
    with pytest.raises(NotFound):
        add_by_hand(session, study, 999_999, now=now)


def test_adding_someone_who_was_invited_or_answered_is_a_conflict(session):
    study = make_study(session)
    row = make_participant(session, study, status=S.DECLINED)
    with pytest.raises(Conflict):
        add_by_hand(session, study, row.customer_id, now=utcnow())


def test_dropping(session):
    study = make_study(session)
    invited = make_participant(session, study, status=S.INVITED, invited_at=utcnow())
    assert drop_participant(session, invited.id).status is S.DROPPED
    assert drop_participant(session, invited.id).status is S.DROPPED
    for status in (S.ACCEPTED, S.DECLINED, S.WITHDRAWN):
        with pytest.raises(InvalidTransition):
            drop_participant(session, make_participant(session, study, status=status).id)
    with pytest.raises(NotFound):
        drop_participant(session, 999_999)


# --- the waitlist -----------------------------------------------------------------------------


def waitlist_study(session, first_status: S):
    """Quota: one business. p1 private shortlisted, b1 business, then p2 and b2 waiting."""
    study = make_study(session, screener={"quotas": {"business": 1}})
    rows = {}
    for rank, (name, segment, status) in enumerate(
        [
            ("p1", "private", S.SHORTLISTED),
            ("b1", "business", first_status),
            ("p2", "private", S.WAITLISTED),
            ("b2", "business", S.WAITLISTED),
        ],
        start=1,
    ):
        customer = willing(session, segment=segment)
        rows[name] = make_participant(session, study, customer, status=status, rank=rank)
    return study, rows


def test_promote_takes_the_best_ranked_waiting_person(session):
    study, rows = waitlist_study(session, S.ACCEPTED)
    promoted = promote_from_waitlist(session, study, now=utcnow())
    assert promoted.id == rows["p2"].id
    assert promoted.status is S.SHORTLISTED
    assert promoted.reason.startswith("From the waitlist")


def test_promote_restores_a_quota_first(session):
    study, rows = waitlist_study(session, S.DECLINED)
    assert promote_from_waitlist(session, study, now=utcnow()).id == rows["b2"].id


def test_promote_passes_over_people_who_may_no_longer_be_asked(session):
    now = utcnow()
    study, rows = waitlist_study(session, S.ACCEPTED)
    p2 = session.get(Customer, rows["p2"].customer_id)
    make_consent(session, p2, ConsentKind.RESEARCH, given=False)
    b2 = session.get(Customer, rows["b2"].customer_id)
    make_participant(session, make_study(session), b2, status=S.INVITED, invited_at=now)

    assert promote_from_waitlist(session, study, now=now + timedelta(seconds=1)) is None
    assert rows["p2"].status is S.WAITLISTED


def test_promote_with_an_empty_waitlist(session):
    assert promote_from_waitlist(session, make_study(session)) is None


# --- acceptance: the demo data ----------------------------------------------------------------


def test_demo_study_with_quotas_over_two_segments(session):
    now = utcnow()
    load_demo(session, wording_version="test-v1", password=PASSWORD)
    settings = get_recruitment_settings(session)
    # The three most loyal were invited to another study a month ago: they must be left out.
    pool = eligible_customers(session, ScreenerRules(), settings, study_id=None, now=now)
    recently_invited = sorted(pool, key=lambda item: -item.loyalty.score)[:3]
    earlier = make_study(session)
    for item in recently_invited:
        make_participant(
            session, earlier, item.customer, status=S.DECLINED, invited_at=now - timedelta(30)
        )
    study = make_study(session, screener={"quotas": {"business": 2, "student": 2}})

    result = recruit(session, study, now=now)

    assert len(result.shortlisted) >= 6 and result.waitlisted
    first_six = [session.get(Customer, row.customer_id) for row in result.shortlisted[:6]]
    assert sum(c.segment == "business" for c in first_six) >= 2
    assert sum(c.segment == "student" for c in first_six) >= 2
    assert all(quota.satisfied for quota in result.quotas) and result.messages == []
    everyone = [row.customer_id for row in result.shortlisted + result.waitlisted]
    consents = current_consents(session, everyone)
    for customer_id in everyone:
        customer = session.get(Customer, customer_id)
        assert consents[customer_id][ConsentKind.RESEARCH].given
        assert customer.email and not customer.do_not_contact
    assert not {item.customer.id for item in recently_invited} & set(everyone)
