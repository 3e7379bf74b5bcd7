"""Saving and loading fitted models (topic and polarity models), with a version stamp."""

from __future__ import annotations

import pickle
from pathlib import Path

import sklearn
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

FORMAT = "workbench-topic-model"
#: Raise when the fitted attributes change shape, so that old files are refused clearly.
FORMAT_VERSION = 1


def save_model(model: BaseEstimator, path: str | Path) -> None:
    """Write a fitted model to ``path`` (a pickle: load only files you wrote yourself)."""
    check_is_fitted(model)
    stamp = {"format": FORMAT, "version": FORMAT_VERSION, "scikit_learn": sklearn.__version__}
    with Path(path).open("wb") as handle:
        pickle.dump({"stamp": stamp, "model": model}, handle, protocol=pickle.HIGHEST_PROTOCOL)


def load_model(path: str | Path) -> BaseEstimator:
    """Read a model written by ``save_model``; refuse other files and other format versions."""
    with Path(path).open("rb") as handle:
        try:
            payload = pickle.load(handle)  # our own files only; see save_model
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError) as error:
            raise ValueError(f"{path} is not a saved topic model.") from error
    stamp = payload.get("stamp", {}) if isinstance(payload, dict) else {}
    if stamp.get("format") != FORMAT:
        raise ValueError(f"{path} is not a saved topic model.")
    if stamp.get("version") != FORMAT_VERSION:
        raise ValueError(
            f"{path} was saved in model format {stamp.get('version')}, this version reads "
            f"format {FORMAT_VERSION}: fit the model again."
        )
    return payload["model"]
