"""Customer register pages over real HTTP: list and filters, profile, consents, GDPR, import."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlmodel import select

from tests.factories import make_consent, make_customer, make_feedback, make_tiered_customers
from workbench.customers.models import (
    ConsentKind,
    ConsentRecord,
    ConsentSource,
    Customer,
    ErasureLog,
)
from workbench.db import utcnow
from workbench.feedback.models import Feedback
from workbench.feedback.privacy import ERASED_TEXT

NAMES = ("Nora Ny", "Rolf Regular", "Lisa Lojal", "Carl Champion")


@pytest.fixture
def register(session):
    customers = {customer.name: customer for customer in make_tiered_customers(session).values()}
    session.commit()
    return customers


def listed(html: str) -> set[str]:
    return {name for name in NAMES if name in html}


def table_row(html: str, name: str) -> list[str]:
    """The cells of the list's table row for the customer called ``name``."""
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", html, re.S) if name in row]
    assert len(rows) == 1, rows
    return re.findall(r"<td[^>]*>(.*?)</td>", rows[0], re.S)


# --- list -----------------------------------------------------------------------------------


EMPTY_FILTERS = {"search": "", "segment": "", "language": "", "tier": "", "consent": ""}


FILTER_CASES = [
    ({}, set(NAMES)),
    ({"search": "lojal"}, {"Lisa Lojal"}),
    ({"search": "ROLF@EXAMPLE"}, {"Rolf Regular"}),
    ({"search": "new-001"}, {"Nora Ny"}),
    ({"segment": "business"}, {"Lisa Lojal", "Rolf Regular"}),
    ({"language": "en"}, {"Carl Champion", "Rolf Regular"}),
    ({"tier": "new"}, {"Nora Ny"}),
    ({"tier": "regular"}, {"Rolf Regular"}),
    ({"tier": "loyal"}, {"Lisa Lojal"}),
    ({"tier": "champion"}, {"Carl Champion"}),
    ({"consent": "research"}, {"Rolf Regular"}),  # Carl said no
    ({"consent": "contact"}, {"Lisa Lojal"}),
    ({"consent": "publish_quote"}, set()),
    ({"segment": "private", "language": "en"}, {"Carl Champion"}),
]


def test_list_filters(client, auth, register):
    """The filter form as a browser submits it: every field present, unused ones empty."""
    auth.login("researcher")  # once: logging in is slow on purpose (argon2)
    for filters, expected in FILTER_CASES:
        response = client.get("/customers", query_string={**EMPTY_FILTERS, **filters})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert listed(html) == expected, filters
        assert ("No customers match these filters." in html) == (not expected), filters


def test_list_filter_link_with_one_parameter(client, auth, register):
    """A shared or bookmarked link naming only the filter it uses still filters."""
    auth.login("researcher")
    for query, expected in (
        ("search=lojal", {"Lisa Lojal"}),
        ("tier=champion", {"Carl Champion"}),
        ("segment=business", {"Lisa Lojal", "Rolf Regular"}),
        ("consent=contact", {"Lisa Lojal"}),
    ):
        html = client.get(f"/customers?{query}").get_data(as_text=True)
        assert listed(html) == expected, query


def test_list_shows_tier_and_satisfaction_apart(client, auth, session, register):
    carl = register["Carl Champion"]
    make_feedback(session, customer_id=carl.id, rating=1)
    make_feedback(session, customer_id=carl.id, rating=2)
    session.commit()
    auth.login("researcher")

    html = client.get("/customers").get_data(as_text=True)

    cells = table_row(html, "Carl Champion")
    loyalty, satisfaction = cells[2], cells[3]
    assert "champion" in loyalty
    assert "1.5" not in loyalty
    assert "1.5 / 5" in satisfaction
    assert "(2)" in satisfaction
    assert "champion" not in satisfaction
    # Without ratings the satisfaction cell says so instead of showing a number.
    nora = table_row(html, "Nora Ny")
    assert "new" in nora[2]
    assert "/ 5" not in nora[3]


def test_list_pages_and_the_pager_keeps_the_filters(app, client, auth, session):
    app.config["PER_PAGE"] = 2
    for number in range(3):
        make_customer(session, name=f"Sida {number}", segment="sidor")
    make_customer(session, name="Annan Kund", segment="andra")
    session.commit()
    auth.login("researcher")

    first = client.get("/customers", query_string={**EMPTY_FILTERS, "segment": "sidor"})
    html = first.get_data(as_text=True)
    assert "Sida 0" in html and "Sida 1" in html and "Sida 2" not in html
    assert "Page 1 of 2 · 3 in all" in html
    next_link = re.search(r'<a href="([^"]+)" rel="next">', html)
    assert next_link is not None

    second = client.get(unescape(next_link.group(1))).get_data(as_text=True)
    assert "Sida 2" in second
    assert "Sida 0" not in second and "Annan Kund" not in second
    assert "Page 2 of 2 · 3 in all" in second


# --- profile --------------------------------------------------------------------------------


def test_profile_shows_consents_and_feedback(client, auth, session):
    customer = make_customer(session, name="Petra Profil", consents={"contact": True})
    make_consent(session, customer, ConsentKind.RESEARCH, wording_version="research-v4")
    make_consent(
        session,
        customer,
        ConsentKind.RESEARCH,
        given=False,
        wording_version="research-v5",
        recorded_at=utcnow() + timedelta(seconds=1),
    )
    make_feedback(session, customer_id=customer.id, text="Kassan var trög i appen", rating=3)
    make_feedback(session, text="Någon annans åsikt", rating=5)
    session.commit()
    auth.login("researcher")

    response = client.get(f"/customers/{customer.id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Petra Profil" in html
    assert re.search(r"contact: <span class=\"badge yes\">given</span>", html)
    assert re.search(r"research: <span class=\"badge no\">withdrawn</span>", html)
    assert re.search(r"publish quote: <span class=\"badge no\">not asked</span>", html)
    assert "research-v4" in html and "research-v5" in html
    assert "Kassan var trög i appen" in html
    assert "Någon annans åsikt" not in html
    assert "Feedback (1)" in html
    assert "3.0 / 5 over 1 ratings" in html


def test_unknown_customer_is_404(client, auth, session):
    auth.login("researcher")
    assert client.get("/customers/987654").status_code == 404
    assert client.get("/customers/987654/export.json").status_code == 404
    assert client.post("/customers/987654/erase", data={"confirm": "ERASE"}).status_code == 404
    consent = {"kind": "contact", "action": "given", "wording_version": "v1"}
    assert client.post("/customers/987654/consents", data=consent).status_code == 404
    assert session.exec(select(ErasureLog)).all() == []
    assert session.exec(select(ConsentRecord)).all() == []


# --- consents -------------------------------------------------------------------------------


def test_post_consent_records_it(client, auth, session):
    customer = make_customer(session)
    session.commit()
    auth.login("researcher")

    response = client.post(
        f"/customers/{customer.id}/consents",
        data={"kind": "research", "action": "given", "wording_version": "web-v9"},
    )
    assert response.status_code == 302
    client.post(
        f"/customers/{customer.id}/consents",
        data={"kind": "research", "action": "withdrawn", "wording_version": "web-v10"},
    )

    session.expire_all()
    records = session.exec(
        select(ConsentRecord)
        .where(ConsentRecord.customer_id == customer.id)
        .order_by(ConsentRecord.id)
    ).all()
    assert [(r.kind, r.given, r.wording_version, r.source) for r in records] == [
        (ConsentKind.RESEARCH, True, "web-v9", ConsentSource.STAFF),
        (ConsentKind.RESEARCH, False, "web-v10", ConsentSource.STAFF),
    ]
    html = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert re.search(r"research: <span class=\"badge no\">withdrawn</span>", html)


def test_post_consent_without_wording_records_nothing(client, auth, session):
    customer = make_customer(session)
    session.commit()
    auth.login("researcher")

    response = client.post(
        f"/customers/{customer.id}/consents",
        data={"kind": "contact", "action": "given", "wording_version": ""},
        follow_redirects=True,
    )

    assert "was not recorded" in response.get_data(as_text=True)
    assert (
        session.exec(select(ConsentRecord).where(ConsentRecord.customer_id == customer.id)).all()
        == []
    )


# --- GDPR export and erasure -----------------------------------------------------------------


def test_export_json_download(client, auth, session):
    customer = make_customer(session, email="export@example.se", consents={"contact": True})
    make_feedback(session, customer_id=customer.id, text="Exportera mig")
    session.commit()
    auth.login("researcher")

    response = client.get(f"/customers/{customer.id}/export.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"customer-{customer.id}.json" in disposition
    data = response.get_json()
    assert data["customer"]["email"] == "export@example.se"
    assert [c["kind"] for c in data["consents"]] == ["contact"]
    assert [f["text"] for f in data["feedback"]] == ["Exportera mig"]


def test_erase_with_confirmation(client, auth, session):
    customer = make_customer(session, name="Radera Mig", consents={"research": True})
    feedback = make_feedback(session, customer_id=customer.id, rating=4)
    session.commit()
    customer_id = customer.id
    user = auth.login("researcher")

    response = client.post(f"/customers/{customer_id}/erase", data={"confirm": "ERASE"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/customers")
    session.expire_all()
    assert session.exec(select(Customer).where(Customer.id == customer_id)).first() is None
    stored = session.get(Feedback, feedback.id)
    assert (stored.text, stored.customer_id, stored.rating) == (ERASED_TEXT, None, 4)
    log = session.exec(select(ErasureLog).where(ErasureLog.customer_id == customer_id)).one()
    assert log.erased_by_id == user.id
    assert (log.feedback_anonymised, log.consents_deleted) == (1, 1)
    assert "Radera Mig" not in client.get("/customers").get_data(as_text=True)


def test_erase_with_wrong_confirmation_erases_nothing(client, auth, session):
    customer = make_customer(session, consents={"research": True})
    feedback = make_feedback(session, customer_id=customer.id)
    session.commit()
    auth.login("researcher")

    for confirm in ("", "erase", "yes", "ERASE NOW"):
        response = client.post(
            f"/customers/{customer.id}/erase", data={"confirm": confirm}, follow_redirects=True
        )
        assert response.status_code == 200
        assert "Nothing was erased" in response.get_data(as_text=True), confirm

    session.expire_all()
    assert session.get(Customer, customer.id) is not None
    assert session.get(Feedback, feedback.id).text == feedback.text
    assert len(session.exec(select(ConsentRecord)).all()) == 1
    assert session.exec(select(ErasureLog)).all() == []


# --- import ---------------------------------------------------------------------------------


def upload(client, content: bytes, filename: str = "c.csv", **kwargs):
    return client.post(
        "/customers/import",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        **kwargs,
    )


def test_import_upload_shows_summary_with_rejected_lines(app, client, auth, session):
    existing = make_customer(session, external_ref="U0", email="u0@example.se", segment="old")
    session.commit()
    auth.login("researcher")
    content = (
        "external_ref,name,email,segment,orders_count,consent_research\n"
        "U1,Ulla Upp,u1@example.se,private,2,yes\n"
        "U2,Negativ,u2@example.se,private,-1,\n"
        "U0,Uno,u0@example.se,new,1,\n"
        ",,,,,\n"
        "U3,Dålig,not-an-email,private,1,\n"
    ).encode()

    response = upload(client, content)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Imported: <strong>1</strong>" in html
    assert "Updated: <strong>1</strong>" in html
    assert "Rejected: <strong>2</strong>" in html
    assert re.search(r"<td>3</td><td>[^<]*negative", html)
    assert re.search(r"<td>6</td><td>[^<]*e-mail", html, re.I)
    assert "Imported 1, updated 1, unchanged 0, rejected 2." in html

    session.expire_all()
    ulla = session.exec(select(Customer).where(Customer.external_ref == "U1")).one()
    assert ulla.name == "Ulla Upp"
    [record] = session.exec(select(ConsentRecord).where(ConsentRecord.customer_id == ulla.id))
    assert (record.kind, record.given, record.source) == (
        ConsentKind.RESEARCH,
        True,
        ConsentSource.IMPORT,
    )
    assert record.wording_version == app.config["CONSENT_WORDING_VERSION"]
    assert session.get(Customer, existing.id).segment == "new"
    assert session.exec(select(Customer).where(Customer.external_ref == "U2")).first() is None


def test_import_upload_twice_reports_unchanged(client, auth, session):
    auth.login("researcher")
    content = b"external_ref;email;consent_contact\nV1;v1@example.se;ja\nV2;v2@example.se;nej\n"

    upload(client, content)
    html = upload(client, content).get_data(as_text=True)

    assert "Imported 0, updated 0, unchanged 2, rejected 0." in html
    assert len(session.exec(select(Customer)).all()) == 2
    assert len(session.exec(select(ConsentRecord)).all()) == 2


def test_import_upload_of_an_empty_file(client, auth, session):
    auth.login("researcher")

    response = upload(client, b"")

    assert response.status_code == 200
    assert "The file is empty." in response.get_data(as_text=True)
    assert session.exec(select(Customer)).all() == []


def test_import_upload_with_wrong_extension_imports_nothing(client, auth, session):
    auth.login("researcher")

    response = upload(client, b"external_ref,email\nZ1,z1@example.se\n", filename="c.exe")

    assert response.status_code == 200
    assert "Imported:" not in response.get_data(as_text=True)
    assert session.exec(select(Customer)).all() == []


# --- access ---------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, register):
    response = client.get("/customers")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_product_owner_reads_but_cannot_change(client, auth, session, register):
    customer = register["Lisa Lojal"]
    auth.login("product_owner")

    assert client.get("/customers").status_code == 200
    profile = client.get(f"/customers/{customer.id}")
    assert profile.status_code == 200
    assert "Erase customer" not in profile.get_data(as_text=True)

    assert (
        client.post(f"/customers/{customer.id}/erase", data={"confirm": "ERASE"}).status_code == 403
    )
    assert client.get(f"/customers/{customer.id}/export.json").status_code == 403
    assert client.get("/customers/import").status_code == 403
    assert upload(client, b"external_ref,email\nP1,p1@example.se\n").status_code == 403
    assert (
        client.post(
            f"/customers/{customer.id}/consents",
            data={"kind": "research", "action": "given", "wording_version": "x"},
        ).status_code
        == 403
    )

    session.expire_all()
    assert session.get(Customer, customer.id) is not None
    assert session.exec(select(Customer).where(Customer.external_ref == "P1")).first() is None
    assert session.exec(select(ErasureLog)).all() == []
    assert [
        r.kind
        for r in session.exec(select(ConsentRecord).where(ConsentRecord.customer_id == customer.id))
    ] == [ConsentKind.CONTACT]


def test_viewer_cannot_see_the_register(client, auth, register):
    auth.login("viewer")
    customer = register["Nora Ny"]
    assert client.get("/customers").status_code == 403
    assert client.get(f"/customers/{customer.id}").status_code == 403
    assert client.get(f"/customers/{customer.id}/export.json").status_code == 403
