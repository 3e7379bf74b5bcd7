"""The moderator's pages over real HTTP: list, start, tasks, observations, no-show, complete."""

from __future__ import annotations

import re
from html import unescape

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
from workbench.auth.models import Role
from workbench.customers.models import ConsentKind, Customer
from workbench.outbox.models import OutboxMessage
from workbench.studies.letters import local_time
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

FLASH = re.compile(r'<p class="flash flash-\w+">(.*?)</p>')
NAME, EMAIL = "Åsa Öberg-Lind", "asa.oberg@example.se"


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def flashes(response) -> list[str]:
    return FLASH.findall(text_of(response))


def fresh(session) -> None:
    session.commit()
    session.expire_all()


class Setup:
    def __init__(self, session, *, publish_consent: bool = False) -> None:
        self.study = make_study(session, status=StudyStatus.FIELDWORK, title="Checkout test")
        consents = {"research": True, "publish_quote": True} if publish_consent else {}
        self.customer = make_customer(
            session, name=NAME, email=EMAIL, consents=consents or {"research": True}
        )
        self.participant = make_participant(
            session, self.study, self.customer, status=ParticipantStatus.ACCEPTED
        )
        self.slot = make_slot(session, self.study)
        session.add(Booking(slot_id=self.slot.id, participant_id=self.participant.id))
        query = select(StudyTask).where(StudyTask.study_id == self.study.id)
        self.tasks = list(session.exec(query.order_by(StudyTask.position)))
        session.commit()


@pytest.fixture
def setup(session) -> Setup:
    return Setup(session)


@pytest.fixture
def started(session, setup) -> StudySession:
    study_session = make_study_session(session, setup.study, setup.participant)
    session.commit()
    return study_session


def test_the_list_shows_first_name_slot_and_start_button_but_no_full_name(client, auth, setup):
    auth.login(Role.RESEARCHER)
    html = text_of(client.get(f"/studies/{setup.study.id}/sessions"))
    assert "Åsa" in html and NAME not in html and EMAIL not in html
    assert f"/studies/{setup.study.id}/participants/{setup.participant.id}/start" in html
    assert "Start session" in html and "No-show" in html
    assert local_time(setup.slot.starts_at, setup.slot.timezone, "en") in html


def test_starting_creates_p1_once_and_opens_the_page(client, auth, session, setup):
    auth.login(Role.RESEARCHER)
    url = f"/studies/{setup.study.id}/participants/{setup.participant.id}/start"
    first, second = client.post(url), client.post(url)
    fresh(session)
    study_session = session.exec(select(StudySession)).one()
    assert first.headers["Location"] == f"/sessions/{study_session.id}#tasks"
    assert second.headers["Location"] == first.headers["Location"]
    assert (study_session.pseudonym, study_session.slot_id) == ("P1", setup.slot.id)


def test_starting_in_a_closed_study_is_refused_with_a_message(client, auth, session, setup):
    setup.study.status = StudyStatus.CLOSED
    session.add(setup.study)
    session.commit()
    auth.login(Role.RESEARCHER)
    url = f"/studies/{setup.study.id}/participants/{setup.participant.id}/start"
    response = client.post(url, follow_redirects=True)
    assert "Sessions cannot be started while the study is closed." in flashes(response)
    assert session.exec(select(StudySession)).all() == []


def test_the_moderator_page_shows_the_pseudonym_and_never_the_name(client, auth, started, setup):
    auth.login(Role.RESEARCHER)
    html = text_of(client.get(f"/sessions/{started.id}"))
    assert '<h1 class="pseudonym">P1</h1>' in html
    for personal in (NAME, "Åsa", EMAIL, setup.customer.phone):
        assert personal not in html
    assert "Find the opening hours" in html and "Success: Done without help" in html
    assert "Keyboard shortcuts" in html and "session.js" in html
    # No publish-quote consent: the box is disabled and the page says why.
    assert re.search(r'name="publishable" value="y" disabled', html)
    assert "has not consented to having quotes published" in html


def test_recording_a_task_outcome_and_time(client, auth, session, started, setup):
    auth.login(Role.RESEARCHER)
    task = setup.tasks[0]
    url = f"/sessions/{started.id}/tasks/{task.id}"
    response = client.post(url, data={"outcome": "partial", "seconds": "73"})
    assert response.headers["Location"] == f"/sessions/{started.id}#task-{task.id}"
    client.post(url, data={"outcome": "success", "seconds": ""})
    fresh(session)
    result = session.exec(select(TaskResult)).one()
    assert (result.outcome, result.seconds) == (TaskOutcome.SUCCESS, None)
    refused = client.post(url, data={"outcome": "great"}, follow_redirects=True)
    assert any("Pick an outcome" in message for message in flashes(refused))
    html = text_of(client.get(f"/sessions/{started.id}"))
    assert "Recorded: <strong>Success</strong>" in html


def test_logging_an_observation_comes_back_to_the_note(client, auth, session, started, setup):
    auth.login(Role.RESEARCHER)
    data = {"note": "Searched the footer", "severity": "3", "task_id": str(setup.tasks[1].id)}
    response = client.post(f"/sessions/{started.id}/observations", data=data | {"tags": "Nav, nav"})
    assert response.headers["Location"] == f"/sessions/{started.id}?focus=note"
    page = text_of(client.get(response.headers["Location"]))
    assert re.search(r'<textarea id="obs-note"[^>]*autofocus', page)
    assert "3 · major" in page and "<li>nav</li>" in page
    fresh(session)
    observation = session.exec(select(Observation)).one()
    assert (observation.severity, observation.tags) == (3, ["nav"])
    assert observation.task_id == setup.tasks[1].id


def test_a_refused_observation_keeps_what_was_typed(client, auth, session, started):
    auth.login(Role.RESEARCHER)
    data = {"note": "“I would never pay here”", "severity": "2", "is_quote": "y"}
    response = client.post(f"/sessions/{started.id}/observations", data=data | {"publishable": "y"})
    assert response.status_code == 422
    assert any("not consented" in message for message in flashes(response))
    assert "“I would never pay here”</textarea>" in text_of(response)
    assert session.exec(select(Observation)).all() == []


def test_a_publishable_quote_with_consent(client, auth, session):
    setup = Setup(session, publish_consent=True)
    study_session = make_study_session(session, setup.study, setup.participant)
    session.commit()
    auth.login(Role.RESEARCHER)
    html = text_of(client.get(f"/sessions/{study_session.id}"))
    assert not re.search(r'name="publishable" value="y" disabled', html)
    data = {"note": "Fast and easy", "severity": "0", "is_quote": "y", "publishable": "y"}
    client.post(f"/sessions/{study_session.id}/observations", data=data)
    fresh(session)
    assert session.exec(select(Observation)).one().publishable is True
    make_consent(session, setup.customer, ConsentKind.PUBLISH_QUOTE, given=False)
    session.commit()
    assert re.search(
        r'name="publishable" value="y" disabled',
        text_of(client.get(f"/sessions/{study_session.id}")),
    )


def test_issue_forms_post_to_the_issue_log_with_next(client, auth, session, started):
    free = make_observation(session, started, note="Free")
    linked = make_observation(session, started, note="Linked", issue_id=make_issue(session).id)
    session.commit()
    auth.login(Role.RESEARCHER)
    html = text_of(client.get(f"/sessions/{started.id}"))
    assert html.count(f'action="/observations/{free.id}/issue"') == 2
    assert f'action="/observations/{linked.id}/issue"' not in html
    assert f"Evidence for issue #{linked.issue_id}" in html
    assert f'name="next" value="/sessions/{started.id}"' in html
    assert '<input type="hidden" name="new" value="1">' in html
    assert html.index(">Linked<") < html.index(">Free<")  # newest first


def test_editing_and_deleting_an_observation(client, auth, session, started):
    observation = make_observation(session, started)
    session.commit()
    auth.login(Role.RESEARCHER)
    url = f"/sessions/{started.id}/observations/{observation.id}"
    client.post(url, data={"note": "Changed", "severity": "1", "tags": "x"})
    fresh(session)
    assert (session.get(Observation, observation.id).note, observation.severity) == ("Changed", 1)
    response = client.post(f"{url}/delete", follow_redirects=True)
    assert "Observation deleted." in flashes(response)
    fresh(session)
    assert session.exec(select(Observation)).all() == []


def test_no_show_counts_once_and_invites_the_waitlist(client, auth, session, setup):
    nextup = make_customer(session, consents={"research": True}, email="next@example.se")
    make_participant(session, setup.study, nextup, status=ParticipantStatus.WAITLISTED, rank=7)
    session.commit()
    auth.login(Role.RESEARCHER)
    url = f"/studies/{setup.study.id}/participants/{setup.participant.id}/no-show"
    response = client.post(url, follow_redirects=True)
    client.post(url)
    assert any("P1 marked as a no-show" in message for message in flashes(response))
    fresh(session)
    assert session.get(Customer, setup.customer.id).no_show_count == 1
    study_session = session.exec(select(StudySession)).one()
    assert study_session.status is SessionStatus.NO_SHOW
    invitation = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "invitation"))
    assert [letter.to_address for letter in invitation] == ["next@example.se"]


def test_completing_records_the_incentive(client, auth, session, started, setup):
    auth.login(Role.RESEARCHER)
    response = client.post(f"/sessions/{started.id}/complete", follow_redirects=True)
    assert "P1 completed; the incentive is recorded as given." in flashes(response)
    fresh(session)
    done = session.get(StudySession, started.id)
    assert done.status is SessionStatus.COMPLETED and done.incentive_given_at is not None
    assert session.get(StudyParticipant, setup.participant.id).status.value == "completed"
    assert session.get(Customer, setup.customer.id).last_participated_at == done.ended_at
    assert "View session" in text_of(response)


def session_urls(setup: Setup, study_session: StudySession, observation_id: int):
    base = f"/sessions/{study_session.id}"
    person = f"/studies/{setup.study.id}/participants/{setup.participant.id}"
    return [
        ("GET", f"/studies/{setup.study.id}/sessions"),
        ("POST", f"{person}/start"),
        ("POST", f"{person}/no-show"),
        ("GET", base),
        ("POST", f"{base}/tasks/{setup.tasks[0].id}"),
        ("POST", f"{base}/observations"),
        ("POST", f"{base}/observations/{observation_id}"),
        ("POST", f"{base}/observations/{observation_id}/delete"),
        ("POST", f"{base}/complete"),
    ]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PRODUCT_OWNER])
def test_other_roles_are_refused_and_change_nothing(client, auth, session, started, setup, role):
    observation = make_observation(session, started)
    session.commit()
    auth.login(role)
    for method, url in session_urls(setup, started, observation.id):
        data = {"note": "x", "severity": "1", "outcome": "success"} if method == "POST" else None
        assert client.open(url, method=method, data=data).status_code == 403, url
    fresh(session)
    assert session.get(StudySession, started.id).status is SessionStatus.IN_PROGRESS
    assert len(session.exec(select(Observation)).all()) == 1
    assert session.exec(select(TaskResult)).all() == []


def test_an_admin_may_run_sessions(client, auth, started):
    auth.login(Role.ADMIN)
    assert client.get(f"/sessions/{started.id}").status_code == 200


def test_anonymous_visitors_are_sent_to_login(client, started):
    response = client.get(f"/sessions/{started.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_studys_participant_or_observation_is_not_found(client, auth, session, started):
    other = make_study(session, status=StudyStatus.FIELDWORK)
    stranger = make_participant(session, other, status=ParticipantStatus.ACCEPTED)
    foreign = make_observation(session, make_study_session(session, other, stranger))
    session.commit()
    auth.login(Role.RESEARCHER)
    url = f"/studies/{started.study_id}/participants/{stranger.id}/start"
    assert "No such participant in this study." in flashes(client.post(url, follow_redirects=True))
    url = f"/sessions/{started.id}/observations/{foreign.id}/delete"
    assert "No such observation in this session." in flashes(
        client.post(url, follow_redirects=True)
    )
    assert client.get("/sessions/999999").status_code == 404
