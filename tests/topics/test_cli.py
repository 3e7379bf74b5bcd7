"""``workbench topics fit``: topics for every row of a CSV or JSON Lines file, no database."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nlp.representation import semantic_available
from workbench.cli import main

DELIVERY = [
    "The parcel arrived three days late",
    "Delivery was late again this week",
    "My package never arrived at the door",
    "The courier left the parcel at the wrong address",
    "Shipping took two weeks, far too slow",
    "Late delivery and no tracking updates",
    "The parcel was delayed without any notice",
    "Slow shipping, the package came a week late",
    "Delivery took much longer than promised",
    "The tracking said delivered but no parcel arrived",
    "Courier was late and the parcel was damaged",
    "Shipping was slow and the delivery date kept moving",
    "Package arrived late and the box was crushed",
    "The delivery was delayed twice",
]
LOGIN = [
    "I cannot log in to the app",
    "The app crashes when I try to log in",
    "Login fails with an error every morning",
    "Password reset email never comes so I cannot log in",
    "The app freezes on the login screen",
    "Cannot sign in after the latest app update",
    "The app keeps logging me out",
    "Login button does nothing in the app",
    "App crashes right after login",
    "Two-factor code is rejected at login",
    "The app shows an error when I sign in",
    "I get logged out of the app all the time",
    "Login page crashes on my phone",
]
PRICE = [
    "The price is far too high",
    "Prices went up again, too expensive",
    "Too expensive compared to other shops",
    "Great value for the price",
    "The subscription price doubled this year",
    "Expensive shipping fees and high prices",
    "I love the low prices",
    "Price increase without any warning",
    "Cheaper elsewhere, your prices are too high",
    "Good quality but the price is steep",
    "The new price plan is too expensive for me",
    "Prices are fair and the discounts are good",
    "The monthly fee is too expensive",
]
TEXTS = DELIVERY + LOGIN + PRICE
SUMMARY = re.compile(
    r"^(\d+) texts, (\d+) topics, (\d+\.\d)% unclear"
    r"(?: \((\d+) empty or unreadable\))?, (\d+\.\d) s$"
)


@pytest.fixture
def runner(tmp_path: Path) -> CliRunner:
    # A database URL in a folder that does not exist: any use of the database would fail.
    database = tmp_path / "no-such-folder" / "workbench.db"
    return CliRunner(
        env={"WORKBENCH_DATABASE_URL": f"sqlite:///{database}", "WORKBENCH_TESTING": "1"}
    )


def fit(runner: CliRunner, *args: str):
    return runner.invoke(main, ["topics", "fit", *args])


SKIP_SEMANTIC = "the semantic extra is not installed (pip install '.[semantic]')"


def write_csv(path: Path, texts: list[str], header: str = "id;text") -> Path:
    lines = [header] + [f"{number};{text}" for number, text in enumerate(texts, start=1)]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    return path


def write_jsonl(path: Path, records: list[dict]) -> Path:
    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_assignments(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def files_in(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}


def test_fits_a_semicolon_csv_with_bom_without_any_database(runner, tmp_path):
    source = write_csv(tmp_path / "feedback.csv", TEXTS)
    out, topics_out = tmp_path / "out.csv", tmp_path / "topics.json"

    result = fit(
        runner,
        str(source),
        "--text-column",
        "text",
        "--out",
        str(out),
        "--topics-out",
        str(topics_out),
    )

    assert result.exit_code == 0, result.output
    assert not (tmp_path / "no-such-folder").exists()
    rows = read_assignments(out)
    assert rows[0] == ["row", "topic", "polarity"]
    assert [int(row) for row, _, _ in rows[1:]] == list(range(len(TEXTS)))
    assert {polarity for _, _, polarity in rows[1:]} <= {"negative", "neutral", "positive"}
    labels = [int(topic) for _, topic, _ in rows[1:]]
    assert all(label >= -1 for label in labels)

    document = json.loads(topics_out.read_text(encoding="utf-8"))
    topics = document["topics"]
    assert topics and document["texts"] == len(TEXTS)
    assert document["unclear"] == labels.count(-1)
    assert {topic["id"] for topic in topics} == set(labels) - {-1}
    for topic in topics:
        assert set(topic) == {"id", "label", "polarity", "keywords", "size", "representative_rows"}
        assert isinstance(topic["label"], str) and topic["label"]
        assert all(
            isinstance(word, str) and isinstance(weight, float)
            for word, weight in topic["keywords"]
        )
        assert topic["size"] == labels.count(topic["id"])
        assert topic["representative_rows"]
        assert all(labels[row] == topic["id"] for row in topic["representative_rows"])

    lines = result.stdout.splitlines()
    assert len(lines) == 1
    match = SUMMARY.match(lines[0])
    assert match, lines[0]
    assert int(match[1]) == len(TEXTS)
    assert int(match[2]) == len(topics)
    assert float(match[3]) == pytest.approx(100 * labels.count(-1) / len(TEXTS), abs=0.05)
    assert match[4] is None
    assert result.stderr == ""  # no progress when stderr is not a terminal
    assert files_in(tmp_path) == {"feedback.csv", "out.csv", "topics.json"}


def test_the_same_seed_gives_the_same_topics_and_at_most_n_topics(runner, tmp_path):
    source = write_csv(tmp_path / "feedback.csv", TEXTS)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    for out in (first, second):
        result = fit(
            runner,
            str(source),
            "--text-column",
            "text",
            "--topics",
            "3",
            "--random-state",
            "7",
            "--language",
            "en",
            "--out",
            str(out),
        )
        assert result.exit_code == 0, result.output

    assert first.read_bytes() == second.read_bytes()
    labels = {int(topic) for _, topic, _ in read_assignments(first)[1:]}
    assert labels - {-1} and labels <= {-1, 0, 1, 2}
    assert SUMMARY.match(result.stdout.strip())[2] in {"1", "2", "3"}


def test_json_lines_rows_without_text_or_unreadable_get_minus_one(runner, tmp_path):
    records = [{"id": index, "comment": text} for index, text in enumerate(TEXTS)]
    records[3] = {"id": 3, "comment": "   "}
    records[5] = {"id": 5}
    records[8] = {"id": 8, "comment": None}
    source = write_jsonl(tmp_path / "feedback.jsonl", records)
    with source.open("a", encoding="utf-8") as handle:  # row 40, line 41: not JSON
        handle.write("{not json\n")
    out, topics_out = tmp_path / "out.csv", tmp_path / "topics.json"

    result = fit(
        runner,
        str(source),
        "--text-column",
        "comment",
        "--out",
        str(out),
        "--topics-out",
        str(topics_out),
    )

    assert result.exit_code == 0, result.output
    rows = read_assignments(out)[1:]
    assert len(rows) == len(TEXTS) + 1
    assert [int(row) for row, _, _ in rows] == list(range(len(TEXTS) + 1))
    labels = [int(topic) for _, topic, _ in rows]
    assert [labels[index] for index in (3, 5, 8, len(TEXTS))] == [-1, -1, -1, -1]
    assert "Line 41: Not valid JSON" in result.stderr
    match = SUMMARY.match(result.stdout.strip())
    assert match, result.stdout
    assert int(match[1]) == len(TEXTS) + 1
    assert int(match[4]) == 4
    document = json.loads(topics_out.read_text(encoding="utf-8"))
    assert document["empty_or_unreadable"] == 4
    representative = {row for topic in document["topics"] for row in topic["representative_rows"]}
    assert not representative & {3, 5, 8, len(TEXTS)}


def test_an_empty_text_in_a_csv_row_gets_minus_one(runner, tmp_path):
    source = write_csv(tmp_path / "feedback.csv", [*TEXTS[:10], "", *TEXTS[10:]])
    out = tmp_path / "out.csv"

    result = fit(runner, str(source), "--text-column", "text", "--out", str(out))

    assert result.exit_code == 0, result.output
    rows = read_assignments(out)[1:]
    assert len(rows) == len(TEXTS) + 1
    assert rows[10] == ["10", "-1", ""]  # no text: no topic and no polarity
    assert "(1 empty or unreadable)" in result.stdout


# Errors: exit code 1, a message that says what to do, and no output file --------------------


def assert_refused(result, folder: Path, *expected: str, kept: set[str]) -> None:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    for text in expected:
        assert text in result.stderr
    assert "Traceback" not in result.output
    assert files_in(folder) == kept  # no output, no temporary file left behind


def test_a_missing_column_names_the_columns_the_file_has(runner, tmp_path):
    source = write_csv(tmp_path / "feedback.csv", TEXTS, header="id;kommentar")

    result = fit(runner, str(source), "--text-column", "text", "--out", str(tmp_path / "out.csv"))

    assert_refused(result, tmp_path, "no column 'text'", "'id', 'kommentar'", kept={"feedback.csv"})


def test_a_missing_json_field_names_the_fields_the_file_has(runner, tmp_path):
    source = write_jsonl(tmp_path / "feedback.jsonl", [{"id": 1, "body": text} for text in TEXTS])

    result = fit(runner, str(source), "--text-column", "text", "--out", str(tmp_path / "out.csv"))

    assert_refused(result, tmp_path, "'text'", "'id', 'body'", kept={"feedback.jsonl"})


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf\r\n  \n", "must name the columns"),
        (b"id;text\n", "at least 2 texts"),
        (b"id;text\n1;Only one text here\n2;\n", "at least 2 texts"),
        ("id;kommentar_å\n1;hej\n".encode("latin-1"), "not UTF-8"),
        ("id;text\n1;Leveransen var sen\n2;För dyrt\n".encode("latin-1"), "not UTF-8"),
        ("id;text\n1;Bra\n".encode("utf-16"), "not UTF-8"),
    ],
    ids=["empty", "blank", "header-only", "one-text", "latin1-header", "latin1-rows", "utf16"],
)
def test_unusable_files_are_refused(runner, tmp_path, content, expected):
    source = tmp_path / "feedback.csv"
    source.write_bytes(content)

    result = fit(runner, str(source), "--text-column", "text", "--out", str(tmp_path / "out.csv"))

    assert_refused(result, tmp_path, expected, kept={"feedback.csv"})


def test_a_missing_input_file_is_refused(runner, tmp_path):
    result = fit(
        runner,
        str(tmp_path / "nope.csv"),
        "--text-column",
        "text",
        "--out",
        str(tmp_path / "out.csv"),
    )

    assert_refused(result, tmp_path, "No such file", kept=set())


@pytest.mark.skipif(not semantic_available(), reason=SKIP_SEMANTIC)
def test_the_semantic_engine_fits_a_file(runner, tmp_path):
    source = write_csv(tmp_path / "feedback.csv", TEXTS)
    out = tmp_path / "out.csv"
    result = fit(
        runner, str(source), "--text-column", "text", "--engine", "semantic", "--topics", "3",
        "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "row,topic,polarity" and len(rows) == len(TEXTS) + 1


def test_a_missing_semantic_extra_gives_a_clear_error_and_leaves_outputs_untouched(tmp_path):
    """Run the command in a process where the extra cannot be imported."""
    source = write_csv(tmp_path / "feedback.csv", TEXTS)
    out = tmp_path / "out.csv"
    out.write_text("row,topic\n0,5\n", encoding="utf-8")
    block = "import sys; sys.modules['sentence_transformers'] = None; "
    run = "from workbench.cli import main; main()"
    arguments = ["topics", "fit", str(source), "--text-column", "text", "--engine", "semantic"]
    arguments += ["--out", str(out)]
    env = {**os.environ, "WORKBENCH_TESTING": "1"}
    result = subprocess.run(
        [sys.executable, "-c", block + run, *arguments], capture_output=True, text=True, env=env
    )
    assert result.returncode == 1
    assert "pip install '.[semantic]'" in result.stderr
    assert out.read_text(encoding="utf-8") == "row,topic\n0,5\n"


def test_an_existing_out_file_is_left_untouched_on_error(runner, tmp_path):
    source = write_csv(tmp_path / "feedback.csv", TEXTS, header="id;body")
    out = tmp_path / "out.csv"
    out.write_text("keep me\n", encoding="utf-8")

    result = fit(runner, str(source), "--text-column", "text", "--out", str(out))

    assert_refused(result, tmp_path, "no column 'text'", kept={"feedback.csv", "out.csv"})
    assert out.read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize(
    ("out", "topics_out", "expected"),
    [
        ("missing/out.csv", None, "does not exist"),
        ("feedback.csv", None, "is the input file"),
        ("out.csv", "out.csv", "used twice"),
    ],
    ids=["no-folder", "over-input", "same-file"],
)
def test_unwritable_outputs_are_refused_before_fitting(runner, tmp_path, out, topics_out, expected):
    source = write_csv(tmp_path / "feedback.csv", TEXTS)
    before = source.read_bytes()
    options = ["--topics-out", str(tmp_path / topics_out)] if topics_out else []

    result = fit(
        runner, str(source), "--text-column", "text", "--out", str(tmp_path / out), *options
    )

    assert_refused(result, tmp_path, expected, kept={"feedback.csv"})
    assert source.read_bytes() == before


@pytest.mark.parametrize("value", ["0", "-2", "abc", "2.5", ""])
def test_topics_must_be_auto_or_a_positive_whole_number(runner, tmp_path, value):
    source = write_csv(tmp_path / "feedback.csv", TEXTS)

    result = fit(
        runner,
        str(source),
        "--text-column",
        "text",
        "--topics",
        value,
        "--out",
        str(tmp_path / "out.csv"),
    )

    assert result.exit_code == 2, result.output
    assert "Invalid value for '--topics'" in result.stderr
    assert "positive whole number" in result.stderr
    assert files_in(tmp_path) == {"feedback.csv"}


def test_unknown_engines_and_languages_are_usage_errors(runner, tmp_path):
    source = write_csv(tmp_path / "feedback.csv", TEXTS)
    out = str(tmp_path / "out.csv")

    for option, value in (("--engine", "bert"), ("--language", "de"), ("--random-state", "-1")):
        result = fit(runner, str(source), "--text-column", "text", option, value, "--out", out)
        assert result.exit_code == 2, result.output
        assert f"Invalid value for '{option}'" in result.stderr
    assert files_in(tmp_path) == {"feedback.csv"}


def test_a_rating_column_decides_polarity_and_keeps_praise_apart(runner, tmp_path):
    rows = [
        *({"text": f"The parcel arrived late again, order {n}", "stars": "1"} for n in range(8)),
        *({"text": f"The parcel arrived fast and well packed {n}", "stars": "5"} for n in range(8)),
        {"text": "The parcel arrived, nothing more to say", "stars": "3"},
        {"text": "The parcel never arrived and nobody answers", "stars": "eleven"},
        {"text": "Terrible, the parcel is lost and support ignores me", "stars": ""},
    ]
    source = tmp_path / "reviews.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "stars"])
        writer.writeheader()
        writer.writerows(rows)
    out, topics_out = tmp_path / "out.csv", tmp_path / "topics.json"

    result = fit(
        runner, str(source), "--text-column", "text", "--rating-column", "stars",
        "--out", str(out), "--topics-out", str(topics_out),
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assigned = read_assignments(out)[1:]
    polarity = [p for _, _, p in assigned]
    assert polarity[:8] == ["negative"] * 8 and polarity[8:16] == ["positive"] * 8
    assert polarity[16] == "neutral"
    assert polarity[17] in {"negative", "neutral", "positive"}  # read from the text
    assert "Line 19: stars must be a number from 1 to 5" in result.stderr
    late = {int(t) for _, t, _ in assigned[:8]} - {-1}
    fast = {int(t) for _, t, _ in assigned[8:16]} - {-1}
    assert late and fast and not late & fast  # praise and complaints never share a topic
    document = json.loads(topics_out.read_text(encoding="utf-8"))
    for topic in document["topics"]:
        members = [p for _, t, p in assigned if int(t) == topic["id"]]
        assert set(members) == {topic["polarity"]}


def test_no_polarity_writes_row_and_topic_only(runner, tmp_path):
    source = write_csv(tmp_path / "feedback.csv", TEXTS)
    out = tmp_path / "out.csv"
    result = fit(runner, str(source), "--text-column", "text", "--no-polarity", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert read_assignments(out)[0] == ["row", "topic"]


def test_an_unknown_rating_column_is_refused_before_any_work(runner, tmp_path):
    source = write_csv(tmp_path / "feedback.csv", TEXTS)
    out = tmp_path / "out.csv"
    result = fit(
        runner, str(source), "--text-column", "text", "--rating-column", "score", "--out", str(out)
    )
    assert result.exit_code == 1
    assert "has no column 'score'" in result.output
    assert not out.exists()
