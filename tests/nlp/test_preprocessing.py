"""nlp.Preprocessor: lemma tokens in each text's own language, placeholders, negations kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from nlp import Preprocessor

GOLDEN = Path(__file__).parent / "data" / "golden.jsonl"

SWEDISH = [
    "Leveranserna kom aldrig fram till mitt ombud.",
    "Jag har inte fått tillbaka pengarna för returen.",
    "Appen kraschar varje gång jag loggar in.",
    "Priserna är alldeles för höga.",
]
ENGLISH = [
    "My cards were declined when I tried to pay.",
    "The parcel never arrived and nobody answers.",
    "I can't log in to the app since the update.",
    "Your prices are far too high.",
]


def tokens(text: str, language: str = "auto") -> list[str]:
    return Preprocessor(language=language).fit_transform([text])[0]


# --- lemmas, stop words, negations -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "lemma"),
    [
        ("Cards", "en", "card"),
        ("CARDS", "en", "card"),
        ("Parcels", "en", "parcel"),
        ("Leveranserna", "sv", "leverans"),
        ("LEVERANSERNA", "sv", "leverans"),
        ("Paketen", "sv", "paket"),
    ],
)
def test_tokens_are_lower_cased_before_the_lemma_lookup(
    text: str, language: str, lemma: str
) -> None:
    assert tokens(text, language) == [lemma]


@pytest.mark.parametrize(
    ("text", "language", "negations"),
    [
        ("Jag vill inte ha fler paket, aldrig igen.", "sv", ["inte", "aldrig"]),
        ("Det kom inga paket och ingen svarade.", "sv", ["inga", "ingen"]),
        ("I will never order again, it is not good.", "en", ["never", "not"]),
        ("No parcel, no answer.", "en", ["no", "no"]),
    ],
)
def test_negations_are_kept(text: str, language: str, negations: list[str]) -> None:
    found = tokens(text, language)
    assert [token for token in found if token in set(negations)] == negations


@pytest.mark.parametrize(
    ("text", "language", "stop_words", "content"),
    [
        (
            "Jag och min man har väntat på det här paketet.",
            "sv",
            {"jag", "och", "min", "har", "på", "det", "här"},
            {"vänta", "paket"},
        ),
        (
            "The parcel was at the wrong pickup point and it is still there.",
            "en",
            {"the", "was", "at", "and", "it", "is", "still", "there"},
            {"parcel", "wrong", "pickup", "point"},
        ),
    ],
)
def test_stop_words_are_removed(
    text: str, language: str, stop_words: set[str], content: set[str]
) -> None:
    found = set(tokens(text, language))
    assert not found & stop_words
    assert content <= found


def test_stop_words_and_lemmas_can_be_kept() -> None:
    preprocessor = Preprocessor(language="en", lemmatize=False, remove_stop_words=False)
    assert preprocessor.fit_transform(["The cards were declined."]) == [
        ["the", "cards", "were", "declined"]
    ]


# --- placeholders, emoji, punctuation ----------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["https://nordhem.se/hjalp?order=123", "http://example.com", "www.nordhem.se/retur"]
)
def test_urls_become_a_placeholder(url: str) -> None:
    assert tokens(f"Läs mer på {url} om returer", "sv") == ["läsa", "_url_", "retur"]


@pytest.mark.parametrize("email", ["anna.berg@example.com", "kundtjanst@nordhem.se"])
def test_emails_become_a_placeholder(email: str) -> None:
    found = tokens(f"Write to {email} about the refund", "en")
    assert "_email_" in found
    assert "refund" in found
    assert not [token for token in found if "@" in token]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The jacket cost 499 last week", "en"),
        ("Jackan kostade 499 förra veckan", "sv"),
        ("It arrived on 2026-11-23 in the end", "en"),
        ("Paketet kom 2026-11-23 till slut", "sv"),
        ("Delivered on 23/11 at 14:30", "en"),
        ("Order 12345 is missing", "en"),
        ("Priset höjdes med 15%", "sv"),
        ("Det kostade 1 299,50 kr", "sv"),
    ],
)
def test_numbers_prices_and_dates_become_a_placeholder(text: str, language: str) -> None:
    found = tokens(text, language)
    assert "_number_" in found
    assert not [token for token in found if any(character.isdigit() for character in token)]


def test_emoji_are_kept_as_tokens() -> None:
    assert tokens("Terrible service 😡 but fast delivery 👍", "en") == [
        "terrible",
        "service",
        "😡",
        "fast",
        "delivery",
        "👍",
    ]
    assert "😡" in tokens("Paketet kom aldrig 😡😡", "sv")


def test_punctuation_is_dropped() -> None:
    found = tokens('Hello!!! Where is my parcel?? ... — "late"; (again)', "en")
    assert found == ["hello", "parcel", "late"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_text_gives_no_tokens(text: str) -> None:
    assert Preprocessor().fit_transform([text]) == [[]]
    assert Preprocessor(language="sv").fit_transform([text, "Paketet kom aldrig"])[0] == []


def test_text_without_words_gives_no_tokens() -> None:
    assert Preprocessor(language="en").fit_transform(["!!! ... ???"]) == [[]]


# --- languages ---------------------------------------------------------------------------------


def test_a_mixed_corpus_is_processed_text_by_text() -> None:
    texts = [text for pair in zip(SWEDISH, ENGLISH, strict=True) for text in pair]
    preprocessor = Preprocessor().fit(texts)
    assert preprocessor.language_ == "mixed"
    result = dict(zip(texts, preprocessor.transform(texts), strict=True))
    assert "leverans" in result[SWEDISH[0]]  # Swedish lemma table
    assert "card" in result[ENGLISH[0]]  # English lemma table, same corpus
    assert "decline" in result[ENGLISH[0]]
    assert "och" not in result[ENGLISH[1]]
    assert "and" not in result[ENGLISH[1]]  # English stop words for the English text
    assert "jag" not in result[SWEDISH[1]]  # Swedish stop words for the Swedish text
    assert "inte" in result[SWEDISH[1]]
    assert "never" in result[ENGLISH[1]]


def test_the_golden_set_is_mixed() -> None:
    with GOLDEN.open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for line in handle if line.strip()]
    assert Preprocessor().fit(texts).language_ == "mixed"


@pytest.mark.parametrize(("texts", "language"), [(SWEDISH, "sv"), (ENGLISH, "en")])
def test_a_one_language_corpus_is_processed_in_that_language(
    texts: list[str], language: str
) -> None:
    assert Preprocessor().fit(texts).language_ == language


def test_a_forced_language_applies_to_every_text() -> None:
    preprocessor = Preprocessor(language="sv").fit(ENGLISH)
    assert preprocessor.language_ == "sv"
    found = preprocessor.transform([ENGLISH[0]])[0]
    assert "cards" in found  # no English lemma table
    assert "card" not in found
    assert "my" in found  # English stop words are not Swedish ones
    assert Preprocessor(language="sv").fit_transform(["Leveranserna"]) == [["leverans"]]


def test_transform_keeps_the_language_chosen_in_fit() -> None:
    preprocessor = Preprocessor().fit(SWEDISH)
    assert preprocessor.language_ == "sv"
    # an English text now goes through the Swedish pipeline: no English lemma
    assert "cards" in preprocessor.transform([ENGLISH[0]])[0]


@pytest.mark.parametrize("method", ["transform", "analyse"])
def test_transform_and_analyse_refuse_to_run_before_fit(method: str) -> None:
    """The texts being transformed never decide the corpus language: only fit does."""
    preprocessor = Preprocessor()
    with pytest.raises(NotFittedError):
        getattr(preprocessor, method)(["Leveranserna kom aldrig fram till mitt ombud."])
    assert not hasattr(preprocessor, "language_")


def test_fit_transform_decides_the_language_then_transforms() -> None:
    preprocessor = Preprocessor()
    text = "Leveranserna kom aldrig fram till mitt ombud."
    assert preprocessor.fit_transform([text]) == [["leverans", "aldrig", "ombud"]]
    assert preprocessor.language_ == "sv"
    assert preprocessor.transform([text]) == [["leverans", "aldrig", "ombud"]]


GERMAN = [
    "Die Lieferung kam leider viel zu spät an.",
    "Das Paket ist nicht angekommen, schade.",
]


def test_other_languages_fall_back_without_crashing() -> None:
    preprocessor = Preprocessor().fit(GERMAN)
    assert preprocessor.language_ not in {"sv", "en", "mixed"}
    first, second = preprocessor.transform(GERMAN)
    assert {"lieferung", "spät"} <= set(first)
    assert {"paket", "angekommen"} <= set(second)
    assert "." not in first


def test_a_german_text_in_a_mixed_corpus_is_kept() -> None:
    texts = [*SWEDISH, *ENGLISH, GERMAN[0]]
    result = Preprocessor().fit_transform(texts)
    assert {"lieferung", "spät"} <= set(result[-1])
    assert "leverans" in result[0]
    assert "card" in result[len(SWEDISH)]


def test_a_forced_unknown_language_works() -> None:
    assert "lieferung" in Preprocessor(language="de").fit_transform(GERMAN)[0]


def test_the_preprocessor_clones_and_keeps_its_parameters() -> None:
    preprocessor = Preprocessor(language="sv", lemmatize=False)
    copy = clone(preprocessor.fit(SWEDISH))
    assert copy.get_params() == {"language": "sv", "lemmatize": False, "remove_stop_words": True}
    assert not hasattr(copy, "language_")


def test_analyse_keeps_written_words_and_places_in_a_mixed_corpus() -> None:
    texts = [
        "Appen funkar inte alls när jag loggar in",
        "The parcel never arrived and nobody answers",
        "Leveransen tog tre veckor",
    ] * 3
    analysis = Preprocessor(language="auto").fit(texts).analyse(texts)
    for text, tokens, written, places in zip(
        texts, analysis.tokens, analysis.written, analysis.positions, strict=True
    ):
        assert len(tokens) == len(written) == len(places) > 0
        assert places == sorted(places)
        assert all(word in text for word in written)
    swedish = analysis.written[0]
    assert "funkar" in swedish and "inte" in swedish  # as written, next to each other
    assert analysis.positions[0][swedish.index("inte")] == (
        analysis.positions[0][swedish.index("funkar")] + 1
    )
