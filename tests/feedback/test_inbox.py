"""The staff inbox at /feedback: filters, the detail page in the customer's context, CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_consent, make_customer, make_feedback, make_form
from workbench.customers.models import ConsentKind
from workbench.db import utcnow
from workbench.feedback.inbox import EXPORT_COLUMNS
from workbench.feedback.models import Channel, JourneyStage

MARKERS = ("Alfa-markör", "Bravo-markör", "Charlie-markör")


@pytest.fixture
def three(session):
    """Three items differing in every filterable way; each text holds its own marker."""
    business = make_customer(session, segment="business")
    private = make_customer(session, segment="private")
    make_feedback(
        session,
        source="trustpilot",
        language="en",
        rating=5,
        journey_stage=JourneyStage.AFTER_PURCHASE,
        created_at=datetime(2026, 3, 10, 9, tzinfo=UTC),
        customer_id=business.id,
        text=f"{MARKERS[0]}: fast delivery and a fair price",
    )
    make_feedback(
        session,
        source="email",
        language="sv",
        rating=1,
        journey_stage=JourneyStage.COMPLAINT,
        created_at=datetime(2026, 5, 20, 23, 30, tzinfo=UTC),
        customer_id=private.id,
        text=f"{MARKERS[1]}: varan kom TRASIG och ingen svarar",
    )
    make_feedback(
        session,
        source="appstore",
        language="sv",
        rating=3,
        journey_stage=JourneyStage.ONBOARDING,
        created_at=datetime(2026, 7, 1, 12, tzinfo=UTC),
        customer_id=None,
        text=f"{MARKERS[2]}: appen kraschar vid inloggning",
    )
    session.commit()


def shown(html: str) -> set[str]:
    return {marker for marker in MARKERS if marker in html}


FILTER_FIELDS = (
    "search",
    "source",
    "language",
    "rating",
    "journey_stage",
    "segment",
    "date_from",
    "date_to",
)


def submitted(**values: str) -> dict[str, str]:
    """The query string a browser sends from the filter form: every field, most of them empty."""
    return {name: values.get(name, "") for name in FILTER_FIELDS} | values


def test_the_inbox_lists_everything_without_filters(client, auth, three):
    auth.login("viewer")
    response = client.get("/feedback")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert shown(html) == set(MARKERS)
    assert "3 in all" in html
    # newest first
    assert html.index(MARKERS[2]) < html.index(MARKERS[1]) < html.index(MARKERS[0])


FILTER_CASES = [
    ({"source": "trustpilot"}, {0}),
    ({"source": "appstore"}, {2}),
    ({"language": "sv"}, {1, 2}),
    ({"language": "en"}, {0}),
    ({"rating": "1"}, {1}),
    ({"polarity": "negative"}, {1}),
    ({"polarity": "positive"}, {0}),
    ({"polarity": "neutral"}, {2}),
    ({"rating": "4"}, set()),
    ({"journey_stage": "onboarding"}, {2}),
    ({"journey_stage": "complaint"}, {1}),
    ({"date_from": "2026-05-01"}, {1, 2}),
    ({"date_to": "2026-05-20"}, {0, 1}),  # the whole last day counts
    ({"date_from": "2026-05-20", "date_to": "2026-05-20"}, {1}),
    ({"segment": "business"}, {0}),
    ({"segment": "private"}, {1}),
    ({"search": "kraschar"}, {2}),
    ({"search": "TRASIG"}, {1}),
    ({"search": "trasig"}, {1}),
    ({"search": "nothing like this"}, set()),
    ({"language": "sv", "rating": "3"}, {2}),
    ({"source": "email", "segment": "business"}, set()),
]


def test_each_filter_narrows_the_inbox(client, auth, three):
    auth.login("researcher")  # once: logging in costs an argon2 check
    for query, expected in FILTER_CASES:
        response = client.get("/feedback", query_string=submitted(**query))
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "has-error" not in html, query
        assert shown(html) == {MARKERS[i] for i in expected}, query
        assert f"{len(expected)} in all" in html, query
        if not expected:
            assert "No feedback matches these filters." in html


def test_a_link_with_a_single_filter_narrows_the_inbox(client, auth, three):
    # Links and bookmarks carry only the filters in use, not every field of the filter form.
    auth.login("viewer")
    for query, expected in [({"source": "trustpilot"}, {0}), ({"search": "kraschar"}, {2})]:
        html = client.get("/feedback", query_string=query).get_data(as_text=True)
        assert "Not a valid choice" not in html, query
        assert shown(html) == {MARKERS[i] for i in expected}, query


def test_search_ignores_case_in_swedish_letters(client, auth, session):
    make_feedback(session, text="Ärligt talat var leveransen ÖVERRASKANDE snabb")
    make_feedback(session, text="Leveransen var sen")
    session.commit()
    auth.login("viewer")
    for term in ("ärligt", "överraskande", "ÄRLIGT"):
        query = submitted(search=term)
        html = client.get("/feedback", query_string=query).get_data(as_text=True)
        assert "Ärligt talat" in html, term
        assert "Leveransen var sen" not in html, term


def test_search_takes_percent_and_underscore_literally(client, auth, session):
    make_feedback(session, text="Rabatt 50% på allt i butiken")
    make_feedback(session, text="Betalade 500 kr för frakten")
    make_feedback(session, text="Ordernummer A_1 saknas")
    session.commit()
    auth.login("viewer")
    for term, wanted, unwanted in [
        ("50%", "Rabatt 50%", "Betalade 500"),
        ("a_1", "Ordernummer A_1", "Rabatt 50%"),
    ]:
        html = client.get("/feedback", query_string=submitted(search=term)).get_data(as_text=True)
        assert wanted in html, term
        assert unwanted not in html, term


def test_a_rating_that_is_not_a_number_is_ignored(client, auth, three):
    """The rating list is not checked against its choices: "abc" filters nothing, no error."""
    auth.login("viewer")
    response = client.get("/feedback", query_string=submitted(rating="abc"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert shown(html) == set(MARKERS)
    assert "3 in all" in html
    assert "has-error" not in html
    header, *rows = export_rows(client, **submitted(rating="abc"))
    assert header == list(EXPORT_COLUMNS)
    text = header.index("text")
    assert {marker for row in rows for marker in MARKERS if marker in row[text]} == set(MARKERS)
    assert len(rows) == 3


def test_the_source_and_segment_choices_come_from_the_data(client, auth, three):
    auth.login("viewer")
    html = client.get("/feedback").get_data(as_text=True)
    for value in ("trustpilot", "email", "appstore", "business", "private"):
        assert f'<option value="{value}">' in html


def test_an_invalid_filter_value_is_shown_as_an_error(client, auth, three):
    auth.login("viewer")
    response = client.get("/feedback", query_string={"date_from": "soon"})
    assert response.status_code == 200
    assert 'class="field has-error"' in response.get_data(as_text=True)


def test_the_inbox_pages_and_keeps_the_filters(app, client, auth, three):
    app.config["PER_PAGE"] = 1
    auth.login("viewer")
    query = submitted(language="sv")
    first = client.get("/feedback", query_string=query).get_data(as_text=True)
    assert shown(first) == {MARKERS[2]}
    assert "Page 1 of 2 · 2 in all" in first
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "language=sv" in next_link and "page=2" in next_link
    second = client.get(next_link).get_data(as_text=True)
    assert shown(second) == {MARKERS[1]}
    assert "Page 2 of 2 · 2 in all" in second


def test_the_inbox_needs_a_login(client):
    response = client.get("/feedback")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# The detail page ----------------------------------------------------------------------------


def test_detail_shows_the_customer_context(client, auth, session):
    now = utcnow()
    customer = make_customer(
        session,
        name="Greta Garbo",
        segment="business",
        first_purchase_at=now - timedelta(days=2000),
        last_purchase_at=now - timedelta(days=2),
        orders_count=40,
    )
    make_consent(session, customer, ConsentKind.CONTACT, given=True)
    make_consent(session, customer, ConsentKind.RESEARCH, given=False)
    form = make_form(session, title="Efter köpet")
    earlier = make_feedback(
        session,
        customer_id=customer.id,
        text="Tidigare: sladden var för kort",
        created_at=now - timedelta(days=60),
    )
    item = make_feedback(
        session,
        customer_id=customer.id,
        channel=Channel.FORM,
        source="form",
        form_id=form.id,
        rating=4,
        attribute_ratings={"Leverans": 5},
        journey_stage=JourneyStage.AFTER_PURCHASE,
        consent_publish=True,
        text="Nu: allt fungerade fint",
    )
    make_feedback(session, text="Någon annans åsikt")
    session.commit()
    auth.login("researcher")
    response = client.get(f"/feedback/{item.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nu: allt fungerade fint" in html
    assert "Greta Garbo" in html and "business" in html
    assert 'class="tier tier-champion">champion</span>' in html
    assert "contact: given" in html
    assert "research: withdrawn" in html
    assert "publish quote: not asked" in html
    assert "Earlier feedback" in html
    assert f'href="/feedback/{earlier.id}"' in html and "Tidigare: sladden" in html
    assert "Någon annans åsikt" not in html
    assert "Efter köpet" in html  # the form it came through
    assert "<dt>Leverans</dt>" in html
    assert "after purchase" in html


def test_detail_of_a_new_customer_shows_the_new_tier(client, auth, session):
    now = utcnow()
    customer = make_customer(
        session, first_purchase_at=now - timedelta(days=10), last_purchase_at=now, orders_count=1
    )
    item = make_feedback(session, customer_id=customer.id)
    session.commit()
    auth.login("viewer")
    html = client.get(f"/feedback/{item.id}").get_data(as_text=True)
    assert 'class="tier tier-new">new</span>' in html
    assert customer.name not in html  # viewers see the segment, not who it is
    assert "private customer" in html


def test_detail_without_a_customer(client, auth, session):
    item = make_feedback(session, customer_id=None)
    session.commit()
    auth.login("viewer")
    html = client.get(f"/feedback/{item.id}").get_data(as_text=True)
    assert "Not linked to a customer in the register." in html


def test_detail_of_missing_feedback_is_404(client, auth):
    auth.login("viewer")
    assert client.get("/feedback/999999").status_code == 404


# CSV export ---------------------------------------------------------------------------------


def export_rows(client, **query) -> list[list[str]]:
    response = client.get("/feedback/export.csv", query_string=query)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_export_has_a_header_and_one_row_per_item(client, auth, session):
    customer = make_customer(session, external_ref="C4242", segment="business")
    first = make_feedback(
        session,
        customer_id=customer.id,
        source="trustpilot",
        external_id="tp-1",
        rating=4,
        journey_stage=JourneyStage.COMPLAINT,
        consent_publish=True,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        text='Bra, men "dyrt"\noch långsamt',
    )
    second = make_feedback(
        session, rating=None, created_at=datetime(2026, 2, 1, tzinfo=UTC), text="Utan kund"
    )
    session.commit()
    auth.login("viewer")
    rows = export_rows(client)
    assert rows[0] == list(EXPORT_COLUMNS)
    assert len(rows) == 3
    data = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert data[0]["id"] == str(first.id)
    assert data[0]["created_at"].startswith("2026-01-01T00:00:00")
    assert data[0]["source"] == "trustpilot" and data[0]["external_id"] == "tp-1"
    assert data[0]["rating"] == "4" and data[0]["journey_stage"] == "complaint"
    assert data[0]["customer_ref"] == "C4242" and data[0]["customer_segment"] == "business"
    assert data[0]["consent_publish"] == "yes"
    assert data[0]["text"] == 'Bra, men "dyrt"\noch långsamt'
    assert data[1]["id"] == str(second.id)
    assert (data[1]["rating"], data[1]["customer_ref"], data[1]["consent_publish"]) == (
        "",
        "",
        "no",
    )


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)"])
def test_export_neutralises_formulas(client, auth, session, text):
    make_feedback(session, text=text)
    session.commit()
    auth.login("viewer")
    rows = export_rows(client)
    assert rows[1][-1] == "'" + text


def test_export_follows_the_filters(client, auth, three):
    auth.login("viewer")
    rows = export_rows(client, **submitted(language="sv", rating="1"))
    assert len(rows) == 2
    assert MARKERS[1] in rows[1][-1]
    everything = export_rows(client)
    assert len(everything) == 4


def test_export_needs_a_login(client):
    assert client.get("/feedback/export.csv").status_code == 302
