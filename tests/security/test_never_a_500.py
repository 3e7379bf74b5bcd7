"""Property-based: whatever arrives through a staff form, a public form, a participant page or
the API, the answer is never a 500 (Hypothesis generates the input; the database is real)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import LoggedInClient
from tests.factories import make_form, make_staff_user
from tests.test_access_rules import STAFF_RULES, rule_id, url_of, url_values  # noqa: F401
from workbench.auth.models import Role
from workbench.auth.services import create_api_token
from workbench.db import get_database

# Characters a browser can send (no lone surrogates: they cannot be UTF-8 encoded), with the
# awkward ones made likely: NUL and other controls, line and paragraph separators, emoji.
AWKWARD = st.sampled_from(["\x00", "\r\n", "\u2028", "\u2029", "\x1b", "😡", "'", '"', "<", "%"])
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.lists(st.one_of(AWKWARD, st.text(max_size=5)), max_size=6).map("".join),
    st.sampled_from(
        [
            "",
            "-1",
            "0",
            "2147483648",
            "9" * 40,
            "1e400",
            "NaN",
            "9999-12-31",
            "9999-12-31T23:59",
            "0001-01-01T00:00",
            "ERASE",
            "y",
            "on",
            "sv",
            "en",
        ]
    ),
)
COMMON_FIELDS = ["text", "title", "name", "email", "q", "status", "confirm", "slot_id", "note"]
SETTINGS = settings(
    max_examples=6,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
POST_RULES = [rule for rule in STAFF_RULES if "POST" in rule.methods]


def field_names(client, url: str) -> list[str]:
    """The fields the page's forms send, plus a few any form might meet."""
    page = client.get(url)
    names = (
        re.findall(r'name="([^"]+)"', page.get_data(as_text=True))
        if page.status_code == 200
        else []
    )
    return sorted({*names, *COMMON_FIELDS} - {"csrf_token"})


@pytest.fixture
def app(make_app):
    # Jobs (topic runs) run in the request: on PostgreSQL the test shares one connection.
    return make_app(JOB_DISPATCHER="inline")


@pytest.mark.parametrize("rule", POST_RULES, ids=rule_id)
def test_no_staff_form_answers_500(app, url_values, rule):  # noqa: F811
    with get_database(app).session_scope() as session:
        admin = make_staff_user(session, role=Role.ADMIN)
    app.test_client_class = LoggedInClient
    client = app.test_client(user=admin)
    url = url_of(app, rule, url_values)
    names = field_names(client, url)

    @SETTINGS
    @given(st.dictionaries(st.sampled_from(names), TEXT, max_size=len(names)))
    def post(data):
        response = client.post(url, data=data)
        assert response.status_code < 500, (url, data, response.get_data(as_text=True)[:300])

    post()


def test_the_public_form_never_answers_500(app):
    with get_database(app).session_scope() as session:
        make_form(session, slug="tyck-till", attribute_questions=["Leverans"])
    client = app.test_client()
    names = field_names(client, "/f/tyck-till")

    @SETTINGS
    @given(st.dictionaries(st.sampled_from(names), TEXT, max_size=len(names)))
    def post(data):
        assert client.post("/f/tyck-till", data=data).status_code < 500

    post()


JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False, allow_infinity=False),
        TEXT,
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)
ITEM_FIELDS = ["text", "rating", "external_id", "created_at", "language", "email",
               "customer_ref", "attribute_ratings", "journey_stage", "consent_publish"]  # fmt: skip


def test_the_api_never_answers_500(app):
    with get_database(app).session_scope() as session:
        _token, plain = create_api_token(session, "hypothesis")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {plain}"}
    items = st.dictionaries(st.sampled_from(ITEM_FIELDS), JSON, max_size=6)

    @settings(SETTINGS, max_examples=60)
    @given(st.one_of(items, st.lists(items, max_size=3), JSON))
    def post(body):
        response = client.post("/api/v1/feedback", json=body, headers=headers)
        assert response.status_code < 500, (body, response.get_data(as_text=True)[:300])

    @settings(SETTINGS, max_examples=30)
    @given(st.dictionaries(st.sampled_from(["limit", "cursor", "since"]), TEXT, max_size=3))
    def read(query):
        response = client.get("/api/v1/feedback", query_string=query, headers=headers)
        assert response.status_code < 500, (query, response.get_data(as_text=True)[:300])

    post()
    read()
