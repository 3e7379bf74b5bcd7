"""The staff form editor at /forms: create, edit, validation, and what it does to /f/<slug>."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select

from tests.factories import make_form
from tests.reading import read
from workbench.feedback.models import FeedbackForm, JourneyStage


def form_data(**overrides) -> dict[str, str]:
    data = {
        "title": "Efter leveransen",
        "slug": "efter-leverans",
        "intro": "Hur gick leveransen?",
        "language": "sv",
        "journey_stage": "after_purchase",
        "ask_rating": "y",
        "attribute_questions": "Leverans\nPris\n\nKundservice\n",
        "is_active": "y",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def count_forms(session) -> int:
    return read(session, select(sa.func.count()).select_from(FeedbackForm))[0]


def form_by_slug(session, slug: str) -> FeedbackForm | None:
    found = read(session, select(FeedbackForm).where(FeedbackForm.slug == slug))
    return found[0] if found else None


def test_create_a_form_and_use_it(client, auth, session):
    auth.login("researcher")
    response = client.post("/forms/new", data=form_data())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/forms")
    form = form_by_slug(session, "efter-leverans")
    assert form is not None
    assert (form.title, form.intro, form.language) == (
        "Efter leveransen",
        "Hur gick leveransen?",
        "sv",
    )
    assert form.journey_stage is JourneyStage.AFTER_PURCHASE
    assert form.ask_rating and form.is_active
    assert form.attribute_questions == ["Leverans", "Pris", "Kundservice"]

    listing = client.get("/forms").get_data(as_text=True)
    assert "Saved. The form is at /f/efter-leverans." in listing
    assert 'href="/f/efter-leverans"' in listing and "open" in listing

    public = client.get("/f/efter-leverans")
    assert public.status_code == 200
    html = public.get_data(as_text=True)
    assert "Efter leveransen" in html and "<legend>Kundservice</legend>" in html


def test_an_english_form_without_rating(client, auth, session):
    auth.login("product_owner")
    data = form_data(
        slug="app-2", language="en", journey_stage="onboarding", attribute_questions=""
    )
    del data["ask_rating"]
    assert client.post("/forms/new", data=data).status_code == 302
    form = form_by_slug(session, "app-2")
    assert form.language == "en" and not form.ask_rating and form.attribute_questions == []
    assert 'name="rating"' not in client.get("/f/app-2").get_data(as_text=True)


def test_edit_a_form(client, auth, session):
    form = make_form(session, slug="gammal", title="Gammal titel", attribute_questions=["Pris"])
    session.commit()
    created_updated_at = form.updated_at
    auth.login("researcher")
    page = client.get(f"/forms/{form.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="gammal"' in html and "Gammal titel" in html
    assert '<option selected value="after_purchase">' in html

    response = client.post(
        f"/forms/{form.id}",
        data=form_data(
            slug="ny-adress",
            title="Ny titel",
            language="en",
            journey_stage="complaint",
            attribute_questions="Service\nSpeed",
        ),
    )
    assert response.status_code == 302
    assert form_by_slug(session, "gammal") is None
    edited = form_by_slug(session, "ny-adress")
    assert edited.id == form.id
    assert (edited.title, edited.language) == ("Ny titel", "en")
    assert edited.journey_stage is JourneyStage.COMPLAINT
    assert edited.attribute_questions == ["Service", "Speed"]
    assert edited.updated_at > created_updated_at
    assert client.get("/f/gammal").status_code == 404
    assert client.get("/f/ny-adress").status_code == 200


def test_saving_a_form_under_its_own_slug_is_fine(client, auth, session):
    form = make_form(session, slug="samma")
    session.commit()
    auth.login("researcher")
    response = client.post(f"/forms/{form.id}", data=form_data(slug="samma", title="Ändrad"))
    assert response.status_code == 302
    assert form_by_slug(session, "samma").title == "Ändrad"


def test_closing_a_form_takes_it_off_line(client, auth, session):
    form = make_form(session, slug="kampanj")
    session.commit()
    auth.login("researcher")
    data = form_data(slug="kampanj")
    del data["is_active"]
    assert client.post(f"/forms/{form.id}", data=data).status_code == 302
    assert form_by_slug(session, "kampanj").is_active is False
    assert client.get("/f/kampanj").status_code == 404
    assert "closed" in client.get("/forms").get_data(as_text=True)


def test_bad_slugs_are_refused(client, auth, session):
    auth.login("researcher")
    for slug in ("Stora Bokstäver", "with space", "trailing-", "-leading", "double--dash", "å"):
        response = client.post("/forms/new", data=form_data(slug=slug))
        assert response.status_code == 422, slug
        html = response.get_data(as_text=True)
        assert "Lower-case letters, digits and hyphens." in html, slug
    assert count_forms(session) == 0


def test_missing_title_and_slug_are_refused(client, auth, session):
    auth.login("researcher")
    response = client.post("/forms/new", data=form_data(title="", slug=""))
    assert response.status_code == 422
    assert response.get_data(as_text=True).count("This field is required.") == 2
    assert count_forms(session) == 0


def test_a_language_other_than_sv_or_en_is_refused(client, auth, session):
    auth.login("researcher")
    response = client.post("/forms/new", data=form_data(language="de"))
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert count_forms(session) == 0


def test_a_duplicate_slug_is_refused_on_create(client, auth, session):
    make_form(session, slug="upptagen", title="Den första")
    session.commit()
    auth.login("researcher")
    response = client.post("/forms/new", data=form_data(slug="upptagen", title="Den andra"))
    assert response.status_code == 200
    assert "Another form already uses the address /f/upptagen." in response.get_data(as_text=True)
    assert count_forms(session) == 1
    assert form_by_slug(session, "upptagen").title == "Den första"


def test_a_duplicate_slug_is_refused_on_edit(client, auth, session):
    make_form(session, slug="upptagen", title="Den första")
    other = make_form(session, slug="ledig", title="Den andra")
    session.commit()
    auth.login("researcher")
    response = client.post(f"/forms/{other.id}", data=form_data(slug="upptagen", title="Ny"))
    assert response.status_code == 200
    assert "Another form already uses the address /f/upptagen." in response.get_data(as_text=True)
    assert form_by_slug(session, "ledig").title == "Den andra"
    assert form_by_slug(session, "upptagen").title == "Den första"


def test_attribute_questions_must_differ_and_be_few(client, auth, session):
    auth.login("researcher")
    twice = client.post("/forms/new", data=form_data(attribute_questions="Pris\nPris"))
    assert "Attribute questions must differ from each other." in twice.get_data(as_text=True)
    many = "\n".join(f"Fråga {n}" for n in range(9))
    too_many = client.post("/forms/new", data=form_data(attribute_questions=many))
    assert "At most 8 attribute questions." in too_many.get_data(as_text=True)
    assert count_forms(session) == 0


def test_editing_a_missing_form_is_404(client, auth):
    auth.login("researcher")
    assert client.get("/forms/999999").status_code == 404


def test_viewers_may_not_edit_forms(client, auth, session):
    form = make_form(session, slug="orord")
    session.commit()
    auth.login("viewer")
    assert client.get("/forms").status_code == 403
    assert client.post("/forms/new", data=form_data()).status_code == 403
    assert client.post(f"/forms/{form.id}", data=form_data(slug="orord")).status_code == 403
    assert count_forms(session) == 1
    assert form_by_slug(session, "orord").title != "Efter leveransen"


def test_the_editor_needs_a_login(client):
    response = client.get("/forms/new")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
