"""The topic browser's services: rows, the feedback list, rename, merge, move and split."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.factories import make_customer, make_feedback, make_issue, make_topic_run
from workbench.db import utcnow
from workbench.errors import Conflict, ValidationFailed
from workbench.feedback.inbox import FeedbackFilters
from workbench.feedback.models import JourneyStage
from workbench.issues.models import IssueEvent, IssueTopic
from workbench.topics import browser
from workbench.topics.assignments import feedback_in_topics
from workbench.topics.models import FeedbackTopic, Topic, TopicMove, TopicVersion


def sizes(session) -> dict[str, int]:
    return {row.label: row.size for row in browser.topic_rows(session, now=utcnow())}


def members(session, topic) -> set[int]:
    return set(session.exec(feedback_in_topics(session, [topic.id])).scalars())


def test_rows_give_size_with_moves_ratings_languages_stages_and_quotes(session):
    now = utcnow()
    a = [
        make_feedback(session, rating=1, language="sv", journey_stage=JourneyStage.COMPLAINT),
        make_feedback(session, rating=2, language="en"),
        make_feedback(session, rating=5, language="sv"),
    ]
    b = [make_feedback(session, rating=4), make_feedback(session, rating=None)]
    _, topics = make_topic_run(session, {"late delivery": a, "nice staff": b})
    browser.move_feedback(session, b[0].id, topics["late delivery"].id, now=now)

    rows = {row.label: row for row in browser.topic_rows(session, now=now)}
    late, nice = rows["late delivery"], rows["nice staff"]
    assert (late.size, nice.size) == (4, 1)
    assert late.rated == 4 and late.mean_rating == 3.0  # (1 + 2 + 5 + 4) / 4
    assert late.low_share == 0.5
    assert nice.rated == 0 and nice.mean_rating is None and nice.low_share is None
    assert dict(late.languages) == {"sv": 3, "en": 1}
    assert dict(late.stages) == {"complaint": 1, browser.NO_STAGE: 3}
    assert [quote.id for quote in late.quotes] == [item.id for item in a]
    assert late.keywords == ["late", "delivery"]
    # Impact counts complaints only: the two low ratings, not the 5 and the 4 (praise).
    assert (late.complaints, late.praise) == (2, 2)
    assert late.impact.volume == 2 and late.impact.negative_share == 1.0


def test_weekly_counts_cover_twelve_weeks_by_monday(session):
    now = utcnow()
    mondays = browser.week_starts(now)
    assert len(mondays) == 12 and all(day.weekday() == 0 for day in mondays)
    assert mondays[-1] <= now.date() < mondays[-1] + timedelta(days=7)
    items = [
        make_feedback(session, created_at=now),
        make_feedback(session, created_at=now - timedelta(weeks=1)),
        make_feedback(session, created_at=now - timedelta(weeks=1)),
        make_feedback(session, created_at=now - timedelta(weeks=9)),
        make_feedback(session, created_at=now - timedelta(weeks=20)),  # before the window
    ]
    make_topic_run(session, {"wait": items})
    row = browser.topic_rows(session, now=now)[0]
    counts = {week.start: week.count for week in row.weeks}
    assert counts[mondays[-1]] == 1 and counts[mondays[-2]] == 2 and counts[mondays[-10]] == 1
    assert sum(counts.values()) == 4 and row.size == 5
    assert row.trend == 5.0  # 3 in 4 weeks (0.75/week) against 1 in 8 (0.125/week)
    assert row.sparkline.count(",") == 12


def test_feedback_from_loyal_customers_weighs_more(session):
    loyal = make_customer(session)  # long tenure, many orders, recent purchase
    new = make_customer(session, first_purchase_at=utcnow() - timedelta(days=5), orders_count=1)
    by_loyal = [make_feedback(session, customer_id=loyal.id, rating=2) for _ in range(3)]
    by_new = [make_feedback(session, customer_id=new.id, rating=2) for _ in range(3)]
    make_topic_run(session, {"loyal": by_loyal, "new": by_new})
    rows = {row.label: row for row in browser.topic_rows(session, now=utcnow())}
    assert rows["loyal"].impact.loyal_share == 1.0 and rows["new"].impact.loyal_share == 0.0
    assert rows["loyal"].impact.score > rows["new"].impact.score
    assert browser.topic_rows(session, now=utcnow())[0].label == "loyal"


def test_no_current_run_gives_no_rows(session):
    make_topic_run(session, {"old": [make_feedback(session)]}, current=False)
    assert browser.topic_rows(session, now=utcnow()) == []
    assert browser.topic_choices(session) == []


def test_sorting(session):
    make_topic_run(
        session,
        {
            "big": [make_feedback(session, rating=5) for _ in range(4)],
            "angry": [make_feedback(session, rating=1)],
        },
    )
    by = {
        s: [r.label for r in browser.topic_rows(session, now=utcnow(), sort=s)]
        for s in ("size", "rating", "label")
    }
    assert by == {"size": ["big", "angry"], "rating": ["angry", "big"], "label": ["angry", "big"]}


def test_topic_feedback_filters_and_pages(session):
    items = [make_feedback(session, text=f"Kassan krånglade {i}", language="sv") for i in range(3)]
    items.append(make_feedback(session, text="The till broke", language="en", rating=1))
    make_feedback(session, text="Kassan i en annan topic")
    _, topics = make_topic_run(session, {"till": items})
    topic = topics["till"]
    page = browser.topic_feedback(session, topic, FeedbackFilters(), page=1, per_page=2)
    assert (page.total, len(page.items), page.pages) == (4, 2, 2)
    found = browser.topic_feedback(session, topic, FeedbackFilters(search="kassan"))
    assert found.total == 3
    assert (
        browser.topic_feedback(session, topic, FeedbackFilters(language="en", rating=1)).total == 1
    )


def test_rename_and_back_to_the_engine_label(session):
    _, topics = make_topic_run(session, {"engine label": [make_feedback(session)]})
    topic = topics["engine label"]
    browser.rename_topic(session, topic, "  Slow   checkout ")
    assert sizes(session) == {"Slow checkout": 1}
    browser.rename_topic(session, topic, "")
    assert sizes(session) == {"engine label": 1}
    with pytest.raises(ValidationFailed):
        browser.rename_topic(session, topic, "x" * 201)


def test_merge_loses_nothing_and_moves_issue_links(session):
    a = [make_feedback(session) for _ in range(3)]
    b = [make_feedback(session) for _ in range(2)]
    c = [make_feedback(session)]
    _, topics = make_topic_run(session, {"a": a, "b": b, "c": c})
    source, target = topics["a"], topics["b"]
    browser.move_feedback(session, c[0].id, source.id)  # a hand move into the source
    shared, own = make_issue(session), make_issue(session)
    for issue, topic in ((shared, source), (shared, target), (own, source)):
        session.add(IssueTopic(issue_id=issue.id, topic_id=topic.id))
    session.flush()
    before = members(session, source) | members(session, target)

    browser.merge_topics(session, source, target)

    assert source.merged_into_id == target.id
    assert members(session, target) == before and len(before) == 6
    assert members(session, source) == set()
    assert sizes(session) == {"b": 6}  # merged and emptied topics are hidden
    links = session.exec(select(IssueTopic.issue_id, IssueTopic.topic_id)).all()
    assert sorted(links) == sorted([(shared.id, target.id), (own.id, target.id)])
    actions = session.exec(select(IssueEvent.action).where(IssueEvent.issue_id == own.id)).all()
    assert actions == ["topic merged"]
    with pytest.raises(Conflict):
        browser.merge_topics(session, source, target)
    with pytest.raises(ValidationFailed):
        browser.merge_topics(session, target, target)


def test_move_is_an_upsert(session):
    a, b = make_feedback(session), make_feedback(session)
    _, topics = make_topic_run(session, {"one": [a, b], "two": [make_feedback(session)]})
    browser.move_feedback(session, a.id, topics["two"].id)
    browser.move_feedback(session, a.id, topics["one"].id)
    browser.move_feedback(session, a.id, topics["two"].id)
    assert len(session.exec(select(TopicMove)).all()) == 1
    assert sizes(session) == {"one": 1, "two": 2}


@dataclass
class FakeTopic:
    id: int
    label: str
    keywords: tuple = ()


@dataclass
class FakeResult:
    labels: list[int]
    topics: list[FakeTopic]


def by_first_word(texts, *, n_topics, random_state):
    """A deterministic stand-in for the engine: one cluster per first word, "?" unclear."""
    assert random_state == 0 and n_topics == 2
    words = sorted({text.split()[0] for text in texts if not text.startswith("?")})
    labels = [-1 if t.startswith("?") else words.index(t.split()[0]) for t in texts]
    return FakeResult(
        labels, [FakeTopic(i, f"{w} things", (("w", 1.0),)) for i, w in enumerate(words)]
    )


def test_split_gives_new_identities_and_reassigns_items(session):
    items = [
        make_feedback(session, text="price too high"),
        make_feedback(session, text="delivery late"),
        make_feedback(session, text="price confusing"),
        make_feedback(session, text="? hmm"),
    ]
    moved_in = make_feedback(session, text="delivery lost")
    run, topics = make_topic_run(session, {"mixed": items, "other": [moved_in]})
    mixed = topics["mixed"]
    browser.move_feedback(session, moved_in.id, mixed.id)
    issue = make_issue(session)
    session.add(IssueTopic(issue_id=issue.id, topic_id=mixed.id))
    session.flush()

    parts = browser.split_topic(session, mixed, n=2, cluster=by_first_word)

    assert len(parts) == 2 and all(p.id not in {t.id for t in topics.values()} for p in parts)
    delivery, price = parts
    assert members(session, delivery) == {items[1].id, moved_in.id}
    assert members(session, price) == {items[0].id, items[2].id}
    assert members(session, mixed) == {items[3].id}  # the unclear one stays
    versions = session.exec(select(TopicVersion).where(TopicVersion.run_id == run.id)).all()
    assert {v.label for v in versions} >= {"delivery things", "price things"}
    assert session.exec(select(TopicMove.topic_id)).all() == [delivery.id]
    linked = set(session.exec(select(IssueTopic.topic_id).where(IssueTopic.issue_id == issue.id)))
    assert linked == {mixed.id, delivery.id, price.id}
    assert sizes(session) == {"delivery things": 2, "price things": 2, "mixed": 1}
    fitted = session.exec(select(FeedbackTopic).where(FeedbackTopic.feedback_id == items[0].id))
    assert fitted.one().topic_id == price.id


def test_split_refuses_what_does_not_separate(session):
    items = [make_feedback(session, text="price a"), make_feedback(session, text="price b")]
    _, topics = make_topic_run(session, {"one": items})
    with pytest.raises(ValidationFailed):
        browser.split_topic(session, topics["one"], cluster=by_first_word)
    with pytest.raises(ValidationFailed):
        browser.split_topic(session, topics["one"], n=1, cluster=by_first_word)
    assert len(session.exec(select(Topic)).all()) == 1
