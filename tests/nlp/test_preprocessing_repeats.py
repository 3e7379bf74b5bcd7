"""Preprocessor: a repeated text, or a word seen before, is analysed as if it were new."""

from __future__ import annotations

from dataclasses import astuple

from nlp import Preprocessor

TEXTS = [
    "Hej! Charles på kundtjänst hjälpte mig. Tack Charles",
    "Se https://example.com/order?id=1 eller mejla anna@example.se",
    "Leveransen tog 3 veckor 😡 och kostade 149 kr",
    "Leveransen tog 3 veckor 😡 och kostade 149 kr",
    "I talked to Charles yesterday. Charles said the card doesn't work!",
    "BankID funkar inte.\nFunkar aldrig",
    "",
    "!!!",
    "Hej! Charles på kundtjänst hjälpte mig. Tack Charles",
]


def test_texts_are_analysed_alike_together_and_alone() -> None:
    for language in ("auto", "sv", "en"):
        preprocessor = Preprocessor(language=language).fit(TEXTS)
        together = astuple(preprocessor.analyse(TEXTS))
        for index, text in enumerate(TEXTS):
            alone = astuple(preprocessor.analyse([text]))
            assert tuple(field[index] for field in together) == tuple(f[0] for f in alone)


def test_names_urls_and_numbers_come_out_as_before() -> None:
    analysis = Preprocessor(language="sv").fit(TEXTS).analyse(TEXTS)
    assert analysis.tokens[1] == ["se", "_url_", "mejla", "_email_"]
    assert analysis.written[1][1] == "https://example.com/order?id=1"
    assert analysis.tokens[2].count("_number_") == 2 and "😡" in analysis.tokens[2]
    # "Charles" after "Hej!" starts a sentence; the second one is a name.
    assert analysis.capitalised[0] == [False, False, False, False, True]
    assert analysis.positions[0] == [0, 2, 4, 5, 9]  # "!", "på", "mig", "." and "Tack" dropped
    assert analysis.tokens[6] == analysis.tokens[7] == []


def test_repeated_texts_share_their_analysis_but_transform_gives_lists_of_their_own() -> None:
    preprocessor = Preprocessor(language="sv").fit(TEXTS)
    analysis = preprocessor.analyse(TEXTS)
    assert analysis.tokens[2] is analysis.tokens[3] and analysis.tokens[0] is analysis.tokens[8]
    tokens = preprocessor.transform(TEXTS)
    assert tokens[2] == tokens[3] and tokens[2] is not tokens[3]
