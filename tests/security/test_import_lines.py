"""One bad line of an import file is rejected by its number; it never swallows or sinks the rest.

CSV: an unclosed quote must not merge the rows after it into one field. JSON Lines: a number
too large, a lone surrogate, a NUL, deep nesting or a value of the wrong type is a line error.
"""

from __future__ import annotations

import io
import json

import pytest
from sqlmodel import select

from tests.reading import read
from workbench.cli import main
from workbench.customers.imports import import_customers
from workbench.customers.models import Customer
from workbench.feedback.imports import FeedbackColumns, import_feedback
from workbench.feedback.models import Feedback
from workbench.importing import open_rows


def import_feedback_file(session, content: bytes, name: str = "feedback.csv", **columns):
    wanted = FeedbackColumns(**{"text": "text", "id": "id", **columns})
    with open_rows(io.BytesIO(content), name) as row_file:
        summary = import_feedback(session, row_file, source="export", columns=wanted)
    session.commit()
    return summary


def import_customer_file(session, content: bytes, name: str = "customers.csv"):
    with open_rows(io.BytesIO(content), name) as row_file:
        summary = import_customers(session, row_file, wording_version="v1")
    session.commit()
    return summary


def stored_feedback(session) -> dict[str, Feedback]:
    return {item.external_id: item for item in read(session, select(Feedback))}


def stored_refs(session) -> set[str]:
    return {customer.external_ref for customer in read(session, select(Customer))}


def rejected(summary) -> dict[int, str]:
    return {item["line"]: item["reason"] for item in summary.rejected}


# --- CSV: an unclosed quote ------------------------------------------------------------------


def test_an_unclosed_quote_rejects_its_line_and_keeps_every_row_after_it(session):
    content = (
        b"id,text,rating\n"
        b"1,Bra,4\n"  # line 2
        b'2,"broken text,4\n'  # line 3: the quote never closes
        b"3,Efter,5\n"
        b"4,Sist,2\n"
    )
    summary = import_feedback_file(session, content, rating="rating")
    assert summary.imported == 3
    assert list(rejected(summary)) == [3]
    assert "quote" in rejected(summary)[3] and "end of the file" in rejected(summary)[3]
    stored = stored_feedback(session)
    assert sorted(stored) == ["1", "3", "4"]
    assert (stored["3"].text, stored["3"].rating) == ("Efter", 5)
    assert summary.describe() == "Imported 3, skipped 0 duplicates, rejected 1 rows."


def test_a_quoted_multi_line_field_after_an_unclosed_quote_still_reads_whole(session):
    content = (
        b"id,text,rating\n"
        b"1,Bra,4\n"
        b'2,"broken text,4\n'  # line 3
        b'3,"two\nlines, with a comma",5\n'  # lines 4-5, a quote that does close
        b"4,Sist,2\n"  # line 6
    )
    summary = import_feedback_file(session, content, rating="rating")
    assert list(rejected(summary)) == [3]
    stored = stored_feedback(session)
    assert sorted(stored) == ["1", "3", "4"]
    assert stored["3"].text == "two\nlines, with a comma"


def test_a_later_quote_does_not_close_an_unclosed_one_and_merge_the_rows_between(session):
    content = (
        b"id,text,rating\n"
        b'1,"broken,4\n'  # line 2
        b"2,Mitt,3\n"
        b'3,"Citat" och mer,2\n'  # line 4: text after a closing quote, bad on its own too
        b"4,Sist,1\n"
        b'5,"broken again,1\n'  # line 6
        b"6,Efter,5\n"
    )
    summary = import_feedback_file(session, content, rating="rating")
    assert list(rejected(summary)) == [2, 4, 6]
    assert sorted(stored_feedback(session)) == ["2", "4", "6"]


def test_a_quoted_multi_line_field_that_closes_is_imported_unchanged(session):
    content = b'id,text\n1,"first line\nsecond ""quoted"" line"\n2,next\n'
    summary = import_feedback_file(session, content)
    assert (summary.imported, summary.rejected) == (2, [])
    assert stored_feedback(session)["1"].text == 'first line\nsecond "quoted" line'


def test_rows_read_again_after_an_unclosed_quote_must_have_every_column(session):
    # A continuation line of a broken row must not become a row of its own by being padded.
    content = b'id,text,rating\n1,"broken,4\nloose words\n2,Bra,5\n'
    summary = import_feedback_file(session, content, rating="rating")
    assert list(rejected(summary)) == [2, 3]
    assert "line 2" in rejected(summary)[3]
    assert sorted(stored_feedback(session)) == ["2"]


def test_a_file_of_nothing_but_unclosed_quotes_is_rejected_line_by_line(session):
    # Each line reopens a quote: reading on after each one must stay linear, not quadratic.
    lines = 20_000
    content = b"id,text\n" + b'x","y\n' * lines + b"last,Bra\n"
    summary = import_feedback_file(session, content)
    assert len(summary.rejected) == lines
    assert summary.imported == 1


def test_an_unclosed_quote_in_the_customer_register(session):
    content = (
        b"external_ref,name,email\n"
        b"C1,Anna,anna@example.se\n"
        b'C2,"Bertil,bertil@example.se\n'  # line 3
        b"C3,Cecilia,cecilia@example.se\n"
    )
    summary = import_customer_file(session, content)
    assert (summary.imported, list(rejected(summary))) == (2, [3])
    assert stored_refs(session) == {"C1", "C3"}


# --- JSON Lines: values that cannot be stored -----------------------------------------------

DEEP = "[" * 2000 + "]" * 2000
BAD_FEEDBACK_LINES = {
    "huge-float": ('{"id": "b", "text": "ok", "rating": 1e400}', "too large"),
    "huge-integer": ('{"id": "b", "text": "ok", "rating": ' + "9" * 5000 + "}", "digits"),
    "nan": ('{"id": "b", "text": "ok", "rating": NaN}', "NaN"),
    "lone-surrogate": ('{"id": "b", "text": "\\ud800"}', "surrogate"),
    "surrogate-in-a-key": ('{"id": "b", "text": "ok", "\\udfff": 1}', "surrogate"),
    "nul-in-id": ('{"id": "b\\u0000", "text": "ok"}', "NUL"),
    "deeply-nested": (DEEP, "nested"),
    "deeply-nested-field": ('{"id": "b", "text": "ok", "x": ' + DEEP + "}", "nested"),
    "nested-below-the-recursion-limit": (
        '{"id": "b", "text": "ok", "x": ' + "[" * 990 + "]" * 990 + "}",
        "nested",
    ),
    "text-a-number": ('{"id": "b", "text": 5}', "JSON number"),
    "text-a-list": ('{"id": "b", "text": ["a"]}', "JSON array"),
    "text-an-object": ('{"id": "b", "text": {"a": 1}}', "JSON object"),
    "text-a-boolean": ('{"id": "b", "text": true}', "true or false"),
    "id-a-list": ('{"id": ["b"], "text": "ok"}', "JSON array"),
    "email-a-number": ('{"id": "b", "text": "ok", "email": 5}', "JSON number"),
}


@pytest.mark.parametrize(
    ("bad_line", "reason"), BAD_FEEDBACK_LINES.values(), ids=BAD_FEEDBACK_LINES.keys()
)
def test_one_bad_json_line_is_rejected_by_number_and_the_rest_imported(session, bad_line, reason):
    content = "\n".join(
        ['{"id": "a", "text": "Före"}', bad_line, '{"id": "c", "text": "Efter", "rating": 4}']
    ).encode()
    summary = import_feedback_file(session, content, "export.jsonl", rating="rating", email="email")
    assert summary.imported == 2
    assert list(rejected(summary)) == [2]
    assert reason in rejected(summary)[2]
    assert sorted(stored_feedback(session)) == ["a", "c"]


def test_a_nul_in_feedback_text_is_dropped_as_the_form_and_api_do(session):
    # clean_text drops control characters on every channel; the words themselves are kept.
    content = b'{"id": "a", "text": "Bra\\u0000 pris"}\n{"id": "b", "text": "Okej"}\n'
    summary = import_feedback_file(session, content, "export.jsonl")
    assert (summary.imported, summary.rejected) == (2, [])
    assert stored_feedback(session)["a"].text == "Bra pris"


def test_a_number_id_is_still_accepted(session):
    summary = import_feedback_file(session, b'{"id": 17, "text": "Bra"}\n', "export.jsonl")
    assert (summary.imported, summary.rejected) == (1, [])
    assert sorted(stored_feedback(session)) == ["17"]


BAD_CUSTOMER_LINES = {
    "nul-in-ref": ({"external_ref": "C2\u0000"}, "NUL"),
    "nul-in-name": ({"external_ref": "C2", "name": "Bo\u0000"}, "NUL"),
    "name-a-list": ({"external_ref": "C2", "name": ["Bo"]}, "JSON array"),
    "segment-an-object": ({"external_ref": "C2", "segment": {"a": 1}}, "JSON object"),
    "email-a-number": ({"external_ref": "C2", "email": 5}, "JSON number"),
    "orders-huge": ({"external_ref": "C2", "orders_count": 10**200}, "digits"),
}


@pytest.mark.parametrize(
    ("record", "reason"), BAD_CUSTOMER_LINES.values(), ids=BAD_CUSTOMER_LINES.keys()
)
def test_one_bad_customer_line_is_rejected_by_number(session, record, reason):
    lines = [{"external_ref": "C1", "name": "Anna"}, record, {"external_ref": "C3", "phone": 46}]
    content = "\n".join(json.dumps(line) for line in lines).encode()
    summary = import_customer_file(session, content, "customers.jsonl")
    assert (summary.imported, list(rejected(summary))) == (2, [2])
    assert reason in rejected(summary)[2]
    assert stored_refs(session) == {"C1", "C3"}


def test_a_bad_line_is_rejected_in_the_cli_summary(runner, tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text('{"text": "Bra"}\n{"text": "\\ud800"}\n{"text": "Okej", "rating": 1e400}\n')
    arguments = ["import", "feedback", str(path), "--source", "x", "--text-column", "text"]
    result = runner.invoke(main, args=arguments)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["imported"] == 1
    assert [item["line"] for item in summary["rejected"]] == [2, 3]
