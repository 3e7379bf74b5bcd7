"""Security review 15-16: redaction gaps, HTML in the report's Markdown, CSV formulas, feed XML.

- Redaction: Swedish possessives of register names, personnummer-shaped numbers whatever their
  check digit, numbers announced as a personnummer, North American phone numbers.
- The study report's Markdown carries no active HTML or links from user-entered text.
- Every CSV export neutralises formulas, also after a ``;`` (Swedish spreadsheets split there).
- The Atom feed parses whatever control characters a published text holds.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from sqlmodel import select

from nlp import redact
from tests.factories import make_feedback, make_issue
from tests.studies.test_report import seed_six_sessions
from tests.transparency.conftest import publish
from workbench.spreadsheets import neutralise_formula
from workbench.studies.models import Observation
from workbench.studies.report import build_report, report_csv, report_markdown
from workbench.transparency.projections import SaidAndDone
from workbench.transparency.views import atom_feed

ATOM = "{http://www.w3.org/2005/Atom}"

# --- 15. redaction ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Vi pratade med Anna Hanssons chef.", "Vi pratade med [name] chef."),
        ("Annas paket kom aldrig.", "[name] paket kom aldrig."),
        ("Hanssons paket kom aldrig.", "[name] paket kom aldrig."),
        ("ANNAS och annas", "[name] och [name]"),
        ("Anna's parcel and Hansson\u2019s reply.", "[name] parcel and [name] reply."),
        ("Tack Anna Hansson!", "Tack [name]!"),
    ],
)
def test_swedish_and_english_possessives_of_register_names_are_masked_whole(text, expected):
    assert redact(text, names=("Anna Hansson",)) == expected


@pytest.mark.parametrize(
    "text",
    ["Annasjön och Hanssonska gården.", "Annastina och Hanssonsson.", "Vi bor i Bergsjön."],
)
def test_possessive_suffix_does_not_reach_into_longer_words(text):
    assert redact(text, names=("Anna Hansson", "Berg")) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Personnummer 19850412-1234", "Personnummer [personnummer]"),
        ("pnr 850412-1234", "pnr [personnummer]"),
        ("Mitt personnummer är 851312-1234.", "Mitt personnummer är [personnummer]."),
        ("P-nr: 8504121234, tack", "P-nr: [personnummer], tack"),
        ("Samordningsnummer 850472-1234.", "Samordningsnummer [personnummer]."),
        (
            "My personal identity number is 850412 1234.",
            "My personal identity number is [personnummer].",
        ),
        ("Personal number: 19851312-123", "Personal number: [personnummer]"),
    ],
)
def test_a_number_announced_as_a_personnummer_is_masked_whatever_its_checksum(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "number",
    ["850412-1234", "850412+1234", "19850412-1234", "198504121234", "8504121234", "850472-1234"],
)
def test_a_personnummer_shaped_number_is_masked_whatever_its_checksum(number):
    assert redact(f"Numret {number} stod på lappen.") == "Numret [personnummer] stod på lappen."


@pytest.mark.parametrize(
    "phone",
    [
        "(555) 123-4567",
        "(555)123-4567",
        "555-123-4567",
        "555.123.4567",
        "+1 555 123 4567",
        "+1 (555) 123-4567",
        "1-555-123-4567",
    ],
)
def test_north_american_phone_numbers_are_masked(phone):
    assert redact(f"Call me at {phone}, thanks.") == "Call me at [phone], thanks."


@pytest.mark.parametrize(
    "text",
    [
        "Soffan kostade 249 kr.",
        "Vi ses 2026.",
        "Leverans 2026-11-03 kl 14:30.",
        "Order 48213 för 1 299 kr, 2 x 500 ml.",
        "Personnumret fick jag aldrig frågan om, 3 gånger.",
        "Beställde 12 st för 4 999 kr 2026-11-03.",
    ],
)
def test_ordinary_numbers_are_left_alone(text):
    assert redact(text) == text


# --- 16a. the report's Markdown -----------------------------------------------------------------

ATTACKS = (
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![x](https://evil.example/x.png)",
    "<script>alert(1)</script>",
    "<https://evil.example>",
    "\\[escaped](javascript:alert(2))",
)


@pytest.fixture
def hostile_markdown(session) -> str:
    seeded = seed_six_sessions(session)
    seeded.study.title = "Study <b>bold</b> & co"
    seeded.study.research_goal = "[goal](javascript:alert(3))"
    # Issues A-E are findings; F, seen by the no-show only, is not in the report.
    for issue, attack in zip(seeded.issues.values(), ATTACKS[:5], strict=False):
        issue.title = attack
    quote = session.exec(select(Observation).where(Observation.note == "I gave up here.")).one()
    quote.note = " ".join(ATTACKS) + " Tom & Jerry"
    session.flush()
    return report_markdown(build_report(session, seeded.study))


def test_report_markdown_carries_no_raw_html(hostile_markdown):
    for needle in ("<img", "<script", "<b>", "<https:"):
        assert needle not in hostile_markdown
    assert "&lt;img src=x onerror=alert(1)&gt;" in hostile_markdown
    assert "Study &lt;b&gt;bold&lt;/b&gt; &amp; co" in hostile_markdown
    assert "Tom &amp; Jerry" in hostile_markdown
    assert "](javascript:" not in hostile_markdown.replace("\\](javascript:", "")


def test_report_markdown_renders_no_html_or_links(hostile_markdown):
    markdown_it = pytest.importorskip("markdown_it")
    html = (
        markdown_it.MarkdownIt("commonmark", {"html": True})
        .enable("table")
        .render(hostile_markdown)
    )
    for needle in ("<img", "<script", "<a ", "<b>", "href="):
        assert needle not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown as text, not dropped
    assert "<blockquote>" in html and "<table>" in html  # the report's own structure stays


# --- 16b. CSV formulas --------------------------------------------------------------------------

TRIGGERS = "=+-@"


def active_segments(cell: str) -> list[str]:
    """Pieces a spreadsheet could read as a formula: the cell and what follows ``;`` or a line
    break (a Swedish spreadsheet splits a comma-separated file on ``;``)."""
    return [
        piece
        for piece in re.split(r"[;\t\r\n]", cell)
        if piece.lstrip(' \t\r\n"')[:1] in tuple(TRIGGERS)
    ] + ([cell] if cell[:1] in ("\t", "\r") else [])


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ('ok;=HYPERLINK("http://evil")', 'ok;\'=HYPERLINK("http://evil")'),
        ("text;=cmd|' /C calc'!A0", "text;'=cmd|' /C calc'!A0"),
        ("a; =1+1", "a;' =1+1"),
        ('a;"=1+1"', 'a;\'"=1+1"'),
        ("  =1+1", "'  =1+1"),
        ("\t=1+1", "'\t'=1+1"),
        ("\r=1+1", "'\r'=1+1"),
        ("\tplain", "'\tplain"),
        ("x;@SUM(A1)", "x;'@SUM(A1)"),
        ("x;+1;-2", "x;'+1;'-2"),
        ("rad ett\n=1+1", "rad ett\n'=1+1"),
        ("a\t=1+1", "a\t'=1+1"),
    ],
)
def test_the_guard_neutralises_formulas_also_after_a_semicolon(cell, expected):
    assert neutralise_formula(cell) == expected
    assert active_segments(neutralise_formula(cell)) == []


@pytest.mark.parametrize(
    "cell", ["Bra; snabb leverans", "2026-11-03", "249 kr", "a-b", "", "x=1", "P1; P2", "3"]
)
def test_the_guard_leaves_ordinary_cells_alone(cell):
    assert neutralise_formula(cell) == cell


def test_the_guard_is_idempotent_on_its_own_output():
    cell = "ok;=1+1\n@x"
    once = neutralise_formula(cell)
    assert neutralise_formula(once) == once


ATTACK_CELL = 'ok;=HYPERLINK("http://evil";"x")'


def test_feedback_export_neutralises_semicolon_formulas(client, auth, session):
    make_feedback(session, text=ATTACK_CELL, source=" ;@src")
    session.commit()
    auth.login("viewer")
    response = client.get("/feedback/export.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[1][-1] == 'ok;\'=HYPERLINK("http://evil";"x")'
    for cell in rows[1]:
        assert active_segments(cell) == [], cell


def test_study_report_csv_neutralises_semicolon_formulas(session):
    seeded = seed_six_sessions(session)
    seeded.issues["A"].title = ATTACK_CELL
    seeded.issues["B"].title = "\t=1+1"  # a tab is a separator too
    rows = list(csv.reader(io.StringIO(report_csv(build_report(session, seeded.study)))))
    titles = [row[1] for row in rows[1:]]
    assert 'ok;\'=HYPERLINK("http://evil";"x")' in titles and "'\t'=1+1" in titles
    for row in rows:
        for cell in row:
            assert active_segments(cell) == [], cell


def test_there_is_one_formula_guard():
    from workbench.feedback import inbox
    from workbench.studies import report_export

    assert inbox.neutralise_formula is neutralise_formula
    assert report_export.neutralise_formula is neutralise_formula


# --- 16c. the Atom feed -------------------------------------------------------------------------

# NUL and lone surrogates cannot be stored in every database: those go straight to atom_feed.
STORABLE_CONTROLS = "".join(map(chr, [1, 2, 7, 8, 0x0B, 0x0C, 0x0E, 0x1B, 0x1F, 0xFFFE]))


def test_the_feed_parses_with_control_characters_in_published_text(client, session):
    publish(
        session,
        make_issue(session),
        title=f"Sena{STORABLE_CONTROLS} leveranser",
        answer=f"Ny\x01 transportör.\x1f\nRad två\ttab.{STORABLE_CONTROLS}",
    )
    session.commit()
    for language in ("sv", "en"):
        feed = ElementTree.fromstring(client.get(f"/transparency/feed.atom?lang={language}").data)
        (entry,) = feed.findall(f"{ATOM}entry")
        # The public title's whitespace is collapsed; some controls count as whitespace there.
        assert " ".join(entry.findtext(f"{ATOM}title").split()) == "Sena leveranser"
        assert entry.findtext(f"{ATOM}content") == "Ny transportör.\nRad två\ttab."


def test_atom_feed_strips_what_xml_cannot_hold(app):
    hostile = "A\x00B\x08C\x0bD\ud800E\udfffF\ufffeG\uffffH\x7fI\U0001f600"
    entry = SaidAndDone(
        issue_id=1, title=hostile, answer=hostile, status="done", updated_at=datetime.now(UTC)
    )
    app.config["BASE_URL"] = app.config["BASE_URL"] or "https://feedback.example.com"
    with app.app_context():
        body = atom_feed("sv", (entry,))
    feed = ElementTree.fromstring(body)
    (parsed,) = feed.findall(f"{ATOM}entry")
    assert parsed.findtext(f"{ATOM}title") == "ABCDEFGH\x7fI\U0001f600"
    assert parsed.findtext(f"{ATOM}content") == "ABCDEFGH\x7fI\U0001f600"
