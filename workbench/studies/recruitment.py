"""Recruitment: the ranked candidate list, the shortlist with its waitlist, and hand edits.

The ranking (``rank_candidates``) is a pure function. Place by place it takes:

1. a quota pick, when the places left within ``wanted`` are only just enough for the quota
   places still missing: the most loyal candidate of a segment whose quota is short;
2. otherwise the most loyal candidate, except that anyone within ``MIX_MARGIN`` points of them
   whose segment has fewer places so far goes first (segment mix).

Ties go to the higher score, then to the lower customer id, so the list is deterministic.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.customers.loyalty import LoyaltyScore
from workbench.customers.models import ConsentKind, Customer
from workbench.customers.services import customers_with_consent, get_customer
from workbench.db import utcnow
from workbench.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from workbench.studies.models import (
    ParticipantStatus,
    RecruitmentSettings,
    Study,
    StudyParticipant,
    StudyStatus,
)
from workbench.studies.participant_lifecycle import ParticipantEvent
from workbench.studies.participants import move_participant, new_participant
from workbench.studies.screening import (
    EligibleCustomer,
    ScreenerRules,
    contactable_ids,
    eligible_customers,
)
from workbench.studies.settings import get_recruitment_settings

#: Loyalty points within which the segment with fewer places so far goes first.
MIX_MARGIN = 5.0
#: Statuses that hold a place in the study (they count towards quotas and the shortlist).
HOLDING_PLACE = (
    ParticipantStatus.SHORTLISTED,
    ParticipantStatus.INVITED,
    ParticipantStatus.ACCEPTED,
    ParticipantStatus.COMPLETED,  # took part: their place is filled for good
)
#: Study statuses in which the list may change.
RECRUITABLE = (StudyStatus.DRAFT, StudyStatus.RECRUITING, StudyStatus.FIELDWORK)
ADDED_BY_HAND = "Added by hand"
REASON_LENGTH = 300


@dataclass(frozen=True)
class RankedCandidate:
    """An eligible customer's place in the ranking and a short reason for it."""

    rank: int
    candidate: EligibleCustomer
    basis: str  # "quota", "loyalty" or "mix"
    reason: str

    @property
    def customer_id(self) -> int:
        return self.candidate.customer.id

    @property
    def segment(self) -> str:
        return self.candidate.customer.segment

    @property
    def loyalty(self) -> LoyaltyScore:
        return self.candidate.loyalty


@dataclass(frozen=True)
class QuotaStatus:
    """How many of a segment's quota the first ``target`` places hold."""

    segment: str
    wanted: int
    met: int

    @property
    def satisfied(self) -> bool:
        return self.met >= self.wanted


@dataclass
class RecruitmentResult:
    """The study's list after recruiting, and what the researcher should know about it."""

    shortlisted: list[StudyParticipant]
    waitlisted: list[StudyParticipant]
    ranked: list[RankedCandidate]
    quotas: list[QuotaStatus]
    eligible: int
    messages: list[str] = field(default_factory=list)


def _segment_label(segment: str) -> str:
    return segment or "no segment"


def _order(candidate: EligibleCustomer) -> tuple[float, int]:
    return (-candidate.loyalty.score, candidate.customer.id)


def rank_candidates(
    eligible: Sequence[EligibleCustomer],
    rules: ScreenerRules,
    *,
    wanted: int,
    already_placed: Sequence[str] = (),
    limit: int | None = None,
    mix_margin: float = MIX_MARGIN,
) -> list[RankedCandidate]:
    """Order candidates: loyalty first, every quota met within ``wanted`` places, segments mixed.

    ``already_placed`` holds the segments of people who already have places (they count towards
    quotas and the mix); ``limit`` stops the list early.
    """
    queues: dict[str, deque[EligibleCustomer]] = {}
    for candidate in sorted(eligible, key=_order):
        queues.setdefault(candidate.customer.segment, deque()).append(candidate)
    placed = Counter(already_placed)
    quotas = dict(rules.quotas)
    places = len(eligible) if limit is None else min(limit, len(eligible))
    ranked: list[RankedCandidate] = []
    for position in range(1, places + 1):
        heads = {segment: queue[0] for segment, queue in queues.items() if queue}
        # Quota places still missing that the remaining candidates can fill.
        missing = {
            segment: min(quota - placed[segment], len(queues.get(segment, ())))
            for segment, quota in quotas.items()
        }
        missing = {segment: count for segment, count in missing.items() if count > 0}
        places_left = wanted - position + 1
        if places_left > 0 and missing and sum(missing.values()) >= places_left:
            pick = min((heads[segment] for segment in missing), key=_order)
            basis = "quota"
        else:
            leader = min(heads.values(), key=_order)
            close = [
                c for c in heads.values() if c.loyalty.score >= leader.loyalty.score - mix_margin
            ]
            pick = min(close, key=lambda c: (placed[c.customer.segment], *_order(c)))
            basis = "loyalty" if pick is leader else "mix"
        segment = pick.customer.segment
        before = placed[segment]
        queues[segment].popleft()
        placed[segment] += 1
        taken = position - 1 + len(already_placed)
        reason = _reason(pick, basis, before=before, quota=quotas.get(segment), taken=taken)
        ranked.append(RankedCandidate(position, pick, basis, reason[:REASON_LENGTH]))
    return ranked


def _reason(
    pick: EligibleCustomer, basis: str, *, before: int, quota: int | None, taken: int
) -> str:
    loyalty, segment = pick.loyalty, _segment_label(pick.customer.segment)
    score = f"score {loyalty.score:g} ({loyalty.tier.value})"
    if basis == "quota":
        tier = loyalty.tier.value
        return f"Quota: {before + 1} of {quota} from {segment} · {tier}, score {loyalty.score:g}"
    if basis == "mix":
        return f"Segment mix: {segment} had {before} of {taken} places · {score}, near the best"
    reason = f"Loyalty: {score}"
    if quota and before < quota:
        reason += f" · quota {before + 1} of {quota} from {segment}"
    return reason


def quota_status(
    ranked: Sequence[RankedCandidate],
    rules: ScreenerRules,
    *,
    wanted: int,
    already_placed: Sequence[str] = (),
) -> list[QuotaStatus]:
    """Per quota, how many of the people already placed and the first ``wanted`` ranked it holds."""
    counts = Counter(already_placed) + Counter(c.segment for c in ranked[: max(wanted, 0)])
    return [QuotaStatus(segment, quota, counts[segment]) for segment, quota in rules.quotas]


def shortlist_size(study: Study) -> int:
    """How many to shortlist: the target times the over-recruitment factor, rounded up."""
    factor = max(study.over_recruit_factor or 1.0, 1.0)
    # round() first, so that 6 * 1.5 or 10 * 1.1 do not become one more through float error.
    return math.ceil(round(study.target_participants * factor, 6))


def _check_open(study: Study) -> None:
    if study.status not in RECRUITABLE:
        raise InvalidTransition(f"A study in {study.status.value} takes no more participants.")


def _is_machine_pick(row: StudyParticipant) -> bool:
    """Rows recruitment made and nobody has acted on; a re-run may rank them again."""
    waiting = row.status in (ParticipantStatus.SHORTLISTED, ParticipantStatus.WAITLISTED)
    return waiting and not row.added_by_hand and row.invited_at is None


def _segments_of(session: Session, customer_ids: Collection[int]) -> dict[int, str]:
    if not customer_ids:
        return {}
    query = sa.select(Customer.id, Customer.segment).where(Customer.id.in_(list(customer_ids)))
    return {customer_id: segment for customer_id, segment in session.execute(query)}


def _by_rank(row: StudyParticipant) -> tuple[bool, int, int]:
    return (row.rank is None, row.rank or 0, row.id or 0)


def _participants(session: Session, study: Study) -> list[StudyParticipant]:
    query = select(StudyParticipant).where(StudyParticipant.study_id == study.id)
    return sorted(session.exec(query), key=_by_rank)


def recruit(
    session: Session,
    study: Study,
    *,
    now: datetime,
    settings: RecruitmentSettings | None = None,
) -> RecruitmentResult:
    """Shortlist the ranked candidates (over-recruited) and waitlist the next; safe to re-run.

    People added by hand, invited or who answered stay as they are, and dropped people are not
    added again; earlier automatic picks are ranked afresh (and removed when no longer placed).
    """
    _check_open(study)
    settings = settings or get_recruitment_settings(session)
    rules = ScreenerRules.from_dict(study.screener)
    rows = _participants(session, study)
    machine = {row.customer_id: row for row in rows if _is_machine_pick(row)}
    fixed = [row for row in rows if row.customer_id not in machine]
    holding = [row for row in fixed if row.status in HOLDING_PLACE]
    held = list(_segments_of(session, [row.customer_id for row in holding]).values())
    target = study.target_participants
    open_target = max(target - len(holding), 0)
    open_shortlist = max(shortlist_size(study) - len(holding), 0)
    eligible = eligible_customers(
        session, rules, settings, study_id=study.id, now=now, reconsider=machine.keys()
    )
    ranked = rank_candidates(
        eligible, rules, wanted=open_target, already_placed=held, limit=open_shortlist + target
    )
    first_rank = max((row.rank or 0 for row in fixed), default=0)
    for candidate in ranked:
        row = machine.pop(candidate.customer_id, None)
        shortlisted = candidate.rank <= open_shortlist
        event = ParticipantEvent.SHORTLIST if shortlisted else ParticipantEvent.WAITLIST
        if row is None:
            row = new_participant(study.id, candidate.customer_id, event, now=now)
        else:
            move_participant(row, event, now=now)
        row.rank = first_rank + candidate.rank
        row.reason = candidate.reason
        session.add(row)
    for row in machine.values():  # earlier picks that no longer make the list
        session.delete(row)
    session.flush()

    quotas = quota_status(ranked, rules, wanted=open_target, already_placed=held)
    messages = rules.warnings(target)
    for quota in quotas:
        if not quota.satisfied:
            messages.append(
                f"The quota for {_segment_label(quota.segment)} cannot be met: {quota.wanted} "
                f"wanted, {quota.met} among the first {target} places."
            )
    if len(ranked) < open_shortlist:
        messages.append(
            f"Only {len(ranked)} eligible customers for {open_shortlist} places on the shortlist; "
            "loosen the screener or add people by hand."
        )
    elif len(ranked) == open_shortlist and open_shortlist:
        messages.append("No one is left for the waitlist.")
    rows = _participants(session, study)
    return RecruitmentResult(
        shortlisted=[row for row in rows if row.status is ParticipantStatus.SHORTLISTED],
        waitlisted=[row for row in rows if row.status is ParticipantStatus.WAITLISTED],
        ranked=ranked,
        quotas=quotas,
        eligible=len(eligible),
        messages=messages,
    )


def hard_rule_problem(session: Session, customer: Customer) -> str | None:
    """Why the hard rules forbid asking this customer to take part, or None."""
    if not customer.email:
        return "has no e-mail address"
    if customer.do_not_contact:
        return "is marked do-not-contact"
    consenting = sa.select(Customer.id).where(
        Customer.id == customer.id, Customer.id.in_(customers_with_consent(ConsentKind.RESEARCH))
    )
    if session.execute(consenting).first() is None:
        return "has no research consent in force"
    return None


def add_by_hand(
    session: Session, study: Study, customer_id: int, *, now: datetime
) -> StudyParticipant:
    """Shortlist a customer the researcher chose, overriding screener and governance rules.

    The hard rules still hold: an e-mail address, research consent and not do-not-contact.
    """
    _check_open(study)
    customer = get_customer(session, customer_id)
    problem = hard_rule_problem(session, customer)
    if problem:
        raise ValidationFailed(f"{customer.name or 'This customer'} {problem}; not added.")
    row = session.exec(
        select(StudyParticipant).where(
            StudyParticipant.study_id == study.id, StudyParticipant.customer_id == customer_id
        )
    ).first()
    reopenable = (ParticipantStatus.SHORTLISTED, ParticipantStatus.WAITLISTED)
    if row is not None and row.status not in (*reopenable, ParticipantStatus.DROPPED):
        raise Conflict(f"{customer.name or 'This customer'} is already {row.status.value} here.")
    if row is None:
        row = new_participant(study.id, customer_id, ParticipantEvent.SHORTLIST, now=now)
    else:
        move_participant(row, ParticipantEvent.SHORTLIST, now=now)
    row.added_by_hand = True
    row.rank = None
    row.reason = ADDED_BY_HAND
    session.add(row)
    session.flush()
    return row


def drop_participant(
    session: Session, participant_id: int, *, now: datetime | None = None
) -> StudyParticipant:
    """Take someone off the list (shortlisted, waitlisted or invited); re-runs leave them off."""
    row = session.get(StudyParticipant, participant_id)
    if row is None:
        raise NotFound("No such participant.")
    if row.status is ParticipantStatus.DROPPED:
        return row
    move_participant(row, ParticipantEvent.DROP, now=now or utcnow())
    session.add(row)
    session.flush()
    return row


def promote_from_waitlist(
    session: Session,
    study: Study,
    *,
    now: datetime | None = None,
    settings: RecruitmentSettings | None = None,
) -> StudyParticipant | None:
    """Shortlist the best waitlisted person who may still be contacted; None when nobody is left.

    A person from a segment whose quota the people holding places no longer meet goes first;
    otherwise the lowest rank. People who since lost consent or were invited elsewhere are
    passed over (and stay on the waitlist).
    """
    now = now or utcnow()
    rows = _participants(session, study)
    waiting = [row for row in rows if row.status is ParticipantStatus.WAITLISTED]
    if not waiting:
        return None
    settings = settings or get_recruitment_settings(session)
    ids = [row.customer_id for row in waiting]
    allowed = contactable_ids(session, ids, settings, study_id=study.id, now=now)
    waiting = [row for row in waiting if row.customer_id in allowed]
    if not waiting:
        return None
    try:
        quotas = ScreenerRules.from_dict(study.screener).quotas
    except ValidationFailed:
        quotas = ()  # a broken screener must not stop someone's decline from being handled
    holding = [row.customer_id for row in rows if row.status in HOLDING_PLACE]
    segments = _segments_of(session, [*holding, *ids])
    counts = Counter(segments[customer_id] for customer_id in holding)
    short = {segment for segment, quota in quotas if counts[segment] < quota}
    pick = next((row for row in waiting if segments[row.customer_id] in short), waiting[0])
    move_participant(pick, ParticipantEvent.SHORTLIST, now=now)
    pick.reason = f"From the waitlist · {pick.reason}"[:REASON_LENGTH]
    session.add(pick)
    session.flush()
    return pick
