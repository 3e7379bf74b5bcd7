"""A participant answers an invitation in a real browser, in Swedish and in English."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from playwright.sync_api import expect
from sqlmodel import select

from tests.factories import make_customer, make_participant, make_slot, make_study
from workbench.db import get_database, utcnow
from workbench.outbox.models import OutboxAttachment, OutboxMessage
from workbench.studies.invitations import Mailing, invite_participant
from workbench.studies.models import Booking, StudyMethod


def invite(live_app, live_server: str, language: str) -> tuple[str, list[datetime]]:
    """A recruiting study with two free slots and one invited customer; returns the link."""
    mailing = Mailing(
        link_for=lambda token: f"{live_server}/p/{token}", sender_email="research@wb.example"
    )
    with get_database(live_app).session_scope() as session:
        study = make_study(
            session,
            title="Användartest: kassan" if language == "sv" else "User test: checkout",
            method=StudyMethod.IN_PERSON,
            session_minutes=45,
        )
        start = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
        slots = [
            make_slot(session, study, starts_at=start, location="Storgatan 1"),
            make_slot(session, study, starts_at=start + timedelta(days=1), location="Storgatan 1"),
        ]
        customer = make_customer(session, consents={"research": True}, language=language)
        participant = make_participant(session, study, customer)
        invite_participant(session, participant, mailing, now=utcnow())
        letter = session.exec(select(OutboxMessage)).one()
        link = re.search(r"http\S+/p/\S+", letter.body_text).group(0)
        return link, [slot.starts_at for slot in slots]


def confirmation_calendar(live_app) -> Calendar:
    with get_database(live_app).session_scope() as session:
        letter = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "confirmation")
        ).one()
        attachment = session.exec(
            select(OutboxAttachment).where(OutboxAttachment.message_id == letter.id)
        ).one()
        assert attachment.content_type.startswith("text/calendar")
        return letter, Calendar.from_ical(attachment.content)


def test_swedish_participant_accepts_books_and_gets_a_confirmation_with_ics(
    live_app, live_server, page
):
    link, starts = invite(live_app, live_server, "sv")
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("h1").inner_text() == "Användartest: kassan"
    assert "presentkort på 300 kr" in page.locator("article").inner_text()
    page.get_by_role("button", name="Ja, jag är med").click()
    expect(page.locator(".flashes")).to_contain_text("Tack! Välj nu en tid som passar dig.")
    choices = page.get_by_role("group", name="Tider du kan välja").get_by_role("radio")
    assert choices.count() == 2
    choices.first.check()
    page.get_by_role("button", name="Boka den här tiden").click()
    expect(page.locator(".flashes")).to_contain_text("Bokat!")  # not the "Tack!" page's
    expect(page.locator(".booked")).to_contain_text("kl.")

    letter, calendar = confirmation_calendar(live_app)
    assert letter.language == "sv" and letter.subject.startswith("Bekräftelse")
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "REQUEST"
    assert event.decoded("dtstart") == starts[0].astimezone(UTC)
    with get_database(live_app).session_scope() as session:
        assert len(session.exec(select(Booking)).all()) == 1


def test_english_participant_books_then_moves_to_another_time(live_app, live_server, page):
    link, _starts = invite(live_app, live_server, "en")
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Yes, I will take part").click()
    page.get_by_role("group", name="Times you can choose").get_by_role("radio").first.check()
    page.get_by_role("button", name="Book this time").click()
    expect(page.locator(".flashes")).to_contain_text("Booked!")
    booked = page.locator(".booked strong")
    first_time = booked.inner_text()
    other = page.get_by_role("group", name="Times you can choose").locator("label").first
    other_time = other.inner_text().split("(")[0].strip()  # without "(60 min)"
    assert other_time and other_time != first_time
    other.get_by_role("radio").check()
    page.get_by_role("button", name="Move my session to this time").click()
    # The flash reads "Booked!" again, so the moved booking itself shows the new page.
    expect(booked).to_have_text(other_time)
    with get_database(live_app).session_scope() as session:
        update = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "update")).one()
        assert update.language == "en" and update.subject.startswith("New time")
        active = session.exec(select(Booking).where(Booking.cancelled_at.is_(None))).all()
        assert len(active) == 1
    assert "Your session" in page.locator("article").inner_text()


def test_an_unknown_link_shows_a_plain_page_in_the_browsers_language(live_server, page):
    response = page.goto(f"{live_server}/p/not-a-real-token")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Länken fungerar inte"
