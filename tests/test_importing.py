"""Reading import files: encodings, delimiters, JSON Lines, line numbers and value parsers."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import select

from workbench.customers.imports import import_customers
from workbench.customers.models import ConsentKind, ConsentRecord, Customer
from workbench.importing import (
    FileUnreadable,
    ImportSummary,
    RowError,
    batched,
    open_rows,
    parse_date,
    parse_flag,
)


def rows_of(content: bytes, name: str = "data.csv"):
    with open_rows(io.BytesIO(content), name) as row_file:
        return row_file, list(row_file)


@pytest.mark.parametrize(
    ("content", "delimiter"),
    [
        (b"id,text\n1,Hej\n", ","),
        (b"id;text\n1;Hej\n", ";"),
        (b"id\ttext\n1\tHej\n", "\t"),
        (b"\xef\xbb\xbfid;text\r\n1;Hej\r\n", ";"),
        (b"id,text\n1,Hej", ","),
    ],
    ids=["comma", "semicolon", "tab", "bom-semicolon-crlf", "no-final-newline"],
)
def test_csv_delimiter_and_bom_are_detected(content, delimiter):
    row_file, rows = rows_of(content)
    assert row_file.delimiter == delimiter
    assert row_file.header == ["id", "text"]  # no BOM glued to the first column name
    assert [(row.line, row.data, row.error) for row in rows] == [
        (2, {"id": "1", "text": "Hej"}, None)
    ]


def test_csv_keeps_utf8_text_and_quoted_delimiters():
    content = 'id,text\n1,"Bra, men dyr; åäö"\n'.encode()
    _row_file, rows = rows_of(content)
    assert rows[0].data["text"] == "Bra, men dyr; åäö"


def test_csv_line_numbers_follow_multiline_fields_and_blank_lines():
    content = b'id,text\n1,first\n2,"spans\nthree\nlines"\n\n3,after the gap\n'
    _row_file, rows = rows_of(content)
    assert [(row.line, row.data["id"]) for row in rows] == [(2, "1"), (3, "2"), (7, "3")]
    assert rows[1].data["text"] == "spans\nthree\nlines"


def test_csv_rows_with_too_many_fields_or_bad_utf8_are_flagged_not_dropped():
    content = b"id,text\n1,ok\n2,one,two,three\n3,\xff\xfe broken\n4,fine\n"
    _row_file, rows = rows_of(content)
    assert [row.line for row in rows] == [2, 3, 4, 5]
    assert rows[0].error is None
    assert "4 fields" in rows[1].error and "names 2" in rows[1].error
    assert "UTF-8" in rows[2].error
    assert rows[3].error is None and rows[3].data == {"id": "4", "text": "fine"}


def test_csv_short_rows_are_padded_with_empty_values():
    _row_file, rows = rows_of(b"id,text,rating\n1,hej\n")
    assert rows[0].data == {"id": "1", "text": "hej", "rating": ""}


def test_json_lines_are_read_with_line_numbers_and_errors_per_line():
    content = b'{"id": 1, "text": "one"}\n\n{not json}\n[1, 2]\n{"id": 5, "text": "five"}\n'
    row_file, rows = rows_of(content, "feedback.jsonl")
    assert row_file.is_json_lines and row_file.header is None
    lines = {row.line: row for row in rows}
    assert sorted(lines) == [1, 3, 4, 5]
    assert lines[1].data == {"id": 1, "text": "one"} and lines[1].error is None
    assert "Not valid JSON" in lines[3].error
    assert "JSON object" in lines[4].error
    assert lines[5].data == {"id": 5, "text": "five"} and lines[5].error is None


def test_json_lines_with_a_leading_bom_are_read():
    _row_file, rows = rows_of(b'\xef\xbb\xbf{"text": "hej"}\n', "feedback.ndjson")
    assert [(row.line, row.data) for row in rows] == [(1, {"text": "hej"})]


def test_json_lines_are_recognised_by_content_without_a_known_suffix():
    row_file, rows = rows_of(b'{"text": "hej"}\n', "upload.txt")
    assert row_file.is_json_lines
    assert rows[0].data == {"text": "hej"}


def test_a_csv_suffix_is_never_read_as_json_lines():
    row_file, _rows = rows_of(b'{"text": "x"}\n', "odd.csv")
    assert not row_file.is_json_lines


@pytest.mark.parametrize("content", [b"", b"   \n\n"])
def test_an_empty_file_is_unreadable(content):
    with pytest.raises(FileUnreadable, match="empty"):
        open_rows(io.BytesIO(content), "empty.csv")


def test_a_csv_without_column_names_is_unreadable():
    with pytest.raises(FileUnreadable, match="name the columns"):
        open_rows(io.BytesIO(b",,\n1,2,3\n"), "no-header.csv")


def test_a_header_that_is_not_utf8_is_unreadable():
    with pytest.raises(FileUnreadable, match="UTF-8"):
        open_rows(io.BytesIO("namn;åsikt\n".encode("utf-16")), "utf16.csv")


def test_a_missing_path_is_unreadable(tmp_path):
    with pytest.raises(FileUnreadable, match="No such file"):
        open_rows(tmp_path / "missing.csv")


def test_open_rows_reads_a_path_and_tracks_progress(tmp_path):
    path = tmp_path / "feedback.csv"
    content = b"id,text\n1,a\n2,b\n"
    path.write_bytes(content)
    with open_rows(path) as row_file:
        assert row_file.name == "feedback.csv"
        assert row_file.size == len(content)
        rows = list(row_file)
        assert row_file.bytes_read == len(content)
    assert [row.data["id"] for row in rows] == ["1", "2"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yes", True),
        ("JA", True),
        ("1", True),
        (True, True),
        ("nej", False),
        ("false", False),
        ("0", False),
        ("", None),
        (None, None),
    ],
)
def test_parse_flag(value, expected):
    assert parse_flag(value, "consent_contact") is expected


def test_parse_flag_rejects_other_words():
    with pytest.raises(RowError, match="consent_contact must be yes or no"):
        parse_flag("kanske", "consent_contact")


def test_parse_date_accepts_dates_and_date_times_in_utc():
    assert parse_date("2026-03-01", "date") == datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_date("2026-03-01T10:30:00Z", "date") == datetime(2026, 3, 1, 10, 30, tzinfo=UTC)
    assert parse_date("2026-03-01T12:30:00+02:00", "date") == datetime(
        2026, 3, 1, 10, 30, tzinfo=UTC
    )
    assert parse_date("", "date") is None
    with pytest.raises(RowError, match="date is not a date"):
        parse_date("01/03/2026", "date")


def test_batched_splits_and_keeps_the_remainder():
    assert [len(batch) for batch in batched(range(7), 3)] == [3, 3, 1]


def test_summary_as_dict_has_the_documented_shape():
    summary = ImportSummary(imported=2, duplicates=1)
    summary.reject(4, "bad")
    assert summary.as_dict() == {
        "imported": 2,
        "duplicates": 1,
        "rejected": [{"line": 4, "reason": "bad"}],
    }
    assert summary.as_dict(include_updated=True)["updated"] == 0


CUSTOMERS_CSV = (
    b"external_ref;name;email;segment;orders_count;total_spend;consent_contact;consent_research\n"
    b"K1;Anna;Anna@Example.se;private;3;1 200,50;ja;nej\n"
    b"K2;Bertil;not-an-email;business;1;10;;\n"
    b"K3;Cecilia;cecilia@example.se;business;many;10;;\n"
    b";Nobody;;private;1;1;;\n"
    b"K5;Doris;doris@example.se;business;2;99;yes;\n"
)


def import_customer_bytes(session, content: bytes, name: str = "customers.csv"):
    with open_rows(io.BytesIO(content), name) as row_file:
        summary = import_customers(session, row_file, wording_version="test-v1")
    session.commit()
    return summary


def test_customer_import_keeps_good_rows_and_reports_bad_lines(session):
    summary = import_customer_bytes(session, b"\xef\xbb\xbf" + CUSTOMERS_CSV)
    assert summary.imported == 2
    assert [rejection["line"] for rejection in summary.rejected] == [3, 4, 5]
    assert "orders_count" in summary.rejected[1]["reason"]
    assert "external_ref or an e-mail" in summary.rejected[2]["reason"]
    anna = session.exec(select(Customer).where(Customer.external_ref == "K1")).one()
    assert anna.email == "anna@example.se"
    assert anna.total_spend == Decimal("1200.50")
    consents = {
        record.kind: record.given
        for record in session.exec(
            select(ConsentRecord).where(ConsentRecord.customer_id == anna.id)
        )
    }
    assert consents == {ConsentKind.CONTACT: True, ConsentKind.RESEARCH: False}


def test_customer_reimport_creates_nothing_and_updates_changes(session):
    import_customer_bytes(session, CUSTOMERS_CSV)
    count = session.execute(sa.select(sa.func.count()).select_from(Customer)).scalar_one()
    again = import_customer_bytes(session, CUSTOMERS_CSV)
    assert (again.imported, again.duplicates, again.updated) == (0, 2, 0)
    changed = CUSTOMERS_CSV.replace(b"K5;Doris", b"K5;Doris Ny")
    third = import_customer_bytes(session, changed)
    assert (third.imported, third.updated) == (0, 1)
    assert session.execute(sa.select(sa.func.count()).select_from(Customer)).scalar_one() == count
