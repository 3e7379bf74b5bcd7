"""The issue status graph, checked for every pair of statuses without a database."""

from __future__ import annotations

import itertools

import pytest

from workbench.errors import InvalidTransition
from workbench.issues.lifecycle import (
    ALLOWED_MOVES,
    CLOSED_STATUSES,
    OPEN_STATUSES,
    moves_from,
    next_issue_status,
)
from workbench.issues.models import IssueStatus as S

LEGAL = {
    (S.NEW, S.TRIAGED),
    (S.NEW, S.PLANNED),
    (S.NEW, S.WONT_FIX),
    (S.TRIAGED, S.PLANNED),
    (S.TRIAGED, S.IN_PROGRESS),
    (S.TRIAGED, S.WONT_FIX),
    (S.PLANNED, S.TRIAGED),
    (S.PLANNED, S.IN_PROGRESS),
    (S.PLANNED, S.WONT_FIX),
    (S.IN_PROGRESS, S.PLANNED),
    (S.IN_PROGRESS, S.DONE),
    (S.IN_PROGRESS, S.WONT_FIX),
    (S.DONE, S.TRIAGED),
    (S.WONT_FIX, S.TRIAGED),
}
ALL_PAIRS = list(itertools.product(S, S))


def test_the_table_matches_the_documented_graph():
    assert {(a, b) for a, targets in ALLOWED_MOVES.items() for b in targets} == LEGAL
    assert set(ALLOWED_MOVES) == set(S)


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL), ids=lambda s: s.value)
def test_legal_moves_return_the_target(current, target):
    assert next_issue_status(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"), [p for p in ALL_PAIRS if p not in LEGAL], ids=lambda s: s.value
)
def test_illegal_moves_are_refused_with_a_clear_message(current, target):
    with pytest.raises(InvalidTransition) as refused:
        next_issue_status(current, target)
    message = refused.value.message
    assert "cannot move from" in message
    assert "it can move to:" in message


def test_the_message_names_the_statuses_in_words():
    with pytest.raises(InvalidTransition) as refused:
        next_issue_status(S.NEW, S.DONE)
    assert refused.value.message == (
        "An issue cannot move from new to done; from new it can move to: "
        "triaged, planned, won't fix."
    )


def test_nothing_stays_where_it_is():
    for status in S:
        with pytest.raises(InvalidTransition):
            next_issue_status(status, status)


def test_wont_fix_from_every_open_status_and_reopen_from_every_closed_one():
    assert {S.NEW, S.TRIAGED, S.PLANNED, S.IN_PROGRESS} == OPEN_STATUSES
    for status in OPEN_STATUSES:
        assert S.WONT_FIX in ALLOWED_MOVES[status]
    for status in CLOSED_STATUSES:
        assert ALLOWED_MOVES[status] == {S.TRIAGED}


def test_done_only_after_the_work_started():
    assert [status for status in S if S.DONE in ALLOWED_MOVES[status]] == [S.IN_PROGRESS]


def test_moves_from_keeps_the_lifecycle_order():
    assert moves_from(S.NEW) == [S.TRIAGED, S.PLANNED, S.WONT_FIX]
    assert moves_from(S.IN_PROGRESS) == [S.PLANNED, S.DONE, S.WONT_FIX]
