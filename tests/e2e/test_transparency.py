"""A product owner publishes an issue; the public page shows it in Swedish and English."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.factories import PASSWORD, make_customer, make_feedback, make_issue, make_staff_user
from workbench.auth.models import Role
from workbench.db import get_database
from workbench.issues.models import IssueFeedback, IssueStatus

EMAIL = "owner@test.example"
SECRETS = ("Ulla", "Bengtsson", "ulla.bengtsson@example.se", "070-555 12 34", "0705551234")


def prepare(live_app) -> int:
    with get_database(live_app).session_scope() as session:
        make_staff_user(session, role=Role.PRODUCT_OWNER, email=EMAIL)
        customer = make_customer(
            session, name="Ulla Bengtsson", email="ulla.bengtsson@example.se", phone="070-555 12 34"
        )
        issue = make_issue(session, title="Checkout button hidden", status=IssueStatus.PLANNED)
        item = make_feedback(
            session,
            customer_id=customer.id,
            consent_publish=True,
            text="Ulla här: jag hittade inte knappen för att betala. Ring 070-555 12 34.",
        )
        session.add(IssueFeedback(issue_id=issue.id, feedback_id=item.id))
        return issue.id


def test_a_product_owner_publishes_and_the_public_sees_it(page, live_app, live_server):
    issue_id = prepare(live_app)
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/feedback")

    page.goto(f"{live_server}/issues/{issue_id}/publication")
    page.get_by_label("Public title").fill("Betalknappen var svår att hitta")
    page.get_by_label("Public answer").fill(
        "Vi har flyttat knappen högst upp. Tack Ulla Bengtsson för tipset!"
    )
    page.get_by_label("Published on the transparency page").check()
    page.get_by_role("button", name="Save").click()
    # The form posts to its own URL: wait for the answer's flash, not for the URL.
    flashes = page.locator(".flashes")
    expect(flashes).to_contain_text("Publication saved.")
    expect(flashes).to_contain_text("Personal data was masked")
    expect(page).to_have_url(f"{live_server}/issues/{issue_id}/publication")
    page.get_by_role("button", name="Add feedback").click()
    expect(flashes).to_contain_text(re.compile(r"Quote #\d+ added"))
    page.get_by_role("button", name="Approve quote").click()
    expect(flashes).to_contain_text(re.compile(r"Quote #\d+ approved\."))

    page.goto(f"{live_server}/transparency?lang=sv")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.get_by_role("heading", name="Du sa, vi gjorde", exact=True).is_visible()
    body = page.locator("main").inner_text()
    assert "Betalknappen var svår att hitta" in body and "planerad" in body
    assert "Vi har flyttat knappen högst upp." in body
    assert "jag hittade inte knappen" in body  # the approved quote, redacted
    for secret in SECRETS:
        assert secret.lower() not in page.content().lower()

    page.get_by_role("link", name="English").click()
    page.wait_for_url(f"{live_server}/transparency?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    body = page.locator("main").inner_text()
    assert "You said, we did" in body and "planned" in body
    assert "Betalknappen var svår att hitta" in body
    for secret in SECRETS:
        assert secret.lower() not in page.content().lower()

    page.set_viewport_size({"width": 360, "height": 740})  # a phone: nothing wider than it
    page.goto(f"{live_server}/transparency/issues/{issue_id}?lang=en")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
