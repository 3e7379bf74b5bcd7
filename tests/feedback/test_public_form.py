"""The public feedback form at /f/<slug>: rendering, language, submission, consents,
spam protection (CSRF, honeypot, rate limit) and the thank-you page."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from tests.factories import make_customer, make_form
from tests.reading import count, read
from workbench.customers.models import ConsentKind, ConsentRecord, ConsentSource, Customer
from workbench.db import get_database, sqlite_write_intent
from workbench.feedback.models import Channel, Feedback, JourneyStage
from workbench.outbox.models import OutboxMessage

SWEDISH = "Leveransen var snabb och personalen i butiken var väldigt trevlig och hjälpsam."
ENGLISH = "The delivery was quick and the staff in the shop were very friendly and helpful."


def only_feedback(session) -> Feedback:
    [feedback] = read(session, select(Feedback))
    return feedback


def confirm_by_link(client, session) -> str:
    """Open the newest confirmation letter's link and press its button, as the owner would;
    returns the confirmed page."""
    [*_, letter] = read(
        session, select(OutboxMessage).where(OutboxMessage.kind == "email_confirmation")
    )
    path = re.search(r"https?://[^/\s]+(/confirm/\S+)", letter.body_text)[1]
    page = client.get(path).get_data(as_text=True)
    assert "Ja, det var jag" in page or "din adress är bekräftad" in page
    response = client.post(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)">', response.get_data(as_text=True))
    assert match, "no <html lang> attribute"
    return match.group(1)


# Rendering and language ---------------------------------------------------------------------


def test_get_renders_the_form_with_its_questions(client, sv_form):
    response = client.get("/f/tyck-till")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Tyck till om ditt köp</title>" in html
    assert "Berätta vad som fungerade." in html
    assert "<legend>Leverans</legend>" in html and "<legend>Pris</legend>" in html
    for name in ("rating", "attribute_0", "attribute_1", "text", "email", "website"):
        assert f'name="{name}"' in html
    for name in ("consent_contact", "consent_research", "consent_publish"):
        assert f'name="{name}" type="checkbox"' in html
    assert "site-header" not in html  # no staff navigation on public pages


def test_a_swedish_form_is_shown_in_swedish_whatever_the_browser_prefers(client, sv_form):
    response = client.get("/f/tyck-till", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert html_lang(response) == "sv"
    html = response.get_data(as_text=True)
    assert "Tyck till om ditt köp" in html
    assert "Din återkoppling" in html
    assert "Hur nöjd är du överlag?" in html
    assert "Ni får bjuda in mig till användartester." in html
    assert ">Skicka</button>" in html
    assert "Your feedback" not in html and "Send feedback" not in html


def test_an_english_form_is_shown_in_english_whatever_the_browser_prefers(client, session):
    make_form(session, slug="app", title="Tell us about the app", language="en")
    session.commit()
    response = client.get("/f/app", headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert html_lang(response) == "en"
    html = response.get_data(as_text=True)
    assert "Tell us about the app" in html
    assert "Your feedback" in html and ">Send feedback</button>" in html
    assert "You may invite me to take part in user tests." in html
    assert "Din återkoppling" not in html


@pytest.mark.parametrize(
    ("accept", "expected"), [("sv-SE,sv;q=0.9,en;q=0.5", "sv"), ("en-US,en;q=0.8", "en")]
)
def test_pages_without_a_form_follow_the_browser(client, accept, expected):
    response = client.get("/f/no-such-form", headers={"Accept-Language": accept})
    assert response.status_code == 404
    assert html_lang(response) == expected


def test_a_form_without_rating_questions_has_no_rating_fields(client, session):
    make_form(session, slug="fritext", ask_rating=False, attribute_questions=[])
    session.commit()
    html = client.get("/f/fritext").get_data(as_text=True)
    assert 'name="rating"' not in html and 'name="attribute_0"' not in html
    response = client.post("/f/fritext", data={"text": SWEDISH, "rating": "5"})
    assert response.status_code == 302
    assert only_feedback(session).rating is None


@pytest.mark.parametrize("slug", ["missing", "TYCK-TILL", "tyck-till-x"])
def test_unknown_slugs_are_404(client, sv_form, slug):
    assert client.get(f"/f/{slug}").status_code == 404
    assert client.post(f"/f/{slug}", data={"text": "Hej"}).status_code == 404


def test_an_inactive_form_is_404_and_takes_nothing(client, session):
    make_form(session, slug="stangd", is_active=False)
    session.commit()
    assert client.get("/f/stangd").status_code == 404
    assert client.post("/f/stangd", data={"text": SWEDISH}).status_code == 404
    assert client.get("/f/stangd/thanks").status_code == 404
    assert count(session, Feedback) == 0


# Submitting ---------------------------------------------------------------------------------


def test_post_stores_feedback_with_language_and_ratings(client, session, sv_form):
    response = client.post(
        "/f/tyck-till",
        data={"text": SWEDISH, "rating": "4", "attribute_0": "5", "attribute_1": "2"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/f/tyck-till/thanks")
    feedback = only_feedback(session)
    assert feedback.text == SWEDISH
    assert feedback.language == "sv"
    assert feedback.rating == 4
    assert feedback.attribute_ratings == {"Leverans": 5, "Pris": 2}
    assert (feedback.channel, feedback.source) == (Channel.FORM, "form")
    assert feedback.form_id == sv_form.id
    assert feedback.journey_stage is JourneyStage.AFTER_PURCHASE
    assert feedback.customer_id is None and feedback.email is None
    assert feedback.consent_publish is False


def test_english_text_on_a_swedish_form_is_detected_as_english(client, session, sv_form):
    assert client.post("/f/tyck-till", data={"text": ENGLISH}).status_code == 302
    feedback = only_feedback(session)
    assert feedback.language == "en"
    assert feedback.rating is None and feedback.attribute_ratings == {}


def test_the_thank_you_page_of_an_english_form(client, session):
    make_form(session, slug="app", language="en")
    session.commit()
    response = client.get("/f/app/thanks", headers={"Accept-Language": "sv"})
    assert response.status_code == 200
    assert "Thank you for your feedback!" in response.get_data(as_text=True)


def test_the_thank_you_page(client, sv_form):
    response = client.post("/f/tyck-till", data={"text": SWEDISH}, follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/f/tyck-till/thanks"
    html = response.get_data(as_text=True)
    assert html_lang(response) == "sv"
    assert "Tack för din återkoppling!" in html
    assert 'href="/f/tyck-till"' in html


def test_consents_create_a_customer_and_records_once_the_address_is_confirmed(
    client, session, sv_form
):
    response = client.post(
        "/f/tyck-till",
        data={
            "text": SWEDISH,
            "email": "Ny.Kund@Example.se",
            "consent_contact": "y",
            "consent_research": "y",
            "consent_publish": "y",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/f/tyck-till/thanks?sent=1")
    assert count(session, Customer) == 0 and count(session, ConsentRecord) == 0
    assert "din adress är bekräftad" in confirm_by_link(client, session)
    feedback = only_feedback(session)
    [customer] = read(session, select(Customer).where(Customer.email == "ny.kund@example.se"))
    assert feedback.customer_id == customer.id
    assert feedback.email == "ny.kund@example.se"
    assert feedback.consent_publish is True
    records = read(session, select(ConsentRecord).where(ConsentRecord.customer_id == customer.id))
    assert sorted(record.kind for record in records) == sorted(ConsentKind)
    assert all(record.given and record.source is ConsentSource.FORM for record in records)
    assert all(record.wording_version == "2026-11-v1" for record in records)


def test_each_box_records_only_its_own_consent(client, session, sv_form):
    customer = make_customer(session, email="befintlig@example.se")
    session.commit()
    response = client.post(
        "/f/tyck-till",
        data={"text": SWEDISH, "email": "befintlig@example.se", "consent_research": "y"},
    )
    assert response.status_code == 302
    assert only_feedback(session).customer_id is None
    confirm_by_link(client, session)
    assert only_feedback(session).customer_id == customer.id
    kinds = read(
        session, select(ConsentRecord.kind).where(ConsentRecord.customer_id == customer.id)
    )
    assert kinds == [ConsentKind.RESEARCH]
    assert count(session, Customer) == 1


def test_a_second_submission_reuses_the_new_customer(client, session, sv_form):
    data = {"text": SWEDISH, "email": "aterkommer@example.se", "consent_contact": "y"}
    assert client.post("/f/tyck-till", data=data).status_code == 302
    confirm_by_link(client, session)
    data["email"] = "ATERKOMMER@example.se"
    assert client.post("/f/tyck-till", data=data).status_code == 302
    confirm_by_link(client, session)
    assert count(session, Customer) == 1
    customer_ids = read(session, select(Feedback.customer_id))
    assert len(customer_ids) == 2 and len(set(customer_ids)) == 1 and customer_ids[0]


@pytest.mark.parametrize("box", ["consent_contact", "consent_research"])
def test_contact_consent_without_email_is_422_and_stores_nothing(client, session, sv_form, box):
    response = client.post("/f/tyck-till", data={"text": SWEDISH, box: "y"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html
    assert "Fyll i din e-post så att vi kan kontakta dig." in html
    assert SWEDISH in html  # what they wrote is kept
    assert count(session, Feedback) == 0
    assert count(session, Customer) == 0
    assert count(session, ConsentRecord) == 0


def test_a_bad_email_is_422(client, session, sv_form):
    response = client.post("/f/tyck-till", data={"text": SWEDISH, "email": "inte en adress"})
    assert response.status_code == 422
    assert "Det ser inte ut som en e-postadress." in response.get_data(as_text=True)
    assert count(session, Feedback) == 0


def test_errors_on_an_english_form_are_in_english(client, session):
    make_form(session, slug="app", language="en")
    session.commit()
    response = client.post("/f/app", data={"text": "x" * 5001, "consent_contact": "y"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please keep it under 5,000 characters." in html
    assert "Add your e-mail so that we can contact you." in html
    assert "Please check the fields marked below." in html
    assert count(session, Feedback) == 0


def test_text_is_required(client, session, sv_form):
    response = client.post("/f/tyck-till", data={"text": "   ", "rating": "3"})
    assert response.status_code == 422
    assert "Skriv gärna vad du tycker." in response.get_data(as_text=True)
    assert count(session, Feedback) == 0


def test_text_of_5000_characters_is_accepted_and_longer_is_refused(client, session, sv_form):
    too_long = client.post("/f/tyck-till", data={"text": "å" * 5001})
    assert too_long.status_code == 422
    assert "Håll dig under 5 000 tecken." in too_long.get_data(as_text=True)
    assert count(session, Feedback) == 0
    assert client.post("/f/tyck-till", data={"text": "å" * 5000}).status_code == 302
    assert len(only_feedback(session).text) == 5000


def test_a_nul_character_is_refused_or_cleaned_not_a_server_error(client, session, sv_form):
    response = client.post("/f/tyck-till", data={"text": "Bra\x00 men dyrt"})
    assert response.status_code in (302, 422)
    if response.status_code == 302:
        assert "\x00" not in only_feedback(session).text
    else:
        assert count(session, Feedback) == 0


@pytest.mark.parametrize("field", ["rating", "attribute_0"])
@pytest.mark.parametrize("value", ["0", "6", "bra"])
def test_ratings_outside_1_to_5_are_refused(client, session, sv_form, field, value):
    response = client.post("/f/tyck-till", data={"text": SWEDISH, field: value})
    assert response.status_code == 422
    assert count(session, Feedback) == 0


# Spam protection ----------------------------------------------------------------------------


def test_a_filled_honeypot_shows_thanks_but_stores_nothing(client, session, sv_form):
    response = client.post(
        "/f/tyck-till",
        data={
            "text": SWEDISH,
            "email": "bot@example.se",
            "consent_contact": "y",
            "website": "http://spam.example",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/f/tyck-till/thanks")
    assert count(session, Feedback) == 0
    assert count(session, Customer) == 0
    assert count(session, ConsentRecord) == 0


def test_csrf_token_is_required_when_csrf_is_on(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    database = get_database(app)
    with database.session_scope() as db_session:
        make_form(db_session, slug="csrf")
    client = app.test_client()
    refused = client.post("/f/csrf", data={"text": SWEDISH})
    assert refused.status_code == 400
    page = client.get("/f/csrf").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = client.post("/f/csrf", data={"text": SWEDISH, "csrf_token": token})
    assert accepted.status_code == 302
    with database.session_scope() as db_session:
        assert count(db_session, Feedback) == 1


def test_the_rate_limit_refuses_the_third_post_from_one_address(make_app):
    app = make_app(FORM_RATE_LIMIT="2 per minute")
    database = get_database(app)
    with database.session_scope() as db_session:
        make_form(db_session, slug="limited")
    client = app.test_client()
    assert client.get("/f/limited").status_code == 200  # reading the form is not limited
    statuses = [client.post("/f/limited", data={"text": SWEDISH}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert client.get("/f/limited").status_code == 200
    other = client.post(
        "/f/limited", data={"text": SWEDISH}, environ_base={"REMOTE_ADDR": "192.0.2.44"}
    )
    assert other.status_code == 302  # the limit is per address
    with database.session_scope() as db_session:
        assert count(db_session, Feedback) == 3


def test_the_rate_limit_can_be_switched_off(client, session, sv_form):
    assert client.application.config["FORM_RATE_LIMIT"] == "off"
    statuses = [client.post("/f/tyck-till", data={"text": SWEDISH}).status_code for _ in range(12)]
    assert statuses == [302] * 12
    assert count(session, Feedback) == 12


def test_a_post_leaves_no_sqlite_write_intent_behind(client, session, sv_form):
    # The request's write intent must end with the request; left set, every later session in
    # this thread starts with BEGIN IMMEDIATE and holds SQLite's write lock while only reading.
    assert sqlite_write_intent.get() is False
    assert client.post("/f/tyck-till", data={"text": SWEDISH}).status_code == 302
    assert sqlite_write_intent.get() is False


def test_a_switched_off_rate_limit_logs_no_errors(client, session, sv_form, caplog):
    assert client.post("/f/tyck-till", data={"text": SWEDISH}).status_code == 302
    errors = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert errors == []
