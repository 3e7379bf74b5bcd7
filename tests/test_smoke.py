"""The app starts, answers /healthz, and every staff page renders for an admin.

"Every staff page" is every GET rule of the app's url_map outside the public blueprints and the
API (the same list as the access rules), so a new page is opened here the moment it exists; the
objects its URL names come from the ``url_values`` fixture.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from tests.test_access_rules import STAFF_RULES
from tests.urls import url_of, url_values  # noqa: F401  (url_values: a fixture)

# GET rules that answer with something other than an HTML page (files, and the screener's live
# count), by URL rule: the content type of the answer.
NOT_HTML = {
    "/feedback/export.csv": "text/csv",
    "/customers/<int:customer_id>/export.json": "application/json",
    "/outbox/<int:message_id>/attachments/<int:attachment_id>": "text/calendar",
    "/studies/<int:study_id>/report.md": "text/markdown",
    "/studies/<int:study_id>/report.csv": "text/csv",
    "/studies/<int:study_id>/screener/count": "application/json",
}
# GET rules that only send the user on, by URL rule: where to.
REDIRECTS = {"/": "/feedback"}

STAFF_GET_RULES = [rule for rule in STAFF_RULES if "GET" in rule.methods]


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_the_staff_pages_come_from_the_url_map():
    rules = {rule.rule for rule in STAFF_GET_RULES}
    assert len(rules) > 30
    assert {"/feedback", "/customers/<int:customer_id>", "/admin/tokens", "/topics"} <= rules
    assert not rules & {"/login", "/healthz", "/api/v1/feedback"}
    assert (NOT_HTML.keys() | REDIRECTS.keys()) <= rules, "a listed URL is gone from the app"


@pytest.mark.parametrize("rule", STAFF_GET_RULES, ids=lambda rule: rule.endpoint)
def test_admin_sees_every_staff_page(app, client, auth, url_values, rule: Rule):  # noqa: F811
    auth.login("admin")
    url = url_of(app, rule, url_values)

    response = client.get(url)

    body = response.get_data(as_text=True)
    if rule.rule in REDIRECTS:
        assert response.status_code == 302, (url, body[:2000])
        assert response.headers["Location"] == REDIRECTS[rule.rule]
        return
    assert response.status_code == 200, (url, body[:2000])
    assert response.mimetype == NOT_HTML.get(rule.rule, "text/html"), url
    if rule.rule not in NOT_HTML:
        assert "<h1" in body and body.rstrip().endswith("</html>"), url
