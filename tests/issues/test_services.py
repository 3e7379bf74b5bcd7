"""Issue services: create, edit, status, link and unlink, issue from observation, merge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from tests.factories import (
    make_issue,
    make_observation,
    make_staff_user,
    make_study,
    make_study_session,
)
from workbench.auth.models import Role
from workbench.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from workbench.issues import services
from workbench.issues.models import Issue, IssueKind, IssueStatus
from workbench.studies.models import Observation, SessionStatus, StudyTask

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def trail(session, issue) -> list[tuple[str, str]]:
    """(action, detail) oldest first."""
    return [(e.action, e.detail) for e in reversed(services.issue_events(session, issue))]


@pytest.fixture
def researcher(session):
    return make_staff_user(session, role=Role.RESEARCHER, name="Rita Researcher")


@pytest.fixture
def study_session(session):
    study = make_study(session, title="Checkout study")
    return make_study_session(session, study, status=SessionStatus.COMPLETED)


# --- create and update -----------------------------------------------------------------------


def test_create_issue_records_who_and_when(session, researcher):
    issue = services.create_issue(
        session,
        title="  Checkout   button hidden ",
        description="On small screens.",
        kind=IssueKind.PRODUCT,
        severity=3,
        owner_id=researcher.id,
        actor_id=researcher.id,
        now=NOW,
    )
    assert issue.id is not None
    assert (issue.title, issue.kind, issue.severity, issue.status) == (
        "Checkout button hidden",
        IssueKind.PRODUCT,
        3,
        IssueStatus.NEW,
    )
    assert issue.created_by_id == researcher.id
    assert issue.created_at == issue.updated_at == NOW
    events = services.issue_events(session, issue)
    assert [(e.action, e.detail, e.actor_id, e.at) for e in events] == [
        ("created", "product, severity 3 major", researcher.id, NOW)
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": "   "}, "needs a title"),
        ({"title": "x" * 201}, "200 characters"),
        ({"severity": 5}, "Severity goes from 0"),
        ({"severity": -1}, "Severity goes from 0"),
        ({"owner_id": 999_999}, "not a staff user"),
    ],
)
def test_create_issue_refuses_bad_input(session, overrides, message):
    values = {"title": "A title", "severity": 2, "actor_id": None, "now": NOW, **overrides}
    with pytest.raises(ValidationFailed, match=message):
        services.create_issue(session, **values)
    assert session.exec(select(func.count()).select_from(Issue)).one() == 0


def test_update_issue_lists_every_change(session, researcher):
    owner = make_staff_user(session, role=Role.PRODUCT_OWNER, name="Pia Owner")
    issue = services.create_issue(session, title="Old", severity=2, actor_id=None, now=NOW)
    services.update_issue(
        session,
        issue,
        title="New",
        description="More words",
        kind=IssueKind.SERVICE,
        severity=3,
        owner_id=owner.id,
        actor_id=researcher.id,
        now=LATER,
    )
    assert (issue.title, issue.kind, issue.severity, issue.owner_id) == (
        "New",
        IssueKind.SERVICE,
        3,
        owner.id,
    )
    assert issue.updated_at == LATER
    assert trail(session, issue)[-1] == (
        "updated",
        "title “Old” → “New”; description edited; kind usability → service; "
        "severity 2 → 3; owner nobody → Pia Owner",
    )


def test_update_without_changes_writes_no_event(session):
    issue = services.create_issue(session, title="Same", actor_id=None, now=NOW)
    services.update_issue(
        session,
        issue,
        title="Same",
        description="",
        kind=IssueKind.USABILITY,
        severity=2,
        owner_id=None,
        actor_id=None,
        now=LATER,
    )
    assert [action for action, _ in trail(session, issue)] == ["created"]
    assert issue.updated_at == NOW


def test_update_refuses_a_bad_severity_and_changes_nothing(session):
    issue = services.create_issue(session, title="Same", actor_id=None, now=NOW)
    with pytest.raises(ValidationFailed):
        services.update_issue(
            session,
            issue,
            title="Other",
            description="",
            kind=IssueKind.USABILITY,
            severity=7,
            owner_id=None,
            actor_id=None,
            now=LATER,
        )
    assert issue.title == "Same"


# --- status ----------------------------------------------------------------------------------


def test_status_moves_are_recorded(session):
    issue = services.create_issue(session, title="Flow", actor_id=None, now=NOW)
    for target in (IssueStatus.TRIAGED, IssueStatus.IN_PROGRESS, IssueStatus.DONE):
        services.change_issue_status(session, issue, target, actor_id=None, now=LATER)
    assert issue.status == IssueStatus.DONE
    assert [d for a, d in trail(session, issue) if a == "status"] == [
        "new → triaged",
        "triaged → in progress",
        "in progress → done",
    ]


def test_illegal_status_move_is_refused(session):
    issue = services.create_issue(session, title="Flow", actor_id=None, now=NOW)
    with pytest.raises(InvalidTransition):
        services.change_issue_status(session, issue, IssueStatus.DONE, actor_id=None, now=LATER)
    assert issue.status == IssueStatus.NEW


def test_get_issue_and_observation_raise_not_found(session):
    with pytest.raises(NotFound):
        services.get_issue(session, 424242)
    with pytest.raises(NotFound):
        services.get_observation(session, 424242)


# --- observations ----------------------------------------------------------------------------


def test_link_unlink_and_move_between_issues(session, study_session):
    first = make_issue(session, title="First")
    second = make_issue(session, title="Second")
    observation = make_observation(session, study_session)

    services.link_observation(session, first, observation, actor_id=None, now=NOW)
    assert observation.issue_id == first.id
    where = f"observation #{observation.id} (P1, Checkout study)"
    assert trail(session, first) == [("observation linked", f"{where} linked")]

    services.link_observation(session, second, observation, actor_id=None, now=LATER)
    assert observation.issue_id == second.id
    assert trail(session, second) == [
        ("observation linked", f"{where} moved here from #{first.id}")
    ]
    assert trail(session, first)[-1] == ("observation moved", f"{where} moved to #{second.id}")
    assert first.updated_at == second.updated_at == LATER

    # Linking again to the same issue changes nothing.
    services.link_observation(session, second, observation, actor_id=None, now=LATER)
    assert len(trail(session, second)) == 1

    unlinked_from = services.unlink_observation(session, observation, actor_id=None, now=LATER)
    assert unlinked_from.id == second.id
    assert observation.issue_id is None
    assert trail(session, second)[-1] == ("observation unlinked", f"{where} unlinked")
    assert services.unlink_observation(session, observation, actor_id=None, now=LATER) is None


def test_linked_observations_show_pseudonym_study_and_task(session):
    study = make_study(session, title="Delivery study", tasks=["Change the address"])
    task = session.exec(select(StudyTask).where(StudyTask.study_id == study.id)).one()
    one = make_study_session(session, study, status=SessionStatus.COMPLETED)
    two = make_study_session(session, study, status=SessionStatus.COMPLETED)
    issue = make_issue(session)
    make_observation(session, one, task_id=task.id, issue_id=issue.id, note="Lost", is_quote=True)
    make_observation(session, two, issue_id=issue.id, note="Gave up")
    make_observation(session, two, note="Not linked")

    linked = services.linked_observations(session, issue)

    assert [
        (o.pseudonym, o.study_title, o.task_description, o.observation.note) for o in linked
    ] == [
        ("P1", "Delivery study", "Change the address", "Lost"),
        ("P2", "Delivery study", None, "Gave up"),
    ]


def test_default_title_shortens_the_note_at_a_word():
    note = "The participant looked for the delivery options in the footer and then " * 3
    title = services.default_title(note)
    assert len(title) <= 80
    assert title.endswith("…")
    assert note.startswith(title[:-1])
    assert services.default_title("  Short\nnote ") == "Short note"
    assert services.default_title("", 7) == "Observation #7"


def test_create_issue_from_observation(session, study_session):
    note = "Could not find where to change the delivery address, scrolled the whole page twice"
    observation = make_observation(session, study_session, note=note, severity=4)

    issue = services.create_issue_from_observation(session, observation, actor_id=None, now=NOW)

    assert observation.issue_id == issue.id
    assert issue.severity == 4
    assert issue.kind == IssueKind.USABILITY
    assert issue.title == services.default_title(note)
    assert len(issue.title) <= 80
    assert [action for action, _ in trail(session, issue)] == ["created", "observation linked"]


def test_create_issue_from_observation_with_a_title_takes_it_from_its_old_issue(
    session, study_session
):
    old = make_issue(session)
    observation = make_observation(session, study_session, issue_id=old.id, severity=1)

    issue = services.create_issue_from_observation(
        session, observation, actor_id=None, now=NOW, title="Address form", kind=IssueKind.PRODUCT
    )

    assert (issue.title, issue.kind, issue.severity) == ("Address form", IssueKind.PRODUCT, 1)
    assert observation.issue_id == issue.id
    assert trail(session, old)[-1][0] == "observation moved"


# --- merge -----------------------------------------------------------------------------------


def count_observations(session, issue) -> int:
    query = select(func.count()).select_from(Observation).where(Observation.issue_id == issue.id)
    return session.exec(query).one()


def test_merge_moves_everything_and_loses_nothing(session, study_session):
    source = make_issue(session, title="Duplicate", severity=4, status=IssueStatus.TRIAGED)
    target = make_issue(session, title="Original", severity=2)
    for _ in range(3):
        make_observation(session, study_session, issue_id=source.id)
    make_observation(session, study_session, issue_id=target.id)
    total_before = session.exec(select(func.count()).select_from(Observation)).one()

    result = services.merge_issues(session, source, target, actor_id=None, now=NOW)

    assert result is target
    assert count_observations(session, source) == 0
    assert count_observations(session, target) == 4
    assert session.exec(select(func.count()).select_from(Observation)).one() == total_before
    assert session.get(Issue, source.id) is not None  # kept, as a pointer
    assert source.merged_into_id == target.id
    assert source.status == IssueStatus.WONT_FIX
    assert target.severity == 4
    assert trail(session, target)[-1] == (
        "merged in",
        f"#{source.id} “Duplicate” merged in; 3 observation(s) moved; severity 2 → 4",
    )
    assert trail(session, source)[-1] == (
        "merged",
        f"merged into #{target.id} “Original”; 3 observation(s) moved; status triaged → won't fix",
    )


def test_merge_keeps_the_higher_target_severity(session):
    source = make_issue(session, severity=1)
    target = make_issue(session, severity=3)
    services.merge_issues(session, source, target, actor_id=None, now=NOW)
    assert target.severity == 3


def test_merge_into_itself_is_refused(session):
    issue = make_issue(session)
    with pytest.raises(ValidationFailed, match="into itself"):
        services.merge_issues(session, issue, issue, actor_id=None, now=NOW)
    assert issue.merged_into_id is None


def test_merge_into_a_merged_issue_or_of_a_merged_issue_is_refused(session):
    first, second, third = make_issue(session), make_issue(session), make_issue(session)
    services.merge_issues(session, first, second, actor_id=None, now=NOW)
    with pytest.raises(Conflict, match=f"merge into #{second.id} instead"):
        services.merge_issues(session, third, first, actor_id=None, now=NOW)
    with pytest.raises(Conflict, match="was merged into"):
        services.merge_issues(session, first, third, actor_id=None, now=NOW)


def test_a_merged_issue_refuses_changes(session, study_session):
    source, target = make_issue(session), make_issue(session)
    services.merge_issues(session, source, target, actor_id=None, now=NOW)
    observation = make_observation(session, study_session)
    with pytest.raises(Conflict):
        services.change_issue_status(session, source, IssueStatus.TRIAGED, actor_id=None, now=NOW)
    with pytest.raises(Conflict):
        services.link_observation(session, source, observation, actor_id=None, now=NOW)
    with pytest.raises(Conflict):
        services.update_issue(
            session,
            source,
            title="x",
            description="",
            kind=IssueKind.USABILITY,
            severity=2,
            owner_id=None,
            actor_id=None,
            now=NOW,
        )


def test_open_issues_leave_out_closed_merged_and_the_issue_itself(session):
    make_issue(session, title="Keep")
    me = make_issue(session, title="Me")
    make_issue(session, title="Done", status=IssueStatus.DONE)
    merged, into = make_issue(session, title="Merged"), make_issue(session, title="Into")
    services.merge_issues(session, merged, into, actor_id=None, now=NOW)
    assert [i.title for i in services.open_issues(session, exclude_id=me.id)] == ["Into", "Keep"]
