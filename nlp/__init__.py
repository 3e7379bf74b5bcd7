"""Workbench's text library: pure functions and estimators, no web or database code."""

from nlp.language import detect_language
from nlp.persistence import load_model, save_model
from nlp.polarity import PolarityModel, polarity_from_rating
from nlp.preprocessing import Preprocessor
from nlp.redaction import redact
from nlp.stability import stable_topic_ids
from nlp.topics import Topic, TopicModel

__all__ = [
    "PolarityModel",
    "Preprocessor",
    "Topic",
    "TopicModel",
    "detect_language",
    "load_model",
    "polarity_from_rating",
    "redact",
    "save_model",
    "stable_topic_ids",
]
