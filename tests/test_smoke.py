"""The app starts, answers /healthz, and every staff page renders for an admin."""

from tests.factories import make_customer, make_feedback, make_form


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_admin_sees_every_staff_page(app, client, auth, session):
    customer = make_customer(session)
    form = make_form(session)
    feedback = make_feedback(session, customer_id=customer.id)
    session.commit()
    auth.login("admin")
    for url in (
        "/feedback",
        f"/feedback/{feedback.id}",
        "/feedback/export.csv",
        "/feedback/import",
        "/forms",
        "/forms/new",
        f"/forms/{form.id}",
        "/customers",
        f"/customers/{customer.id}",
        f"/customers/{customer.id}/export.json",
        "/customers/import",
        "/admin/users",
        "/admin/tokens",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:2000])
