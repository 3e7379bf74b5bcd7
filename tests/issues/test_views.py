"""Issue pages over real HTTP: list, detail, create, edit, status, merge, observations."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlmodel import select

from tests.conftest import LoggedInClient
from tests.factories import (
    make_customer,
    make_issue,
    make_observation,
    make_participant,
    make_staff_user,
    make_study,
    make_study_session,
)
from workbench.auth.models import Role
from workbench.db import get_database
from workbench.issues.models import Issue, IssueEvent, IssueKind, IssueStatus
from workbench.studies.models import Observation, ParticipantStatus, SessionStatus


@pytest.fixture
def world(session):
    """A study with two completed sessions of named customers, an issue and observations."""
    study = make_study(session, title="Delivery study")
    sessions = []
    for name in ("Greta Garbo", "Sven Svensson"):
        customer = make_customer(session, name=name, consents={"research": True})
        participant = make_participant(session, study, customer, status=ParticipantStatus.COMPLETED)
        sessions.append(
            make_study_session(session, study, participant, status=SessionStatus.COMPLETED)
        )
    issue = make_issue(session, title="Address form is hidden", severity=3)
    first = make_observation(session, sessions[0], issue_id=issue.id, note="Looked in the footer")
    quote = make_observation(
        session, sessions[1], issue_id=issue.id, note="Where is it?", is_quote=True
    )
    loose = make_observation(session, sessions[1], note="Clicked the logo to go back", severity=2)
    session.add(IssueEvent(issue_id=issue.id, action="created", detail="usability, severity 3"))
    session.commit()
    return {"study": study, "issue": issue, "first": first, "quote": quote, "loose": loose}


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def fresh(app, model, object_id):
    with get_database(app).session_scope() as db_session:
        found = db_session.get(model, object_id)
        db_session.expunge(found)
        return found


def events_of(app, issue_id) -> list[str]:
    with get_database(app).session_scope() as db_session:
        query = select(IssueEvent).where(IssueEvent.issue_id == issue_id).order_by(IssueEvent.id)
        return [f"{e.action}: {e.detail}" for e in db_session.exec(query)]


def test_list_shows_the_log_with_evidence_and_priority(client, auth, world):
    auth.login(Role.VIEWER)
    html = text(client.get("/issues"))
    assert "Address form is hidden" in html
    assert "2 of 2 (100%)" in html
    assert "P1" in html and "4.50" in html  # 3 * (0.5 + 1.0)
    assert "3 major" in html
    assert 'class="table-wrap"' in html


def test_list_filters_and_sort_links(client, auth, session, world):
    make_issue(session, title="Rude reply on the phone", kind=IssueKind.SERVICE, severity=1)
    session.commit()
    auth.login(Role.RESEARCHER)
    html = text(client.get("/issues", query_string={"kind": "service"}))
    assert "Rude reply" in html and "Address form" not in html
    html = text(client.get("/issues", query_string={"search": "address", "sort": "severity"}))
    assert "Address form" in html and "Rude reply" not in html
    assert "sort=frequency" in html and "search=address" in html  # the links keep the filters
    bad = text(client.get("/issues", query_string={"sort": "nonsense"}))
    assert "No issues match these filters." in bad


def test_list_hides_merged_issues(client, auth, session, world):
    duplicate = make_issue(session, title="Duplicate of the address problem")
    duplicate.merged_into_id = world["issue"].id
    duplicate.status = IssueStatus.WONT_FIX
    session.commit()
    auth.login(Role.RESEARCHER)
    assert "Duplicate of the address" not in text(client.get("/issues"))
    assert "Duplicate of the address" not in text(client.get("/issues?status="))


def test_detail_shows_pseudonyms_evidence_and_trail_but_no_customer_names(client, auth, world):
    auth.login(Role.VIEWER)
    html = text(client.get(f"/issues/{world['issue'].id}"))
    assert "Address form is hidden" in html
    assert "P1" in html and "P2" in html
    assert "Looked in the footer" in html and "“Where is it?”" in html
    assert "Delivery study" in html
    assert "2 of 2 (100%)" in html
    assert "History" in html and "usability, severity 3" in html
    for name in ("Greta", "Garbo", "Sven", "Svensson"):
        assert name not in html
    # A viewer reads but gets no buttons.
    assert "Move to triaged" not in html and "Unlink" not in html


def test_detail_of_a_missing_issue_is_404(client, auth):
    auth.login(Role.VIEWER)
    assert client.get("/issues/999999").status_code == 404


def test_detail_for_a_researcher_has_actions(client, auth, session, world):
    other = make_issue(session, title="Another open issue")
    session.commit()
    auth.login(Role.RESEARCHER)
    html = text(client.get(f"/issues/{world['issue'].id}"))
    assert "Move to triaged" in html and "Won't fix" in html
    assert "Move to done" not in html
    assert "Unlink" in html
    assert f"#{other.id} Another open issue" in html  # a merge candidate
    assert f'<option value="{world["issue"].id}"' not in html  # not into itself


def test_create_issue(client, auth, app):
    user = auth.login(Role.PRODUCT_OWNER)
    assert client.get("/issues/new").status_code == 200
    response = client.post(
        "/issues/new",
        data={
            "title": "Prices shown without VAT",
            "description": "Business customers expect it.",
            "kind": "product",
            "severity": "3",
            "owner_id": str(user.id),
        },
    )
    assert response.status_code == 302
    issue_id = int(response.headers["Location"].rsplit("/", 1)[1])
    issue = fresh(app, Issue, issue_id)
    assert (issue.title, issue.kind, issue.severity, issue.owner_id, issue.created_by_id) == (
        "Prices shown without VAT",
        IssueKind.PRODUCT,
        3,
        user.id,
        user.id,
    )
    assert events_of(app, issue_id) == ["created: product, severity 3 major"]


def test_create_issue_without_title_shows_the_form_again(client, auth, app):
    auth.login(Role.RESEARCHER)
    response = client.post("/issues/new", data={"title": "", "kind": "usability", "severity": "2"})
    assert response.status_code == 200
    assert "This field is required." in text(response)


def test_edit_issue(client, auth, app, world):
    auth.login(Role.RESEARCHER)
    issue_id = world["issue"].id
    form = text(client.get(f"/issues/{issue_id}/edit"))
    assert 'value="Address form is hidden"' in form
    response = client.post(
        f"/issues/{issue_id}/edit",
        data={"title": "Address form hard to find", "kind": "usability", "severity": "4"},
    )
    assert response.headers["Location"] == f"/issues/{issue_id}"
    assert fresh(app, Issue, issue_id).severity == 4
    assert events_of(app, issue_id)[-1] == (
        "updated: title “Address form is hidden” → “Address form hard to find”; severity 3 → 4"
    )


def test_status_change_legal_and_illegal(client, auth, app, world):
    auth.login(Role.RESEARCHER)
    issue_id = world["issue"].id
    legal = client.post(f"/issues/{issue_id}/status", data={"status": "triaged"})
    assert legal.headers["Location"] == f"/issues/{issue_id}"
    assert fresh(app, Issue, issue_id).status == IssueStatus.TRIAGED
    illegal = client.post(
        f"/issues/{issue_id}/status", data={"status": "done"}, follow_redirects=True
    )
    assert illegal.status_code == 200
    assert "An issue cannot move from triaged to done" in text(illegal)
    assert fresh(app, Issue, issue_id).status == IssueStatus.TRIAGED
    nonsense = client.post(f"/issues/{issue_id}/status", data={"status": "closed"})
    assert nonsense.status_code == 302
    assert fresh(app, Issue, issue_id).status == IssueStatus.TRIAGED


def test_merge_via_post(client, auth, app, session, world):
    target = make_issue(session, title="The original", severity=2)
    session.commit()
    auth.login(Role.RESEARCHER)
    source_id = world["issue"].id
    response = client.post(f"/issues/{source_id}/merge", data={"target_id": str(target.id)})
    assert response.headers["Location"] == f"/issues/{target.id}"
    source, merged = fresh(app, Issue, source_id), fresh(app, Issue, target.id)
    assert source.merged_into_id == target.id
    assert merged.severity == 3
    with get_database(app).session_scope() as db_session:
        query = select(Observation).where(Observation.issue_id == target.id)
        assert len(db_session.exec(query).all()) == 2
    page = text(client.get(f"/issues/{source_id}"))
    assert f"merged into #{target.id}" in page
    assert f'href="/issues/{target.id}"' in page
    assert "Move to" not in page
    # Into itself: refused and explained.
    itself = client.post(
        f"/issues/{target.id}/merge", data={"target_id": str(target.id)}, follow_redirects=True
    )
    assert "cannot be merged into itself" in text(itself)
    empty = client.post(f"/issues/{target.id}/merge", data={}, follow_redirects=True)
    assert "Choose the issue to merge this one into." in text(empty)


def test_observation_to_a_new_issue_with_next(client, auth, app, world):
    auth.login(Role.RESEARCHER)
    loose = world["loose"]
    back = f"/studies/{world['study'].id}/sessions?x=1"
    response = client.post(
        f"/observations/{loose.id}/issue", data={"new": "1", "title": "", "next": back}
    )
    assert response.headers["Location"] == back
    linked = fresh(app, Observation, loose.id)
    issue = fresh(app, Issue, linked.issue_id)
    assert (issue.title, issue.severity) == ("Clicked the logo to go back", 2)


def test_observation_attached_to_an_existing_issue(client, auth, app, session, world):
    other = make_issue(session, title="Navigation")
    session.commit()
    auth.login(Role.RESEARCHER)
    observation = world["first"]
    response = client.post(
        f"/observations/{observation.id}/issue", data={"issue_id": str(other.id)}
    )
    assert response.headers["Location"] == f"/issues/{other.id}"
    assert fresh(app, Observation, observation.id).issue_id == other.id
    assert "moved to" in events_of(app, world["issue"].id)[-1]


@pytest.mark.parametrize(
    "evil", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_open_redirect_is_refused(client, auth, app, world, evil):
    auth.login(Role.RESEARCHER)
    loose = world["loose"]
    response = client.post(f"/observations/{loose.id}/issue", data={"new": "1", "next": evil})
    issue_id = fresh(app, Observation, loose.id).issue_id
    assert response.headers["Location"] == f"/issues/{issue_id}"


def test_observation_issue_refusals_are_flashed(client, auth, world):
    auth.login(Role.RESEARCHER)
    loose = world["loose"]
    nothing = client.post(f"/observations/{loose.id}/issue", data={}, follow_redirects=True)
    assert "Choose an issue" in text(nothing)
    missing = client.post(
        f"/observations/{loose.id}/issue", data={"issue_id": "999999"}, follow_redirects=True
    )
    assert missing.status_code == 200
    assert "There is no issue #999999." in text(missing)
    assert client.post("/observations/999999/issue", data={"new": "1"}).status_code == 404


def test_unlink_observation(client, auth, app, world):
    auth.login(Role.RESEARCHER)
    issue_id, first = world["issue"].id, world["first"]
    response = client.post(f"/observations/{first.id}/unlink", data={"next": f"/issues/{issue_id}"})
    assert response.headers["Location"] == f"/issues/{issue_id}"
    assert fresh(app, Observation, first.id).issue_id is None
    assert events_of(app, issue_id)[-1].startswith("observation unlinked: ")


def test_viewer_reads_but_cannot_change(client, auth, app, world):
    auth.login(Role.VIEWER)
    issue_id, loose = world["issue"].id, world["loose"]
    assert client.get("/issues").status_code == 200
    assert client.get(f"/issues/{issue_id}").status_code == 200
    for url, data in [
        ("/issues/new", {"title": "x", "kind": "usability", "severity": "2"}),
        (f"/issues/{issue_id}/edit", {"title": "x", "kind": "usability", "severity": "2"}),
        (f"/issues/{issue_id}/status", {"status": "triaged"}),
        (f"/issues/{issue_id}/merge", {"target_id": str(issue_id)}),
        (f"/observations/{loose.id}/issue", {"new": "1"}),
        (f"/observations/{world['first'].id}/unlink", {}),
    ]:
        assert client.post(url, data=data).status_code == 403, url
    assert client.get("/issues/new").status_code == 403
    assert fresh(app, Issue, issue_id).status == IssueStatus.NEW
    assert fresh(app, Observation, loose.id).issue_id is None


def test_every_post_form_carries_a_csrf_token_that_is_checked(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with get_database(app).session_scope() as db_session:
        user = make_staff_user(db_session, role=Role.RESEARCHER)
        issue_id = make_issue(db_session, title="Checked").id
        make_issue(db_session, title="Other")
    app.test_client_class = LoggedInClient
    client = app.test_client(user=user)
    html = text(client.get(f"/issues/{issue_id}"))
    forms = re.findall(r'<form method="post".*?</form>', html, re.S)
    assert len(forms) >= 4  # status moves, merge, log out
    assert all('name="csrf_token"' in form for form in forms)

    refused = client.post(f"/issues/{issue_id}/status", data={"status": "triaged"})
    assert refused.status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    accepted = client.post(
        f"/issues/{issue_id}/status", data={"status": "triaged", "csrf_token": token}
    )
    assert accepted.status_code == 302
    with get_database(app).session_scope() as db_session:
        assert db_session.get(Issue, issue_id).status == IssueStatus.TRIAGED
