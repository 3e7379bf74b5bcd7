"""The participant state machine, without a database: every move allowed, every other refused."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from workbench.errors import InvalidTransition
from workbench.studies.models import ParticipantStatus as S
from workbench.studies.models import StudyParticipant
from workbench.studies.participant_lifecycle import (
    TRANSITIONS,
    ParticipantEvent,
    next_participant_status,
)
from workbench.studies.participants import move_participant, new_participant

E = ParticipantEvent
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

# The table written out by hand, as the services have always behaved.
EXPECTED = {
    None: {E.SHORTLIST: S.SHORTLISTED, E.WAITLIST: S.WAITLISTED},
    S.SHORTLISTED: {
        E.SHORTLIST: S.SHORTLISTED,
        E.WAITLIST: S.WAITLISTED,
        E.INVITE: S.INVITED,
        E.ACCEPT: S.ACCEPTED,
        E.DROP: S.DROPPED,
        E.WITHDRAW: S.WITHDRAWN,
    },
    S.WAITLISTED: {
        E.SHORTLIST: S.SHORTLISTED,
        E.WAITLIST: S.WAITLISTED,
        E.INVITE: S.INVITED,
        E.DROP: S.DROPPED,
        E.WITHDRAW: S.WITHDRAWN,
    },
    S.INVITED: {
        E.INVITE: S.INVITED,
        E.ACCEPT: S.ACCEPTED,
        E.DECLINE: S.DECLINED,
        E.BOOK: S.ACCEPTED,
        E.DROP: S.DROPPED,
        E.WITHDRAW: S.WITHDRAWN,
    },
    S.ACCEPTED: {
        E.ACCEPT: S.ACCEPTED,
        E.BOOK: S.ACCEPTED,
        E.CANCEL: S.CANCELLED,
        E.DECLINE: S.DECLINED,
        E.WITHDRAW: S.WITHDRAWN,
        E.NO_SHOW: S.NO_SHOW,
        E.COMPLETE: S.COMPLETED,
    },
    S.DECLINED: {E.ACCEPT: S.ACCEPTED, E.DECLINE: S.DECLINED, E.WITHDRAW: S.WITHDRAWN},
    S.CANCELLED: {E.ACCEPT: S.ACCEPTED, E.DECLINE: S.DECLINED, E.WITHDRAW: S.WITHDRAWN},
    S.DROPPED: {E.SHORTLIST: S.SHORTLISTED},
    S.COMPLETED: {},
    S.NO_SHOW: {},
    S.WITHDRAWN: {},
}
STATES = [None, *S]
ALLOWED = [
    (current, event, target)
    for current, moves in EXPECTED.items()
    for event, target in moves.items()
]
REFUSED = [(current, event) for current in STATES for event in E if event not in EXPECTED[current]]

# What the services said before the table existed (and still say).
MESSAGES = {
    (S.COMPLETED, E.INVITE): "A participant who is completed cannot be invited.",
    (S.DECLINED, E.BOOK): "Say yes to the invitation before you pick a time.",
    (S.SHORTLISTED, E.BOOK): "Say yes to the invitation before you pick a time.",
    (S.ACCEPTED, E.DROP): "This participant has accepted; cancel their booking instead.",
    (S.DECLINED, E.DROP): "This participant is declined: already off the list.",
    (S.INVITED, E.NO_SHOW): "Only someone who said yes can be a no-show (this person is invited).",
    (
        S.CANCELLED,
        E.COMPLETE,
    ): "Only someone who said yes can take part (this person is cancelled).",
    (S.INVITED, E.CANCEL): "A participant who is invited has no session to cancel.",
}


def test_the_table_is_the_one_written_out_here():
    assert {(c, e): t for c, e, t in ALLOWED} == TRANSITIONS


@pytest.mark.parametrize(("current", "event", "target"), ALLOWED)
def test_every_allowed_move(current, event, target):
    assert next_participant_status(current, event) is target


@pytest.mark.parametrize(("current", "event"), REFUSED)
def test_every_other_move_is_refused_with_a_reason(current, event):
    with pytest.raises(InvalidTransition) as refused:
        next_participant_status(current, event)
    assert refused.value.message.endswith(".")
    state = current.value if current else "not on the list"
    assert state in refused.value.message or event in (E.BOOK, E.DROP)


@pytest.mark.parametrize(("move", "message"), MESSAGES.items(), ids=str)
def test_refusals_keep_the_services_wording(move, message):
    with pytest.raises(InvalidTransition, match=f"^{re.escape(message)}$"):
        next_participant_status(*move)


@pytest.mark.parametrize("final", [S.COMPLETED, S.NO_SHOW, S.WITHDRAWN])
def test_terminal_states_go_nowhere(final):
    for event in E:
        with pytest.raises(InvalidTransition):
            next_participant_status(final, event)


@pytest.mark.parametrize(
    ("current", "event"),
    [(S.ACCEPTED, E.ACCEPT), (S.DECLINED, E.DECLINE), (S.INVITED, E.INVITE), (S.ACCEPTED, E.BOOK)],
)
def test_repeats_stay_where_they_are(current, event):
    assert next_participant_status(current, event) is current


def participant(status: S) -> StudyParticipant:
    return StudyParticipant(study_id=1, customer_id=1, status=status)


def test_moving_notes_when_someone_was_invited_and_answered():
    person = participant(S.SHORTLISTED)
    assert move_participant(person, E.INVITE, now=NOW) is S.INVITED
    assert (person.invited_at, person.responded_at) == (NOW, None)
    later = NOW.replace(hour=13)
    move_participant(person, E.ACCEPT, now=later)
    assert (person.status, person.responded_at) == (S.ACCEPTED, later)
    move_participant(person, E.BOOK, now=NOW.replace(hour=14))
    assert person.responded_at == later  # a booking keeps the earlier answer
    move_participant(person, E.CANCEL, now=NOW.replace(hour=15))
    assert (person.status, person.responded_at) == (S.CANCELLED, NOW.replace(hour=15))


def test_booking_straight_from_an_invitation_counts_as_the_answer():
    person = participant(S.INVITED)
    move_participant(person, E.BOOK, now=NOW)
    assert (person.status, person.responded_at) == (S.ACCEPTED, NOW)


def test_a_refused_move_changes_nothing():
    person = participant(S.COMPLETED)
    with pytest.raises(InvalidTransition):
        move_participant(person, E.WITHDRAW, now=NOW)
    assert (person.status, person.responded_at) == (S.COMPLETED, None)


def test_a_new_participant_starts_on_the_list():
    person = new_participant(3, 4, E.WAITLIST, now=NOW)
    assert (person.study_id, person.customer_id, person.status) == (3, 4, S.WAITLISTED)
    assert person.created_at == NOW
    with pytest.raises(InvalidTransition):
        new_participant(3, 4, E.ACCEPT, now=NOW)


def test_only_participants_py_writes_a_participant_status():
    """`x.status = ParticipantStatus.*` and `status=ParticipantStatus.*` appear nowhere else."""
    root = Path(__file__).resolve().parents[2] / "workbench"

    def is_participant_status(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and ast.unparse(node.value) in (
            "ParticipantStatus",
            "S",
        )

    writers = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            assigned = isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Attribute) and target.attr == "status"
                for target in node.targets
            )
            if assigned and is_participant_status(node.value):
                writers.add(path.relative_to(root).as_posix())
            keyword = isinstance(node, ast.keyword) and node.arg == "status"
            if keyword and is_participant_status(node.value):
                writers.add(path.relative_to(root).as_posix())
    assert writers == set(), f"only studies/participants.py moves a participant: {writers}"
