"""Language identification with Lingua, whose models ship inside the package."""

from __future__ import annotations

from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

#: Languages the detector chooses between. Swedish and English are the product's languages;
#: the neighbours are there so that Danish or German text is not forced into one of them.
#: Norwegian is left out on purpose: short Swedish sentences are too often taken for Bokmål.
CANDIDATE_LANGUAGES = ("sv", "en", "da", "de", "fi", "fr", "es")

UNDETERMINED = "und"


@lru_cache(maxsize=4)
def _detector(languages: tuple[str, ...]) -> LanguageDetector:
    codes = [
        Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in languages
    ]
    return LanguageDetectorBuilder.from_languages(*codes).with_preloaded_language_models().build()


#: Below this confidence the best guess is too weak to beat a caller's hint.
WEAK_CONFIDENCE = 0.5


def detect_language(
    text: str,
    languages: tuple[str, ...] = CANDIDATE_LANGUAGES,
    default: str = UNDETERMINED,
    hint: str | None = None,
) -> str:
    """Return the ISO 639-1 code of the language ``text`` is written in.

    Parameters
    ----------
    text : str
        Any text; short texts such as "Bra service" work too.
    languages : tuple of str
        ISO 639-1 codes to choose between.
    default : str
        Returned when the text has no letters to judge by.
    hint : str, optional
        The language the text is expected in (a Swedish form, say). It wins when the detector's
        best guess is weak, so that "Bra service" on a Swedish form stays Swedish.

    Returns
    -------
    str
        A code from ``languages``, or ``default``.
    """
    if not any(character.isalpha() for character in text):
        return default
    confidences = _detector(tuple(languages)).compute_language_confidence_values(text)
    best = confidences[0]
    if hint and best.value < WEAK_CONFIDENCE:
        return hint
    return best.language.iso_code_639_1.name.lower()
