"""Customer services: consents, listing with filters, profile, GDPR export and erasure."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.factories import (
    make_consent,
    make_customer,
    make_feedback,
    make_staff_user,
    make_tiered_customers,
)
from workbench.customers.models import (
    ConsentKind,
    ConsentRecord,
    ConsentSource,
    Customer,
    ErasureLog,
)
from workbench.customers.services import (
    CustomerFilters,
    current_consents,
    customer_profile,
    customers_with_consent,
    record_consent,
    search_customers,
)
from workbench.db import utcnow
from workbench.errors import NotFound
from workbench.feedback.engagement import customer_feedback
from workbench.feedback.models import Feedback
from workbench.feedback.privacy import ERASED_TEXT
from workbench.privacy.services import erase_customer, export_customer

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def names(page) -> list[str]:
    return [row.customer.name for row in page.items]


def consenting_ids(session, kind: ConsentKind) -> set[int]:
    return set(session.execute(customers_with_consent(kind)).scalars())


# --- consents -------------------------------------------------------------------------------


def test_record_consent_stores_time_wording_and_source(session):
    customer = make_customer(session)
    record_consent(
        session,
        customer,
        ConsentKind.RESEARCH,
        given=True,
        wording_version="research-v3",
        source=ConsentSource.STAFF,
        recorded_at=T0,
    )
    session.commit()
    session.expire_all()

    stored = session.exec(
        select(ConsentRecord).where(ConsentRecord.customer_id == customer.id)
    ).one()
    assert stored.kind is ConsentKind.RESEARCH
    assert stored.given is True
    assert stored.wording_version == "research-v3"
    assert stored.source is ConsentSource.STAFF
    assert stored.recorded_at == T0


def test_record_consent_defaults_to_now(session):
    customer = make_customer(session)
    before = utcnow()
    record = record_consent(
        session,
        customer,
        ConsentKind.CONTACT,
        given=True,
        wording_version="v1",
        source=ConsentSource.FORM,
    )
    assert before <= record.recorded_at <= utcnow()


def test_withdrawal_after_giving_is_in_force(session):
    customer = make_customer(session)
    for given, minutes in ((True, 0), (False, 5)):
        record_consent(
            session,
            customer,
            ConsentKind.RESEARCH,
            given=given,
            wording_version=f"v-{minutes}",
            source=ConsentSource.STAFF,
            recorded_at=T0 + timedelta(minutes=minutes),
        )
    session.commit()

    in_force = current_consents(session, [customer.id])[customer.id]
    assert set(in_force) == {ConsentKind.RESEARCH}
    assert in_force[ConsentKind.RESEARCH].given is False
    assert in_force[ConsentKind.RESEARCH].wording_version == "v-5"
    assert customer.id not in consenting_ids(session, ConsentKind.RESEARCH)


def test_newest_record_wins_even_when_inserted_first(session):
    customer = make_customer(session)
    # The withdrawal is newer but was stored before an older (back-dated) giving.
    make_consent(session, customer, ConsentKind.CONTACT, given=False, recorded_at=T0)
    make_consent(
        session, customer, ConsentKind.CONTACT, given=True, recorded_at=T0 - timedelta(days=1)
    )
    session.commit()

    assert current_consents(session, [customer.id])[customer.id][ConsentKind.CONTACT].given is False
    assert customer.id not in consenting_ids(session, ConsentKind.CONTACT)


def test_same_time_records_are_ordered_by_id(session):
    customer = make_customer(session)
    make_consent(session, customer, ConsentKind.PUBLISH_QUOTE, given=False, recorded_at=T0)
    make_consent(session, customer, ConsentKind.PUBLISH_QUOTE, given=True, recorded_at=T0)
    session.commit()

    assert current_consents(session, [customer.id])[customer.id][ConsentKind.PUBLISH_QUOTE].given
    assert customer.id in consenting_ids(session, ConsentKind.PUBLISH_QUOTE)


def test_current_consents_keeps_kinds_and_customers_apart(session):
    first = make_customer(session, consents={"contact": True, "research": False})
    second = make_customer(session)
    session.commit()

    result = current_consents(session, [first.id, second.id])
    assert {kind: record.given for kind, record in result[first.id].items()} == {
        ConsentKind.CONTACT: True,
        ConsentKind.RESEARCH: False,
    }
    assert result[second.id] == {}
    assert current_consents(session, []) == {}


def test_customers_with_consent_sql_agrees_with_current_consents(session):
    histories = [
        [(ConsentKind.RESEARCH, True, 0)],
        [(ConsentKind.RESEARCH, True, 0), (ConsentKind.RESEARCH, False, 10)],
        [(ConsentKind.RESEARCH, False, 0), (ConsentKind.RESEARCH, True, 10)],
        [(ConsentKind.RESEARCH, True, 10), (ConsentKind.RESEARCH, False, 0)],
        [(ConsentKind.CONTACT, True, 0), (ConsentKind.RESEARCH, False, 5)],
        [(ConsentKind.PUBLISH_QUOTE, True, 0), (ConsentKind.CONTACT, False, 0)],
        [],
    ]
    customers = []
    for history in histories:
        customer = make_customer(session)
        customers.append(customer)
        for kind, given, minutes in history:
            make_consent(
                session, customer, kind, given=given, recorded_at=T0 + timedelta(minutes=minutes)
            )
    session.commit()

    ids = [customer.id for customer in customers]
    in_force = current_consents(session, ids)
    for kind in ConsentKind:
        expected = {cid for cid in ids if kind in in_force[cid] and in_force[cid][kind].given}
        assert consenting_ids(session, kind) & set(ids) == expected, kind
    assert consenting_ids(session, ConsentKind.RESEARCH) & set(ids) == {ids[0], ids[2], ids[3]}


# --- listing and filters ----------------------------------------------------------------------


@pytest.fixture
def register(session):
    customers = make_tiered_customers(session)
    session.commit()
    return customers


def search(session, **filters):
    return search_customers(session, CustomerFilters(**filters), now=utcnow())


def test_no_filters_lists_everyone_sorted_by_name(session, register):
    page = search(session)
    assert names(page) == ["Carl Champion", "Lisa Lojal", "Nora Ny", "Rolf Regular"]
    assert page.total == 4
    tiers = {row.customer.name: row.loyalty.tier.value for row in page.items}
    assert tiers == {
        "Nora Ny": "new",
        "Rolf Regular": "regular",
        "Lisa Lojal": "loyal",
        "Carl Champion": "champion",
    }


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("lisa", ["Lisa Lojal"]),
        ("LOJAL", ["Lisa Lojal"]),
        ("RoLf", ["Rolf Regular"]),
        ("ROLF@EXAMPLE", ["Rolf Regular"]),
        ("example.com", ["Carl Champion", "Rolf Regular"]),
        ("cha-004", ["Carl Champion"]),
        ("new-0", ["Nora Ny"]),
        ("070-111", ["Nora Ny"]),
        ("  nora  ", ["Nora Ny"]),
        ("nobody-here", []),
    ],
)
def test_search_by_name_email_ref_or_phone_ignores_case(session, register, term, expected):
    page = search(session, search=term)
    assert names(page) == expected
    assert page.total == len(expected)


def test_search_ignores_case_of_swedish_letters(session):
    make_customer(session, name="Åsa Öberg", email="asa@example.se")
    make_customer(session, name="Östen Ärlig", email="osten@example.se")
    session.commit()

    assert names(search(session, search="åsa")) == ["Åsa Öberg"]
    assert names(search(session, search="ÄRLIG")) == ["Östen Ärlig"]


def test_filter_by_segment(session, register):
    assert names(search(session, segment="business")) == ["Lisa Lojal", "Rolf Regular"]
    assert names(search(session, segment="private")) == ["Carl Champion", "Nora Ny"]
    assert names(search(session, segment="nonexistent")) == []


def test_filter_by_language(session, register):
    assert names(search(session, language="en")) == ["Carl Champion", "Rolf Regular"]
    assert names(search(session, language="sv")) == ["Lisa Lojal", "Nora Ny"]


@pytest.mark.parametrize(
    ("tier", "expected"),
    [
        ("new", ["Nora Ny"]),
        ("regular", ["Rolf Regular"]),
        ("loyal", ["Lisa Lojal"]),
        ("champion", ["Carl Champion"]),
    ],
)
def test_filter_by_tier(session, register, tier, expected):
    page = search(session, tier=tier)
    assert names(page) == expected
    assert page.total == 1


def test_filter_by_consent_in_force(session, register):
    assert names(search(session, consent="research")) == ["Rolf Regular"]  # Carl withdrew
    assert names(search(session, consent="contact")) == ["Lisa Lojal"]
    assert names(search(session, consent="publish_quote")) == []


def test_filters_combine(session, register):
    assert names(search(session, segment="business", language="en")) == ["Rolf Regular"]
    assert names(search(session, segment="private", tier="champion")) == ["Carl Champion"]
    assert names(search(session, search="example.com", consent="research")) == ["Rolf Regular"]
    assert names(search(session, segment="private", consent="contact")) == []


def test_rows_carry_consents_and_satisfaction(session, register):
    make_feedback(session, customer_id=register["loyal"].id, rating=4)
    make_feedback(session, customer_id=register["loyal"].id, rating=5)
    session.commit()

    row = search(session, search="lisa").items[0]
    assert row.has_consent(ConsentKind.CONTACT)
    assert not row.has_consent(ConsentKind.RESEARCH)
    assert row.satisfaction.mean_rating == 4.5
    assert row.satisfaction.ratings == 2
    assert row.loyalty.engagement == 6.0


def test_paging_totals(session):
    for number in range(5):
        make_customer(session, name=f"Page {number}", segment="paging")
    session.commit()

    pages = [
        search_customers(
            session, CustomerFilters(segment="paging"), now=utcnow(), page=n, per_page=2
        )
        for n in (1, 2, 3, 4)
    ]
    assert [names(page) for page in pages] == [
        ["Page 0", "Page 1"],
        ["Page 2", "Page 3"],
        ["Page 4"],
        ["Page 4"],  # past the end: the last page, as a stale link would want
    ]
    assert [page.page for page in pages] == [1, 2, 3, 3]
    assert {page.total for page in pages} == {5}
    assert {page.pages for page in pages} == {3}
    assert pages[0].page == 1


def test_paging_with_tier_filter_counts_after_filtering(session):
    now = utcnow()
    for number in range(3):
        make_customer(
            session,
            name=f"New {number}",
            segment="tierpaging",
            first_purchase_at=now - timedelta(days=5),
        )
    make_customer(session, name="Old", segment="tierpaging")
    session.commit()

    filters = CustomerFilters(segment="tierpaging", tier="new")
    first = search_customers(session, filters, now=now, page=1, per_page=2)
    second = search_customers(session, filters, now=now, page=2, per_page=2)
    assert names(first) == ["New 0", "New 1"]
    assert names(second) == ["New 2"]
    assert first.total == second.total == 3
    assert first.pages == 2


def test_page_below_one_is_the_first_page(session, register):
    page = search_customers(session, CustomerFilters(), now=utcnow(), page=0, per_page=2)
    assert page.page == 1
    assert names(page) == ["Carl Champion", "Lisa Lojal"]


# --- profile and export ---------------------------------------------------------------------


def test_customer_profile(session):
    customer = make_customer(session, consents={"research": True})
    make_consent(
        session,
        customer,
        ConsentKind.RESEARCH,
        given=False,
        recorded_at=utcnow() + timedelta(seconds=1),
        wording_version="withdraw-v2",
    )
    old = make_feedback(
        session, customer_id=customer.id, rating=2, created_at=utcnow() - timedelta(days=3)
    )
    new = make_feedback(session, customer_id=customer.id, rating=4)
    make_feedback(session, rating=1)  # someone else's
    session.commit()

    profile = customer_profile(session, customer.id, now=utcnow())
    assert profile.row.customer.id == customer.id
    assert [item.id for item in customer_feedback(session, customer)] == [new.id, old.id]
    assert [(r.given, r.wording_version) for r in profile.consent_history] == [
        (False, "withdraw-v2"),
        (True, "test-v1"),
    ]
    assert profile.row.consents[ConsentKind.RESEARCH].given is False
    assert profile.row.satisfaction.mean_rating == 3.0
    assert profile.row.loyalty.engagement == 6.0


def test_customer_profile_of_unknown_customer(session):
    with pytest.raises(NotFound):
        customer_profile(session, 987654, now=utcnow())


def test_export_customer_is_json_with_customer_consents_and_feedback(session):
    customer = make_customer(
        session,
        name="Greta Export",
        email="greta@example.se",
        total_spend=Decimal("1234.50"),
        consents={"contact": True, "publish_quote": False},
    )
    make_feedback(session, customer_id=customer.id, text="Bra service!", rating=5)
    make_feedback(session, text="Not Greta's", rating=1)
    session.commit()

    data = export_customer(session, customer.id, now=utcnow())
    decoded = json.loads(json.dumps(data))

    assert decoded["customer"]["id"] == customer.id
    assert decoded["customer"]["name"] == "Greta Export"
    assert decoded["customer"]["email"] == "greta@example.se"
    assert decoded["customer"]["phone"] == customer.phone
    assert decoded["customer"]["external_ref"] == customer.external_ref
    assert Decimal(str(decoded["customer"]["total_spend"])) == Decimal("1234.50")
    assert sorted((c["kind"], c["given"]) for c in decoded["consents"]) == [
        ("contact", True),
        ("publish_quote", False),
    ]
    assert all(c["wording_version"] == "test-v1" for c in decoded["consents"])
    assert [item["text"] for item in decoded["feedback"]] == ["Bra service!"]
    assert decoded["feedback"][0]["rating"] == 5
    assert decoded["loyalty"]["tier"] in {"new", "regular", "loyal", "champion"}
    assert isinstance(decoded["loyalty"]["score"], float)


def test_export_unknown_customer(session):
    with pytest.raises(NotFound):
        export_customer(session, 987654, now=utcnow())


# --- erasure --------------------------------------------------------------------------------


def test_erase_customer(session):
    staff = make_staff_user(session)
    customer = make_customer(
        session,
        name="Erik Raderas",
        email="erik.raderas@example.se",
        phone="073-987 65 43",
        external_ref="ERASE-REF-77",
        consents={"contact": True, "research": True, "publish_quote": True},
    )
    mine = [
        make_feedback(
            session,
            customer_id=customer.id,
            email="erik.raderas@example.se",
            text="Erik here, call me on 073-987 65 43.",
            rating=rating,
            consent_publish=True,
        )
        for rating in (2, 5)
    ]
    other_customer = make_customer(session, consents={"research": True})
    theirs = make_feedback(session, customer_id=other_customer.id, text="Keep me", rating=3)
    customer_id = customer.id
    personal = [customer.name, customer.email, customer.phone, customer.external_ref]
    session.commit()

    log = erase_customer(session, customer_id, erased_by_id=staff.id)
    session.commit()
    session.expire_all()

    assert session.get(Customer, customer_id) is None
    assert (
        session.exec(select(ConsentRecord).where(ConsentRecord.customer_id == customer_id)).all()
        == []
    )
    for item, rating in zip(mine, (2, 5), strict=True):
        stored = session.get(Feedback, item.id)
        assert stored.text == ERASED_TEXT
        assert stored.email is None
        assert stored.customer_id is None
        assert stored.erased is True
        assert stored.consent_publish is False
        assert stored.rating == rating

    kept = session.get(Feedback, theirs.id)
    assert kept.text == "Keep me"
    assert kept.customer_id == other_customer.id
    assert len(current_consents(session, [other_customer.id])[other_customer.id]) == 1

    assert (log.customer_id, log.erased_by_id) == (customer_id, staff.id)
    assert (log.feedback_anonymised, log.consents_deleted) == (2, 3)
    rows = session.execute(
        sa.select(ErasureLog.__table__).where(ErasureLog.id == log.id)
    ).mappings()
    row = dict(rows.one())
    assert row["customer_id"] == customer_id
    values = " ".join(str(value) for value in row.values())
    for secret in personal:
        assert secret not in values
        assert secret.lower() not in values.lower()


def test_erase_unknown_customer_writes_no_log(session):
    with pytest.raises(NotFound):
        erase_customer(session, 987654, erased_by_id=None)
    assert session.exec(select(ErasureLog)).all() == []


def test_search_takes_percent_and_underscore_literally(session):
    make_customer(session, name="Anna_Berg")
    make_customer(session, name="Bo Ek")
    session.commit()
    found = search_customers(session, CustomerFilters(search="_"), now=utcnow())
    assert [row.customer.name for row in found.items] == ["Anna_Berg"]
    assert search_customers(session, CustomerFilters(search="%"), now=utcnow()).total == 0


def test_erasure_also_covers_feedback_sent_with_their_email_before_linking(session):
    customer = make_customer(session, email="kund@example.se")
    unlinked = make_feedback(session, email="Kund@example.se", text="Ring mig på 070-1234567")
    other = make_feedback(session, email="annan@example.se", text="Bra!")
    session.commit()
    erase_customer(session, customer.id, erased_by_id=None)
    session.commit()
    session.expire_all()
    erased = session.get(Feedback, unlinked.id)
    assert erased.erased and erased.email is None and "070" not in erased.text
    assert session.get(Feedback, other.id).text == "Bra!"
