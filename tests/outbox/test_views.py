"""The staff outbox pages: list, detail, attachment download, "Send again", who may see them."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlmodel import select

from tests.factories import PASSWORD, make_customer, make_staff_user
from tests.reading import read
from workbench.auth.models import Role
from workbench.db import get_database, utcnow
from workbench.outbox.models import MessageStatus, OutboxAttachment, OutboxMessage
from workbench.outbox.services import Attachment, queue_message

ICS = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Användartest\r\nEND:VCALENDAR\r\n"
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def make_messages(app) -> dict[str, int]:
    """A pending invitation with a calendar file, a failed reminder and a sent thank-you."""
    now = utcnow()
    with get_database(app).session_scope() as session:
        customer = make_customer(session, name="Åsa Öberg", email="asa@example.se")
        pending = queue_message(
            session,
            kind="session_invitation",
            to_address="asa@example.se",
            to_name="Åsa Öberg",
            subject="Inbjudan till användartest",
            body_text="Hej Åsa!\n\nVälkommen på torsdag.",
            customer_id=customer.id,
            due_at=now + timedelta(hours=1),
            attachments=[Attachment("inbjudan.ics", "text/calendar; method=REQUEST", ICS)],
        )
        failed = queue_message(
            session,
            kind="session_reminder",
            to_address="bo@example.se",
            subject="Påminnelse om testet",
            body_text="Vi ses i morgon.",
        )
        failed.status, failed.attempts = MessageStatus.FAILED, 8
        failed.last_error = "SMTPDataError: 452 Mailbox full"
        sent = queue_message(
            session, kind="thanks", to_address="cy@example.se", subject="Tack", body_text="Tack!"
        )
        sent.status, sent.attempts, sent.sent_at = MessageStatus.SENT, 1, now
        session.flush()
        attachment = session.exec(select(OutboxAttachment)).one()
        return {
            "pending": pending.id,
            "failed": failed.id,
            "sent": sent.id,
            "attachment": attachment.id,
            "customer": customer.id,
        }


@pytest.fixture
def messages(app) -> dict[str, int]:
    return make_messages(app)


def csrf_token_of(response) -> str:
    match = CSRF_INPUT.search(response.get_data(as_text=True))
    assert match, "the page has no csrf_token input"
    return match.group(1)


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def message_status(app, message_id: int) -> OutboxMessage:
    with get_database(app).session_scope() as session:
        return read(session, select(OutboxMessage).where(OutboxMessage.id == message_id))[0]


def test_list_shows_messages_newest_first_with_counts(client, auth, messages):
    auth.login(Role.RESEARCHER)
    response = client.get("/outbox")
    assert response.status_code == 200
    html = text_of(response)
    subjects = ["Tack", "Påminnelse om testet", "Inbjudan till användartest"]
    positions = [html.index(f">{subject}</a>") for subject in subjects]
    assert positions == sorted(positions)
    assert re.search(r"All <span class=\"badge\">3</span>", html)
    for status in ("Pending", "Sent", "Failed"):
        assert re.search(rf"{status} <span class=\"badge[^\"]*\">1</span>", html), status
    assert "Cancelled" in html
    assert "Åsa Öberg" in html and "asa@example.se" in html
    assert "session_invitation" in html


def test_list_filters_by_status(client, auth, messages):
    auth.login(Role.ADMIN)
    html = text_of(client.get("/outbox?status=failed"))
    assert "Påminnelse om testet" in html
    assert "Inbjudan till användartest" not in html and ">Tack</a>" not in html
    assert 'href="/outbox?status=failed" aria-current="page"' in html
    empty = text_of(client.get("/outbox?status=cancelled"))
    assert "No messages with status cancelled." in empty
    bad = client.get("/outbox?status=lost")
    assert bad.status_code == 200
    assert "Not a valid choice" in text_of(bad) and "Påminnelse" not in text_of(bad)


def test_list_says_when_nothing_is_sent(make_app, auth):
    app = make_app(SMTP_URL="")
    client = app.test_client()
    type(auth)(app, client).login(Role.RESEARCHER)
    assert "No SMTP server is configured" in text_of(client.get("/outbox"))


def test_detail_shows_the_whole_message(client, auth, messages):
    auth.login(Role.RESEARCHER)
    html = text_of(client.get(f"/outbox/{messages['pending']}"))
    assert "Hej Åsa!\n\nVälkommen på torsdag." in html
    assert "<dt>To</dt><dd>Åsa Öberg <asa@example.se></dd>" in html
    assert re.search(r"<dt>Message-ID</dt><dd><outbox-\d+\.\d+@localhost></dd>", html)
    assert f"/customers/{messages['customer']}" in html
    link = f"/outbox/{messages['pending']}/attachments/{messages['attachment']}"
    assert f'href="{link}"' in html and "inbjudan.ics" in html
    assert "Send again" not in html  # only for failed messages


def test_detail_of_a_failed_message_shows_the_error_and_a_button(client, auth, messages):
    auth.login(Role.RESEARCHER)
    html = text_of(client.get(f"/outbox/{messages['failed']}"))
    assert "SMTPDataError: 452 Mailbox full" in html
    assert "8 of 8" in html
    assert f'action="/outbox/{messages["failed"]}/retry"' in html
    assert "Send again</button>" in html
    assert client.get("/outbox/999999").status_code == 404


def test_attachment_downloads_as_a_file(client, auth, messages):
    auth.login(Role.RESEARCHER)
    response = client.get(f"/outbox/{messages['pending']}/attachments/{messages['attachment']}")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == ICS
    assert response.mimetype == "text/calendar"
    assert response.mimetype_params["method"] == "REQUEST"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "inbjudan.ics" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    other = client.get(f"/outbox/{messages['failed']}/attachments/{messages['attachment']}")
    assert other.status_code == 404


def test_send_again_puts_a_failed_message_back_in_line(client, auth, messages, app):
    auth.login(Role.RESEARCHER)
    response = client.post(f"/outbox/{messages['failed']}/retry", follow_redirects=True)
    assert response.status_code == 200
    assert f"Message #{messages['failed']}" in text_of(response)
    message = message_status(app, messages["failed"])
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
    assert message.due_at <= utcnow()
    refused = client.post(f"/outbox/{messages['sent']}/retry")
    assert refused.status_code == 409
    assert message_status(app, messages["sent"]).status == MessageStatus.SENT


def test_send_again_needs_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    ids = make_messages(app)
    with get_database(app).session_scope() as session:
        email = make_staff_user(session, role=Role.RESEARCHER).email
    login_token = csrf_token_of(client.get("/login"))
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": login_token})
    form_token = csrf_token_of(client.get(f"/outbox/{ids['failed']}"))
    assert client.post(f"/outbox/{ids['failed']}/retry").status_code == 400
    assert message_status(app, ids["failed"]).status == MessageStatus.FAILED
    done = client.post(f"/outbox/{ids['failed']}/retry", data={"csrf_token": form_token})
    assert done.status_code == 302
    assert message_status(app, ids["failed"]).status == MessageStatus.PENDING


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PRODUCT_OWNER])
def test_other_roles_are_refused(client, auth, messages, app, role):
    auth.login(role)
    failed, pending, attachment = messages["failed"], messages["pending"], messages["attachment"]
    for url in ("/outbox", f"/outbox/{failed}", f"/outbox/{pending}/attachments/{attachment}"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/outbox/{failed}/retry").status_code == 403
    assert message_status(app, failed).status == MessageStatus.FAILED


def test_anonymous_visitors_are_sent_to_login(client, messages):
    for url in ("/outbox", f"/outbox/{messages['failed']}"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
