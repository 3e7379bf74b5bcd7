"""The study status machine, tested without a database."""

from __future__ import annotations

import pytest

from workbench.errors import InvalidTransition
from workbench.studies.lifecycle import ALLOWED_MOVES, next_study_status
from workbench.studies.models import StudyStatus as S

LEGAL = [
    (S.DRAFT, S.RECRUITING),
    (S.RECRUITING, S.FIELDWORK),
    (S.FIELDWORK, S.ANALYSIS),
    (S.ANALYSIS, S.CLOSED),
    (S.RECRUITING, S.DRAFT),
    (S.DRAFT, S.CLOSED),
    (S.RECRUITING, S.CLOSED),
    (S.FIELDWORK, S.CLOSED),
]


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_legal_moves_return_the_target(current, target):
    assert next_study_status(current, target) is target


ILLEGAL = [(current, target) for current in S for target in S if (current, target) not in LEGAL]


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_every_other_move_is_refused_with_a_reason(current, target):
    with pytest.raises(InvalidTransition) as raised:
        next_study_status(current, target)
    assert current.value in raised.value.message and target.value in raised.value.message


def test_closed_is_final_and_says_so():
    assert ALLOWED_MOVES[S.CLOSED] == frozenset()
    with pytest.raises(InvalidTransition, match="closed"):
        next_study_status(S.CLOSED, S.DRAFT)


def test_the_happy_path_runs_from_draft_to_closed():
    status = S.DRAFT
    for target in (S.RECRUITING, S.FIELDWORK, S.ANALYSIS, S.CLOSED):
        status = next_study_status(status, target)
    assert status is S.CLOSED
