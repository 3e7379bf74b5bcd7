"""The inputs that gave 500s give a clear 4xx: huge ids, NUL bytes, a slot in the year 9999,
a form-editor POST missing a field."""

from __future__ import annotations

import pytest

from tests.factories import make_form, make_study


@pytest.mark.parametrize(
    "path",
    [
        "/transparency/issues/2147483648",
        "/transparency/issues/99999999999999999999",
        "/issues/2147483648",
        "/feedback/9223372036854775808",
        "/customers/2147483648",
    ],
)
def test_an_id_past_the_databases_integer_is_a_404(client, auth, path):
    auth.login("admin")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/feedback?q=a%00b", "/customers?q=%00", "/transparency?lang=%00", "/f/%00", "/f/a%00/thanks"],
)
def test_a_nul_byte_in_a_query_is_a_400(client, auth, path):
    auth.login("admin")
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_a_nul_byte_in_a_form_post_is_dropped_and_the_text_kept(client, session, auth):
    make_form(session, slug="tyck-till")
    session.commit()
    assert client.post("/f/tyck-till", data={"text": "Hej\x00då"}).status_code == 302
    auth.login("admin")
    inbox = client.get("/feedback").get_data(as_text=True)
    assert "Hejdå" in inbox


def test_a_slot_in_the_year_9999_is_refused_with_a_reason(client, session, auth):
    study = make_study(session)
    session.commit()
    auth.login("researcher")
    response = client.post(
        f"/studies/{study.id}/slots",
        data={"starts_local": "9999-12-31T23:30", "timezone": "Pacific/Kiritimati",
              "duration_minutes": "60"},
        follow_redirects=True,
    )  # fmt: skip
    assert response.status_code < 500
    assert "The slot was not added: Pick a date from 1900-01-01 to 2200-12-31" in (
        response.get_data(as_text=True)
    )


@pytest.mark.parametrize(
    "data",
    [{}, {"title": "Ny titel"}, {"title": "T", "slug": "t", "language": "sv"}],
    ids=["nothing", "title only", "no stage or questions"],
)
def test_a_form_editor_post_missing_fields_is_a_422(client, session, auth, data):
    form = make_form(session)
    session.commit()
    auth.login("admin")
    assert client.post(f"/forms/{form.id}", data=data).status_code == 422
    assert client.post("/forms/new", data=data).status_code == 422


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,x", "https:nohost"])
def test_a_meeting_link_that_is_no_web_link_is_refused_by_the_services(session, link):
    from workbench.db import utcnow
    from workbench.errors import ValidationFailed
    from workbench.studies import scheduling

    study = make_study(session)
    with pytest.raises(ValidationFailed, match="https://"):
        scheduling.create_slot(
            session,
            study,
            starts_local=utcnow().replace(tzinfo=None, year=2100),
            timezone="Europe/Stockholm",
            duration_minutes=60,
            meeting_link=link,
            now=utcnow(),
        )
