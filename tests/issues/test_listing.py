"""The issue list: filters, sorts, paging, merged issues hidden."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import (
    make_issue,
    make_observation,
    make_staff_user,
    make_study,
    make_study_session,
)
from workbench.auth.models import Role
from workbench.errors import ValidationFailed
from workbench.issues import services
from workbench.issues.models import IssueKind, IssueStatus
from workbench.issues.services import IssueFilters
from workbench.studies.models import SessionStatus

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def log(session):
    """Five issues; a study of four completed sessions gives three of them evidence."""
    owner = make_staff_user(session, role=Role.PRODUCT_OWNER, name="Pia")
    study = make_study(session, title="Checkout")
    people = [make_study_session(session, study, status=SessionStatus.COMPLETED) for _ in range(4)]
    day = timedelta(days=1)
    issues = {
        # title: severity, kind, status, hits (of 4), created offset (days)
        "Hidden button": make_issue(
            session, title="Hidden button", severity=3, created_at=T0, updated_at=T0 + 5 * day
        ),
        "Slow search": make_issue(
            session,
            title="Slow search",
            severity=4,
            kind=IssueKind.PRODUCT,
            created_at=T0 + day,
            updated_at=T0 + day,
            owner_id=owner.id,
        ),
        "Rude reply": make_issue(
            session,
            title="Rude reply",
            severity=2,
            kind=IssueKind.SERVICE,
            created_at=T0 + 2 * day,
            updated_at=T0 + 2 * day,
            description="The support answer was curt",
        ),
        "Typo": make_issue(
            session, title="Typo", severity=1, created_at=T0 + 3 * day, updated_at=T0 + 3 * day
        ),
        "Fixed thing": make_issue(
            session,
            title="Fixed thing",
            severity=4,
            status=IssueStatus.DONE,
            created_at=T0 + 4 * day,
            updated_at=T0 + 4 * day,
        ),
    }
    hits = {"Hidden button": 4, "Slow search": 1, "Typo": 2}
    for title, count in hits.items():
        for person in people[:count]:
            make_observation(session, person, issue_id=issues[title].id)
    # priorities: Hidden 3*(1.5)=4.5, Slow 4*(0.75)=3.0, Rude 2*1=2.0 (no evidence),
    # Typo 1*(1.0)=1.0, Fixed 4*1=4.0
    return issues, owner, study


def titles(session, **filters) -> list[str]:
    page = services.list_issues(session, IssueFilters(**filters), page=1, per_page=50)
    return [row.issue.title for row in page.items]


def test_sorts(session, log):
    assert titles(session) == ["Hidden button", "Fixed thing", "Slow search", "Rude reply", "Typo"]
    assert titles(session, sort="severity") == [
        "Fixed thing",  # severity 4, priority 4.0
        "Slow search",  # severity 4, priority 3.0
        "Hidden button",
        "Rude reply",
        "Typo",
    ]
    # Known frequencies first, highest first; issues without evidence last.
    assert titles(session, sort="frequency") == [
        "Hidden button",
        "Typo",
        "Slow search",
        "Fixed thing",
        "Rude reply",
    ]
    assert titles(session, sort="created") == [
        "Fixed thing",
        "Typo",
        "Rude reply",
        "Slow search",
        "Hidden button",
    ]
    assert titles(session, sort="updated")[0] == "Hidden button"


def test_unknown_sort_is_refused(session):
    with pytest.raises(ValidationFailed):
        titles(session, sort="title")


def test_rows_carry_evidence_owner_and_priority(session, log):
    page = services.list_issues(session, IssueFilters(), page=1, per_page=50)
    rows = {row.issue.title: row for row in page.items}
    assert rows["Hidden button"].evidence.frequency_text == "4 of 4 (100%)"
    assert (rows["Hidden button"].priority, rows["Hidden button"].priority_label) == (4.5, "P1")
    assert (rows["Slow search"].priority, rows["Slow search"].priority_label) == (3.0, "P2")
    assert rows["Slow search"].owner_name == "Pia"
    assert rows["Rude reply"].evidence.frequency is None
    assert (rows["Rude reply"].priority, rows["Rude reply"].owner_name) == (2.0, "")


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "open"}, {"Hidden button", "Slow search", "Rude reply", "Typo"}),
        ({"status": "done"}, {"Fixed thing"}),
        ({"status": "triaged"}, set()),
        ({"kind": "product"}, {"Slow search"}),
        ({"min_severity": 4}, {"Slow search", "Fixed thing"}),
        ({"min_severity": 3, "status": "open"}, {"Hidden button", "Slow search"}),
        ({"search": "BUTTON"}, {"Hidden button"}),
        ({"search": "curt"}, {"Rude reply"}),  # the description counts too
        ({"search": "100%"}, set()),  # % is taken literally
    ],
)
def test_filters(session, log, filters, expected):
    assert set(titles(session, **filters)) == expected


def test_owner_and_study_filters(session, log):
    _issues, owner, study = log
    assert titles(session, owner_id=owner.id) == ["Slow search"]
    assert set(titles(session, study_id=study.id)) == {"Hidden button", "Slow search", "Typo"}
    assert titles(session, study_id=study.id + 1000) == []


def test_study_filter_measures_frequency_in_that_study(session, log):
    issues, _owner, study = log
    other = make_study(session)
    elsewhere = make_study_session(session, other, status=SessionStatus.COMPLETED)
    make_observation(session, elsewhere, issue_id=issues["Typo"].id)
    everywhere = services.list_issues(session, IssueFilters(), page=1, per_page=50)
    here = services.list_issues(session, IssueFilters(study_id=study.id), page=1, per_page=50)
    typo = next(r for r in everywhere.items if r.issue.title == "Typo")
    assert typo.evidence.frequency_text == "3 of 5 (60%)"
    typo = next(r for r in here.items if r.issue.title == "Typo")
    assert typo.evidence.frequency_text == "2 of 4 (50%)"


def test_merged_issues_are_hidden_unless_asked_for(session, log):
    issues, _owner, _study = log
    services.merge_issues(
        session, issues["Typo"], issues["Hidden button"], actor_id=None, now=T0 + timedelta(10)
    )
    assert "Typo" not in titles(session)
    assert "Typo" not in titles(session, status="wont_fix")
    assert "Typo" in titles(session, include_merged=True)


@pytest.mark.parametrize("sort", ["priority", "created"])
def test_paging(session, log, sort):
    first = services.list_issues(session, IssueFilters(sort=sort), page=1, per_page=2)
    last = services.list_issues(session, IssueFilters(sort=sort), page=99, per_page=2)
    assert (first.total, first.pages, len(first.items)) == (5, 3, 2)
    assert (last.page, len(last.items)) == (3, 1)
    all_titles = titles(session, sort=sort)
    assert [r.issue.title for r in first.items] == all_titles[:2]
    assert [r.issue.title for r in last.items] == all_titles[4:]
