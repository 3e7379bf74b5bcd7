"""The screener: who in the register may be asked to take part in a study, and why.

Three layers of rules, applied in this order:

- hard rules, which nothing switches off: an e-mail address, research consent in force (the
  newest research consent record says given) and not marked do-not-contact;
- governance rules from ``RecruitmentSettings``: no invitation to another study within the
  cooldown, and fewer than ``max_studies_per_year`` studies taken part in within 365 days;
- the study's own screener (``ScreenerRules``): segments, language, tenure, recent purchase,
  minimum loyalty tier and score. Quotas do not remove anyone; the ranking uses them.

Everything but loyalty is filtered in SQL; loyalty is computed (by the register's own code) only
for the customers left.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from workbench.customers.loyalty import TIER_ORDER, LoyaltyScore, LoyaltyTier
from workbench.customers.models import ConsentKind, Customer
from workbench.customers.services import build_rows, customers_with_consent
from workbench.errors import ValidationFailed
from workbench.studies.models import ParticipantStatus, RecruitmentSettings, StudyParticipant

SCREENER_LANGUAGES = ("sv", "en")
#: Statuses that count as having taken part in a study (for the studies-per-year rule).
TOOK_PART_STATUSES = (ParticipantStatus.ACCEPTED,)
STUDIES_WINDOW_DAYS = 365
MAX_DAYS, MAX_QUOTA = 36500, 100
#: Loyalty is computed for this many customers at a time (keeps IN lists short).
LOYALTY_BATCH = 500
RULE_KEYS = ("segments", "min_tier", "min_score", "language")
RULE_KEYS += ("min_tenure_days", "purchase_within_days", "quotas")


def _number(value: Any, name: str, *, low: float, high: float, whole: bool) -> float:
    kind = "a whole number" if whole else "a number"
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError
        number = float(value)
        if whole and not number.is_integer():
            raise ValueError
    except ValueError:
        raise ValidationFailed(f"{name} must be {kind}, not {value!r}.") from None
    if not low <= number <= high:
        raise ValidationFailed(f"{name} must be from {low:g} to {high:g}, not {value!r}.")
    return number


def _segment_name(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 50:
        raise ValidationFailed(f"{name} must be a segment name (1-50 characters), not {value!r}.")
    return value.strip()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class ScreenerRules:
    """A study's screener; every rule left at its default lets everyone through.

    ``quotas`` holds (segment, minimum count) pairs sorted by segment; a mapping is accepted
    and converted, so the rules stay hashable. Invalid rules raise ValidationFailed.
    """

    segments: tuple[str, ...] = ()
    min_tier: LoyaltyTier | None = None
    min_score: float | None = None
    language: str | None = None
    min_tenure_days: int | None = None
    purchase_within_days: int | None = None
    quotas: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.segments, str) or not isinstance(self.segments, list | tuple):
            raise ValidationFailed("segments must be a list of segment names.")
        segments = tuple(sorted({_segment_name(s, "A segment") for s in self.segments}))
        object.__setattr__(self, "segments", segments)
        if self.min_tier is not None:
            try:
                object.__setattr__(self, "min_tier", LoyaltyTier(self.min_tier))
            except (ValueError, TypeError):
                tiers = ", ".join(TIER_ORDER)
                message = f"min_tier must be one of {tiers}, not {self.min_tier!r}."
                raise ValidationFailed(message) from None
        if self.min_score is not None:
            score = _number(self.min_score, "min_score", low=0, high=100, whole=False)
            object.__setattr__(self, "min_score", score)
        if self.language is not None and self.language not in SCREENER_LANGUAGES:
            languages = " or ".join(SCREENER_LANGUAGES)
            raise ValidationFailed(f"language must be {languages}, not {self.language!r}.")
        for name, low in (("min_tenure_days", 0), ("purchase_within_days", 1)):
            if getattr(self, name) is not None:
                days = _number(getattr(self, name), name, low=low, high=MAX_DAYS, whole=True)
                object.__setattr__(self, name, int(days))
        object.__setattr__(self, "quotas", self._checked_quotas(segments))

    def _checked_quotas(self, segments: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
        if not isinstance(self.quotas, Mapping | list | tuple):
            raise ValidationFailed("quotas must map segments to counts.")
        pairs = self.quotas.items() if isinstance(self.quotas, Mapping) else self.quotas
        quotas: dict[str, int] = {}
        for pair in pairs:
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise ValidationFailed(f"A quota must be a segment and a count, not {pair!r}.")
            segment = _segment_name(pair[0], "A quota's segment")
            name = f"The quota for {segment}"
            count = int(_number(pair[1], name, low=0, high=MAX_QUOTA, whole=True))
            if segment in quotas:
                raise ValidationFailed(f"There are two quotas for {segment}.")
            if segments and segment not in segments:
                raise ValidationFailed(
                    f"The quota for {segment} is for a segment the screener leaves out; "
                    f"add {segment} to the segments or remove the quota."
                )
            if count:  # a quota of 0 asks for nothing
                quotas[segment] = count
        return tuple(sorted(quotas.items()))

    def warnings(self, wanted: int) -> list[str]:
        """Advice that does not stop recruitment: quotas adding up to more than ``wanted``."""
        total = sum(count for _segment, count in self.quotas)
        if total <= wanted:
            return []
        return [
            f"The quotas add up to {total}, more than the {wanted} participants wanted; "
            "not every quota can be met."
        ]

    def to_dict(self) -> dict[str, Any]:
        """The rules as JSON-ready data for ``Study.screener``."""
        data = {key: getattr(self, key) for key in RULE_KEYS}
        data.update(segments=list(self.segments), quotas=dict(self.quotas))
        data["min_tier"] = self.min_tier.value if self.min_tier else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ScreenerRules:
        """Rules from ``Study.screener``; missing or empty keys mean no rule."""
        if not data:
            return cls()
        if not isinstance(data, Mapping):
            raise ValidationFailed("The screener must be a mapping of rules.")
        unknown = sorted(str(key) for key in data if key not in RULE_KEYS)
        if unknown:
            raise ValidationFailed(f"Unknown screener rules: {', '.join(unknown)}.")
        values = {key: None if _is_blank(data.get(key)) else data[key] for key in RULE_KEYS}
        segments = values.pop("segments") or ()
        if isinstance(segments, list | tuple):
            segments = tuple(segment for segment in segments if not _is_blank(segment))
        quotas = values.pop("quotas") or ()
        if isinstance(quotas, Mapping):
            quotas = tuple(quotas.items())
        return cls(segments=segments, quotas=quotas, **values)


@dataclass(frozen=True)
class EligibleCustomer:
    """A customer who passes every rule, their loyalty and why they pass."""

    customer: Customer
    loyalty: LoyaltyScore
    reasons: tuple[str, ...]

    @property
    def customer_id(self) -> int:
        return self.customer.id


@dataclass(frozen=True)
class RuleCount:
    """How many customers one rule removed, after the rules before it."""

    rule: str
    label: str
    removed: int


@dataclass(frozen=True)
class EligibilityCount:
    """The register, what each rule removed, and who is left."""

    total: int
    eligible: int
    removed: tuple[RuleCount, ...]

    def summary(self) -> str:
        """One line, e.g. "412 in the register, 130 without research consent, … 57 eligible"."""
        parts = [f"{self.total} in the register"]
        parts += [f"{step.removed} {step.label}" for step in self.removed if step.removed]
        parts.append(f"{self.eligible} eligible")
        return ", ".join(parts)


@dataclass(frozen=True)
class _Rule:
    """One step of the funnel: an SQL condition, or a check on the loyalty score."""

    key: str
    label: str  # how the removed are described: "12 marked do-not-contact"
    condition: Any = None  # sa.ColumnElement[bool]
    check: Callable[[LoyaltyScore], bool] | None = None
    passes: str = ""  # how a passing customer is described, when worth saying


def _sql_rules(
    rules: ScreenerRules,
    settings: RecruitmentSettings,
    *,
    study_id: int | None,
    now: datetime,
    reconsider: Collection[int],
) -> list[_Rule]:
    """Each rule that SQL can check, in the order the funnel reports them."""
    others = () if study_id is None else (StudyParticipant.study_id != study_id,)
    consenting = customers_with_consent(ConsentKind.RESEARCH)
    steps = [
        _Rule("email", "without an e-mail address", sa.func.coalesce(Customer.email, "") != ""),
        _Rule("research_consent", "without research consent", Customer.id.in_(consenting)),
        _Rule("do_not_contact", "marked do-not-contact", Customer.do_not_contact.is_(False)),
    ]
    if study_id is not None:
        on_study = sa.select(StudyParticipant.customer_id).where(
            StudyParticipant.study_id == study_id,
            StudyParticipant.customer_id.not_in(list(reconsider)),
        )
        steps.append(_Rule("on_study", "already on this study", Customer.id.not_in(on_study)))
    cooldown = settings.invitation_cooldown_days
    if cooldown > 0:  # 0 switches the rule off
        invited = sa.select(StudyParticipant.customer_id).where(
            StudyParticipant.invited_at >= now - timedelta(days=cooldown), *others
        )
        label = f"invited in the last {cooldown} days"
        steps.append(_Rule("cooldown", label, Customer.id.not_in(invited), passes=f"not {label}"))
    limit = settings.max_studies_per_year
    # An accepted participation counts from the answer; older rows may lack it.
    took_part_at = sa.func.coalesce(
        StudyParticipant.responded_at, StudyParticipant.invited_at, StudyParticipant.created_at
    )
    busy = (
        sa.select(StudyParticipant.customer_id)
        .where(StudyParticipant.status.in_(TOOK_PART_STATUSES), *others)
        .where(took_part_at >= now - timedelta(days=STUDIES_WINDOW_DAYS))
        .group_by(StudyParticipant.customer_id)
        .having(sa.func.count(sa.distinct(StudyParticipant.study_id)) >= limit)
    )
    label = f"in {limit} or more studies in the last year"
    passes = f"in fewer than {limit} studies in the last year"
    steps.append(_Rule("studies_per_year", label, Customer.id.not_in(busy), passes=passes))
    if rules.segments:
        label = f"outside the segments {', '.join(rules.segments)}"
        steps.append(_Rule("segments", label, Customer.segment.in_(rules.segments)))
    if rules.language:
        label = f"not speaking {rules.language}"
        steps.append(_Rule("language", label, Customer.language == rules.language))
    if rules.min_tenure_days is not None:
        days = rules.min_tenure_days
        condition = Customer.first_purchase_at <= now - timedelta(days=days)
        steps.append(_Rule("min_tenure_days", f"customers for under {days} days", condition))
    if rules.purchase_within_days is not None:
        days = rules.purchase_within_days
        condition = Customer.last_purchase_at >= now - timedelta(days=days)
        label = f"with no purchase in the last {days} days"
        steps.append(_Rule("purchase_within_days", label, condition))
    return steps


def _loyalty_rules(rules: ScreenerRules) -> list[_Rule]:
    """The rules that need the loyalty score."""
    steps = []
    if rules.min_tier is not None:
        lowest = TIER_ORDER.index(rules.min_tier)
        label = f"below the {rules.min_tier.value} tier"
        check = lambda loyalty: TIER_ORDER.index(loyalty.tier) >= lowest  # noqa: E731
        steps.append(_Rule("min_tier", label, check=check))
    if rules.min_score is not None:
        minimum = rules.min_score
        label = f"with a loyalty score under {minimum:g}"
        steps.append(_Rule("min_score", label, check=lambda loyalty: loyalty.score >= minimum))
    return steps


def _passing(session: Session, steps: list[_Rule]) -> list[Customer]:
    query = sa.select(Customer).where(*(rule.condition for rule in steps)).order_by(Customer.id)
    return list(session.scalars(query))


def _loyalty(session: Session, customers: list[Customer], now: datetime) -> list[LoyaltyScore]:
    """Loyalty exactly as the register computes it, in batches."""
    batches = (customers[i : i + LOYALTY_BATCH] for i in range(0, len(customers), LOYALTY_BATCH))
    return [row.loyalty for batch in batches for row in build_rows(session, batch, now)]


def _passing_reasons(
    customer: Customer,
    loyalty: LoyaltyScore,
    rules: ScreenerRules,
    steps: list[_Rule],
    now: datetime,
) -> tuple[str, ...]:
    reasons = ["research consent in force"] + [rule.passes for rule in steps if rule.passes]
    if rules.segments:
        reasons.append(f"segment {customer.segment}")
    if rules.language:
        reasons.append(f"speaks {customer.language}")
    if rules.min_tenure_days is not None:
        reasons.append(f"customer for {(now - customer.first_purchase_at).days} days")
    if rules.purchase_within_days is not None:
        reasons.append(f"last purchase {(now - customer.last_purchase_at).days} days ago")
    if rules.min_tier is not None:
        reasons.append(f"tier {loyalty.tier.value} (at least {rules.min_tier.value})")
    if rules.min_score is not None:
        reasons.append(f"score {loyalty.score:g} (at least {rules.min_score:g})")
    return tuple(reasons)


def eligible_customers(
    session: Session,
    rules: ScreenerRules,
    settings: RecruitmentSettings,
    *,
    study_id: int | None,
    now: datetime,
    reconsider: Collection[int] = (),
) -> list[EligibleCustomer]:
    """Customers passing the hard, governance and screener rules, ordered by id.

    People already on the study are left out, except the customer ids in ``reconsider``
    (recruitment passes its own earlier picks so that a re-run can rank them again).
    """
    steps = _sql_rules(rules, settings, study_id=study_id, now=now, reconsider=reconsider)
    customers = _passing(session, steps)
    checks = _loyalty_rules(rules)
    eligible = []
    for customer, loyalty in zip(customers, _loyalty(session, customers, now), strict=True):
        if all(rule.check(loyalty) for rule in checks):
            reasons = _passing_reasons(customer, loyalty, rules, steps, now)
            eligible.append(EligibleCustomer(customer=customer, loyalty=loyalty, reasons=reasons))
    return eligible


def count_eligible(
    session: Session,
    rules: ScreenerRules,
    settings: RecruitmentSettings,
    *,
    study_id: int | None,
    now: datetime,
) -> EligibilityCount:
    """How many customers are eligible and how many each rule removed, in the funnel's order."""
    steps = _sql_rules(rules, settings, study_id=study_id, now=now, reconsider=())
    # One query: the register's size and, per step, how many pass it and every step before it.
    passing = [sa.and_(*(rule.condition for rule in steps[: i + 1])) for i in range(len(steps))]
    counts = [sa.func.coalesce(sa.func.sum(sa.case((c, 1), else_=0)), 0) for c in passing]
    query = sa.select(sa.func.count(), *counts).select_from(Customer)
    total, *remaining = session.execute(query).one()
    removed, left = [], total
    for rule, after in zip(steps, remaining, strict=True):
        removed.append(RuleCount(rule=rule.key, label=rule.label, removed=left - after))
        left = after
    checks = _loyalty_rules(rules)
    if checks:
        scores = _loyalty(session, _passing(session, steps), now)
        for rule in checks:
            kept = [loyalty for loyalty in scores if rule.check(loyalty)]
            removed.append(RuleCount(rule.key, rule.label, removed=len(scores) - len(kept)))
            scores = kept
        left = len(scores)
    return EligibilityCount(total=total, eligible=left, removed=tuple(removed))


def contactable_ids(
    session: Session,
    customer_ids: Collection[int],
    settings: RecruitmentSettings,
    *,
    study_id: int,
    now: datetime,
) -> set[int]:
    """Those of ``customer_ids`` who still pass the hard and governance rules for this study."""
    if not customer_ids:
        return set()
    everyone = ScreenerRules()
    steps = _sql_rules(everyone, settings, study_id=study_id, now=now, reconsider=customer_ids)
    conditions = (rule.condition for rule in steps)
    query = sa.select(Customer.id).where(Customer.id.in_(list(customer_ids)), *conditions)
    return set(session.scalars(query))
