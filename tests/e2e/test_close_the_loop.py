"""Acceptance in Chromium: topics on the demo data, an issue from a topic, published, done.

A product owner starts a topic run (a background thread in the live server), opens an issue
from the biggest topic, publishes it with an answer, and the transparency page shows it in
Swedish and English with no personal data; marking it done queues the follow-ups.
"""

from __future__ import annotations

import csv
import re

from playwright.sync_api import expect
from sqlmodel import select

from tests.factories import PASSWORD
from workbench.auth.models import Role
from workbench.db import get_database
from workbench.demo import DEMO_USERS, FIXTURES, load_demo
from workbench.outbox.models import OutboxMessage
from workbench.topics.models import TopicRun

ANSWER = "Vi har byggt om leveransflödet och skickar nu sms när paketet är på väg."


def demo_people() -> list[str]:
    with (FIXTURES / "customers.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [value for row in rows for value in (row["name"], row["email"], row["phone"]) if value]


def test_a_product_owner_closes_the_loop(live_app, live_server, page):
    with get_database(live_app).session_scope() as session:
        load_demo(session, wording_version="test-v1", password=PASSWORD)

    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(DEMO_USERS[Role.PRODUCT_OWNER])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # A topic run over all feedback, followed on its page until it is done.
    page.goto(f"{live_server}/topics/runs")
    page.get_by_role("button", name="Start a run").click()
    expect(page.get_by_role("link", name="See the topics")).to_be_visible(timeout=60_000)
    with get_database(live_app).session_scope() as session:
        run = session.exec(select(TopicRun)).one()
        assert run.is_current and run.metrics["n_topics"] >= 5

    # The biggest topic becomes an issue.
    page.get_by_role("link", name="See the topics").click()
    page.goto(f"{live_server}/topics?sort=size")
    page.locator(".topics-table tbody th a").first.click()
    expect(page).to_have_url(re.compile(r"/topics/\d+$"))  # the list's h1 is not the topic's
    assert page.locator("h1").inner_text()
    page.get_by_label("Title").fill("Leveranser kommer sent")
    page.get_by_role("button", name="Open issue").click()
    expect(page).to_have_url(re.compile(r"/issues/\d+$"))  # not the topic page it came from
    issue_id = int(re.search(r"/issues/(\d+)$", page.url)[1])
    expect(page.locator(".flashes")).to_contain_text(f"Issue #{issue_id} opened and linked.")
    expect(page.locator("h1")).to_contain_text("Leveranser kommer sent")

    # Published with a public title and answer.
    page.goto(f"{live_server}/issues/{issue_id}/publication")
    page.get_by_label("Public title").fill("Leveranser som kommer sent")
    page.get_by_label("Public answer (you said, we did)").fill(ANSWER)
    page.get_by_label("Published on the transparency page").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flashes")).to_contain_text("Publication saved.")

    for language in ("sv", "en"):
        page.goto(f"{live_server}/transparency?lang={language}")
        assert page.locator("html").get_attribute("lang") == language
        body = page.locator("body").inner_text()
        assert "Leveranser som kommer sent" in body and ANSWER in body
        for value in demo_people():
            assert value not in body, value

    # Done: the customers who raised it and may be contacted get a follow-up.
    page.goto(f"{live_server}/issues/{issue_id}")
    for status in ("triaged", "planned", "in progress", "done"):
        page.get_by_role("button", name=f"Move to {status}").click()
        expect(page.locator(".flashes")).to_contain_text(f"Issue #{issue_id} is now {status}.")
    with get_database(live_app).session_scope() as session:
        follow_ups = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "follow_up")
        ).all()
    assert follow_ups, "no follow-up was queued"
    assert len({message.customer_id for message in follow_ups}) == len(follow_ups)
    assert all(ANSWER in message.body_text for message in follow_ups)
