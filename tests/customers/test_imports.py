"""Customer import: files read through open_rows, upserted by external_ref then by e-mail."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from tests.factories import make_customer
from workbench.customers.imports import import_customers
from workbench.customers.models import ConsentKind, ConsentRecord, ConsentSource, Customer
from workbench.importing import FileUnreadable, open_rows

WORDING = "import-wording-v7"
HEADER = "external_ref,name,email,segment,language,orders_count"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def run_import(session, path: Path):
    with open_rows(path) as rows:
        summary = import_customers(session, rows, wording_version=WORDING)
    session.commit()
    session.expire_all()  # later checks read what the database holds
    return summary


def customer_by_ref(session, ref: str) -> Customer | None:
    return session.exec(select(Customer).where(Customer.external_ref == ref)).first()


def consent_records(session, customer: Customer) -> list[ConsentRecord]:
    query = (
        select(ConsentRecord)
        .where(ConsentRecord.customer_id == customer.id)
        .order_by(ConsentRecord.id)
    )
    return list(session.exec(query))


def all_consent_records(session) -> list[tuple]:
    query = select(ConsentRecord).order_by(ConsentRecord.id)
    return [(r.id, r.customer_id, r.kind, r.given, r.recorded_at) for r in session.exec(query)]


def rejected_lines(summary) -> list[int]:
    return [item["line"] for item in summary.rejected]


# --- formats --------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_with_each_delimiter(session, tmp_path, delimiter):
    lines = [
        ["external_ref", "name", "email", "segment", "language", "orders_count", "total_spend"],
        ["C1", "Anna Andersson", "Anna@Example.SE", "private", "SV", "3", '"1 234,50"'],
        ["C2", "Bo Berg", "bo@example.se", "business", "en", "", "99.9"],
    ]
    path = write(tmp_path, "customers.csv", "\n".join(delimiter.join(v) for v in lines) + "\n")

    summary = run_import(session, path)

    assert (summary.imported, summary.updated, summary.duplicates) == (2, 0, 0)
    assert summary.rejected == []
    anna = customer_by_ref(session, "C1")
    assert anna.name == "Anna Andersson"
    assert anna.email == "anna@example.se"
    assert anna.language == "sv"
    assert anna.orders_count == 3
    assert anna.total_spend == Decimal("1234.50")
    bo = customer_by_ref(session, "C2")
    assert (bo.segment, bo.language, bo.orders_count, bo.total_spend) == (
        "business",
        "en",
        0,
        Decimal("99.90"),
    )


def test_csv_with_byte_order_mark(session, tmp_path):
    path = write(
        tmp_path,
        "bom.csv",
        b"\xef\xbb\xbf" + "external_ref;name;email\nBOM1;Åke Ström;ake@example.se\n".encode(),
    )

    summary = run_import(session, path)

    assert summary.imported == 1
    ake = customer_by_ref(session, "BOM1")
    assert ake is not None
    assert ake.name == "Åke Ström"


def test_json_lines(session, tmp_path):
    records = [
        {"external_ref": "J1", "name": "Jon", "email": "jon@example.se", "orders_count": 4},
        {
            "email": "jill@example.se",
            "name": "Jill",
            "do_not_contact": True,
            "first_purchase_at": "2024-02-03",
            "consent_research": "ja",
        },
    ]
    text = "\n".join(json.dumps(record) for record in records) + "\n\n[1, 2]\n{broken\n"
    path = write(tmp_path, "customers.jsonl", text)

    summary = run_import(session, path)

    assert summary.imported == 2
    assert rejected_lines(summary) == [4, 5]
    assert customer_by_ref(session, "J1").orders_count == 4
    jill = session.exec(select(Customer).where(Customer.email == "jill@example.se")).one()
    assert jill.external_ref is None
    assert jill.do_not_contact is True
    assert jill.first_purchase_at == datetime(2024, 2, 3, tzinfo=UTC)
    assert [(r.kind, r.given) for r in consent_records(session, jill)] == [
        (ConsentKind.RESEARCH, True)
    ]


def test_empty_file_is_unreadable(tmp_path):
    with pytest.raises(FileUnreadable):
        open_rows(write(tmp_path, "empty.csv", b""))
    with pytest.raises(FileUnreadable):
        open_rows(write(tmp_path, "blank.csv", b"  \n\n"))


# --- idempotence and updates ----------------------------------------------------------------

FULL_HEADER = (
    "external_ref,name,email,phone,segment,language,first_purchase_at,last_purchase_at,"
    "orders_count,total_spend,do_not_contact,consent_contact,consent_research,"
    "consent_publish_quote"
)
FULL_ROWS = [
    "R1,Rut Ek,rut@example.se,070-1,private,sv,2022-01-10,2025-11-02T14:30:00+01:00,"
    "12,4200.00,no,yes,yes,no",
    "R2,Per Al,per@example.se,,business,en,2023-05-05,,3,10,,,no,",
]


def test_reimport_of_the_same_file_changes_nothing(session, tmp_path):
    path = write(tmp_path, "full.csv", "\n".join([FULL_HEADER, *FULL_ROWS]) + "\n")

    first = run_import(session, path)
    assert (first.imported, first.updated, first.duplicates, first.rejected) == (2, 0, 0, [])
    rut = customer_by_ref(session, "R1")
    assert rut.last_purchase_at == datetime(2025, 11, 2, 13, 30, tzinfo=UTC)
    records_before = all_consent_records(session)
    assert len(records_before) == 4
    updated_at_before = rut.updated_at

    second = run_import(session, path)

    assert (second.imported, second.updated, second.duplicates, second.rejected) == (0, 0, 2, [])
    records_after = all_consent_records(session)
    assert records_after == records_before
    assert customer_by_ref(session, "R1").updated_at == updated_at_before
    assert len(session.exec(select(Customer)).all()) == 2


def test_consent_columns_create_import_records_with_wording(session, tmp_path):
    path = write(tmp_path, "full.csv", "\n".join([FULL_HEADER, *FULL_ROWS]) + "\n")
    run_import(session, path)

    rut = customer_by_ref(session, "R1")
    records = consent_records(session, rut)
    assert sorted((r.kind.value, r.given) for r in records) == [
        ("contact", True),
        ("publish_quote", False),
        ("research", True),
    ]
    assert {r.source for r in records} == {ConsentSource.IMPORT}
    assert {r.wording_version for r in records} == {WORDING}
    # Empty consent cells mean "unknown": no record.
    per = customer_by_ref(session, "R2")
    assert [(r.kind, r.given) for r in consent_records(session, per)] == [
        (ConsentKind.RESEARCH, False)
    ]


def test_a_changed_row_is_updated(session, tmp_path):
    run_import(session, write(tmp_path, "a.csv", "\n".join([FULL_HEADER, *FULL_ROWS]) + "\n"))
    changed = FULL_ROWS[0].replace(",12,", ",13,").replace("yes,yes,no", "yes,no,no")
    summary = run_import(
        session, write(tmp_path, "b.csv", "\n".join([FULL_HEADER, changed, FULL_ROWS[1]]) + "\n")
    )

    assert (summary.imported, summary.updated, summary.duplicates) == (0, 1, 1)
    rut = customer_by_ref(session, "R1")
    assert rut.orders_count == 13
    research = [r for r in consent_records(session, rut) if r.kind is ConsentKind.RESEARCH]
    assert [r.given for r in research] == [True, False]
    assert research[-1].source is ConsentSource.IMPORT


def test_only_a_consent_change_counts_as_updated(session, tmp_path):
    customer = make_customer(session, external_ref="K1", email="k1@example.se")
    session.commit()
    path = write(tmp_path, "c.csv", "external_ref,consent_contact\nK1,yes\n")

    summary = run_import(session, path)

    assert (summary.imported, summary.updated, summary.duplicates) == (0, 1, 0)
    assert [(r.kind, r.given, r.wording_version) for r in consent_records(session, customer)] == [
        (ConsentKind.CONTACT, True, WORDING)
    ]


# --- matching -------------------------------------------------------------------------------


def test_match_by_external_ref_first(session, tmp_path):
    customer = make_customer(session, external_ref="M1", email="old@example.se", name="Old")
    session.commit()
    path = write(tmp_path, "m.csv", f"{HEADER}\nM1,New Name,new@example.se,vip,sv,2\n")

    summary = run_import(session, path)

    assert (summary.imported, summary.updated) == (0, 1)
    stored = session.get(Customer, customer.id)
    assert (stored.name, stored.email, stored.segment) == ("New Name", "new@example.se", "vip")


def test_row_without_ref_but_known_email_updates_that_customer(session, tmp_path):
    customer = make_customer(session, external_ref="E1", email="known@example.se", segment="a")
    session.commit()
    path = write(tmp_path, "e.csv", f"{HEADER}\n,Known Person,KNOWN@example.se,b,sv,5\n")

    summary = run_import(session, path)

    assert (summary.imported, summary.updated, summary.rejected) == (0, 1, [])
    stored = session.get(Customer, customer.id)
    assert stored.external_ref == "E1"  # kept, not cleared
    assert (stored.name, stored.segment, stored.orders_count) == ("Known Person", "b", 5)
    assert len(session.exec(select(Customer)).all()) == 1


def test_email_of_a_customer_without_ref_gains_the_ref(session, tmp_path):
    customer = make_customer(session, external_ref=None, email="noref@example.se")
    session.commit()
    path = write(tmp_path, "n.csv", "external_ref,email\nNR1,noref@example.se\n")

    summary = run_import(session, path)

    assert summary.updated == 1
    assert session.get(Customer, customer.id).external_ref == "NR1"


def test_email_owned_by_another_customer_is_rejected(session, tmp_path):
    first = make_customer(session, external_ref="A1", email="a@example.se", name="A")
    make_customer(session, external_ref="B1", email="b@example.se", name="B")
    session.commit()
    path = write(
        tmp_path,
        "conflict.csv",
        f"{HEADER}\nN1,Fine,fine@example.se,,sv,\nA1,Stolen,b@example.se,,sv,\n",
    )

    summary = run_import(session, path)

    assert summary.imported == 1
    assert summary.updated == 0
    assert rejected_lines(summary) == [3]
    assert "b@example.se" in summary.rejected[0]["reason"]
    stored = session.get(Customer, first.id)
    assert (stored.name, stored.email) == ("A", "a@example.se")


def test_new_ref_with_email_of_another_ref_is_rejected(session, tmp_path):
    existing = make_customer(session, external_ref="X1", email="x@example.se")
    session.commit()
    path = write(tmp_path, "x.csv", f"{HEADER}\nX2,Other,x@example.se,,sv,\n")

    summary = run_import(session, path)

    assert rejected_lines(summary) == [2]
    assert customer_by_ref(session, "X2") is None
    assert session.get(Customer, existing.id).external_ref == "X1"


def test_same_email_twice_in_one_file_under_different_refs(session, tmp_path):
    path = write(
        tmp_path, "twice.csv", f"{HEADER}\nD1,One,dup@example.se,,sv,\nD2,Two,dup@example.se,,sv,\n"
    )

    summary = run_import(session, path)

    assert summary.imported == 1
    assert rejected_lines(summary) == [3]
    assert customer_by_ref(session, "D1").email == "dup@example.se"


# --- bad rows -------------------------------------------------------------------------------


def test_bad_rows_are_rejected_by_line_and_good_rows_kept(session, tmp_path):
    header = (
        "external_ref,name,email,first_purchase_at,last_purchase_at,orders_count,consent_research"
    )
    rows = [
        "G1,Good One,g1@example.se,2024-01-01,2024-06-01,2,yes",  # 2
        ",No Identity,,2024-01-01,,1,",  # 3
        "B2,Bad Date,b2@example.se,2024-13-45,,1,",  # 4
        "G2,Good Two,,,,0,",  # 5
        "B3,Negative,b3@example.se,,,-2,",  # 6
        "B4,Flag,b4@example.se,,,1,maybe",  # 7
        "B5,Backwards,b5@example.se,2024-06-01,2024-01-01,1,",  # 8
        "B6,Bad Mail,not-an-email,,,1,",  # 9
        "B7,Not a number,b7@example.se,,,many,",  # 10
        "G3,Good Three,G3@Example.se,,,,no",  # 11
    ]
    path = write(tmp_path, "bad.csv", "\n".join([header, *rows]) + "\n")

    summary = run_import(session, path)

    assert summary.imported == 3
    assert rejected_lines(summary) == [3, 4, 6, 7, 8, 9, 10]
    reasons = {item["line"]: item["reason"] for item in summary.rejected}
    assert "external_ref or an e-mail" in reasons[3]
    assert "first_purchase_at" in reasons[4]
    assert "negative" in reasons[6]
    assert "consent_research" in reasons[7]
    assert "before" in reasons[8]
    assert "e-mail" in reasons[9].lower()
    assert "orders_count" in reasons[10]
    refs = {c.external_ref for c in session.exec(select(Customer))}
    assert refs == {"G1", "G2", "G3"}
    # A rejected row leaves no consent records behind.
    assert len(session.exec(select(ConsentRecord)).all()) == 2


def test_quoted_multi_line_field_keeps_line_numbers(session, tmp_path):
    text = (
        "external_ref,name,email,orders_count\n"
        'Q1,"Anna\nmed två\nrader",q1@example.se,1\n'  # lines 2-4
        "Q2,Bad,q2@example.se,-1\n"  # line 5
        '"Q3","Ok ""quoted""",q3@example.se,2\n'  # line 6
        "\n"  # line 7, blank
        ",,,\n"  # line 8, empty
        "Q4,Bad again,q4@example.se,x\n"  # line 9
    )
    path = write(tmp_path, "multi.csv", text)

    summary = run_import(session, path)

    assert summary.imported == 2
    assert rejected_lines(summary) == [5, 9]
    assert customer_by_ref(session, "Q1").name == "Anna med två rader"  # names on one line
    assert customer_by_ref(session, "Q3").name == 'Ok "quoted"'


def test_row_with_too_many_fields_is_rejected(session, tmp_path):
    path = write(tmp_path, "wide.csv", "external_ref,email\nW1,w1@example.se,extra\nW2,\n")

    summary = run_import(session, path)

    assert rejected_lines(summary) == [2]
    assert summary.imported == 1
    assert customer_by_ref(session, "W2") is not None


def test_empty_cells_keep_what_the_register_holds(session, tmp_path):
    header = "external_ref,name,phone,segment,first_purchase_at,last_purchase_at\n"
    first = write(tmp_path, "a.csv", header + "K1,Åsa Berg,070-1,business,2020-01-02,2026-01-02\n")
    run_import(session, first)
    second = write(tmp_path, "b.csv", header + "K1,,,,,\n")
    summary = run_import(session, second)
    customer = customer_by_ref(session, "K1")
    assert summary.duplicates == 1 and summary.updated == 0
    assert (customer.name, customer.phone, customer.segment) == ("Åsa Berg", "070-1", "business")
    assert customer.first_purchase_at == datetime(2020, 1, 2, tzinfo=UTC)


def test_a_failed_import_leaves_nothing_half_written(app, tmp_path):
    """Savepoints per row must not commit on their own (SQLite's driver would, unfixed)."""
    from workbench.db import get_database

    path = write(tmp_path, "c.csv", "external_ref,name\nK1,Anna\nK2,Bo\n")
    database = get_database(app)
    with (
        pytest.raises(RuntimeError),
        database.session_scope() as db_session,
        open_rows(path) as rows,
    ):
        import_customers(db_session, rows, wording_version="v1")
        raise RuntimeError("the import is interrupted before its commit")
    with database.session_scope() as db_session:
        assert db_session.exec(select(Customer)).all() == []
