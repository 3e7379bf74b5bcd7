"""Acceptance in Chromium: a product owner runs topics on the demo data and can read them.

Readable labels (words the customers wrote, no placeholders), themes above topics, and praise
apart from complaints, as the topic-understanding issue asks.
"""

from __future__ import annotations

import json
import re

from tests.factories import PASSWORD
from workbench.auth.models import Role
from workbench.db import get_database
from workbench.demo import DEMO_USERS, FIXTURES, load_demo

PLACEHOLDER = re.compile(r"_\w+_|\[\w+\]")


def demo_words() -> set[str]:
    with (FIXTURES / "feedback.jsonl").open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for line in handle if line.strip()]
    return {word for text in texts for word in re.findall(r"\w+(?:[-:.']\w+)*", text.lower())}


def test_a_product_owner_reads_themes_and_topics_praise_apart(live_app, live_server, page):
    with get_database(live_app).session_scope() as session:
        load_demo(session, wording_version="test-v1", password=PASSWORD)
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(DEMO_USERS[Role.PRODUCT_OWNER])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server}/topics/runs")
    engine = page.get_by_label("Group feedback")
    assert engine.input_value() == "multilingual"  # the default: Swedish and English together
    page.get_by_role("button", name="Start a run").click()
    page.get_by_role("link", name="See the topics").wait_for(timeout=120_000)
    page.get_by_role("link", name="See the topics").click()

    themes = page.locator(".theme-list > li")
    assert 2 <= themes.count() <= 15
    labels = page.locator(".topics-table tbody th > a").all_inner_texts()
    assert 10 <= len(labels) <= 40 and len(set(labels)) == len(labels)
    words = demo_words()
    for label in labels:
        assert not PLACEHOLDER.search(label), label
        for word in label.lower().replace(" / ", " ").split():
            assert word in words, (label, word)  # as a customer wrote it

    rows = page.locator(".topics-table tbody tr")
    badges = [row.locator(".badge").first.inner_text() for row in rows.all()]
    assert set(badges) <= {"complaints", "neutral", "praise"} and "praise" in badges
    # Impact counts complaints only: praise comes last, at 0.
    first_praise = badges.index("praise")
    assert all(badge == "praise" for badge in badges[first_praise:])

    page.get_by_role("link", name="Praise", exact=True).click()
    shown = page.locator(".topics-table tbody tr .badge").all_inner_texts()
    assert shown and set(shown) == {"praise"}
