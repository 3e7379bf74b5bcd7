"""The study report in a real Chromium: Chart.js from our static files, charts drawn, figures."""

from __future__ import annotations

from tests.factories import PASSWORD, make_staff_user
from tests.studies.test_report import SENTENCE, seed_six_sessions
from workbench.auth.models import Role
from workbench.db import get_database

CHART_READY = (
    "() => window.Chart && Chart.getChart(document.querySelector('#discovery-chart'))"
    " && Chart.getChart(document.querySelector('#tasks-chart'))"
)


def test_report_renders_its_charts_from_local_files(live_app, live_server, page):
    with get_database(live_app).session_scope() as session:
        make_staff_user(session, role=Role.RESEARCHER, email="reader@test.example")
        seeded = seed_six_sessions(session)
        study_id, issue_a = seeded.study.id, seeded.issues["A"].id
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "reader@test.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/studies/{study_id}/report")
    page.wait_for_function(CHART_READY)

    assert page.locator("#discovery-sentence").inner_text() == SENTENCE
    curve = page.evaluate(
        "() => Chart.getChart(document.querySelector('#discovery-chart')).data.datasets"
        ".map(d => d.data.length)"
    )
    assert curve == [10, 1]  # the curve to 10 sessions and the marked 6 run so far
    stacks = page.evaluate(
        "() => Chart.getChart(document.querySelector('#tasks-chart')).data.datasets"
        ".map(d => [d.label, d.data])"
    )
    assert stacks[0] == ["Success", [3, 1]] and stacks[-1] == ["No result", [0, 4]]
    box = page.locator("#discovery-chart").bounding_box()
    assert box["width"] > 100 and box["height"] > 100

    row = page.locator(f'tr[data-issue-id="{issue_a}"]')
    assert row.locator(".hits").inner_text() == "4 of 6"
    assert row.locator(".frequency").inner_text() == "67%"
    assert "P1" in row.inner_text() and "4.67" in row.inner_text()
    first_rows = page.locator("#issues-table tbody tr th").all_inner_texts()
    assert [text.split()[1] for text in first_rows] == ["Problem"] * 5
    assert [text.split()[2] for text in first_rows] == ["A", "B", "C", "E", "D"]

    chart_js = "/static/vendor/chartjs/chart-4.5.1.umd.min.js"
    assert f"{live_server}{chart_js}" in requests
    assert all(url.startswith(live_server) for url in requests), requests


def test_print_layout_hides_navigation_and_shows_the_tables(live_app, live_server, page):
    with get_database(live_app).session_scope() as session:
        make_staff_user(session, role=Role.VIEWER, email="viewer@test.example")
        study_id = seed_six_sessions(session).study.id
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "viewer@test.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/studies/{study_id}/report")
    page.wait_for_function(CHART_READY)

    table = page.locator(".chart-alt")  # wraps #discovery-table
    assert page.locator(".site-header").is_visible() and table.bounding_box()["width"] <= 1
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("#print-report").is_visible()
    assert table.bounding_box()["width"] > 100  # the curve as a table, for print
    assert page.locator("#discovery-table tr.current th").inner_text() == "6 (run so far)"
    assert page.pdf(format="A4")[:4] == b"%PDF"
