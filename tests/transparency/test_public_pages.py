"""The public pages and feed: publication rules, caching, languages; the staff publication page."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from sqlmodel import select

from tests.factories import make_customer, make_feedback, make_issue
from tests.transparency.conftest import link, publish
from workbench.auth.models import Role
from workbench.db import utcnow
from workbench.issues.models import IssueStatus, PublicQuote
from workbench.privacy.services import erase_customer
from workbench.transparency import publication
from workbench.transparency.projections import publication_changed

ATOM = "{http://www.w3.org/2005/Atom}"


def public_bodies(client, issue_ids=()) -> dict[str, str]:
    urls = ["/transparency?lang=sv", "/transparency?lang=en", "/transparency/feed.atom"]
    urls += [f"/transparency/issues/{i}?lang={lang}" for i in issue_ids for lang in ("sv", "en")]
    bodies = {}
    for url in urls:
        response = client.get(url)
        bodies[url] = response.get_data(as_text=True) if response.status_code == 200 else ""
    return bodies


@pytest.fixture
def published(session):
    """A published issue with one approved quote, committed for the client to see."""
    issue = publish(session, make_issue(session), title="Sena leveranser", answer="Ny transportör.")
    item = make_feedback(session, consent_publish=True, text="Paketet kom aldrig fram.")
    link(session, issue, item)
    quote = publication.add_quote(session, issue, item.id, actor_id=None, now=utcnow())
    publication.approve_quote(session, issue, quote.id, actor_id=None, now=utcnow())
    session.commit()
    return issue


def test_a_published_issue_shows_everywhere(client, published):
    for url, body in public_bodies(client, [published.id]).items():
        assert "Sena leveranser" in body and "Ny transportör." in body, url
    page = client.get(f"/transparency/issues/{published.id}?lang=sv").get_data(as_text=True)
    assert "Paketet kom aldrig fram." in page


def test_unpublished_unapproved_unconsented_and_erased_content_is_never_public(
    client, session, published
):
    hidden = make_issue(session, public_title="Hemligt ärende", public_answer="Hemligt svar")
    waiting = make_feedback(session, consent_publish=True, text="Ej godkänt citat.")
    unconsented = make_feedback(session, consent_publish=False, text="Utan samtycke.")
    customer = make_customer(session)
    erased = make_feedback(
        session, customer_id=customer.id, consent_publish=True, text="Snart raderad."
    )
    link(session, published, waiting, unconsented, erased)
    publication.add_quote(session, published, waiting.id, actor_id=None, now=utcnow())
    session.add(
        PublicQuote(
            issue_id=published.id,
            feedback_id=unconsented.id,
            text="Utan samtycke.",
            approved_at=utcnow(),
        )
    )
    quote = publication.add_quote(session, published, erased.id, actor_id=None, now=utcnow())
    publication.approve_quote(session, published, quote.id, actor_id=None, now=utcnow())
    session.commit()
    assert "Snart raderad." in client.get(f"/transparency/issues/{published.id}").text
    erase_customer(session, customer.id, erased_by_id=None)  # deletes the quote too
    session.commit()
    publication_changed()  # erasure does not bump the version: as if the page TTL ran out
    assert client.get(f"/transparency/issues/{hidden.id}").status_code == 404
    for url, body in public_bodies(client, [published.id, hidden.id]).items():
        for secret in ("Hemligt", "Ej godkänt citat.", "Utan samtycke.", "Snart raderad."):
            assert secret not in body, (url, secret)


def test_unpublishing_takes_the_issue_off_at_once(client, session, published):
    assert client.get(f"/transparency/issues/{published.id}").status_code == 200
    publish(session, published, title="Sena leveranser", answer="Ny transportör.", published=False)
    session.commit()
    assert client.get(f"/transparency/issues/{published.id}").status_code == 404
    assert "Sena leveranser" not in client.get("/transparency").text


def test_responses_are_cacheable_and_answer_304(client, published):
    for url in ("/transparency", f"/transparency/issues/{published.id}", "/transparency/feed.atom"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "public, max-age=60"
        assert "Set-Cookie" not in response.headers
        etag = response.headers["ETag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_etag_changes_with_the_content(client, session, published):
    before = client.get("/transparency?lang=en").headers["ETag"]
    publish(session, published, title="Sena leveranser", answer="Nu på en dag.")
    session.commit()
    response = client.get("/transparency?lang=en", headers={"If-None-Match": before})
    assert response.status_code == 200 and "Nu på en dag." in response.text


def test_swedish_and_english(client, session):
    publish(session, make_issue(session, status=IssueStatus.DONE))
    session.commit()
    swedish = client.get("/transparency?lang=sv")
    assert swedish.status_code == 200
    assert '<html lang="sv">' in swedish.text and "Du sa, vi gjorde" in swedish.text
    assert "klar" in swedish.text and "Mottagna synpunkter per månad" in swedish.text
    english = client.get("/transparency?lang=en")
    assert '<html lang="en">' in english.text and "You said, we did" in english.text
    assert "done" in english.text and "Feedback received per month" in english.text
    by_header = client.get("/transparency", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in by_header.text
    assert "Accept-Language" in by_header.headers["Vary"]
    assert '<html lang="sv">' in client.get("/transparency").text  # Swedish by default


def test_the_feed_is_valid_atom(client, published):
    response = client.get("/transparency/feed.atom?lang=en")
    assert response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Sena leveranser"
    assert entry.findtext(f"{ATOM}content") == "Ny transportör."
    assert entry.findtext(f"{ATOM}updated") == published.public_updated_at.isoformat(
        timespec="seconds"
    )
    assert feed.findtext(f"{ATOM}id") and feed.find(f"{ATOM}author") is not None


def test_markup_in_public_text_is_escaped(client, session):
    publish(session, make_issue(session), title="<script>x</script> & co", answer="a < b")
    session.commit()
    assert "<script>x" not in client.get("/transparency").text
    ElementTree.fromstring(client.get("/transparency/feed.atom").data)


def test_an_unknown_issue_is_404(client):
    assert client.get("/transparency/issues/424242").status_code == 404


def test_a_product_owner_publishes_and_manages_quotes(app, client, session, auth):
    issue = make_issue(session)
    item = make_feedback(session, consent_publish=True, text="Svårt att hitta kassan.")
    link(session, issue, item)
    session.commit()
    auth.login(Role.PRODUCT_OWNER)
    page = client.get(f"/issues/{issue.id}/publication")
    assert page.status_code == 200 and "Svårt att hitta kassan." in page.text
    refused = client.post(f"/issues/{issue.id}/publication", data={"published": "y"})
    assert refused.status_code == 422 and "needs a public title" in refused.text
    saved = client.post(
        f"/issues/{issue.id}/publication",
        data={"public_title": "Kassan", "public_answer": "Tydligare knapp.", "published": "y"},
    )
    assert saved.status_code == 302
    base = f"/issues/{issue.id}/publication/quotes"
    assert client.post(base, data={"item_id": item.id}).status_code == 302
    quote_id = session.exec(select(PublicQuote.id)).one()
    assert "Svårt att hitta kassan." not in client.get("/transparency").text
    client.post(f"{base}/approve", data={"item_id": quote_id})
    assert "Svårt att hitta kassan." in client.get("/transparency").text
    client.post(f"{base}/remove", data={"item_id": quote_id})
    assert "Svårt att hitta kassan." not in client.get("/transparency").text
    empty = client.post(f"{base}/approve", follow_redirects=True)
    assert "Choose an item first." in empty.text


def test_the_publication_page_is_for_product_owners_and_admins(client, session, auth):
    issue = make_issue(session)
    session.commit()
    auth.login(Role.VIEWER)
    assert client.get(f"/issues/{issue.id}/publication").status_code == 403
    auth.logout()
    auth.login(Role.RESEARCHER)
    assert client.post(f"/issues/{issue.id}/publication/quotes/remove").status_code == 403
    auth.logout()
    auth.login(Role.ADMIN)
    assert client.get(f"/issues/{issue.id}/publication").status_code == 200
