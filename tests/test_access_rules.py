"""Who may open which staff page: every URL of the app, anonymous and per role.

The list of URLs comes from the app's url_map, so a new page is tested the moment it exists;
the explicit table below makes any change of roles a deliberate change to this file.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select
from werkzeug.routing import Rule

from tests.conftest import BASE_CONFIG, LoggedInClient
from tests.factories import make_staff_user
from tests.urls import url_of, url_values  # noqa: F401  (url_values: a fixture)
from workbench import create_app
from workbench.auth.models import ApiToken, Role
from workbench.auth.services import create_api_token
from workbench.customers.models import Customer
from workbench.db import get_database
from workbench.feedback.models import Feedback

ADMIN, RESEARCHER, PRODUCT_OWNER, VIEWER = (
    Role.ADMIN,
    Role.RESEARCHER,
    Role.PRODUCT_OWNER,
    Role.VIEWER,
)
EVERYONE = frozenset(Role)

# Pages anyone may open without logging in.
PUBLIC_BLUEPRINTS = {"public_feedback", "health", "participation", "transparency"}
# The API's description holds no data, so it needs no token either.
PUBLIC_ENDPOINTS = {"static", "auth.login", "api.openapi_document"}
# Machine endpoints with their own check: a bearer token (with a scope), never a staff login.
TOKEN_BLUEPRINTS = {"api"}
# Pages for any logged-in staff user, protected by login_required alone (no role check).
LOGIN_ONLY = {"auth.home", "auth.logout"}

EXPECTED_ROLES: dict[str, frozenset[Role]] = {
    "auth.home": EVERYONE,
    "auth.logout": EVERYONE,
    "auth.users": frozenset({ADMIN}),
    "auth.create_user": frozenset({ADMIN}),
    "auth.edit_user": frozenset({ADMIN}),
    "auth.end_user_sessions": frozenset({ADMIN}),
    "auth.tokens": frozenset({ADMIN}),
    "auth.create_token": frozenset({ADMIN}),
    "auth.revoke_token": frozenset({ADMIN}),
    "feedback.inbox": EVERYONE,
    "feedback.detail": EVERYONE,
    "feedback.export": EVERYONE,
    "feedback.import_page": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "feedback.forms": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "feedback.new_form": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "feedback.edit_form": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "customers.index": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "customers.profile": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "customers.import_page": frozenset({ADMIN, RESEARCHER}),
    "privacy.export": frozenset({ADMIN, RESEARCHER}),
    "privacy.erase": frozenset({ADMIN, RESEARCHER}),
    "customers.change_consent": frozenset({ADMIN, RESEARCHER}),
    "outbox.index": frozenset({ADMIN, RESEARCHER}),
    "outbox.detail": frozenset({ADMIN, RESEARCHER}),
    "outbox.attachment": frozenset({ADMIN, RESEARCHER}),
    "outbox.retry": frozenset({ADMIN, RESEARCHER}),
    "studies.index": frozenset({ADMIN, RESEARCHER}),
    "studies.new": frozenset({ADMIN, RESEARCHER}),
    "studies.detail": frozenset({ADMIN, RESEARCHER}),
    "studies.edit": frozenset({ADMIN, RESEARCHER}),
    "studies.change_status": frozenset({ADMIN, RESEARCHER}),
    "studies.recruitment_settings": frozenset({ADMIN}),
    "recruiting.screener": frozenset({ADMIN, RESEARCHER}),
    "recruiting.screener_count": frozenset({ADMIN, RESEARCHER}),
    "recruiting.recruit": frozenset({ADMIN, RESEARCHER}),
    "recruiting.invite_all": frozenset({ADMIN, RESEARCHER}),
    "recruiting.add_participant": frozenset({ADMIN, RESEARCHER}),
    "recruiting.drop_participant": frozenset({ADMIN, RESEARCHER}),
    "recruiting.invite_one": frozenset({ADMIN, RESEARCHER}),
    "recruiting.add_slot": frozenset({ADMIN, RESEARCHER}),
    "recruiting.cancel_slot": frozenset({ADMIN, RESEARCHER}),
    "recruiting.book_for_participant": frozenset({ADMIN, RESEARCHER}),
    "recruiting.cancel_for_participant": frozenset({ADMIN, RESEARCHER}),
    "issues.index": EVERYONE,
    "issues.detail": EVERYONE,
    "issues.new": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "issues.edit": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "issues.change_status": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "issues.merge": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "issues.observation_issue": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "issues.unlink_observation": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "reports.report": EVERYONE,
    "reports.markdown": EVERYONE,
    "reports.csv": EVERYONE,
    "sessions.index": frozenset({ADMIN, RESEARCHER}),
    "sessions.start": frozenset({ADMIN, RESEARCHER}),
    "sessions.no_show": frozenset({ADMIN, RESEARCHER}),
    "sessions.run": frozenset({ADMIN, RESEARCHER}),
    "sessions.task_result": frozenset({ADMIN, RESEARCHER}),
    "sessions.observe": frozenset({ADMIN, RESEARCHER}),
    "sessions.edit_observation": frozenset({ADMIN, RESEARCHER}),
    "sessions.delete_observation": frozenset({ADMIN, RESEARCHER}),
    "sessions.complete": frozenset({ADMIN, RESEARCHER}),
    "topics.index": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER, VIEWER}),
    "topics.detail": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER, VIEWER}),
    "topics.rename": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "topics.merge": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "topics.split": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "topics.move": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "topics.open_issue": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "topics.link_issue": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "topics.unlink_issue": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "topic_runs.index": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER, VIEWER}),
    "topic_runs.detail": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER, VIEWER}),
    "topic_runs.start": frozenset({ADMIN, RESEARCHER, PRODUCT_OWNER}),
    "publication.edit": frozenset({ADMIN, PRODUCT_OWNER}),
    "publication.add_quote": frozenset({ADMIN, PRODUCT_OWNER}),
    "publication.approve_quote": frozenset({ADMIN, PRODUCT_OWNER}),
    "publication.remove_quote": frozenset({ADMIN, PRODUCT_OWNER}),
}


def is_staff_endpoint(endpoint: str) -> bool:
    blueprint = endpoint.partition(".")[0] if "." in endpoint else ""
    return (
        endpoint not in PUBLIC_ENDPOINTS and blueprint not in PUBLIC_BLUEPRINTS | TOKEN_BLUEPRINTS
    )


# An app only to read the routes: create_app does no I/O, so nothing is connected here.
_ROUTES_APP = create_app({**BASE_CONFIG, "DATABASE_URL": "sqlite://"})
STAFF_RULES: list[Rule] = sorted(
    (rule for rule in _ROUTES_APP.url_map.iter_rules() if is_staff_endpoint(rule.endpoint)),
    key=lambda rule: (rule.endpoint, rule.rule),
)
STAFF_VIEWS = {
    endpoint: view
    for endpoint, view in _ROUTES_APP.view_functions.items()
    if is_staff_endpoint(endpoint)
}


def rule_id(rule: Rule) -> str:
    return f"{rule.endpoint}:{method_for(rule)}"


def method_for(rule: Rule) -> str:
    """GET where the page has one; POST-only actions are checked with an empty POST."""
    return "GET" if "GET" in rule.methods else "POST"


def allowed_roles_of(endpoint: str) -> frozenset[Role]:
    if endpoint in LOGIN_ONLY:
        return EVERYONE
    return STAFF_VIEWS[endpoint].allowed_roles


def client_for(app, role: Role):
    with get_database(app).session_scope() as db_session:
        user = make_staff_user(db_session, role=role)
    app.test_client_class = LoggedInClient
    return app.test_client(user=user)


def is_login_redirect(response, path: str) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response.headers["Location"])
    return location.path == "/login" and parse_qs(location.query).get("next") == [path]


def test_there_are_staff_urls_to_check():
    endpoints = {rule.endpoint for rule in STAFF_RULES}
    assert {"feedback.inbox", "privacy.erase", "auth.tokens"} <= endpoints
    assert not endpoints & {"auth.login", "health.healthz", "api.list_feedback"}


def test_expected_table_lists_every_staff_endpoint():
    """A new staff page must be added to EXPECTED_ROLES on purpose."""
    assert set(EXPECTED_ROLES) == set(STAFF_VIEWS)


def test_every_staff_view_declares_allowed_roles():
    """A staff page without role_required would be open to every logged-in user (or anyone)."""
    unprotected = sorted(
        endpoint
        for endpoint, view in STAFF_VIEWS.items()
        if endpoint not in LOGIN_ONLY and not getattr(view, "allowed_roles", None)
    )
    assert unprotected == [], f"views without role_required: {unprotected}"


@pytest.mark.parametrize("endpoint", sorted(set(EXPECTED_ROLES) - LOGIN_ONLY))
def test_allowed_roles_match_the_expected_table(endpoint):
    view = STAFF_VIEWS.get(endpoint)
    assert view is not None, f"{endpoint} is in EXPECTED_ROLES but not on the app"
    assert getattr(view, "allowed_roles", None) == EXPECTED_ROLES[endpoint]


@pytest.mark.parametrize("rule", STAFF_RULES, ids=rule_id)
def test_anonymous_is_sent_to_login(app, client, url_values, rule):  # noqa: F811
    url = url_of(app, rule, url_values)
    response = client.open(url, method=method_for(rule))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert is_login_redirect(response, urlsplit(url).path), response.headers["Location"]


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
@pytest.mark.parametrize("rule", STAFF_RULES, ids=rule_id)
def test_role_gets_exactly_the_pages_it_may_see(app, url_values, rule, role):  # noqa: F811
    may_enter = role in allowed_roles_of(rule.endpoint)
    assert may_enter == (role in EXPECTED_ROLES[rule.endpoint])
    client = client_for(app, role)
    url = url_of(app, rule, url_values)
    response = client.open(url, method=method_for(rule))
    body = response.get_data(as_text=True)[:500]
    assert not is_login_redirect(response, urlsplit(url).path), "the login did not take"
    if may_enter:
        assert response.status_code in {200, 302, 422}, (response.status_code, body)
    else:
        assert response.status_code == 403, (response.status_code, body)


def test_refused_actions_change_nothing(app, url_values):  # noqa: F811
    """A 403 must come before the work: a product owner cannot erase or revoke."""
    client = client_for(app, Role.PRODUCT_OWNER)
    customer_id, token_id = url_values["customer_id"], url_values["token_id"]
    erase = client.post(f"/customers/{customer_id}/erase", data={"confirm": "ERASE"})
    revoke = client.post(f"/admin/tokens/{token_id}/revoke")
    assert (erase.status_code, revoke.status_code) == (403, 403)
    with get_database(app).session_scope() as db_session:
        assert db_session.get(Customer, customer_id) is not None
        assert db_session.get(ApiToken, token_id).revoked_at is None


def test_login_only_pages_let_every_role_in(app, url_values):  # noqa: F811
    for role in Role:
        client = client_for(app, role)
        home = client.get("/")
        assert home.status_code == 302
        assert home.headers["Location"] == "/feedback"
        logout = client.post("/logout")
        assert logout.headers["Location"] == "/login"
        assert client.get("/").status_code == 302
        assert is_login_redirect(client.get("/feedback"), "/feedback")


API_URL = "/api/v1/feedback"
TOKEN_RULES = [
    (rule.rule, method)
    for rule in _ROUTES_APP.url_map.iter_rules()
    if rule.endpoint.partition(".")[0] in TOKEN_BLUEPRINTS and rule.endpoint not in PUBLIC_ENDPOINTS
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
]


def test_there_are_token_urls_to_check():
    assert (API_URL, "GET") in TOKEN_RULES and (API_URL, "POST") in TOKEN_RULES


@pytest.mark.parametrize(("url", "method"), TOKEN_RULES)
def test_every_api_url_but_its_description_needs_a_token(client, url, method):
    response = client.open(url, method=method, json={"text": "Bra service."})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_api_description_is_open_to_anyone(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "paths" in response.get_json()


def _feedback_count(app) -> int:
    with get_database(app).session_scope() as db_session:
        return len(db_session.exec(select(Feedback)).all())


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wb_not-a-real-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "wb_not-a-real-token"},
    ],
    ids=["no-token", "wrong-token", "empty-bearer", "no-scheme"],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_api_refuses_requests_without_a_valid_token(app, client, method, headers):
    before = _feedback_count(app)
    response = client.open(
        API_URL, method=method, headers=headers, json={"text": "Bra service, snabb leverans."}
    )
    assert response.status_code == 401
    assert "error" in response.get_json()
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _feedback_count(app) == before


def test_api_refuses_a_token_sent_with_another_scheme(app, client):
    with get_database(app).session_scope() as db_session:
        _token, plain = create_api_token(db_session, "zendesk")
    assert client.get(API_URL, headers={"Authorization": f"Basic {plain}"}).status_code == 401
    assert client.get(API_URL, headers={"Authorization": f"Bearer {plain}"}).status_code == 200


def test_api_ignores_a_staff_login(app, auth, client):
    auth.login("admin")
    assert client.get("/feedback").status_code == 200
    assert client.get(API_URL).status_code == 401
