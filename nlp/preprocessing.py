"""Turning feedback into lemma tokens with blank spaCy pipelines and lookup lemmas.

Nothing is downloaded: the tokenizers come with spaCy and the lemma tables with
spacy-lookups-data. Each text is processed in its own language (Swedish, English, or the
multilingual tokenizer for anything else). Tokens are lower-cased before the lemma lookup; each
distinct word form is looked up once per language and process, and each distinct text is
tokenised once per call (feedback repeats itself).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import spacy
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.lookups import load_lookups
from spacy.util import get_lang_class

from nlp.language import detect_language

#: Languages with their own tokenizer, stop words and lemma table; others use "xx".
PIPELINE_LANGUAGES = ("sv", "en")

#: Words that turn a statement around; kept even though they are stop words.
NEGATIONS = frozenset(
    {"inte", "ej", "icke", "inga", "inget", "ingen", "aldrig", "utan"}
    | {"not", "no", "never", "none", "nothing", "without", "cannot", "n't", "nt"}
)

#: Placeholders for tokens whose exact form carries no topic.
URL_TOKEN = "_url_"
EMAIL_TOKEN = "_email_"
NUMBER_TOKEN = "_number_"

PLACEHOLDER_TOKENS = frozenset({URL_TOKEN, EMAIL_TOKEN, NUMBER_TOKEN})


def has_words(tokens: list[str]) -> bool:
    """Whether a text has something to cluster on: a word, not only a URL, e-mail or number."""
    return any(token not in PLACEHOLDER_TOKENS for token in tokens)


_NUMBER = re.compile(r"^[+-]?[\d.,:/\s-]*\d[\d.,:/-]*(?:st|kr|sek|%|x)?$", re.IGNORECASE)
#: What ends a sentence, so that the capitalised word after it is no name.
SENTENCE_ENDS = frozenset({".", "!", "?", "…", ":", "\n"})
#: Sample size for deciding whether a corpus is in one language.
LANGUAGE_SAMPLE = 200


@lru_cache(maxsize=8)
def pipeline(language: str) -> Language:
    """A blank spaCy pipeline (tokenizer and language data only), loaded once."""
    return spacy.blank(language if language in PIPELINE_LANGUAGES else "xx")


@lru_cache(maxsize=8)
def _lemma_table(language: str):
    """spaCy's lookup table (keyed by string hashes, so it answers ``get`` but not ``items``)."""
    if language not in PIPELINE_LANGUAGES:
        return {}
    return load_lookups(language, ["lemma_lookup"]).get_table("lemma_lookup")


@lru_cache(maxsize=8)
def _language_data(language: str) -> type:
    """A language's defaults (stop words), without building its pipeline: a Swedish stop word
    list should not cost a Swedish tokenizer when every text is in English."""
    return get_lang_class(language if language in PIPELINE_LANGUAGES else "xx").Defaults


@lru_cache(maxsize=8)
def _stop_words(language: str) -> frozenset[str]:
    return frozenset(_language_data(language).stop_words) - NEGATIONS


#: Greetings, fillers and the copula spaCy's Swedish list lacks ("är"): they say nothing of
#: what a topic is about.
FILLER_WORDS = frozenset(
    {"är", "hej", "hejsan", "hallå", "ok", "okej", "hi", "hello", "hey", "okay"}
)


@lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """Words that never label a topic on their own: Swedish and English stop words, fillers
    and negations ("inte", "not"; they belong in phrases such as "funkar inte")."""
    return frozenset(
        _language_data("sv").stop_words | _language_data("en").stop_words | NEGATIONS | FILLER_WORDS
    )


def _is_emoji(text: str) -> bool:
    return all(unicodedata.category(character) in {"So", "Sk"} for character in text)


class _Lexicon:
    """What each word form of one language comes to, remembered for the process.

    A form is looked up by its spaCy ORTH id, so a doc is analysed from ``Doc.to_array``
    without making a ``Token`` per word: most of the time analysing texts went into those.
    """

    def __init__(self, language: str, lemmatize: bool, remove_stop_words: bool) -> None:
        self.lemmas = _lemma_table(language) if lemmatize else {}
        self.stop_words = _stop_words(language) if remove_stop_words else frozenset()
        #: ORTH id -> (normalised form or None, text, capitalised, ends a sentence).
        self.entries: dict[int, tuple[str | None, str, bool, bool]] = {}

    def analyse(self, doc) -> tuple[list[str], list[str], list[int], list[bool]]:
        """The kept tokens of ``doc``: normalised, as written, positions, capitalised."""
        entries, vocab = self.entries, doc.vocab
        orths = doc.to_array(ORTH).tolist()
        found = [entries.get(orth) or self._entry(vocab[orth]) for orth in orths]
        tokens, written, positions, capitalised = [], [], [], []
        for position, (form, text, capital, _) in enumerate(found):
            if form:
                tokens.append(form)
                written.append(text)
                positions.append(position)
                # A capitalised word mid-sentence: not first, and not after a sentence's end.
                capitalised.append(capital and position > 0 and not found[position - 1][3])
        return tokens, written, positions, capitalised

    def _entry(self, lexeme) -> tuple[str | None, str, bool, bool]:
        text = lexeme.orth_
        if lexeme.like_url:
            form = URL_TOKEN
        elif lexeme.like_email:
            form = EMAIL_TOKEN
        else:
            form = self._normalise(text)
        capital = text[:1].isupper() and text[1:].islower()
        entry = (form, text, capital, text.strip() in SENTENCE_ENDS)
        self.entries[lexeme.orth] = entry
        return entry

    def _normalise(self, text: str) -> str | None:
        lower = text.lower()
        if _NUMBER.match(lower):
            return NUMBER_TOKEN
        if _is_emoji(text):
            return text  # 😡 and 👍 say a lot about the feeling of a text
        if not any(character.isalpha() for character in lower):
            return None  # punctuation
        if lower in NEGATIONS:
            return lower
        if lower in self.stop_words or len(lower) < 2:
            return None
        lemma = self.lemmas.get(lower, lower)
        # The English table turns "second" into "2"; a word should stay a word.
        return lemma if any(character.isalpha() for character in lemma) else lower


@lru_cache(maxsize=16)
def _lexicon(language: str, lemmatize: bool, remove_stop_words: bool) -> _Lexicon:
    return _Lexicon(language, lemmatize, remove_stop_words)


@dataclass(frozen=True)
class Analysis:
    """What the preprocessor makes of texts.

    Attributes
    ----------
    tokens : list of list of str
        The normalised tokens of each text (lemmas, placeholders, negations, emoji).
    written : list of list of str
        The same tokens as the customer wrote them ("funkar" where the token is "funka").
    positions : list of list of int
        Where each token stood in its text (in spaCy tokens, dropped words included), so that
        a phrase is only shown where its words stood side by side.
    languages : list of str
        The pipeline language each text was processed in (sv, en or xx).
    capitalised : list of list of bool
        Whether each token was written capitalised ("Charles", not "BankID" or "ID") where a
        sentence does not start: how names show themselves.

    A text that occurs more than once (in one language) is analysed once, and its occurrences
    share these lists: read them, never change them.
    """

    tokens: list[list[str]]
    written: list[list[str]]
    positions: list[list[int]]
    languages: list[str]
    capitalised: list[list[bool]]


class Preprocessor(TransformerMixin, BaseEstimator):
    """Tokenise, lower-case and lemmatise texts, each in its own language.

    Parameters
    ----------
    language : {"auto", "sv", "en"} or str
        The corpus language. With "auto", a sample decides: a corpus that is almost all one
        language is processed in it; a mixed one is processed text by text in each text's
        detected language.
    lemmatize : bool
        Replace word forms by their lemma from spacy-lookups-data.
    remove_stop_words : bool
        Drop the language's stop words (negations are always kept).

    Attributes
    ----------
    language_ : str
        The corpus language chosen in ``fit``, or "mixed".
    """

    def __init__(
        self, language: str = "auto", lemmatize: bool = True, remove_stop_words: bool = True
    ) -> None:
        self.language = language
        self.lemmatize = lemmatize
        self.remove_stop_words = remove_stop_words

    def fit(self, texts: Sequence[str], y: object = None) -> Preprocessor:
        """Decide the corpus language (see ``language``)."""
        if self.language == "auto":
            self.language_, self.main_language_ = corpus_languages(texts)
        else:
            self.language_ = self.main_language_ = self.language
        return self

    def transform(self, texts: Sequence[str]) -> list[list[str]]:
        """Return each text as its list of normalised tokens.

        Raises ``sklearn.exceptions.NotFittedError`` before ``fit``: the texts being
        transformed never decide the corpus language (use ``fit_transform`` for that).
        """
        return [list(tokens) for tokens in self.analyse(texts).tokens]  # lists of their own

    def analyse(self, texts: Sequence[str]) -> Analysis:
        """Tokens, the words as written (parallel to the tokens) and each text's language.

        Raises ``sklearn.exceptions.NotFittedError`` before ``fit``, as ``transform`` does.
        """
        check_is_fitted(self, "language_")
        language = self.language_
        if language == "mixed":
            # Short texts are easily misjudged; the corpus's main language breaks ties.
            hint = getattr(self, "main_language_", None)
            # Feedback repeats itself ("Bra service"): each distinct text is judged once.
            detected = {text: text_language(text, hint) for text in dict.fromkeys(texts)}
            languages = [detected[text] for text in texts]
        else:
            languages = [language] * len(texts)
        # (tokens, written, positions, capitalised) of each text, filled in language by language
        analysed: list[tuple] = [()] * len(texts)
        for group in sorted(set(languages)):
            members = [i for i, lang in enumerate(languages) if lang == group]
            lexicon = _lexicon(group, self.lemmatize, self.remove_stop_words)
            distinct = list(dict.fromkeys(texts[i] for i in members))
            docs = pipeline(group).tokenizer.pipe(distinct)
            of_text = {text: lexicon.analyse(doc) for text, doc in zip(distinct, docs, strict=True)}
            for member in members:
                analysed[member] = of_text[texts[member]]
        tokens, written, places, capitalised = (
            [found[field] for found in analysed] for field in range(4)
        )
        return Analysis(tokens, written, places, languages, capitalised)


def text_language(text: str, hint: str | None = None) -> str:
    """The pipeline language for one text: sv, en or xx."""
    language = detect_language(text, hint=hint)
    return language if language in PIPELINE_LANGUAGES else "xx"


def corpus_languages(texts: Iterable[str], threshold: float = 0.95) -> tuple[str, str]:
    """The corpus language ("mixed" unless almost every sampled text shares one) and the most
    common language, judged on an even sample."""
    texts = list(texts)
    if not texts:
        return "en", "en"
    step = max(1, len(texts) // LANGUAGE_SAMPLE)
    sample = [text_language(text) for text in texts[::step][:LANGUAGE_SAMPLE]]
    top = max(set(sample), key=sample.count)
    return (top if sample.count(top) / len(sample) >= threshold else "mixed"), top


def corpus_language(texts: Iterable[str], threshold: float = 0.95) -> str:
    """The language of (almost) every text, judged on an even sample; "mixed" otherwise."""
    return corpus_languages(texts, threshold)[0]
