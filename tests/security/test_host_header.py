"""Links in letters, calendar files and feeds come from WORKBENCH_BASE_URL, never the request."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from tests.factories import make_customer, make_participant, make_study
from workbench.config import InsecureConfigError, load_config
from workbench.db import get_database, utcnow
from workbench.outbox.models import OutboxAttachment, OutboxMessage
from workbench.public_links import BaseUrlInvalid, parse_base_url
from workbench.studies.invitations import invite_participant
from workbench.studies.models import ParticipantStatus
from workbench.studies.public_views import current_mailing

BASE = "https://feedback.example.com"


@pytest.fixture
def app(make_app):
    return make_app(BASE_URL=BASE)


def test_a_host_other_than_the_base_urls_is_refused(app):
    client = app.test_client()
    assert client.get("/transparency", base_url="http://evil.example").status_code == 400
    assert client.get("/transparency", base_url=BASE).status_code == 200
    forwarded = client.get(
        "/transparency", base_url=BASE, headers={"X-Forwarded-Host": "evil.example"}
    )
    assert forwarded.status_code == 200  # the header is not trusted without a proxy
    assert "evil.example" not in forwarded.get_data(as_text=True)


def test_a_proxys_forwarded_host_is_checked_too(make_app):
    app = make_app(BASE_URL=BASE, TRUSTED_PROXIES=1)
    client = app.test_client()
    evil = client.get("/transparency", base_url=BASE, headers={"X-Forwarded-Host": "evil.example"})
    assert evil.status_code == 400


def test_extra_trusted_hosts_are_accepted(make_app):
    app = make_app(BASE_URL=BASE, TRUSTED_HOSTS="internal.lan, 10.0.0.5")
    client = app.test_client()
    assert client.get("/healthz", base_url="http://internal.lan").status_code == 200
    assert client.get("/healthz", base_url="http://10.0.0.5").status_code == 200
    assert client.get("/healthz", base_url="http://other.lan").status_code == 400


def test_a_waitlisted_customers_link_ignores_a_forged_host(make_app):
    """The attack: a participant declines through a forged Host, promoting the next in line.
    Even where no host check runs (a development server), the link comes from the base URL."""
    app = make_app()
    with get_database(app).session_scope() as session:
        study = make_study(session)
        customer = make_customer(session, consents={"research": True}, name="Ann Berg")
        first = make_participant(session, study, customer)
        make_participant(
            session,
            study,
            make_customer(session, consents={"research": True}, name="Bo Ek"),
            status=ParticipantStatus.WAITLISTED,
            rank=10,
        )
        with app.test_request_context("/"):
            invite_participant(session, first, current_mailing(), now=utcnow())
        letter = session.exec(select(OutboxMessage)).one()
        token = re.search(r"/p/([A-Za-z0-9_-]+)", letter.body_text)[1]

    client = app.test_client()
    response = client.post(f"/p/{token}/decline", base_url="http://evil.example")
    assert response.status_code == 302
    with get_database(app).session_scope() as session:
        promoted = session.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        assert promoted.id != letter.id
        assert "evil.example" not in promoted.body_text
        assert f"{app.config['BASE_URL']}/p/" in promoted.body_text
        for attachment in session.exec(select(OutboxAttachment)):
            assert "evil.example" not in attachment.content.decode("utf-8", "replace")


def test_calendar_uids_and_feed_links_use_the_base_url(app, session):
    with app.test_request_context("/", base_url="http://other.example"):
        mailing = current_mailing()
        assert mailing.calendar_domain == "feedback.example.com"
        assert mailing.link_for("abc") == f"{BASE}/p/abc"
    feed = app.test_client().get("/transparency/feed.atom", base_url=BASE)
    hrefs = re.findall(r'href="([^"]+)"', feed.get_data(as_text=True))
    assert hrefs and all(href.startswith(f"{BASE}/transparency") for href in hrefs)


def test_a_base_url_with_a_path_prefixes_every_link(make_app):
    app = make_app(BASE_URL="https://example.org/research/")
    with app.app_context():
        from workbench.public_links import public_url

        assert public_url("participation.page", token="t") == "https://example.org/research/p/t"


@pytest.mark.parametrize(
    "value", ["feedback.example.com", "ftp://x.example", "https://x.example/?a=1"]
)
def test_an_unusable_base_url_is_refused_with_a_clear_message(value):
    with pytest.raises(BaseUrlInvalid, match="WORKBENCH_BASE_URL"):
        parse_base_url(value)


def test_production_refuses_to_start_without_a_base_url(monkeypatch, tmp_path):
    from workbench import create_app

    for name in ("WORKBENCH_BASE_URL", "WORKBENCH_TESTING", "WORKBENCH_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "s" * 40}
    with pytest.raises(InsecureConfigError, match="WORKBENCH_BASE_URL"):
        create_app(settings)
    app = create_app({**settings, "BASE_URL": BASE})
    assert app.config["TRUSTED_HOSTS"] == ["feedback.example.com"]
    assert load_config({"BASE_URL": BASE})["BASE_URL"] == BASE


def test_commands_without_a_base_url_fail_clearly_when_they_build_a_link(monkeypatch):
    from workbench.cli import create_cli_app
    from workbench.public_links import public_url

    for name in ("WORKBENCH_BASE_URL", "WORKBENCH_TESTING", "WORKBENCH_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    app = create_cli_app()
    get_database(app).engine.dispose()
    with app.app_context(), pytest.raises(BaseUrlInvalid, match="not set"):
        public_url("transparency.index")
