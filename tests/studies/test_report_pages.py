"""The report pages over HTTP: who may read them, what they show, the downloads, the partial."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import pytest
from flask import render_template_string
from sqlmodel import select

from tests.factories import make_study
from tests.studies.test_report import SENTENCE, seed_six_sessions
from workbench.auth.models import Role
from workbench.customers.models import Customer
from workbench.studies.models import StudyParticipant
from workbench.studies.report import study_discovery

URLS = ("/studies/{id}/report", "/studies/{id}/report.md", "/studies/{id}/report.csv")


@pytest.fixture
def seeded(session):
    seeded = seed_six_sessions(session)
    session.commit()
    return seeded


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def customers_of(session, study) -> list[Customer]:
    query = (
        select(Customer)
        .join(StudyParticipant, StudyParticipant.customer_id == Customer.id)
        .where(StudyParticipant.study_id == study.id)
    )
    return list(session.exec(query).all())


@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitors_are_sent_to_the_login(client, seeded, url):
    response = client.get(url.format(id=seeded.study.id))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("url", URLS)
def test_every_staff_role_reads_the_report(client, auth, seeded, role, url):
    auth.login(role)
    assert client.get(url.format(id=seeded.study.id)).status_code == 200


def test_an_unknown_study_is_not_found(client, auth):
    auth.login(Role.VIEWER)
    assert client.get("/studies/999999/report").status_code == 404


def test_the_page_shows_the_figures_and_no_personal_data(client, auth, session, seeded):
    auth.login(Role.PRODUCT_OWNER)
    body = text_of(client.get(f"/studies/{seeded.study.id}/report"))

    assert SENTENCE in body
    assert 'id="discovery-chart"' in body and 'id="tasks-chart"' in body
    assert "/static/vendor/chartjs/chart-4.5.1.umd.min.js" in body
    assert "http://" not in body.replace("http://www.w3.org", "") and "https://" not in body
    assert 'id="print-report"' in body
    issue_a = seeded.issues["A"].id
    row = re.search(rf'<tr data-issue-id="{issue_a}">(.*?)</tr>', body, re.S).group(1)
    assert "P1" in row and "4 of 6" in row and "67%" in row and "4.67" in row
    assert "I gave up here." in body and "Not for print" not in body
    customers = customers_of(session, seeded.study)
    assert len(customers) == 8
    for customer in customers:
        assert customer.name not in body and customer.email not in body
        assert customer.phone not in body
    # Researcher-only link hidden from a product owner.
    assert f'/studies/{seeded.study.id}"' not in body


def test_chart_data_is_a_json_block(client, auth, seeded):
    auth.login(Role.VIEWER)
    body = client.get(f"/studies/{seeded.study.id}/report").get_data(as_text=True)
    raw = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', body, re.S)
    data = json.loads(raw.group(1))
    assert data["ran"] == 6 and data["found"] == 89.9
    assert data["tasks"]["labels"] == ["Task 1", "Task 2"]
    assert data["tasks"]["success"] == [3, 1] and data["tasks"]["no_result"] == [0, 4]
    assert [point["x"] for point in data["curve"]] == list(range(1, 11))
    assert "<script>" not in body.replace('<script type="application/json"', "")


def test_an_empty_study_has_an_honest_page(client, auth, session):
    study = make_study(session, tasks=[])
    session.commit()
    auth.login(Role.RESEARCHER)
    body = text_of(client.get(f"/studies/{study.id}/report"))
    assert "No discovery estimate yet. No problems logged yet." in body
    assert 'id="discovery-chart"' not in body and "No sessions yet." in body


def test_markdown_download(client, auth, seeded):
    auth.login(Role.RESEARCHER)
    response = client.get(f"/studies/{seeded.study.id}/report.md")
    assert response.mimetype == "text/markdown"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="study-{seeded.study.id}-report.md"'
    text = response.get_data(as_text=True)
    assert text.startswith("# Study report: Checkout test") and SENTENCE in text


def test_csv_download(client, auth, seeded):
    auth.login(Role.VIEWER)
    response = client.get(f"/studies/{seeded.study.id}/report.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["priority_label"] for row in rows] == ["P1", "P2", "P2", "P3", "P4"]
    assert [row["hits"] for row in rows] == ["4", "3", "6", "1", "1"]


def include_partial(app, discovery) -> str:
    with app.test_request_context():
        return render_template_string(
            '{% include "studies/_discovery.html" %}', discovery=discovery
        )


def test_the_study_page_partial_says_it_in_words_and_draws_the_curve(app, session, seeded):
    html = unescape(include_partial(app, study_discovery(session, seeded.study)))
    assert SENTENCE in html
    assert "<svg" in html and "<polyline" in html and "<circle" in html
    assert "6 sessions run, about 89%" in html
    assert f"/studies/{seeded.study.id}/report" in html


def test_the_partial_without_an_estimate(app, session):
    study = make_study(session)
    html = unescape(include_partial(app, study_discovery(session, study)))
    assert "No discovery estimate yet." in html and "<svg" not in html
