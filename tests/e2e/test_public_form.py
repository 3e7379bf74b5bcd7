"""A customer fills in the Swedish form in a real browser; staff then see it in the inbox."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import select

from tests.factories import PASSWORD, make_form, make_staff_user
from workbench.auth.models import Role
from workbench.customers.models import ConsentRecord, Customer
from workbench.db import get_database
from workbench.feedback.models import Feedback
from workbench.outbox.models import OutboxMessage

FEEDBACK_TEXT = (
    "Leveransen kom tre dagar för sent och kartongen var trasig, men kundtjänsten var snäll."
)


def test_customer_submits_swedish_form_and_staff_see_it(live_app, live_server, page):
    with get_database(live_app).session_scope() as session:
        make_form(
            session,
            slug="feedback",
            title="Tyck till om Nordhem",
            language="sv",
            attribute_questions=["Leverans", "Pris"],
        )
        make_staff_user(session, email="po@test.example", role=Role.PRODUCT_OWNER)

    page.goto(f"{live_server}/f/feedback")
    assert page.locator("h1").inner_text() == "Tyck till om Nordhem"
    assert page.locator("html").get_attribute("lang") == "sv"
    page.get_by_role("group", name="Hur nöjd är du överlag?").get_by_label("2").check()
    page.get_by_role("group", name="Leverans").get_by_label("1").check()
    page.get_by_label("Din återkoppling").fill(FEEDBACK_TEXT)
    page.get_by_label("E-post (frivilligt)").fill("kund.e2e@example.se")
    page.get_by_label("Ni får bjuda in mig till användartester.").check()
    page.get_by_role("button", name="Skicka").click()

    page.wait_for_url(f"{live_server}/f/feedback/thanks?sent=1")
    assert "Tack för din återkoppling!" in page.locator("h1").inner_text()
    assert "Öppna länken i det för att bekräfta adressen" in page.locator("main").inner_text()

    # The customer opens the confirmation letter's link and confirms the address.
    with get_database(live_app).session_scope() as session:
        assert session.exec(select(Customer)).all() == []  # nothing until confirmed
        letter = session.exec(select(OutboxMessage)).one()
        assert letter.subject == "Bekräfta din e-postadress"
        path = re.search(r"https?://[^/\s]+(/confirm/\S+)", letter.body_text)[1]
    page.goto(f"{live_server}{path}")
    page.get_by_role("button", name="Ja, det var jag").click()
    # The question's page has an h1 too: wait for the answer's before reading the database.
    expect(page.locator("h1")).to_contain_text("din adress är bekräftad")

    with get_database(live_app).session_scope() as session:
        stored = session.exec(select(Feedback)).one()
        assert stored.text == FEEDBACK_TEXT
        assert stored.language == "sv"
        assert stored.rating == 2
        assert stored.attribute_ratings == {"Leverans": 1}
        by_email = select(Customer).where(Customer.email == "kund.e2e@example.se")
        customer = session.exec(by_email).one()
        assert stored.customer_id == customer.id
        consent = session.exec(select(ConsentRecord)).one()
        assert consent.kind.value == "research" and consent.given

    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("po@test.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/feedback")
    row = page.get_by_role("row").filter(has_text="Leveransen kom tre dagar för sent")
    assert row.count() == 1
    row.get_by_role("link").click()
    expect(page.locator(".feedback-text")).to_contain_text(FEEDBACK_TEXT)
