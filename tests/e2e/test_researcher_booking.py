"""A researcher books a participant's session from the study page and moves it, in a browser."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect

from tests.factories import (
    PASSWORD,
    make_customer,
    make_participant,
    make_slot,
    make_staff_user,
    make_study,
)
from workbench.auth.models import Role
from workbench.db import get_database, utcnow
from workbench.studies.invitations import invite_participant
from workbench.studies.letters import Mailing, local_time

EMAIL = "researcher@test.example"


def prepare(live_app, live_server: str) -> tuple[int, list[tuple[str, str]]]:
    """A recruiting study, an invited customer and two free slots; the study, and each slot's
    id and time as the page writes it."""
    mailing = Mailing(
        link_for=lambda token: f"{live_server}/p/{token}", sender_email="research@wb.example"
    )
    with get_database(live_app).session_scope() as session:
        make_staff_user(session, role=Role.RESEARCHER, email=EMAIL)
        study = make_study(session, title="Checkout test")
        start = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
        slots = [
            make_slot(session, study, starts_at=start),
            make_slot(session, study, starts_at=start + timedelta(days=1, hours=2)),
        ]
        customer = make_customer(
            session, name="Greta Garbo", email="greta@example.se", consents={"research": True}
        )
        participant = make_participant(session, study, customer)
        invite_participant(session, participant, mailing, now=utcnow())
        times = [(str(slot.id), local_time(slot.starts_at, slot.timezone, "en")) for slot in slots]
        return study.id, times


def log_in(page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/feedback")


def test_a_researcher_books_and_moves_a_participants_session(live_app, live_server, page, tmp_path):
    shots = Path(os.environ.get("WORKBENCH_SHOTS", tmp_path))  # where to look at the page
    study_id, ((first_id, first), (second_id, second)) = prepare(live_app, live_server)
    log_in(page, live_server)
    page.goto(f"{live_server}/studies/{study_id}")
    table = page.locator("#participants-heading ~ .table-wrap")

    table.get_by_label("Book Greta Garbo to").select_option(first_id)
    table.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text(f"Booked for Greta Garbo: {first}")
    expect(table.locator(".booked-time")).to_have_text(f"booked {first}")

    table.get_by_label("Move Greta Garbo to").select_option(second_id)
    table.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text(f"Moved Greta Garbo to {second}")
    expect(table.locator(".booked-time")).to_have_text(f"booked {second}")
    calendar = page.locator("#calendar-heading ~ .table-wrap")
    expect(calendar.locator("tr", has_text=second)).to_contain_text("Greta Garbo")
    expect(calendar.locator("tr", has_text=first)).to_contain_text("free")
    page.screenshot(path=shots / "study-booking-desktop.png", full_page=True)

    page.goto(f"{live_server}/outbox")
    update = page.locator("tbody tr", has_text="greta@example.se").filter(has_text="update")
    expect(update).to_have_count(1)
    expect(update).to_contain_text("Ny tid")  # the customer's language, as on their own page

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/studies/{study_id}#participants-heading")
    expect(table.get_by_role("button", name="Move", exact=True)).to_be_visible()
    page.screenshot(path=shots / "study-booking-phone.png", full_page=True)
