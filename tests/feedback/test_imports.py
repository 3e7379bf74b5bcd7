"""Feedback import from CSV and JSON Lines: formats, bad rows, idempotency, the upload page."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.factories import make_customer
from tests.reading import read
from workbench.feedback.imports import FeedbackColumns, import_feedback
from workbench.feedback.models import Channel, Feedback
from workbench.importing import FileUnreadable, open_rows

SWEDISH = "Leveransen var snabb och personalen i butiken var väldigt trevlig och hjälpsam."
ENGLISH = "The delivery was quick and the staff in the shop were very friendly and helpful."


def run_import(session, content: bytes, name: str = "feedback.csv", source="trustpilot", **cols):
    columns = FeedbackColumns(**{"text": "text", **cols})
    with open_rows(io.BytesIO(content), name) as row_file:
        summary = import_feedback(session, row_file, source=source, columns=columns)
    session.commit()
    return summary


def feedback_rows(session, source: str = "trustpilot") -> list[Feedback]:
    return read(session, select(Feedback).where(Feedback.source == source).order_by(Feedback.id))


def count_feedback(session) -> int:
    return read(session, select(sa.func.count()).select_from(Feedback))[0]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("comma.csv", "id,text,rating\nA1,Bra pris,4\nA2,Dålig service,1\n".encode()),
        ("bom.csv", "\ufeffid,text,rating\nA1,Bra pris,4\nA2,Dålig service,1\n".encode()),
        ("semi.csv", "id;text;rating\r\nA1;Bra pris;4\r\nA2;Dålig service;1\r\n".encode()),
        ("tab.tsv", "id\ttext\trating\nA1\tBra pris\t4\nA2\tDålig service\t1\n".encode()),
        (
            "lines.jsonl",
            (
                '{"id": "A1", "text": "Bra pris", "rating": 4}\n'
                '{"id": "A2", "text": "Dålig service", "rating": 1}\n'
            ).encode(),
        ),
    ],
    ids=["comma", "bom", "semicolon-crlf", "tab", "jsonl"],
)
def test_every_format_imports_the_same_rows(session, name, content):
    summary = run_import(session, content, name, id="id", rating="rating")
    assert summary.as_dict() == {"imported": 2, "duplicates": 0, "rejected": []}
    rows = feedback_rows(session)
    assert [(r.external_id, r.text, r.rating, r.channel) for r in rows] == [
        ("A1", "Bra pris", 4, Channel.IMPORT),
        ("A2", "Dålig service", 1, Channel.IMPORT),
    ]


def test_bad_rows_are_reported_by_line_and_good_rows_are_kept(session):
    content = (
        "id,text,rating,date\n"  # line 1
        "1,Bra service,5,2026-01-02\n"  # 2: good
        "2,,3,2026-01-02\n"  # 3: empty text
        '3,"Flera\nrader text",4,2026-01-03\n'  # 4-5: good
        "4,Dålig,9,2026-01-04\n"  # 6: rating out of range
        "5,Okej,3,den 5 januari\n"  # 7: not a date
        "6,a,b,c,d,e\n"  # 8: too many fields
        "7,Sista raden,2,2026-01-05\n"  # 9: good
    ).encode()
    summary = run_import(session, content, id="id", rating="rating", date="date")
    assert summary.imported == 3
    assert summary.duplicates == 0
    assert [r["line"] for r in summary.rejected] == [3, 6, 7, 8]
    reasons = [r["reason"] for r in summary.rejected]
    assert "empty" in reasons[0]
    assert "rating" in reasons[1] and "'9'" in reasons[1]
    assert "date" in reasons[2]
    assert "fields" in reasons[3]
    rows = feedback_rows(session)
    assert [r.external_id for r in rows] == ["1", "3", "7"]
    assert rows[1].text == "Flera\nrader text"
    assert rows[0].created_at == datetime(2026, 1, 2, tzinfo=UTC)


def test_json_lines_bad_lines_are_reported_and_good_lines_kept(session):
    content = (
        b'{"id": 1, "text": "Bra"}\n'
        b"\n"
        b'{"id": 2, "text": "Trasig\n'
        b'{"id": 3, "rating": 4}\n'
        b'{"id": 4, "text": "Toppen", "rating": "4.5"}\n'
        b'"just a string"\n'
        b'{"id": 5, "text": "Helt okej", "rating": 3}\n'
    )
    summary = run_import(session, content, "export.jsonl", id="id", rating="rating")
    assert summary.imported == 2
    assert [r["line"] for r in summary.rejected] == [3, 4, 5, 6]
    assert "'text'" in summary.rejected[1]["reason"]
    assert [r.external_id for r in feedback_rows(session)] == ["1", "5"]


def test_reimporting_the_same_file_adds_nothing(session):
    content = "id,text\nX1,Första\nX2,Andra\nX3,Tredje\n".encode()
    first = run_import(session, content, id="id")
    assert first.imported == 3
    again = run_import(session, content, id="id")
    assert again.as_dict() == {"imported": 0, "duplicates": 3, "rejected": []}
    assert len(feedback_rows(session)) == 3


def test_the_same_ids_from_another_source_are_new_feedback(session):
    content = b"id,text\nX1,One\n"
    run_import(session, content, id="id", source="trustpilot")
    other = run_import(session, content, id="id", source="appstore")
    assert other.imported == 1
    assert len(feedback_rows(session, "appstore")) == 1


def test_without_an_id_column_rows_are_matched_by_content(session):
    content = (
        "text,rating\n"
        "Bra pris,4\n"
        "Dålig service,1\n"
        "Bra pris,4\n"  # the same content twice in one file counts once
    ).encode()
    first = run_import(session, content, rating="rating")
    assert (first.imported, first.duplicates) == (2, 1)
    rows = feedback_rows(session)
    assert all(row.external_id and row.external_id.startswith("sha256:") for row in rows)
    # The same rows saved again with another delimiter and a BOM are still the same rows.
    resaved = "\ufefftext;rating\nDålig service;1\nBra pris;4\nNy rad;5\n".encode()
    second = run_import(session, resaved, "resaved.csv", rating="rating")
    assert (second.imported, second.duplicates) == (1, 2)
    assert len(feedback_rows(session)) == 3


def test_an_empty_id_falls_back_to_the_content_hash(session):
    content = b"id,text\n,Utan id\nK9,Med id\n"
    run_import(session, content, id="id")
    again = run_import(session, content, id="id")
    assert (again.imported, again.duplicates) == (0, 2)
    ids = sorted(row.external_id for row in feedback_rows(session))
    assert ids[0] == "K9" and ids[1].startswith("sha256:")


def test_a_missing_column_is_a_clear_error_and_nothing_is_stored(session):
    content = b"id,comment\n1,Hej\n"
    with pytest.raises(FileUnreadable) as caught:
        run_import(session, content, id="id", rating="stars")
    message = str(caught.value)
    assert "text" in message and "stars" in message
    assert "the file has: id, comment" in message
    assert count_feedback(session) == 0


def test_a_source_name_is_required(session):
    with pytest.raises(FileUnreadable, match="source"):
        run_import(session, b"text\nHej\n", source="  ")


def test_language_comes_from_the_column_or_is_detected(session):
    content = (
        "id;text;lang\n"
        f"1;{SWEDISH};\n"
        f"2;{ENGLISH};\n"
        "3;Kurz und gut;DE\n"
        "4;Hej;svenska\n"  # not an ISO code
    ).encode()
    summary = run_import(session, content, id="id", language="lang")
    assert [r["line"] for r in summary.rejected] == [5]
    assert "ISO 639-1" in summary.rejected[0]["reason"]
    languages = {row.external_id: row.language for row in feedback_rows(session)}
    assert languages == {"1": "sv", "2": "en", "3": "de"}


def test_an_email_column_links_feedback_to_the_customer(session):
    customer = make_customer(session, email="kalle@example.se")
    session.commit()
    content = b"id,text,mail\n1,Bra,Kalle@Example.se\n2,Okej,okand@example.se\n"
    run_import(session, content, id="id", email="mail")
    rows = {row.external_id: row for row in feedback_rows(session)}
    assert rows["1"].customer_id == customer.id
    assert rows["1"].email == "kalle@example.se"
    assert rows["2"].customer_id is None


def test_line_numbers_stay_right_across_batches(session):
    lines = ["id,text,lang"] + [f"{n},Rad nummer {n},sv" for n in range(1, 1201)]
    lines[1100] = "1100,,sv"  # the row on line 1101 has no text
    content = ("\n".join(lines) + "\n").encode()
    summary = run_import(session, content, id="id", language="lang")
    assert summary.imported == 1199
    assert summary.rejected == [{"line": 1101, "reason": "The feedback text is empty."}]
    assert run_import(session, content, id="id", language="lang").duplicates == 1199


def test_a_nul_character_in_the_text_is_dropped(session):
    # PostgreSQL cannot store NUL in text; as on the form and the API, the text keeps the rest.
    content = b"id,text\n1,Bra\n2,Tr\x00asig\n3,Okej\n"
    summary = run_import(session, content, id="id")
    assert summary.imported == 3
    assert summary.rejected == []
    texts = {row.external_id: row.text for row in feedback_rows(session)}
    assert texts == {"1": "Bra", "2": "Trasig", "3": "Okej"}


# The upload page for staff ------------------------------------------------------------------


def upload(client, content: bytes, filename: str = "upload.csv", **fields):
    data = {"source": "survey", "text_column": "text", **fields}
    data["file"] = (io.BytesIO(content), filename)
    return client.post("/feedback/import", data=data, content_type="multipart/form-data")


def test_staff_upload_imports_and_shows_the_summary(client, auth, session):
    auth.login("researcher")
    content = b"nr;text;betyg\n1;Snabb leverans;5\n2;;4\n3;Fel storlek;2\n"
    response = upload(client, content, id_column="nr", rating_column="betyg")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Imported 2, skipped 0 duplicates, rejected 1 rows." in html
    assert "<td>3</td><td>The feedback text is empty.</td>" in html
    rows = feedback_rows(session, "survey")
    assert [(r.external_id, r.rating) for r in rows] == [("1", 5), ("3", 2)]

    again = upload(client, content, id_column="nr", rating_column="betyg")
    assert "Imported 0, skipped 2 duplicates, rejected 1 rows." in again.get_data(as_text=True)
    assert len(feedback_rows(session, "survey")) == 2


def test_staff_upload_of_json_lines(client, auth, session):
    auth.login("product_owner")
    content = json.dumps({"ref": "j1", "body": "Appen är bra"}).encode() + b"\n"
    response = upload(client, content, "export.jsonl", text_column="body", id_column="ref")
    assert "Imported 1, skipped 0 duplicates, rejected 0 rows." in response.get_data(as_text=True)
    assert [r.external_id for r in feedback_rows(session, "survey")] == ["j1"]


def test_staff_upload_with_a_missing_column_shows_the_error(client, auth, session):
    auth.login("researcher")
    response = upload(client, b"comment\nHej\n")
    assert response.status_code == 200
    assert "Column(s) text not found; the file has: comment." in response.get_data(as_text=True)
    assert count_feedback(session) == 0


def test_staff_upload_refuses_other_file_types(client, auth, session):
    auth.login("researcher")
    response = upload(client, b"text\nHej\n", "feedback.xlsx")
    assert response.status_code == 200
    assert 'class="field has-error"' in response.get_data(as_text=True)
    assert count_feedback(session) == 0


def test_viewers_may_not_import(client, auth, session):
    auth.login("viewer")
    assert upload(client, b"text\nHej\n").status_code == 403
    assert count_feedback(session) == 0


def test_the_upload_page_needs_a_login(client, session):
    response = upload(client, b"text\nHej\n")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert count_feedback(session) == 0
