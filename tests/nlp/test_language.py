"""nlp.detect_language: ISO 639-1 codes for short and long feedback, with a caller's hint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp import detect_language

GOLDEN = Path(__file__).parent / "data" / "golden.jsonl"

LONG_SV = (
    "Paketet kom fram två dagar för sent och ingen på kundtjänst svarade på mina mejl, "
    "så jag fick ringa tre gånger innan någon kunde säga var det var."
)
LONG_EN = (
    "The delivery was quick and the customer service answered all my questions politely, "
    "but the app logged me out twice while I was paying."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Snabb leverans", "sv"),
        ("Appen kraschar hela tiden", "sv"),
        ("Varför är allt så dyrt?", "sv"),
        ("Fast delivery", "en"),
        ("Great app", "en"),
        ("Where is my refund?", "en"),
        (LONG_SV, "sv"),
        (LONG_EN, "en"),
    ],
)
def test_swedish_and_english_short_and_long(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_every_golden_text_is_detected_in_its_language() -> None:
    with GOLDEN.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    wrong = [(row["text"], detect_language(row["text"])) for row in rows]
    wrong = [
        (text, found)
        for (text, found), row in zip(wrong, rows, strict=True)
        if found != row["language"]
    ]
    assert wrong == []


@pytest.mark.parametrize("text", ["12345", "2026-11-23 14:30", "499,00", "", "   ", "!!! ???"])
def test_text_without_letters_is_undetermined(text: str) -> None:
    assert detect_language(text) == "und"
    assert detect_language(text, default="xx") == "xx"
    assert detect_language(text, hint="sv") == "und"


def test_other_languages_are_recognised() -> None:
    assert detect_language("Die Lieferung kam leider viel zu spät an.") == "de"
    assert detect_language("La livraison est arrivée avec une semaine de retard.") == "fr"


def test_the_candidate_languages_can_be_narrowed() -> None:
    text = "Die Lieferung kam leider viel zu spät an."
    assert detect_language(text, languages=("sv", "en")) in {"sv", "en"}


def test_a_hint_wins_over_a_weak_guess() -> None:
    assert detect_language("Bra service", hint="sv") == "sv"
    assert detect_language("Bra service", hint="en") == "en"


@pytest.mark.parametrize(
    ("text", "hint", "expected"), [(LONG_EN, "sv", "en"), (LONG_SV, "en", "sv")]
)
def test_a_strong_guess_beats_the_hint(text: str, hint: str, expected: str) -> None:
    assert detect_language(text, hint=hint) == expected
