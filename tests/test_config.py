"""Settings come from WORKBENCH_* variables; the development secret is refused in production."""

import pytest

from workbench import create_app
from workbench.cli import main
from workbench.config import DEV_SECRET_KEY, InsecureConfigError, load_config


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", "sqlite:////tmp/elsewhere.db")
    monkeypatch.setenv("WORKBENCH_PER_PAGE", "7")
    monkeypatch.setenv("WORKBENCH_FORM_RATE_LIMIT", "off")
    config = load_config()
    assert config["DATABASE_URL"] == "sqlite:////tmp/elsewhere.db"
    assert config["PER_PAGE"] == 7
    assert config["FORM_RATE_LIMIT"] == "off"


def test_app_refuses_the_development_secret_outside_debug_and_tests(monkeypatch, tmp_path):
    monkeypatch.delenv("WORKBENCH_SECRET_KEY", raising=False)
    monkeypatch.delenv("WORKBENCH_TESTING", raising=False)
    monkeypatch.delenv("WORKBENCH_DEBUG", raising=False)
    with pytest.raises(InsecureConfigError, match="WORKBENCH_SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    with pytest.raises(InsecureConfigError):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": DEV_SECRET_KEY})
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "SECRET_KEY": "s" * 40,
            "BASE_URL": "https://wb.example",
        }
    )
    assert app.config["SECRET_KEY"] == "s" * 40
    assert create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "DEBUG": True}).debug


def test_serve_refuses_to_start_without_a_secret(monkeypatch):
    from click.testing import CliRunner

    monkeypatch.delenv("WORKBENCH_SECRET_KEY", raising=False)
    monkeypatch.delenv("WORKBENCH_TESTING", raising=False)
    monkeypatch.delenv("WORKBENCH_DEBUG", raising=False)
    result = CliRunner().invoke(main, ["serve", "--port", "5999"])
    assert result.exit_code == 1
    assert "WORKBENCH_SECRET_KEY is not set" in result.output


def test_healthz_says_when_the_database_does_not_answer(tmp_path):
    app = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/nothing/x.db"}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
