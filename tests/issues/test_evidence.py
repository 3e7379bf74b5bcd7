"""Study evidence: who hit an issue, out of how many who ran, in which tasks."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.factories import make_issue, make_observation, make_study, make_study_session
from workbench.issues.evidence import StudyEvidence, study_evidence
from workbench.studies.models import SessionStatus, StudySession, StudyTask

DONE, NO_SHOW, RUNNING = SessionStatus.COMPLETED, SessionStatus.NO_SHOW, SessionStatus.IN_PROGRESS


def tasks_of(session, study) -> list[StudyTask]:
    query = select(StudyTask).where(StudyTask.study_id == study.id).order_by(StudyTask.position)
    return list(session.exec(query))


@pytest.fixture
def study(session):
    """Six completed sessions (P1-P6), one no-show (P7) and one still running (P8)."""
    study = make_study(session, tasks=["Find the opening hours", "Change your address"])
    for status in (DONE,) * 6 + (NO_SHOW, RUNNING):
        make_study_session(session, study, status=status)
    return study


def sessions_of(session, study) -> dict[str, StudySession]:
    query = select(StudySession).where(StudySession.study_id == study.id)
    return {s.pseudonym: s for s in session.exec(query.order_by(StudySession.id))}


def test_frequency_counts_completed_sessions_only(session, study):
    people = sessions_of(session, study)
    first, second = tasks_of(session, study)
    issue = make_issue(session)
    # P1 twice (counted once), P2 once, and the no-show and running sessions once each.
    make_observation(session, people["P1"], issue_id=issue.id, task_id=second.id)
    make_observation(session, people["P1"], issue_id=issue.id, task_id=first.id)
    make_observation(session, people["P2"], issue_id=issue.id)
    make_observation(session, people["P7"], issue_id=issue.id)
    make_observation(session, people["P8"], issue_id=issue.id, task_id=second.id)
    make_observation(session, people["P3"])  # not linked

    found = study_evidence(session, [issue.id])[issue.id]

    assert found == StudyEvidence(
        issue_id=issue.id,
        participants_hit=2,
        participants_ran=6,
        frequency=2 / 6,
        hit_session_ids=frozenset({people["P1"].id, people["P2"].id}),
        tasks=("Find the opening hours", "Change your address"),  # in task order, once each
        observation_count=5,
    )
    assert found.frequency_text == "2 of 6 (33%)"


def test_two_participants_with_two_observations_each_count_once_each(session, study):
    people = sessions_of(session, study)
    issue = make_issue(session)
    for pseudonym in ("P1", "P2"):
        make_observation(session, people[pseudonym], issue_id=issue.id)
        make_observation(session, people[pseudonym], issue_id=issue.id)
    found = study_evidence(session, [issue.id])[issue.id]
    assert (found.participants_hit, found.participants_ran, found.observation_count) == (2, 6, 4)
    assert found.frequency_text == "2 of 6 (33%)"


def test_everybody_and_nobody(session, study):
    people = sessions_of(session, study)
    everybody, unobserved = make_issue(session), make_issue(session)
    for number in range(1, 7):
        make_observation(session, people[f"P{number}"], issue_id=everybody.id)

    found = study_evidence(session, [everybody.id, unobserved.id])

    assert found[everybody.id].frequency == 1.0
    assert found[everybody.id].frequency_text == "6 of 6 (100%)"
    # No observations: no studies, so nobody ran, and the frequency is unknown.
    assert found[unobserved.id] == StudyEvidence(unobserved.id, 0, 0, None, frozenset(), (), 0)
    assert found[unobserved.id].frequency_text == "—"


def test_only_observations_from_sessions_not_completed_give_zero_hits(session, study):
    people = sessions_of(session, study)
    issue = make_issue(session)
    make_observation(session, people["P8"], issue_id=issue.id)
    found = study_evidence(session, [issue.id])[issue.id]
    assert (found.participants_hit, found.participants_ran, found.frequency) == (0, 6, 0.0)


def test_nobody_completed_yet_means_no_frequency(session):
    study = make_study(session)
    running = make_study_session(session, study, status=RUNNING)
    issue = make_issue(session)
    make_observation(session, running, issue_id=issue.id)
    found = study_evidence(session, [issue.id])[issue.id]
    assert (found.participants_ran, found.frequency, found.observation_count) == (0, None, 1)


def test_across_studies_and_restricted_to_one(session, study):
    other = make_study(session, tasks=["Pay"])
    other_people = [make_study_session(session, other, status=DONE) for _ in range(4)]
    people = sessions_of(session, study)
    issue = make_issue(session)
    make_observation(session, people["P1"], issue_id=issue.id)
    pay = tasks_of(session, other)[0]
    for study_session in other_people[:3]:
        make_observation(session, study_session, issue_id=issue.id, task_id=pay.id)

    everywhere = study_evidence(session, [issue.id])[issue.id]
    here = study_evidence(session, [issue.id], study_id=study.id)[issue.id]
    there = study_evidence(session, [issue.id], study_id=other.id)[issue.id]

    assert everywhere.frequency_text == "4 of 10 (40%)"
    assert everywhere.tasks == ("Pay",)
    assert here.frequency_text == "1 of 6 (17%)"
    assert (here.tasks, here.observation_count) == ((), 1)
    assert there.frequency_text == "3 of 4 (75%)"
    assert there.tasks == ("Pay",)


def test_restricted_to_a_study_the_issue_is_not_in(session, study):
    issue = make_issue(session)
    found = study_evidence(session, [issue.id], study_id=study.id)[issue.id]
    assert (found.participants_hit, found.participants_ran, found.frequency) == (0, 6, 0.0)


def test_empty_input(session):
    assert study_evidence(session, []) == {}


def test_many_issues_in_few_queries(session, study):
    """The number of queries does not grow with the number of issues."""
    people = sessions_of(session, study)
    issues = [make_issue(session) for _ in range(30)]
    for index, issue in enumerate(issues):
        make_observation(session, people[f"P{index % 6 + 1}"], issue_id=issue.id)
    statements = []
    engine = session.get_bind()
    engine = getattr(engine, "engine", engine)
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        found = study_evidence(session, [issue.id for issue in issues])
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    assert len(found) == 30
    assert all(evidence.frequency_text == "1 of 6 (17%)" for evidence in found.values())
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2
