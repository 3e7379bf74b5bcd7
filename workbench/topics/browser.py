"""The topic browser: the current run's topics with their figures, and one topic's feedback.

A topic's items are its items now (``current_assignments``: the current run's, a hand move
winning). Merged topics are hidden; so are topics left empty (by a split or by moves).
Edits (rename, merge, move, split) live in ``workbench.topics.editing`` and are re-exported.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from workbench.customers.loyalty import LoyaltyTier
from workbench.customers.models import Customer
from workbench.customers.services import build_rows
from workbench.errors import NotFound
from workbench.feedback.inbox import FeedbackFilters, filtered_query
from workbench.feedback.models import COMPLAINT_POLARITIES, Feedback, Polarity
from workbench.issues.models import Issue, IssueTopic
from workbench.paging import Page, clamp_page
from workbench.topics.assignments import current_assignments, current_run, feedback_in_topics
from workbench.topics.editing import merge_topics as merge_topics
from workbench.topics.editing import move_feedback as move_feedback
from workbench.topics.editing import rename_topic as rename_topic
from workbench.topics.editing import split_topic as split_topic
from workbench.topics.impact import ImpactScore, impact_score, loyal_share, trend_of_weeks
from workbench.topics.models import Topic, TopicRun, TopicVersion

WEEKS = 12
LOW_RATING = 2
SORTS = ("impact", "size", "trend", "rating", "label")
NO_STAGE = "not given"


@dataclass(frozen=True)
class WeekCount:
    """Items created in the week starting ``start`` (a Monday, UTC)."""

    start: date
    count: int


@dataclass
class TopicRow:
    """One topic as the browser shows it."""

    topic: Topic
    label: str
    keywords: list[str]
    size: int
    weeks: list[WeekCount]
    rated: int
    mean_rating: float | None
    low_share: float | None
    languages: list[tuple[str, int]]
    stages: list[tuple[str, int]]
    quotes: list[Feedback]
    issues: list[Issue]
    polarity: str  # what the topic's items share: negative, neutral, positive ("" before)
    theme: int  # the theme's number in the run (-1: none)
    theme_label: str
    complaints: int  # negative or neutral items: what the impact score counts
    praise: int
    impact: ImpactScore

    @property
    def trend(self) -> float:
        return self.impact.trend

    @property
    def sparkline(self) -> str:
        return sparkline_points([week.count for week in self.weeks])


@dataclass
class ThemeRow:
    """A theme as the topic list's overview shows it: its topics, complaints and praise."""

    label: str
    topics: list[TopicRow]

    @property
    def complaints(self) -> int:
        return sum(row.complaints for row in self.topics)

    @property
    def praise(self) -> int:
        return sum(row.praise for row in self.topics)

    @property
    def impact(self) -> float:
        return max((row.impact.score for row in self.topics), default=0.0)


def theme_rows(rows: list[TopicRow]) -> list[ThemeRow]:
    """The themes of these topics, the one with the highest-impact topic first; topics from
    runs made before themes are left out (no theme)."""
    themes: dict[int, ThemeRow] = {}
    for row in rows:
        if row.theme >= 0:
            themes.setdefault(row.theme, ThemeRow(row.theme_label, [])).topics.append(row)
    for theme in themes.values():
        theme.topics.sort(key=lambda row: -row.impact.score)
    return sorted(themes.values(), key=lambda theme: (-theme.impact, -theme.complaints))


def week_starts(now: datetime, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the last ``weeks`` weeks, oldest first, this week last."""
    this_monday = now.astimezone(UTC).date() - timedelta(days=now.astimezone(UTC).weekday())
    return [this_monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def sparkline_points(counts: list[int], width: int = 96, height: int = 24) -> str:
    """SVG polyline points for weekly counts (a flat line at the bottom when all are 0)."""
    if not counts:
        return ""
    top = max(counts) or 1
    step = width / max(len(counts) - 1, 1)
    return " ".join(
        f"{index * step:.1f},{height - 2 - count / top * (height - 4):.1f}"
        for index, count in enumerate(counts)
    )


def display_label(topic: Topic, version: TopicVersion | None) -> str:
    """The name staff gave the topic, else the engine's label, else "Topic #id"."""
    if topic.custom_label:
        return topic.custom_label
    return version.label if version is not None else f"Topic #{topic.id}"


def get_topic(session: Session, topic_id: int) -> Topic:
    """The topic with this id, or NotFound."""
    topic = session.get(Topic, topic_id)
    if topic is None:
        raise NotFound(f"There is no topic #{topic_id}.")
    return topic


def latest_versions(session: Session, topic_ids: list[int]) -> dict[int, TopicVersion]:
    """Per topic, what the current run found, else the newest run that found it."""
    run = current_run(session)
    found: dict[int, TopicVersion] = {}
    if not topic_ids:
        return found
    query = (
        select(TopicVersion)
        .where(col(TopicVersion.topic_id).in_(topic_ids))
        .order_by(col(TopicVersion.run_id))
    )
    for version in session.exec(query):
        held = found.get(version.topic_id)
        if held is None or run is None or held.run_id != run.id:
            found[version.topic_id] = version
    return found


def current_topics(session: Session, run: TopicRun) -> list[tuple[Topic, TopicVersion]]:
    """The run's topics that were not merged away, with what the run found for each."""
    query = (
        select(Topic, TopicVersion)
        .join(TopicVersion, TopicVersion.topic_id == Topic.id)
        .where(TopicVersion.run_id == run.id, col(Topic.merged_into_id).is_(None))
        .order_by(col(Topic.id))
    )
    return [(topic, version) for topic, version in session.exec(query)]


def topic_rows(
    session: Session, *, now: datetime, sort: str = "impact", polarity: str = ""
) -> list[TopicRow]:
    """The current run's topics with figures, sorted (highest impact first by default); with
    ``polarity``, only the topics of that polarity."""
    run = current_run(session)
    if run is None:
        return []
    rows = [
        row
        for row in build_topic_rows(session, current_topics(session, run), now)
        if row.size and (not polarity or row.polarity == polarity)
    ]
    return sort_rows(rows, sort)


def topic_row(session: Session, topic: Topic, *, now: datetime) -> TopicRow:
    """One topic's row, whether or not the current run found it."""
    version = latest_versions(session, [topic.id]).get(topic.id)
    return build_topic_rows(session, [(topic, version)], now)[0]


def sort_rows(rows: list[TopicRow], sort: str) -> list[TopicRow]:
    """Rows in the order asked for; the lowest mean rating comes first under "rating"."""
    keys = {
        "impact": lambda r: (-r.impact.score, -r.size),
        "size": lambda r: (-r.size, -r.impact.score),
        "trend": lambda r: (-r.trend, -r.size),
        "rating": lambda r: (r.mean_rating is None, r.mean_rating or 0, -r.size),
        "label": lambda r: (r.label.casefold(), r.topic.id),
    }
    return sorted(rows, key=keys.get(sort, keys["impact"]))


def build_topic_rows(
    session: Session, pairs: list[tuple[Topic, TopicVersion | None]], now: datetime
) -> list[TopicRow]:
    """Figures for these topics in a few grouped queries (not one per topic)."""
    ids = [topic.id for topic, _ in pairs]
    if not ids:
        return []
    run = current_run(session)
    assigned = current_assignments(run.id if run else None)
    items = (
        sa.select(assigned.c.topic_id.label("topic_id"), Feedback)
        .join(Feedback, Feedback.id == assigned.c.feedback_id)
        .where(assigned.c.topic_id.in_(ids))
        .subquery("items")
    )
    low = sa.case((items.c.rating <= LOW_RATING, 1), else_=0)
    # An item not read for polarity yet counts as neutral, as ``is_complaint`` says.
    unread_or_complaint = sa.or_(
        items.c.polarity.in_(COMPLAINT_POLARITIES), items.c.polarity.is_(None)
    )
    complaint = sa.case((unread_or_complaint, 1), else_=0)
    negative = sa.case((items.c.polarity == Polarity.NEGATIVE, 1), else_=0)
    praise = sa.case((items.c.polarity == Polarity.POSITIVE, 1), else_=0)
    stats = {
        row.topic_id: row
        for row in session.execute(
            sa.select(
                items.c.topic_id,
                sa.func.count().label("size"),
                sa.func.count(items.c.rating).label("rated"),
                sa.func.avg(items.c.rating).label("mean"),
                sa.func.sum(low).label("low"),
                sa.func.sum(complaint).label("complaints"),
                sa.func.sum(negative).label("negative"),
                sa.func.sum(praise).label("praise"),
            ).group_by(items.c.topic_id)
        )
    }
    starts = week_starts(now)
    since = datetime.combine(starts[0], time(), UTC)
    weekly: dict[int, Counter] = defaultdict(Counter)
    for topic_id, created_at in session.execute(
        sa.select(items.c.topic_id, items.c.created_at).where(items.c.created_at >= since)
    ):
        day = created_at.astimezone(UTC).date()
        weekly[topic_id][day - timedelta(days=day.weekday())] += 1
    languages = _counts(session, items.c.topic_id, items.c.language)
    stages = _counts(session, items.c.topic_id, items.c.journey_stage)
    tiers = _tiers_by_topic(session, items, now)
    quotes = _quotes(session, [version for _, version in pairs if version is not None])
    issues = _linked_issues(session, ids)
    rows = []
    for topic, version in pairs:
        stat = stats.get(topic.id)
        size, rated = (stat.size, stat.rated) if stat else (0, 0)
        complaints = int(stat.complaints or 0) if stat else 0
        counts = [weekly[topic.id][start] for start in starts]
        low_share = (stat.low or 0) / rated if rated else None
        rows.append(
            TopicRow(
                topic=topic,
                label=display_label(topic, version),
                keywords=[_word(k) for k in (version.keywords if version else [])],
                size=size,
                weeks=[WeekCount(s, c) for s, c in zip(starts, counts, strict=True)],
                rated=rated,
                mean_rating=round(float(stat.mean), 2) if rated else None,
                low_share=low_share,
                languages=languages[topic.id],
                stages=[(_stage(s), n) for s, n in stages[topic.id]],
                quotes=[
                    quotes[i]
                    for i in (version.representative_feedback_ids if version else [])
                    if i in quotes
                ],
                issues=issues[topic.id],
                polarity=version.polarity if version else "",
                theme=version.theme if version else -1,
                theme_label=version.theme_label if version else "",
                complaints=complaints,
                praise=int(stat.praise or 0) if stat else 0,
                impact=impact_score(
                    complaints,
                    (stat.negative or 0) / complaints if complaints else None,
                    trend_of_weeks(counts),
                    loyal_share(tiers[topic.id]),
                ),
            )
        )
    return rows


def _word(keyword: object) -> str:
    return str(keyword[0]) if isinstance(keyword, list | tuple) and keyword else str(keyword)


def _stage(stage: object) -> str:
    if stage is None:
        return NO_STAGE
    return str(getattr(stage, "value", stage)).replace("_", " ")


def _counts(session: Session, key: sa.ColumnElement, column: sa.ColumnElement) -> dict:
    counted: dict[int, list[tuple[object, int]]] = defaultdict(list)
    query = (
        sa.select(key, column, sa.func.count())
        .group_by(key, column)
        .order_by(key, sa.func.count().desc(), column)
    )
    for topic_id, value, count in session.execute(query):
        counted[topic_id].append((value, count))
    return counted


def _tiers_by_topic(
    session: Session, items: sa.Subquery, now: datetime
) -> dict[int, list[LoyaltyTier | None]]:
    """Per topic, the loyalty tier behind each item (None: anonymous)."""
    pairs = list(session.execute(sa.select(items.c.topic_id, items.c.customer_id)))
    customer_ids = sorted({customer_id for _, customer_id in pairs if customer_id is not None})
    tier_of: dict[int, LoyaltyTier] = {}
    if customer_ids:
        customers = list(session.exec(select(Customer).where(col(Customer.id).in_(customer_ids))))
        tier_of = {row.customer.id: row.loyalty.tier for row in build_rows(session, customers, now)}
    tiers: dict[int, list[LoyaltyTier | None]] = defaultdict(list)
    for topic_id, customer_id in pairs:
        tiers[topic_id].append(tier_of.get(customer_id) if customer_id is not None else None)
    return tiers


def _quotes(session: Session, versions: list[TopicVersion]) -> dict[int, Feedback]:
    ids = {i for version in versions for i in version.representative_feedback_ids}
    if not ids:
        return {}
    query = select(Feedback).where(col(Feedback.id).in_(ids), col(Feedback.erased).is_(False))
    return {feedback.id: feedback for feedback in session.exec(query)}


def _linked_issues(session: Session, topic_ids: list[int]) -> dict[int, list[Issue]]:
    linked: dict[int, list[Issue]] = defaultdict(list)
    query = (
        select(IssueTopic.topic_id, Issue)
        .join(Issue, Issue.id == IssueTopic.issue_id)
        .where(col(IssueTopic.topic_id).in_(topic_ids))
        .order_by(col(Issue.id))
    )
    for topic_id, issue in session.exec(query):
        linked[topic_id].append(issue)
    return linked


def topic_choices(session: Session, *, exclude_id: int | None = None) -> list[tuple[int, str]]:
    """(id, label) of the current run's unmerged topics: where to merge or move to."""
    run = current_run(session)
    if run is None:
        return []
    pairs = current_topics(session, run)
    choices = [(t.id, display_label(t, v)) for t, v in pairs if t.id != exclude_id]
    return sorted(choices, key=lambda choice: choice[1].casefold())


def topic_feedback(
    session: Session,
    topic: Topic,
    filters: FeedbackFilters,
    *,
    page: int | None = 1,
    per_page: int = 50,
) -> Page[tuple[Feedback, Customer | None]]:
    """The topic's feedback now, filtered like the inbox, newest first."""
    query = filtered_query(filters).where(
        col(Feedback.id).in_(feedback_in_topics(session, [topic.id]))
    )
    total = session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    page = clamp_page(page, total, per_page)
    rows = session.execute(
        query.order_by(col(Feedback.created_at).desc(), col(Feedback.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(items=[tuple(row) for row in rows], total=total, page=page, per_page=per_page)
