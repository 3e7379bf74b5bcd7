"""Benchmark: language identification (nlp.detect_language) on the demo feedback.

The demo feedback (written by us, labelled sv or en) has 334 texts of 3 to 72 words; 40 more
texts of two to four words are below. Reports accuracy overall and on short texts (five words
or fewer), with and without the form's language as a hint, and the time per text once the
models are loaded.
"""

from __future__ import annotations

import json
import time

from bench.common import ROOT
from nlp import detect_language

# Short feedback as customers write it (ours, labelled by hand): where identifiers struggle.
SHORT_TEXTS = [
    ("sv", "Bra service"), ("sv", "Snabb leverans"), ("sv", "Helt ok"), ("sv", "Tack!"),
    ("sv", "Funkar inte"), ("sv", "Appen kraschar"), ("sv", "För dyrt"), ("sv", "Trasig vara"),
    ("sv", "Kom aldrig fram"), ("sv", "Mycket nöjd"), ("sv", "Dålig kundtjänst"),
    ("sv", "Kan inte logga in"), ("sv", "Returen strular"), ("sv", "Toppen"),
    ("sv", "Fel storlek"), ("sv", "Bäst i test"), ("sv", "Lång väntetid"), ("sv", "Smidigt köp"),
    ("sv", "Inga problem"), ("sv", "Bra pris"),
    ("en", "Great service"), ("en", "Fast delivery"), ("en", "Not bad"), ("en", "Thanks!"),
    ("en", "Doesn't work"), ("en", "App keeps crashing"), ("en", "Too expensive"),
    ("en", "Arrived broken"), ("en", "Never arrived"), ("en", "Very happy"),
    ("en", "Rude support"), ("en", "Can't log in"), ("en", "Refund took ages"), ("en", "Love it"),
    ("en", "Wrong size"), ("en", "Best shop ever"), ("en", "Long wait"), ("en", "Easy checkout"),
    ("en", "No problems"), ("en", "Good price"),
]  # fmt: skip


def run() -> dict:
    items = [
        json.loads(line)
        for line in (ROOT / "fixtures" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    started = time.perf_counter()
    detect_language("Tack för en snabb leverans")
    load_seconds = time.perf_counter() - started
    short = [item for item in items if len(item["text"].split()) <= 5]
    short += [{"language": language, "text": text} for language, text in SHORT_TEXTS]

    def accuracy(subset: list[dict], hinted: bool) -> float:
        right = sum(
            detect_language(item["text"], hint=item["language"] if hinted else None)
            == item["language"]
            for item in subset
        )
        return round(right / len(subset), 3)

    started = time.perf_counter()
    for item in items:
        detect_language(item["text"])
    per_text_ms = (time.perf_counter() - started) / len(items) * 1000
    wrong = [
        {"text": item["text"], "label": item["language"], "detected": detect_language(item["text"])}
        for item in items
        if detect_language(item["text"]) != item["language"]
    ]
    return {
        "texts": len(items),
        "short_texts": len(short),
        "accuracy": accuracy(items, hinted=False),
        "accuracy_short": accuracy(short, hinted=False),
        "accuracy_with_hint": accuracy(items, hinted=True),
        "accuracy_short_with_hint": accuracy(short, hinted=True),
        "ms_per_text": round(per_text_ms, 3),
        "model_load_seconds": round(load_seconds, 2),
        "wrong_without_hint": wrong[:10],
        "short_wrong_without_hint": [
            item["text"] for item in short if detect_language(item["text"]) != item["language"]
        ],
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
