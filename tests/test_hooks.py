"""Hooks (workbench.hooks) and work done after a commit (workbench.db.after_commit)."""

from __future__ import annotations

from flask import Flask
from sqlmodel import Session

from tests.factories import make_issue
from tests.transparency.conftest import publish
from workbench.db import after_commit, get_database
from workbench.hooks import Hook
from workbench.transparency import projections


def test_a_hook_calls_its_receivers_in_order_once_each_and_returns_their_results() -> None:
    hook: Hook[str] = Hook("example")
    calls = []

    def first(value: int) -> str:
        calls.append(("first", value))
        return f"first {value}"

    @hook.register
    def second(value: int) -> str:
        calls.append(("second", value))
        return f"second {value}"

    hook.register(first)
    hook.register(first)  # registering again changes nothing
    assert hook(7) == ["second 7", "first 7"]
    assert calls == [("second", 7), ("first", 7)]
    assert hook.receivers() == (second, first)


def test_a_hook_without_receivers_answers_nothing() -> None:
    assert Hook("nobody listens")(1, two=2) == []


def test_the_app_registers_the_features_that_react_to_lower_ones(app: Flask) -> None:
    from workbench.feedback.intake import feedback_stored
    from workbench.issues.services import issue_status_changed
    from workbench.jobs.runner import job_function
    from workbench.topics.arrivals import after_feedback_stored
    from workbench.topics.runs import execute_topic_run
    from workbench.transparency.followups import on_issue_status_changed

    assert after_feedback_stored in feedback_stored.receivers()
    assert on_issue_status_changed in issue_status_changed.receivers()
    assert job_function("topic_run") is execute_topic_run


def _new_session(app: Flask) -> Session:
    with app.app_context():
        return get_database(app).new_session()


def test_an_action_runs_once_after_the_commit_and_not_before(app: Flask) -> None:
    session = _new_session(app)
    ran = []
    action = lambda: ran.append("ran")  # noqa: E731
    session.connection()  # a transaction is open
    after_commit(session, action)
    after_commit(session, action)
    session.flush()
    assert ran == []
    session.commit()
    assert ran == ["ran"]
    session.commit()  # a later commit does not run it again
    assert ran == ["ran"]
    session.close()


def test_an_action_is_forgotten_when_the_transaction_rolls_back(app: Flask) -> None:
    session = _new_session(app)
    ran = []
    session.connection()
    after_commit(session, lambda: ran.append("ran"))
    session.rollback()
    session.commit()
    assert ran == []
    session.close()


def test_an_action_from_a_rolled_back_savepoint_still_runs_at_the_outer_commit(app) -> None:
    session = _new_session(app)
    ran = []
    session.connection()
    savepoint = session.begin_nested()
    after_commit(session, lambda: ran.append("ran"))
    savepoint.rollback()
    assert ran == []
    session.commit()
    assert ran == ["ran"]
    session.close()


def test_the_public_pages_cache_is_bumped_only_once_the_change_is_committed(app, session):
    issue = make_issue(session)
    session.commit()
    before = projections.publication_version()
    publish(session, issue, title="Snabbare leverans", answer="Vi byter bud.")
    session.flush()
    assert projections.publication_version() == before  # a reader now would cache old data
    session.commit()
    assert projections.publication_version() != before
