"""Studies: plan, tasks, status and the researcher's list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.addresses import check_web_link
from workbench.errors import NotFound, ValidationFailed
from workbench.studies.lifecycle import next_study_status
from workbench.studies.models import (
    IncentiveKind,
    ParticipantStatus,
    Study,
    StudyMethod,
    StudyParticipant,
    StudyStatus,
    StudyTask,
)

# Five to eight people find most usability problems a set of tasks reveals (Nielsen; Lewis
# 2001): fewer leaves much undiscovered, more mostly repeats what is known.
RECOMMENDED_PARTICIPANTS = range(5, 9)


@dataclass(frozen=True)
class TaskPlan:
    description: str
    success_criterion: str = ""


@dataclass(frozen=True)
class StudyPlan:
    """What a researcher fills in for a study."""

    title: str
    research_goal: str = ""
    method: StudyMethod = StudyMethod.REMOTE
    meeting_link: str = ""
    target_participants: int = 6
    over_recruit_factor: float = 1.5
    incentive_kind: IncentiveKind = IncentiveKind.VOUCHER
    incentive_value: int = 0
    incentive_note: str = ""
    session_minutes: int = 60
    tasks: tuple[TaskPlan, ...] = ()


@dataclass(frozen=True)
class StudySummary:
    study: Study
    counts: dict[ParticipantStatus, int]


def target_warning(target: int) -> str | None:
    """Advice (not a rule) when the number of participants is outside 5-8."""
    if target < RECOMMENDED_PARTICIPANTS.start:
        return (
            f"{target} participants will probably miss many problems: five to eight people "
            "usually reveal most of the problems a set of tasks has."
        )
    if target > RECOMMENDED_PARTICIPANTS.stop - 1:
        return (
            f"{target} participants is more than needed for one round: after about eight "
            "people most problems repeat. Two smaller rounds with a fix in between find more."
        )
    return None


def parse_tasks(text: str) -> tuple[TaskPlan, ...]:
    """One task per line, with its success criterion after a ``|``."""
    tasks = []
    for line in text.splitlines():
        if not line.strip():
            continue
        description, _, criterion = line.partition("|")
        if not description.strip():
            raise ValidationFailed(f"A task needs a description: {line.strip()!r}.")
        tasks.append(TaskPlan(description.strip(), criterion.strip()))
    return tuple(tasks)


def format_tasks(tasks: list[StudyTask]) -> str:
    return "\n".join(
        f"{task.description} | {task.success_criterion}"
        if task.success_criterion
        else task.description
        for task in tasks
    )


def _validate(plan: StudyPlan) -> None:
    if not plan.title.strip():
        raise ValidationFailed("A study needs a title.")
    if not 1 <= plan.target_participants <= 50:
        raise ValidationFailed("The target number of participants must be between 1 and 50.")
    if not 1.0 <= plan.over_recruit_factor <= 3.0:
        raise ValidationFailed("The over-recruitment factor must be between 1 and 3.")
    if plan.method is StudyMethod.REMOTE and not plan.meeting_link.strip():
        raise ValidationFailed("A remote moderated study needs a meeting link.")
    check_web_link(plan.meeting_link)
    if plan.incentive_value < 0:
        raise ValidationFailed("An incentive cannot be worth less than nothing.")


def _apply(study: Study, plan: StudyPlan) -> None:
    study.title = plan.title.strip()
    study.research_goal = plan.research_goal.strip()
    study.method = plan.method
    study.meeting_link = plan.meeting_link.strip()
    study.target_participants = plan.target_participants
    study.over_recruit_factor = plan.over_recruit_factor
    study.incentive_kind = plan.incentive_kind
    study.incentive_value = plan.incentive_value
    study.incentive_note = plan.incentive_note.strip()
    study.session_minutes = plan.session_minutes


def _replace_tasks(session: Session, study: Study, tasks: tuple[TaskPlan, ...]) -> None:
    session.execute(sa.delete(StudyTask).where(StudyTask.study_id == study.id))
    session.flush()
    for position, task in enumerate(tasks, start=1):
        session.add(
            StudyTask(
                study_id=study.id,
                position=position,
                description=task.description,
                success_criterion=task.success_criterion,
            )
        )
    session.flush()


def create_study(
    session: Session, plan: StudyPlan, *, created_by_id: int | None, now: datetime
) -> Study:
    """A new study in draft."""
    _validate(plan)
    study = Study(created_by_id=created_by_id, created_at=now, updated_at=now)
    _apply(study, plan)
    session.add(study)
    session.flush()
    _replace_tasks(session, study, plan.tasks)
    return study


def update_study(session: Session, study: Study, plan: StudyPlan, *, now: datetime) -> Study:
    """Change the plan; tasks are fixed once fieldwork starts, as sessions refer to them."""
    _validate(plan)
    current = tuple(
        TaskPlan(t.description, t.success_criterion) for t in study_tasks(session, study)
    )
    if study.status not in (StudyStatus.DRAFT, StudyStatus.RECRUITING) and plan.tasks != current:
        raise ValidationFailed("Tasks cannot change once fieldwork has started.")
    _apply(study, plan)
    study.updated_at = now
    session.add(study)
    session.flush()
    if plan.tasks != current:
        _replace_tasks(session, study, plan.tasks)
    return study


def get_study(session: Session, study_id: int) -> Study:
    study = session.get(Study, study_id)
    if study is None:
        raise NotFound("No such study.")
    return study


def study_tasks(session: Session, study: Study) -> list[StudyTask]:
    return list(
        session.exec(
            select(StudyTask).where(StudyTask.study_id == study.id).order_by(StudyTask.position)
        ).all()
    )


def change_status(session: Session, study: Study, target: StudyStatus, *, now: datetime) -> Study:
    """Move a study along its lifecycle (see lifecycle.py)."""
    if target is StudyStatus.RECRUITING and not study_tasks(session, study):
        raise ValidationFailed("Add at least one task before recruiting.")
    study.status = next_study_status(study.status, target)
    study.updated_at = now
    session.add(study)
    session.flush()
    return study


def list_studies(session: Session) -> list[StudySummary]:
    """Every study, newest first, with participant counts per status."""
    studies = session.exec(select(Study).order_by(Study.created_at.desc(), Study.id.desc())).all()
    counts: dict[int, dict[ParticipantStatus, int]] = {study.id: {} for study in studies}
    query = sa.select(StudyParticipant.study_id, StudyParticipant.status, sa.func.count()).group_by(
        StudyParticipant.study_id, StudyParticipant.status
    )
    for study_id, status, count in session.execute(query):
        counts.setdefault(study_id, {})[status] = count
    return [StudySummary(study=study, counts=counts[study.id]) for study in studies]
