"""The screener: hard rules, governance rules, the study's own rules and the eligibility funnel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_consent, make_customer, make_feedback, make_participant, make_study
from workbench.customers.loyalty import LoyaltyTier
from workbench.customers.models import ConsentKind
from workbench.customers.services import build_rows
from workbench.db import utcnow
from workbench.errors import ValidationFailed
from workbench.studies.models import ParticipantStatus as S
from workbench.studies.screening import (
    ScreenerRules,
    count_eligible,
    eligible_customers,
)
from workbench.studies.settings import get_recruitment_settings, update_recruitment_settings


def willing(session, **overrides):
    """A customer who passes the hard rules unless told otherwise."""
    overrides.setdefault("consents", {"research": True})
    return make_customer(session, **overrides)


def eligible_ids(session, rules=None, *, study=None, now=None) -> set[int]:
    settings = get_recruitment_settings(session)
    found = eligible_customers(
        session,
        rules or ScreenerRules(),
        settings,
        study_id=study.id if study else None,
        now=now or utcnow(),
    )
    return {item.customer.id for item in found}


def governance(session, *, cooldown: int = 90, per_year: int = 2) -> None:
    update_recruitment_settings(
        session,
        invitation_cooldown_days=cooldown,
        max_studies_per_year=per_year,
        invitation_valid_days=21,
    )


# --- hard rules -------------------------------------------------------------------------------


def test_hard_rules_leave_only_people_with_consent_an_address_and_no_do_not_contact(session):
    now = utcnow()
    ok = willing(session)
    make_customer(session)  # no research consent at all
    make_customer(session, consents={"research": False})
    make_customer(session, consents={"contact": True})  # another kind of consent is not enough
    withdrawn = willing(session)
    make_consent(
        session, withdrawn, ConsentKind.RESEARCH, given=False, recorded_at=now + timedelta(1)
    )
    willing(session, do_not_contact=True)
    willing(session, email=None)

    assert eligible_ids(session, now=now) == {ok.id}


def test_consent_given_again_after_withdrawal_counts(session):
    now = utcnow()
    customer = make_customer(session)
    make_consent(session, customer, ConsentKind.RESEARCH, recorded_at=now - timedelta(days=3))
    make_consent(
        session, customer, ConsentKind.RESEARCH, given=False, recorded_at=now - timedelta(days=2)
    )
    make_consent(session, customer, ConsentKind.RESEARCH, recorded_at=now - timedelta(days=1))

    assert eligible_ids(session, now=now) == {customer.id}


def test_people_already_on_the_study_are_left_out_whatever_their_status(session):
    study = make_study(session)
    on_it = willing(session)
    dropped = willing(session)
    make_participant(session, study, on_it)
    make_participant(session, study, dropped, status=S.DROPPED)
    other = willing(session)

    assert eligible_ids(session, study=study) == {other.id}


# --- governance -------------------------------------------------------------------------------


def test_cooldown_leaves_out_people_invited_to_another_study_recently(session):
    now = utcnow()
    study, other_study = make_study(session), make_study(session)
    recent, earlier = willing(session), willing(session)
    for customer, days_ago in ((recent, 89), (earlier, 91)):
        invited_at = now - timedelta(days=days_ago)
        make_participant(session, other_study, customer, status=S.DECLINED, invited_at=invited_at)

    assert eligible_ids(session, study=study, now=now) == {earlier.id}

    governance(session, cooldown=30)
    assert eligible_ids(session, study=study, now=now) == {recent.id, earlier.id}

    governance(session, cooldown=120)
    assert eligible_ids(session, study=study, now=now) == set()

    governance(session, cooldown=0)  # switches the rule off
    assert eligible_ids(session, study=study, now=now) == {recent.id, earlier.id}


def test_studies_per_year_counts_accepted_places_in_other_studies_within_365_days(session):
    now = utcnow()
    study = make_study(session)
    others = [make_study(session) for _ in range(3)]
    busy, once, long_ago, declined = (willing(session) for _ in range(4))

    def took_part(customer, other, days_ago, status=S.ACCEPTED):
        make_participant(
            session,
            other,
            customer,
            status=status,
            invited_at=now - timedelta(days=days_ago + 5),
            responded_at=now - timedelta(days=days_ago),
        )

    took_part(busy, others[0], 200)
    took_part(busy, others[1], 100)
    took_part(once, others[0], 200)
    took_part(long_ago, others[0], 400)
    took_part(long_ago, others[1], 100)
    took_part(declined, others[0], 200, S.DECLINED)
    took_part(declined, others[1], 100, S.CANCELLED)

    assert eligible_ids(session, study=study, now=now) == {once.id, long_ago.id, declined.id}

    governance(session, per_year=1)
    assert eligible_ids(session, study=study, now=now) == {declined.id}

    governance(session, per_year=3)
    assert len(eligible_ids(session, study=study, now=now)) == 4


# --- the study's own rules --------------------------------------------------------------------


def test_segment_and_language_rules(session):
    business_sv = willing(session, segment="business", language="sv")
    business_en = willing(session, segment="business", language="en")
    student_en = willing(session, segment="student", language="en")
    willing(session, segment="private", language="sv")

    assert eligible_ids(session, ScreenerRules(segments=("business", "student"))) == {
        business_sv.id,
        business_en.id,
        student_en.id,
    }
    assert eligible_ids(session, ScreenerRules(language="en")) == {business_en.id, student_en.id}
    rules = ScreenerRules(segments=("business",), language="en")
    assert eligible_ids(session, rules) == {business_en.id}


def test_tenure_and_recent_purchase_rules(session):
    now = utcnow()
    veteran = willing(
        session, first_purchase_at=now - timedelta(days=400), last_purchase_at=now - timedelta(10)
    )
    newcomer = willing(
        session, first_purchase_at=now - timedelta(days=100), last_purchase_at=now - timedelta(50)
    )
    lapsed = willing(
        session, first_purchase_at=now - timedelta(days=900), last_purchase_at=now - timedelta(300)
    )
    willing(session, first_purchase_at=None, last_purchase_at=None)

    assert eligible_ids(session, ScreenerRules(min_tenure_days=365), now=now) == {
        veteran.id,
        lapsed.id,
    }
    assert eligible_ids(session, ScreenerRules(purchase_within_days=60), now=now) == {
        veteran.id,
        newcomer.id,
    }
    rules = ScreenerRules(min_tenure_days=365, purchase_within_days=60)
    assert eligible_ids(session, rules, now=now) == {veteran.id}


def test_loyalty_tier_and_score_rules_use_the_registers_loyalty(session):
    now = utcnow()
    champion = willing(
        session, first_purchase_at=now - timedelta(1200), last_purchase_at=now, orders_count=30
    )
    loyal = willing(session)  # 800 days, 8 orders, last purchase 20 days ago
    regular = willing(
        session,
        first_purchase_at=now - timedelta(500),
        last_purchase_at=now - timedelta(200),
        orders_count=3,
    )
    new = willing(
        session, first_purchase_at=now - timedelta(10), last_purchase_at=now, orders_count=1
    )
    scores = {row.customer.id: row.loyalty for row in build_rows(session, [loyal, regular], now)}
    assert scores[loyal.id].tier is LoyaltyTier.LOYAL
    assert scores[regular.id].tier is LoyaltyTier.REGULAR

    assert eligible_ids(session, ScreenerRules(min_tier=LoyaltyTier.LOYAL), now=now) == {
        champion.id,
        loyal.id,
    }
    assert eligible_ids(session, ScreenerRules(min_tier="regular"), now=now) == {
        champion.id,
        loyal.id,
        regular.id,
    }
    threshold = scores[loyal.id].score
    assert eligible_ids(session, ScreenerRules(min_score=threshold), now=now) == {
        champion.id,
        loyal.id,
    }
    assert eligible_ids(session, ScreenerRules(min_score=threshold + 0.1), now=now) == {champion.id}
    assert new.id in eligible_ids(session, now=now)


def test_engagement_from_feedback_counts_towards_the_score(session):
    now = utcnow()
    quiet, talkative = willing(session), willing(session)
    for _ in range(5):
        make_feedback(session, customer_id=talkative.id)
    found = eligible_customers(
        session, ScreenerRules(), get_recruitment_settings(session), study_id=None, now=now
    )
    scores = {item.customer.id: item.loyalty.score for item in found}
    assert scores[talkative.id] == pytest.approx(scores[quiet.id] + 15)


def test_each_eligible_customer_says_why_they_pass(session):
    now = utcnow()
    customer = willing(session, segment="business", language="en")
    rules = ScreenerRules(segments=("business",), language="en", min_tier="regular")
    [item] = eligible_customers(
        session, rules, get_recruitment_settings(session), study_id=None, now=now
    )
    assert item.customer.id == customer.id
    assert item.reasons[:3] == (
        "research consent in force",
        "not invited in the last 90 days",
        "in fewer than 2 studies in the last year",
    )
    assert "segment business" in item.reasons
    assert "speaks en" in item.reasons
    assert f"tier {item.loyalty.tier.value} (at least regular)" in item.reasons


# --- the funnel -------------------------------------------------------------------------------


def test_count_eligible_shows_what_each_rule_removed(session):
    now = utcnow()
    study, other_study = make_study(session), make_study(session)
    make_customer(session)  # no consent
    make_customer(session)  # no consent
    willing(session, do_not_contact=True)
    willing(session, email=None)
    invited = willing(session, segment="business")
    make_participant(
        session,
        other_study,
        invited,
        status=S.INVITED,
        invited_at=now - timedelta(days=5),
    )
    willing(session, segment="private")
    willing(session, segment="business", language="en")
    wanted = willing(session, segment="business", language="sv")
    new = willing(
        session, segment="business", first_purchase_at=now - timedelta(10), orders_count=1
    )

    rules = ScreenerRules(segments=("business",), language="sv", min_tier="regular")
    counted = count_eligible(
        session, rules, get_recruitment_settings(session), study_id=study.id, now=now
    )

    removed = {step.rule: step.removed for step in counted.removed}
    assert counted.total == 9
    assert removed == {
        "email": 1,
        "research_consent": 2,
        "do_not_contact": 1,
        "on_study": 0,
        "cooldown": 1,
        "studies_per_year": 0,
        "segments": 1,
        "language": 1,
        "min_tier": 1,
    }
    assert counted.eligible == 1
    assert counted.summary() == (
        "9 in the register, 1 without an e-mail address, 2 without research consent, "
        "1 marked do-not-contact, 1 invited in the last 90 days, 1 outside the segments "
        "business, 1 not speaking sv, 1 below the regular tier, 1 eligible"
    )
    found = eligible_customers(
        session, rules, get_recruitment_settings(session), study_id=study.id, now=now
    )
    assert [item.customer.id for item in found] == [wanted.id]
    assert new.id not in eligible_ids(session, rules, now=now)


def test_count_eligible_on_an_empty_register(session):
    counted = count_eligible(
        session,
        ScreenerRules(min_score=10),
        get_recruitment_settings(session),
        study_id=None,
        now=utcnow(),
    )
    assert (counted.total, counted.eligible) == (0, 0)
    assert counted.summary() == "0 in the register, 0 eligible"


# --- the rules themselves ---------------------------------------------------------------------


def test_rules_round_trip_through_the_json_column(session):
    rules = ScreenerRules(
        segments=("student", "business"),
        min_tier=LoyaltyTier.LOYAL,
        min_score=60,
        language="sv",
        min_tenure_days=180,
        purchase_within_days=365,
        quotas={"student": 2, "business": 2},
    )
    study = make_study(session, screener=rules.to_dict())
    session.commit()
    session.expire_all()

    assert ScreenerRules.from_dict(study.screener) == rules
    assert rules.segments == ("business", "student")
    assert rules.quotas == (("business", 2), ("student", 2))
    assert hash(rules) == hash(ScreenerRules.from_dict(rules.to_dict()))


def test_missing_and_empty_keys_mean_no_rule():
    assert ScreenerRules.from_dict(None) == ScreenerRules()
    assert ScreenerRules.from_dict({}) == ScreenerRules()
    loose = {"segments": ["", "business"], "min_tier": "", "language": None, "min_score": " "}
    assert ScreenerRules.from_dict(loose) == ScreenerRules(segments=("business",))
    assert ScreenerRules.from_dict({"min_tenure_days": "30", "quotas": {"a": 0}}) == ScreenerRules(
        min_tenure_days=30
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"segment": ["business"]}, "Unknown screener rules: segment."),
        ({"segments": "business"}, "segments must be a list of segment names."),
        (
            {"min_tier": "gold"},
            "min_tier must be one of new, regular, loyal, champion, not 'gold'.",
        ),
        ({"min_score": 120}, "min_score must be from 0 to 100, not 120."),
        ({"min_score": "lots"}, "min_score must be a number, not 'lots'."),
        ({"language": "de"}, "language must be sv or en, not 'de'."),
        ({"min_tenure_days": -1}, "min_tenure_days must be from 0 to 36500, not -1."),
        ({"purchase_within_days": 0}, "purchase_within_days must be from 1 to 36500, not 0."),
        ({"purchase_within_days": 1.5}, "purchase_within_days must be a whole number, not 1.5."),
        ({"min_tenure_days": True}, "min_tenure_days must be a whole number, not True."),
        ({"quotas": {"business": -2}}, "The quota for business must be from 0 to 100, not -2."),
        ({"quotas": "business"}, "quotas must map segments to counts."),
        (
            {"segments": ["business"], "quotas": {"student": 2}},
            "The quota for student is for a segment the screener leaves out; "
            "add student to the segments or remove the quota.",
        ),
    ],
)
def test_nonsense_is_refused_with_a_clear_message(data, message):
    with pytest.raises(ValidationFailed) as raised:
        ScreenerRules.from_dict(data)
    assert raised.value.message == message


def test_quotas_above_the_number_wanted_are_a_warning_not_an_error():
    rules = ScreenerRules(quotas={"business": 4, "student": 3})
    assert rules.warnings(8) == []
    assert rules.warnings(6) == [
        "The quotas add up to 7, more than the 6 participants wanted; not every quota can be met."
    ]
