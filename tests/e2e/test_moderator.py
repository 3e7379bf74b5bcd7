"""A moderator runs a session in a real browser: tasks, quick observations, completion."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import select

from tests.factories import (
    PASSWORD,
    make_customer,
    make_participant,
    make_slot,
    make_staff_user,
    make_study,
)
from workbench.auth.models import Role
from workbench.customers.models import Customer
from workbench.db import get_database
from workbench.studies.models import (
    Booking,
    Observation,
    ParticipantStatus,
    SessionStatus,
    StudySession,
    StudyStatus,
    TaskOutcome,
    TaskResult,
)

EMAIL = "moderator@test.example"


def prepare(live_app) -> tuple[int, int]:
    """A study in fieldwork, one booked participant and a researcher; the study and customer."""
    with get_database(live_app).session_scope() as session:
        make_staff_user(session, role=Role.RESEARCHER, email=EMAIL)
        study = make_study(session, status=StudyStatus.FIELDWORK, title="Checkout test")
        customer = make_customer(
            session, name="Greta Garbo", email="greta@example.se", consents={"research": True}
        )
        participant = make_participant(session, study, customer, status=ParticipantStatus.ACCEPTED)
        slot = make_slot(session, study)
        session.add(Booking(slot_id=slot.id, participant_id=participant.id))
        return study.id, customer.id


def log_in(page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/feedback")


def saved(page, observations: int) -> None:
    """Wait for the page after saving; from the second save on, the URL was that already."""
    page.wait_for_url(re.compile(r"/sessions/\d+\?focus=note$"))
    expect(page.locator(".observations > li")).to_have_count(observations)
    expect(page.locator(".flashes")).to_contain_text("Observation saved.")


def test_a_moderator_runs_a_session_with_the_keyboard(live_app, live_server, page):
    study_id, customer_id = prepare(live_app)
    page.clock.install()  # the session page's timer runs on a clock the test can move on
    log_in(page, live_server)
    page.goto(f"{live_server}/studies/{study_id}/sessions")
    page.get_by_role("button", name="Start session").click()
    page.wait_for_url(re.compile(r"/sessions/\d+#tasks$"))
    assert page.locator("h1").inner_text() == "P1"
    assert "Greta" not in page.content() and "greta@example.se" not in page.content()
    observe = page.locator("#observation-form")

    # Task 1 timed with the timer (the shortcut t), then marked a success.
    first = page.locator(".task").nth(0)
    page.locator("body").press("t")
    expect(first.get_by_role("button", name="Stop timer")).to_be_visible()
    page.clock.run_for(1200)
    page.locator("body").press("t")
    assert int(first.get_by_label("Time on task (seconds)").input_value()) >= 1
    first.get_by_role("button", name="Success").click()
    page.wait_for_url(re.compile(r"#task-\d+$"))
    assert "Recorded: Success" in page.locator(".task").nth(0).inner_text()

    # Observation 1 (on task 2, the current one): n to the note, Alt+3, Ctrl+Enter.
    page.locator("body").press("n")
    page.keyboard.type("Looked for the address under Settings")
    page.keyboard.press("Alt+Digit3")
    observe.get_by_label("Tags").fill("Navigation, settings")
    observe.get_by_label("Note", exact=True).press("Control+Enter")
    saved(page, 1)

    # Task 2: the time typed in, marked partial.
    second = page.locator(".task").nth(1)
    second.get_by_label("Time on task (seconds)").fill("45")
    second.get_by_role("button", name="Partial").click()
    page.wait_for_url(re.compile(r"#task-\d+$"))

    # Observation 2: n again; saved with the button, for no particular task now.
    page.locator("body").press("n")
    page.keyboard.type("Button label read as a link")
    observe.get_by_text("cosmetic").click()
    page.get_by_role("button", name="Save observation").click()
    saved(page, 2)

    # Observation 3: the note is focused again; a quote, Ctrl+Enter; publishing would need a
    # consent she never gave.
    assert page.evaluate("document.activeElement.id") == "obs-note"
    page.keyboard.type("I would have called support by now")
    observe.get_by_label("The note is a quote").check()
    assert observe.get_by_label("Publishable quote (anonymised)").is_disabled()
    page.keyboard.press("Alt+Digit4")
    observe.get_by_label("Note", exact=True).press("Control+Enter")
    saved(page, 3)
    observations = page.locator(".observations > li")
    expect(observations.nth(0)).to_contain_text("4 · catastrophe")

    # Two observations become issues: the first (the oldest, last in the list) a new issue with
    # a title, the second a new issue titled from its note.
    oldest = observations.nth(2)
    oldest.get_by_label("Title of the new issue").fill("Address form hidden under Settings")
    evidence = page.get_by_text("Evidence for issue #")
    oldest.get_by_role("button", name="New issue").click()
    expect(evidence).to_have_count(1)  # the same URL again: wait for what changed
    page.locator(".observations > li").nth(1).get_by_role("button", name="New issue").click()
    expect(evidence).to_have_count(2)

    page.get_by_role("button", name="Complete session").click()
    page.wait_for_url(f"{live_server}/studies/{study_id}/sessions")
    expect(page.locator(".flashes")).to_contain_text("P1 completed")

    with get_database(live_app).session_scope() as session:
        study_session = session.exec(select(StudySession)).one()
        assert study_session.status is SessionStatus.COMPLETED
        assert study_session.incentive_given_at is not None
        results = session.exec(select(TaskResult).order_by(TaskResult.task_id)).all()
        assert [r.outcome for r in results] == [TaskOutcome.SUCCESS, TaskOutcome.PARTIAL]
        assert results[0].seconds >= 1 and results[1].seconds == 45
        notes = session.exec(select(Observation).order_by(Observation.id)).all()
        assert [(o.severity, o.is_quote, o.publishable) for o in notes] == [
            (3, False, False),
            (1, False, False),
            (4, True, False),
        ]
        assert notes[0].tags == ["navigation", "settings"]
        # The first note went to the task in progress (task 2), the later ones to none.
        assert [o.task_id for o in notes] == [results[1].task_id, None, None]
        customer = session.get(Customer, customer_id)
        assert customer.last_participated_at == study_session.ended_at
        assert [o.issue_id is not None for o in notes] == [True, True, False]

    # The report shows both issues, each hit by the one participant, and the discovery estimate
    # (which honestly says one session is too few to estimate from).
    page.goto(f"{live_server}/studies/{study_id}/report")
    issues_table = page.locator("#issues-table").inner_text()
    assert "Address form hidden under Settings" in issues_table
    assert "Button label read as a link" in issues_table
    assert issues_table.count("1 of 1") == 2
    assert "at least 2 participants" in page.locator("#discovery-sentence").inner_text()
    assert "Greta" not in page.content()
