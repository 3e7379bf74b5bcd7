"""Running a session, on the real database: pseudonyms, results, observations, no-shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.factories import (
    make_consent,
    make_customer,
    make_issue,
    make_observation,
    make_participant,
    make_slot,
    make_study,
    make_study_session,
)
from tests.studies.conftest import MAILING, letters
from workbench.customers.models import ConsentKind, Customer
from workbench.db import utcnow
from workbench.errors import Conflict, InvalidTransition, ValidationFailed
from workbench.studies import sessions
from workbench.studies.models import (
    Booking,
    Observation,
    ParticipantStatus,
    SessionStatus,
    StudyParticipant,
    StudySession,
    StudyStatus,
    StudyTask,
    TaskOutcome,
    TaskResult,
)

NOW = utcnow().replace(microsecond=0)


def accepted(session, study, **customer_values):
    customer = make_customer(session, consents={"research": True}, **customer_values)
    return make_participant(session, study, customer, status=ParticipantStatus.ACCEPTED)


def tasks_of(session, study) -> list[StudyTask]:
    query = select(StudyTask).where(StudyTask.study_id == study.id).order_by(StudyTask.position)
    return list(session.exec(query))


@pytest.fixture
def study(session):
    return make_study(session, status=StudyStatus.FIELDWORK)


@pytest.fixture
def running(session, study) -> StudySession:
    return sessions.start_session(session, accepted(session, study), moderator_id=None, now=NOW)


def test_pseudonyms_are_given_in_order_and_the_booked_slot_is_kept(session, study):
    first, second = accepted(session, study), accepted(session, study)
    slot = make_slot(session, study)
    session.add(Booking(slot_id=slot.id, participant_id=second.id))
    session.flush()
    one = sessions.start_session(session, first, moderator_id=None, now=NOW)
    two = sessions.start_session(session, second, moderator_id=None, now=NOW)
    assert (one.pseudonym, two.pseudonym) == ("P1", "P2")
    assert (one.slot_id, two.slot_id) == (None, slot.id)
    assert one.status is SessionStatus.IN_PROGRESS and one.started_at == NOW


def test_starting_twice_returns_the_same_session(session, study):
    participant = accepted(session, study)
    first = sessions.start_session(session, participant, moderator_id=None, now=NOW)
    again = sessions.start_session(session, participant, moderator_id=None, now=NOW)
    assert again.id == first.id
    assert len(session.exec(select(StudySession)).all()) == 1


def test_a_taken_pseudonym_is_skipped_through_the_unique_constraint(session, study):
    # Another session already holds P2, the number a count of sessions would pick next.
    make_study_session(session, study, pseudonym="P2")
    started = sessions.start_session(session, accepted(session, study), moderator_id=None, now=NOW)
    assert started.pseudonym == "P3"
    session.commit()  # the failed attempt was only a savepoint: the rest is intact
    assert sorted(s.pseudonym for s in session.exec(select(StudySession))) == ["P2", "P3"]


def test_pseudonyms_are_per_study(session, study):
    other = make_study(session, status=StudyStatus.FIELDWORK)
    sessions.start_session(session, accepted(session, study), moderator_id=None, now=NOW)
    there = sessions.start_session(session, accepted(session, other), moderator_id=None, now=NOW)
    assert there.pseudonym == "P1"


@pytest.mark.parametrize("status", [StudyStatus.DRAFT, StudyStatus.ANALYSIS, StudyStatus.CLOSED])
def test_no_session_starts_outside_recruiting_and_fieldwork(session, status):
    study = make_study(session, status=status)
    with pytest.raises(InvalidTransition, match=status.value):
        sessions.start_session(session, accepted(session, study), moderator_id=None, now=NOW)


def test_a_session_may_start_while_recruiting(session):
    study = make_study(session, status=StudyStatus.RECRUITING)
    started = sessions.start_session(session, accepted(session, study), moderator_id=None, now=NOW)
    assert started.pseudonym == "P1"


@pytest.mark.parametrize("status", [ParticipantStatus.INVITED, ParticipantStatus.DECLINED])
def test_only_someone_who_said_yes_takes_part(session, study, status):
    participant = make_participant(session, study, status=status)
    with pytest.raises(InvalidTransition, match=status.value):
        sessions.start_session(session, participant, moderator_id=None, now=NOW)


def test_task_results_are_upserted_per_task(session, study, running):
    first, _second = tasks_of(session, study)
    sessions.record_task_result(
        session, running, first.id, outcome=TaskOutcome.FAIL, seconds=40, now=NOW
    )
    later = NOW + timedelta(minutes=1)
    result = sessions.record_task_result(
        session, running, first.id, outcome=TaskOutcome.SUCCESS, seconds=95, now=later
    )
    rows = session.exec(select(TaskResult)).all()
    assert [(r.outcome, r.seconds, r.recorded_at) for r in rows] == [
        (TaskOutcome.SUCCESS, 95, later)
    ]
    assert result.id == rows[0].id


def test_task_results_refuse_other_studies_tasks_and_negative_time(session, study, running):
    foreign = tasks_of(session, make_study(session))[0]
    with pytest.raises(ValidationFailed, match="not part of this study"):
        sessions.record_task_result(
            session, running, foreign.id, outcome=TaskOutcome.SUCCESS, seconds=1, now=NOW
        )
    task = tasks_of(session, study)[0]
    with pytest.raises(ValidationFailed, match="seconds"):
        sessions.record_task_result(
            session, running, task.id, outcome=TaskOutcome.SUCCESS, seconds=-1, now=NOW
        )


def log(session, running, **values):
    defaults = {"note": "Looked for the menu", "severity": 2, "actor_id": None, "now": NOW}
    return sessions.log_observation(session, running, **(defaults | values))


def test_an_observation_is_logged_with_normalised_tags(session, study, running):
    task = tasks_of(session, study)[1]
    observation = log(
        session,
        running,
        note="  Could not find the address form  ",
        severity=3,
        task_id=task.id,
        tags=sessions.split_tags(" Navigation, forms,navigation ,  Address  Book ,"),
    )
    assert observation.note == "Could not find the address form"
    assert observation.tags == ["navigation", "forms", "address book"]
    assert (observation.severity, observation.task_id) == (3, task.id)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"note": "   "}, "Write what you observed"),
        ({"severity": 5}, "0 .not a problem. to 4"),
        ({"severity": -1}, "0 .not a problem. to 4"),
        ({"tags": [f"tag{n}" for n in range(11)]}, "At most 10 tags"),
        ({"publishable": True}, "Only a quote"),
    ],
)
def test_observations_are_validated(session, running, values, message):
    with pytest.raises(ValidationFailed, match=message):
        log(session, running, **values)


def test_an_observation_refuses_a_task_of_another_study(session, running):
    foreign = tasks_of(session, make_study(session))[0]
    with pytest.raises(ValidationFailed, match="not part of this study"):
        log(session, running, task_id=foreign.id)


def customer_of(session, study_session) -> Customer:
    participant = session.get(StudyParticipant, study_session.participant_id)
    return session.get(Customer, participant.customer_id)


def test_a_quote_is_publishable_only_with_consent_in_force(session, running):
    with pytest.raises(ValidationFailed, match="not consented"):
        log(session, running, note="I never read these", is_quote=True, publishable=True)
    customer = customer_of(session, running)
    make_consent(session, customer, ConsentKind.PUBLISH_QUOTE, recorded_at=NOW - timedelta(days=2))
    quote = log(session, running, note="I never read these", is_quote=True, publishable=True)
    assert quote.publishable and sessions.session_view(session, running).may_publish_quotes
    make_consent(
        session,
        customer,
        ConsentKind.PUBLISH_QUOTE,
        given=False,
        recorded_at=NOW - timedelta(days=1),
    )
    with pytest.raises(ValidationFailed, match="not consented"):
        log(session, running, note="Later words", is_quote=True, publishable=True)
    assert not sessions.session_view(session, running).may_publish_quotes


def test_an_observation_is_updated_and_deleted_unless_an_issue_cites_it(session, running):
    observation = log(session, running)
    sessions.update_observation(session, observation, note="Typo fixed", severity=1, tags=["A"])
    assert (observation.note, observation.severity, observation.tags) == ("Typo fixed", 1, ["a"])
    cited = make_observation(session, running, issue_id=make_issue(session).id)
    with pytest.raises(Conflict, match="evidence for issue"):
        sessions.delete_observation(session, cited)
    sessions.update_observation(session, cited, note="Still editable", severity=4)
    sessions.delete_observation(session, observation)
    assert [o.id for o in session.exec(select(Observation))] == [cited.id]


def test_the_view_lists_tasks_with_results_and_observations_newest_first(session, study, running):
    first, second = tasks_of(session, study)
    sessions.record_task_result(
        session, running, first.id, outcome=TaskOutcome.PARTIAL, seconds=None, now=NOW
    )
    older = log(session, running, note="older", now=NOW)
    newer = log(session, running, note="newer", task_id=second.id, now=NOW + timedelta(1))
    view = sessions.session_view(session, running)
    assert view.pseudonym == "P1" and view.current_task.id == second.id
    assert [row.result and row.result.outcome for row in view.tasks] == [TaskOutcome.PARTIAL, None]
    assert [row.observation.id for row in view.observations] == [newer.id, older.id]
    assert view.observations[0].task.id == second.id
    assert view.observations[0].severity_label == "minor"


def waitlisted(session, study):
    customer = make_customer(session, consents={"research": True}, email="next@example.se")
    return make_participant(session, study, customer, status=ParticipantStatus.WAITLISTED, rank=9)


def test_a_no_show_is_counted_once_and_the_waitlist_is_invited(session, study):
    participant = accepted(session, study)
    slot = make_slot(session, study)
    session.add(Booking(slot_id=slot.id, participant_id=participant.id))
    nextup = waitlisted(session, study)
    marked = sessions.mark_no_show(session, participant, MAILING, now=NOW)
    again = sessions.mark_no_show(session, participant, MAILING, now=NOW)
    assert again.id == marked.id
    assert (marked.status, marked.pseudonym, marked.slot_id) == (
        SessionStatus.NO_SHOW,
        "P1",
        slot.id,
    )
    assert participant.status is ParticipantStatus.NO_SHOW
    assert session.get(Customer, participant.customer_id).no_show_count == 1
    booking = session.exec(select(Booking)).one()
    assert booking.cancelled_at is None  # kept as history
    assert nextup.status is ParticipantStatus.INVITED
    invitations = letters(session, "invitation")
    assert [letter.to_address for letter in invitations] == ["next@example.se"]


def test_a_no_show_after_notes_were_taken_is_refused(session, study):
    participant = accepted(session, study)
    started = sessions.start_session(session, participant, moderator_id=None, now=NOW)
    log(session, started)
    with pytest.raises(InvalidTransition, match="took part"):
        sessions.mark_no_show(session, participant, MAILING, now=NOW)
    assert session.get(Customer, participant.customer_id).no_show_count == 0


def test_a_started_session_without_records_may_become_a_no_show(session, study):
    participant = accepted(session, study)
    started = sessions.start_session(session, participant, moderator_id=None, now=NOW)
    marked = sessions.mark_no_show(session, participant, MAILING, now=NOW)
    assert marked.id == started.id and marked.status is SessionStatus.NO_SHOW
    with pytest.raises(InvalidTransition, match="no-show"):
        sessions.start_session(session, participant, moderator_id=None, now=NOW)
    with pytest.raises(InvalidTransition, match="did not come"):
        log(session, marked)


def test_completing_records_the_incentive_and_last_participation(session, running):
    customer = customer_of(session, running)
    done = sessions.complete_session(session, running, now=NOW)
    later = sessions.complete_session(session, running, now=NOW + timedelta(hours=1))
    assert later is done
    assert (done.status, done.ended_at, done.incentive_given_at) == (
        SessionStatus.COMPLETED,
        NOW,
        NOW,
    )
    participant = session.get(StudyParticipant, done.participant_id)
    assert participant.status is ParticipantStatus.COMPLETED
    assert customer.last_participated_at == NOW and customer.no_show_count == 0
    with pytest.raises(InvalidTransition, match="took part"):
        sessions.mark_no_show(session, participant, MAILING, now=NOW)


@pytest.mark.parametrize("status", [StudyStatus.DRAFT, StudyStatus.CLOSED])
def test_a_draft_or_closed_study_refuses_every_change(session, study, running, status):
    participant = session.get(StudyParticipant, running.participant_id)
    task = tasks_of(session, study)[0]
    study.status = status
    session.add(study)
    for action in (
        lambda: log(session, running),
        lambda: sessions.record_task_result(
            session, running, task.id, outcome=TaskOutcome.SUCCESS, seconds=3, now=NOW
        ),
        lambda: sessions.complete_session(session, running, now=NOW),
        lambda: sessions.mark_no_show(session, participant, MAILING, now=NOW),
    ):
        with pytest.raises(InvalidTransition, match=status.value):
            action()


def test_the_session_list_shows_pseudonyms_first_names_and_slots(session, study):
    early, late = make_slot(session, study), make_slot(session, study)
    late.starts_at = early.starts_at + timedelta(hours=2)
    waiting = accepted(session, study, name="Åsa Öberg")
    session.add(Booking(slot_id=late.id, participant_id=waiting.id))
    started = accepted(session, study, name="Bo Ek")
    session.add(Booking(slot_id=early.id, participant_id=started.id))
    make_participant(session, study, status=ParticipantStatus.INVITED)  # not listed
    unbooked = accepted(session, study, name="")
    session.flush()
    sessions.start_session(session, started, moderator_id=None, now=NOW)
    rows = sessions.study_sessions(session, study)
    assert [(r.first_name, r.pseudonym, r.slot and r.slot.id) for r in rows] == [
        ("Bo", "P1", early.id),
        ("Åsa", "—", late.id),
        ("—", "—", None),
    ]
    assert rows[2].participant.id == unbooked.id
