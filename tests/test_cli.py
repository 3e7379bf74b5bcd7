"""The ``workbench`` command: db upgrade, demo, users, tokens and imports."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.factories import make_customer
from tests.reading import read
from workbench import create_app
from workbench.auth.models import ApiToken, Role, Scope, StaffUser
from workbench.auth.services import authenticate
from workbench.cli import main
from workbench.customers.models import ConsentRecord, Customer
from workbench.db import get_database
from workbench.demo import DEMO_USERS
from workbench.feedback.models import Channel, Feedback, FeedbackForm

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def invoke(runner, *args: str, input: str | None = None):
    """Run ``workbench ARGS`` against the test's app (the runner supplies it to FlaskGroup)."""
    return runner.invoke(main, args=list(args), input=input)


def last_json(result) -> dict:
    lines = result.stdout.strip().splitlines()
    assert lines, result.stdout
    return json.loads(lines[-1])


def row_counts(session) -> dict[str, int]:
    return {
        model.__name__: read(session, select(sa.func.count()).select_from(model))[0]
        for model in (FeedbackForm, Customer, ConsentRecord, Feedback, StaffUser)
    }


# db upgrade ---------------------------------------------------------------------------------


def test_db_upgrade_creates_the_schema_on_a_fresh_sqlite_file(tmp_path):
    # An app of its own: the shared fixtures would put the database in place already.
    path = tmp_path / "fresh.db"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": f"sqlite:///{path}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    runner = app.test_cli_runner()
    try:
        assert not path.exists()
        result = invoke(runner, "db", "upgrade")
        assert result.exit_code == 0, result.output
        assert "Database is at head." in result.stdout
        engine = sa.create_engine(f"sqlite:///{path}")
        try:
            tables = set(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()
        assert {
            "alembic_version",
            "feedback",
            "feedback_forms",
            "customers",
            "consent_records",
            "staff_users",
            "api_tokens",
        } <= tables
        again = invoke(runner, "db", "upgrade")
        assert again.exit_code == 0, again.output
        check = invoke(runner, "db", "check")
        assert check.exit_code == 0, check.output
        assert "Models and migrations agree." in check.stdout
        # The migrated database is usable: the demo loads into it.
        demo = invoke(runner, "demo")
        assert demo.exit_code == 0, demo.output
        assert last_json(demo)["created"]["forms"] == 2
    finally:
        get_database(app).engine.dispose()


# demo ---------------------------------------------------------------------------------------


def test_demo_loads_once_and_a_second_run_changes_nothing(runner, session, client):
    first = invoke(runner, "demo")
    assert first.exit_code == 0, first.output
    created = last_json(first)["created"]
    assert created["forms"] == 2
    assert created["customers"] == 60
    lines = (FIXTURES / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    items = {(json.loads(line)["source"], json.loads(line)["external_id"]) for line in lines}
    assert created["feedback"] == len(items) >= 300
    assert created["users"] == len(Role)
    assert created["studies"] == 1
    password = re.search(r"password: (\S+)", first.stdout).group(1)
    assert len(password) >= 12 and password != "workbench-demo"
    counts = row_counts(session)
    assert counts["Feedback"] == created["feedback"]
    assert counts["Customer"] == 60

    second = invoke(runner, "demo")
    assert second.exit_code == 0, second.output
    assert last_json(second) == {
        "created": {"forms": 0, "customers": 0, "feedback": 0, "users": 0, "studies": 0}
    }
    assert row_counts(session) == counts

    [form] = read(session, select(FeedbackForm).where(FeedbackForm.slug == "feedback"))
    assert form.is_active and form.language == "sv"
    assert client.get("/f/feedback").status_code == 200
    assert client.post("/f/feedback", data={"text": "Demoformuläret fungerar."}).status_code == 302


def test_demo_users_can_log_in_with_the_printed_password(runner, client):
    result = invoke(runner, "demo")
    assert result.exit_code == 0
    password = re.search(r"password: (\S+)", result.stdout).group(1)
    assert re.search(r"password: (\S+)", invoke(runner, "demo").stdout).group(1) == password
    response = client.post(
        "/login", data={"email": DEMO_USERS[Role.RESEARCHER], "password": password}
    )
    assert response.status_code == 302
    assert client.get("/feedback").status_code == 200


# users create -------------------------------------------------------------------------------


def test_users_create_reads_the_password_from_stdin(runner, session):
    result = invoke(
        runner,
        "users",
        "create",
        "--email",
        "Ny.Forskare@Example.se",
        "--role",
        "researcher",
        "--name",
        "Ny Forskare",
        input="ett långt lösenord\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created ny.forskare@example.se (researcher)." in result.stdout
    assert "ett långt lösenord" not in result.output
    [user] = read(session, select(StaffUser).where(StaffUser.email == "ny.forskare@example.se"))
    assert user.role is Role.RESEARCHER and user.name == "Ny Forskare"
    assert "ett långt lösenord" not in user.password_hash
    assert authenticate(session, "ny.forskare@example.se", "ett långt lösenord") is not None
    assert authenticate(session, "ny.forskare@example.se", "fel lösenord!!") is None


def test_users_create_refuses_a_short_password(runner, session):
    result = invoke(
        runner, "users", "create", "--email", "a@example.se", "--role", "admin", input="kort\n"
    )
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    assert row_counts(session)["StaffUser"] == 0


def test_users_create_refuses_a_taken_email(runner, session):
    args = ("users", "create", "--email", "dubbel@example.se", "--role", "viewer")
    assert invoke(runner, *args, input="lösenordet är långt\n").exit_code == 0
    again = invoke(runner, *args, input="ett annat långt lösen\n")
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert row_counts(session)["StaffUser"] == 1


def test_users_create_refuses_an_unknown_role(runner, session):
    result = invoke(
        runner, "users", "create", "--email", "x@example.se", "--role", "boss", input="x" * 12
    )
    assert result.exit_code == 2
    assert "boss" in result.output
    assert row_counts(session)["StaffUser"] == 0


# tokens create ------------------------------------------------------------------------------


def test_tokens_create_prints_the_token_once_and_stores_only_its_hash(runner, session, client):
    result = invoke(runner, "tokens", "create", "--name", "crm system")
    assert result.exit_code == 0, result.output
    plain = result.stdout.strip().splitlines()[-1].split()[-1]
    assert len(plain) >= 32
    assert result.output.count(plain) == 1
    [token] = read(session, select(ApiToken).where(ApiToken.name == "crm system"))
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in " ".join(str(value) for value in token.model_dump().values())

    headers = {"Authorization": f"Bearer {plain}"}
    posted = client.post(
        "/api/v1/feedback", json={"text": "Hej", "language": "sv"}, headers=headers
    )
    assert posted.status_code == 201
    [item] = read(session, select(Feedback).where(Feedback.id == posted.get_json()["ids"][0]))
    assert item.source == "crm system"

    other = invoke(runner, "tokens", "create", "--name", "crm system")
    assert other.stdout.strip().split()[-1] != plain


def test_tokens_create_gives_write_only_unless_asked(runner, session, client):
    result = invoke(runner, "tokens", "create", "--name", "webshop")
    assert "Scopes: write." in result.output
    plain = result.stdout.strip().split()[-1]
    assert (
        client.get("/api/v1/feedback", headers={"Authorization": f"Bearer {plain}"}).status_code
        == 403
    )

    both = invoke(runner, "tokens", "create", "--name", "bi", "--scope", "read", "--scope", "write")
    assert both.exit_code == 0, both.output
    assert "Scopes: read, write." in both.output
    [token] = read(session, select(ApiToken).where(ApiToken.name == "bi"))
    assert token.scope_set == {Scope.READ, Scope.WRITE}
    plain = both.stdout.strip().split()[-1]
    assert (
        client.get("/api/v1/feedback", headers={"Authorization": f"Bearer {plain}"}).status_code
        == 200
    )


def test_tokens_create_refuses_an_unknown_scope(runner, session):
    result = invoke(runner, "tokens", "create", "--name", "x", "--scope", "admin")
    assert result.exit_code == 2
    assert read(session, select(ApiToken)) == []


def test_tokens_create_needs_a_name(runner, session):
    result = invoke(runner, "tokens", "create", "--name", "   ")
    assert result.exit_code == 1
    assert "A token needs a name." in result.output
    assert read(session, select(sa.func.count()).select_from(ApiToken)) == [0]


# import customers ---------------------------------------------------------------------------


def test_import_customers_prints_the_summary_last_and_is_idempotent(runner, session):
    result = invoke(runner, "import", "customers", str(FIXTURES / "customers.csv"))
    assert result.exit_code == 0, result.output
    summary = last_json(result)
    assert summary["imported"] == 60
    assert summary["duplicates"] == 0
    assert summary["rejected"] == []
    assert row_counts(session)["Customer"] == 60
    again = last_json(invoke(runner, "import", "customers", str(FIXTURES / "customers.csv")))
    assert (again["imported"], again["duplicates"], again["rejected"]) == (0, 60, [])
    assert row_counts(session)["Customer"] == 60


def test_import_customers_keeps_good_rows_when_some_are_bad(runner, session, tmp_path):
    path = tmp_path / "kunder.csv"
    path.write_text(
        "\ufeffexternal_ref;name;email;orders_count\n"
        "N1;Nora;nora@example.se;3\n"
        "N2;Nils;inte-en-adress;1\n"
        "N3;Nadja;nadja@example.se;tre\n"
        "N4;Noak;noak@example.se;0\n",
        encoding="utf-8",
    )
    result = invoke(runner, "import", "customers", str(path))
    assert result.exit_code == 0, result.output
    summary = last_json(result)
    assert summary["imported"] == 2
    assert [r["line"] for r in summary["rejected"]] == [3, 4]
    assert "2 rows rejected" in result.stderr
    refs = set(read(session, select(Customer.external_ref)))
    assert refs == {"N1", "N4"}


# import feedback ----------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


FEEDBACK_CSV = (
    "nr\tkommentar\tbetyg\tdatum\tsprak\tepost\n"
    "1\tSnabb leverans\t5\t2026-02-01\tsv\tkund@example.se\n"
    "2\t\t3\t2026-02-02\tsv\t\n"
    "3\tGreat service\t4\t2026-02-03\ten\t\n"
    "4\tFel färg\tsex\t2026-02-04\tsv\t\n"
)

FEEDBACK_OPTIONS = (
    "--source",
    "enkat",
    "--text-column",
    "kommentar",
    "--id-column",
    "nr",
    "--rating-column",
    "betyg",
    "--date-column",
    "datum",
    "--language-column",
    "sprak",
    "--email-column",
    "epost",
)


def test_import_feedback_reports_bad_rows_and_exits_0(runner, session, tmp_path):
    customer = make_customer(session, email="kund@example.se")
    session.commit()
    path = write(tmp_path, "enkat.tsv", FEEDBACK_CSV)
    result = invoke(runner, "import", "feedback", path, *FEEDBACK_OPTIONS)
    assert result.exit_code == 0, result.output
    summary = last_json(result)
    assert summary["imported"] == 2 and summary["duplicates"] == 0
    assert [r["line"] for r in summary["rejected"]] == [3, 5]
    assert "empty" in summary["rejected"][0]["reason"]
    assert "rating" in summary["rejected"][1]["reason"]
    rows = {
        row.external_id: row
        for row in read(session, select(Feedback).where(Feedback.source == "enkat"))
    }
    assert set(rows) == {"1", "3"}
    assert rows["1"].customer_id == customer.id
    assert rows["1"].rating == 5 and rows["1"].channel is Channel.IMPORT
    assert rows["1"].created_at.date().isoformat() == "2026-02-01"
    assert rows["3"].language == "en"

    again = invoke(runner, "import", "feedback", path, *FEEDBACK_OPTIONS)
    assert again.exit_code == 0
    repeat = last_json(again)
    assert (repeat["imported"], repeat["duplicates"], len(repeat["rejected"])) == (0, 2, 2)
    assert row_counts(session)["Feedback"] == 2


def test_import_feedback_from_json_lines_without_ids(runner, session, tmp_path):
    path = write(
        tmp_path,
        "reviews.jsonl",
        '{"body": "Bra pris", "stars": 4}\n'
        "this is not json\n"
        '{"body": "Bra pris", "stars": 4}\n'
        '{"body": "Dålig service", "stars": 1}\n',
    )
    args = ("import", "feedback", path, "--source", "app", "--text-column", "body")
    result = invoke(runner, *args, "--rating-column", "stars")
    assert result.exit_code == 0, result.output
    summary = last_json(result)
    assert (summary["imported"], summary["duplicates"]) == (2, 1)
    assert summary["rejected"][0]["line"] == 2
    again = last_json(invoke(runner, *args, "--rating-column", "stars"))
    assert (again["imported"], again["duplicates"]) == (0, 3)
    assert row_counts(session)["Feedback"] == 2


def test_import_feedback_with_a_missing_column_fails_clearly(runner, session, tmp_path):
    path = write(tmp_path, "enkat.csv", "id;comment\n1;Hej\n")
    result = invoke(runner, "import", "feedback", path, "--source", "x", "--text-column", "text")
    assert result.exit_code != 0
    assert "Column(s) text not found; the file has: id, comment." in result.output
    assert row_counts(session)["Feedback"] == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("missing.csv", None, "No such file"), ("empty.csv", "", "The file is empty.")],
)
def test_import_of_an_unreadable_file_fails_clearly(runner, tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    for args in (
        ("import", "customers", str(path)),
        ("import", "feedback", str(path), "--source", "x", "--text-column", "text"),
    ):
        result = invoke(runner, *args)
        assert result.exit_code != 0, args
        assert message in result.output, args


def test_import_feedback_requires_source_and_text_column(runner, tmp_path):
    path = write(tmp_path, "f.csv", "text\nHej\n")
    result = invoke(runner, "import", "feedback", path, "--source", "x")
    assert result.exit_code == 2
    assert "--text-column" in result.output
