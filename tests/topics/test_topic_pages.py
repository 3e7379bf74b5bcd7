"""Topic pages over HTTP: roles, the list, a topic, edits, triage and the issue panel."""

from __future__ import annotations

from html import unescape

import pytest
from flask import render_template
from sqlmodel import select

from tests.factories import make_feedback, make_issue, make_topic_run
from workbench.auth.models import Role
from workbench.db import get_database
from workbench.issues.models import Issue, IssueEvent, IssueTopic
from workbench.topics.models import Topic, TopicMove, TopicVersion
from workbench.topics.triage import issue_topic_panel


@pytest.fixture
def world(session):
    late = [make_feedback(session, text=f"Paketet kom sent {i}", rating=1) for i in range(3)]
    staff = [make_feedback(session, text="Trevlig personal", rating=5, language="en")]
    _, topics = make_topic_run(session, {"late delivery": late, "friendly staff": staff})
    issue = make_issue(session, title="Slow deliveries")
    session.commit()
    return {
        "late": topics["late delivery"],
        "staff": topics["friendly staff"],
        "issue": issue,
        "items": late + staff,
    }


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def read(app, query):
    with get_database(app).session_scope() as db_session:
        return db_session.exec(query).all()


def test_no_current_run_says_so_and_points_to_runs(client, auth):
    auth.login(Role.VIEWER)
    page = text(client.get("/topics"))
    assert "no topic run has finished" in page and "/topics/runs" in page


def test_the_list_shows_themes_with_their_topics_complaints_and_praise(client, auth, session):
    late = [make_feedback(session, text=f"Paketet kom sent {i}", rating=1) for i in range(3)]
    fast = [make_feedback(session, text=f"Snabb leverans {i}", rating=5) for i in range(2)]
    make_topic_run(session, {"Late delivery": late, "Fast delivery": fast})
    for version in session.exec(select(TopicVersion)):
        version.theme, version.theme_label = 0, "Leveransen"
        session.add(version)
    session.commit()
    auth.login(Role.VIEWER)
    page = text(client.get("/topics"))
    themes = page[page.index('id="themes-heading"') : page.index("Show:")]
    assert "Leveransen" in themes and "3 complaints · 2 praise" in themes
    assert "Late delivery" in themes and "Fast delivery" in themes


def test_the_list_shows_each_topic_polarity_and_filters_by_it(client, auth, world):
    auth.login(Role.VIEWER)
    praise = text(client.get("/topics?polarity=positive"))
    assert "friendly staff" in praise and "late delivery" not in praise
    assert "no complaints: praise scores 0" in praise
    complaints = text(client.get("/topics?polarity=negative"))
    assert "late delivery" in complaints and "friendly staff" not in complaints
    everything = text(client.get("/topics?polarity=bogus"))  # unknown: all topics
    assert "late delivery" in everything and "friendly staff" in everything


def test_viewer_reads_the_list_and_a_topic_but_cannot_change(client, auth, world):
    auth.login(Role.VIEWER)
    page = text(client.get("/topics"))
    assert "late delivery" in page and "friendly staff" in page
    assert page.index("late delivery") < page.index("friendly staff")  # impact first
    assert "3 complaints · 100% negative" in page
    detail = client.get(f"/topics/{world['late'].id}")
    assert detail.status_code == 200
    body = text(detail)
    assert "Paketet kom sent 0" in body and 'id="topic-data"' in body and "Open issue" not in body
    for action in ("rename", "merge", "split", "move", "issue", "link"):
        assert client.post(f"/topics/{world['late'].id}/{action}").status_code == 403
    unlink = f"/topics/{world['late'].id}/issues/{world['issue'].id}/unlink"
    assert client.post(unlink).status_code == 403


def test_sort_by_size_and_filters_on_a_topic(client, auth, world):
    auth.login(Role.PRODUCT_OWNER)
    assert client.get("/topics?sort=size").status_code == 200
    assert client.get("/topics?sort=nonsense").status_code == 200
    body = text(client.get(f"/topics/{world['late'].id}?search=sent+1"))
    body = body.split('id="feedback-heading"')[1]  # the list, after the quotes
    assert "Paketet kom sent 1" in body and "Paketet kom sent 2" not in body
    assert client.get("/topics/999999").status_code == 404


def test_rename_merge_and_move_by_form(app, client, auth, world):
    auth.login(Role.RESEARCHER)
    late, staff = world["late"], world["staff"]
    topic_page = f"/topics/{late.id}"
    renamed = client.post(
        f"{topic_page}/rename", data={"label": "Late parcels"}, follow_redirects=True
    )
    assert renamed.request.path == topic_page
    assert "Topic renamed." in text(renamed)
    assert read(app, select(Topic.custom_label).where(Topic.id == late.id)) == ["Late parcels"]
    assert "Late parcels" in text(client.get("/topics"))
    item = world["items"][0]
    moved = client.post(
        f"{topic_page}/move",
        data={"feedback_id": item.id, "topic_id": staff.id},
        follow_redirects=True,
    )
    assert moved.request.path == topic_page
    assert f"Feedback #{item.id} moved." in text(moved)
    assert read(app, select(TopicMove.feedback_id, TopicMove.topic_id)) == [(item.id, staff.id)]
    response = client.post(f"/topics/{staff.id}/merge", data={"target_id": late.id})
    assert response.headers["Location"].endswith(topic_page)
    assert read(app, select(Topic.merged_into_id).where(Topic.id == staff.id)) == [late.id]
    assert client.get(f"/topics/{staff.id}").status_code == 302  # a merged topic points on


def test_a_refused_rename_says_why_and_changes_nothing(app, client, auth, world):
    auth.login(Role.RESEARCHER)
    late = world["late"]
    response = client.post(
        f"/topics/{late.id}/rename", data={"label": "x" * 201}, follow_redirects=True
    )
    assert response.request.path == f"/topics/{late.id}"
    assert "Keep the name to 200 characters." in text(response)
    assert "Topic renamed." not in text(response)
    assert read(app, select(Topic.custom_label).where(Topic.id == late.id)) == [""]


def test_open_link_and_unlink_an_issue(app, client, auth, world):
    auth.login(Role.PRODUCT_OWNER)
    late, issue = world["late"], world["issue"]
    topic_page = f"/topics/{late.id}"
    response = client.post(
        f"{topic_page}/issue",
        data={"title": "Parcels arrive late", "kind": "service", "severity": "3"},
        follow_redirects=True,
    )
    (opened,) = read(app, select(Issue).where(Issue.title == "Parcels arrive late"))
    assert response.request.path == f"/issues/{opened.id}"
    assert f"Issue #{opened.id} opened and linked." in text(response)
    assert opened.kind == "service"
    linked = client.post(f"{topic_page}/link", data={"issue_id": issue.id}, follow_redirects=True)
    assert linked.request.path == topic_page
    assert f"Topic linked to issue #{issue.id}." in text(linked)
    links = read(app, select(IssueTopic.issue_id).where(IssueTopic.topic_id == late.id))
    assert sorted(links) == sorted([opened.id, issue.id])
    unlinked = client.post(f"{topic_page}/issues/{issue.id}/unlink", follow_redirects=True)
    assert unlinked.request.path == topic_page
    assert f"Unlinked from issue #{issue.id}." in text(unlinked)
    actions = read(app, select(IssueEvent.action).where(IssueEvent.issue_id == issue.id))
    assert actions == ["topic linked", "topic unlinked"]
    events = read(app, select(IssueEvent.id))
    refused = client.post(f"{topic_page}/link", data={"issue_id": 999999}, follow_redirects=True)
    assert refused.request.path == topic_page
    assert "There is no issue #999999." in text(refused)
    assert "Topic linked" not in text(refused)
    assert read(app, select(IssueTopic.issue_id).where(IssueTopic.topic_id == late.id)) == [
        opened.id
    ]
    assert read(app, select(IssueEvent.id)) == events


def test_the_issue_panel_partial(app, session, world):
    link = IssueTopic(issue_id=world["issue"].id, topic_id=world["late"].id)
    session.add(link)
    session.commit()
    with app.test_request_context():
        html = render_template(
            "topics/_issue_topics.html",
            panel=issue_topic_panel(session, world["issue"].id),
            issue=world["issue"],
            can_change=True,
        )
    assert "0 customers raised it" in unescape(html) and "3 anonymous items" in html
    assert "late delivery" in html and "csrf_token" in html
