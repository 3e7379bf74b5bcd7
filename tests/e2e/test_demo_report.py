"""Acceptance in Chromium: the demo study's report and charts show the hand-worked figures."""

from __future__ import annotations

from sqlmodel import select

from tests.e2e.test_report import CHART_READY
from tests.factories import PASSWORD
from tests.studies.test_demo_study import DEMO_TITLE, SENTENCE
from workbench.auth.models import Role
from workbench.db import get_database
from workbench.demo import DEMO_USERS, load_demo
from workbench.issues.models import Issue
from workbench.studies.models import Study


def test_the_demo_report_renders_with_the_hand_worked_figures(live_app, live_server, page):
    with get_database(live_app).session_scope() as session:
        load_demo(session, wording_version="test-v1", password=PASSWORD)
    with get_database(live_app).session_scope() as session:
        study_id = session.exec(select(Study.id).where(Study.title == DEMO_TITLE)).one()
        postcode = session.exec(
            select(Issue.id).where(Issue.title == "Adressformuläret tappar postnumret")
        ).one()

    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", DEMO_USERS[Role.PRODUCT_OWNER])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/studies/{study_id}/report")
    page.wait_for_function(CHART_READY)

    assert page.locator("#discovery-sentence").inner_text() == SENTENCE
    row = page.locator(f'tr[data-issue-id="{postcode}"]')
    assert row.locator(".hits").inner_text() == "3 of 6"
    assert row.locator(".frequency").inner_text() == "50%"
    assert "P1" in row.inner_text() and "4.00" in row.inner_text()
    body = page.locator("main").inner_text()
    assert "Anna Lindqvist" not in body and "@example" not in body
