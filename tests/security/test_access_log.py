"""The access log shows no participant token and no line a request forged.

Review finding: "Participant tokens are written in clear to the access log, and encoded
newlines forge log lines." The logger is tested on its own with gunicorn's own Config, and once
behind a real ``workbench serve``.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from gunicorn.config import Config

from tests.outbox.conftest import free_port
from workbench import create_app, serving
from workbench.cli import main
from workbench.serving import AccessLogger

# As `workbench serve` passes it.
HOUSE_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
TOKEN = "SECRETTOKEN123"


def wsgi(text: str) -> str:
    """``text`` as a WSGI server puts a decoded path in the environ: UTF-8 bytes as latin-1."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def request(path: str, *, method: str = "GET", query: str = "", headers=()) -> tuple:
    environ = {
        "REQUEST_METHOD": method,
        "RAW_URI": path + (f"?{query}" if query else ""),
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.7",
    }
    req = SimpleNamespace(headers=[(name.upper(), value) for name, value in headers])
    resp = SimpleNamespace(status="404 NOT FOUND", sent=569, headers=[("Set-Cookie", "s=1")])
    return resp, req, environ, timedelta(milliseconds=8)


@pytest.fixture
def access_logger(tmp_path: Path) -> Iterator[Callable[..., tuple[AccessLogger, Path]]]:
    """Make the logger as gunicorn does, writing the access log to a file; closed afterwards."""
    made: list[AccessLogger] = []

    def make(log_format: str = HOUSE_FORMAT) -> tuple[AccessLogger, Path]:
        config = Config()
        log = tmp_path / f"access-{len(made)}.log"
        config.set("accesslog", str(log))
        config.set("access_log_format", log_format)
        made.append(AccessLogger(config))
        return made[-1], log

    yield make
    for logger in made:  # gunicorn's loggers are global: leave them as they were
        for log in (logger.access_log, logger.error_log):
            for handler in [h for h in log.handlers if getattr(h, "_gunicorn", False)]:
                log.removeHandler(handler)
                handler.close()


def test_serving_uses_the_access_logger():
    assert serving.logger_class is AccessLogger


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (f"/p/{TOKEN}", "/p/<token>"),
        (f"/p/{TOKEN}/book", "/p/<token>/book"),
        (f"/p/{TOKEN}/", "/p/<token>/"),
        (f"//p//{TOKEN}/accept", "//p//<token>/accept"),
        (f"/P/{TOKEN}", "/P/<token>"),
        ("/p", "/p"),
        ("/studies/3/participants", "/studies/3/participants"),
    ],
)
def test_token_paths_are_logged_as_their_route(access_logger, path, logged):
    logger, _log = access_logger()
    atoms = logger.atoms(*request(wsgi(path), query=f"next=/p/{TOKEN}"))
    assert atoms["U"] == logged
    assert atoms["r"] == f"GET {logged}?next=/p/<token> HTTP/1.1"
    assert not [key for key, value in atoms.items() if TOKEN in str(value)]


# Route arguments that are public by design: a form's slug, a static file's name.
PUBLIC_ARGUMENTS = {"slug", "filename"}
ROUTE_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def test_every_route_with_a_secret_in_its_path_is_logged_as_its_pattern(app):
    """New routes are checked the day they land: an argument that is neither a number nor known
    to be public is taken for a secret, and must not reach the log."""
    checked = []
    for rule in app.url_map.iter_rules():
        arguments = ROUTE_ARGUMENT.findall(rule.rule)
        secret = {name for converter, name in arguments if converter != "int"} - PUBLIC_ARGUMENTS
        if not secret:
            continue
        path = ROUTE_ARGUMENT.sub(lambda m, s=secret: TOKEN if m[2] in s else "17", rule.rule)
        assert serving.log_wsgi_path(wsgi(path)) == rule.rule, rule.rule
        checked.append(rule.rule)
    assert {"/p/<token>", "/p/<token>/book", "/confirm/<token>"} <= set(checked)


def test_tokens_are_hidden_in_every_atom_an_operator_could_log(access_logger):
    everything = "%(r)s %(U)s %(q)s %(f)s %({referer}i)s %({raw_uri}e)s %({path_info}e)s"
    logger, log = access_logger(everything)
    # The raw URI as sent, with an encoded slash: the server decodes it into a token path.
    resp, req, environ, took = request(
        wsgi(f"/p/{TOKEN}"), headers=[("Referer", f"https://wb.example/p/{TOKEN}")]
    )
    environ["RAW_URI"] = f"/p%2F{TOKEN}"
    environ["HTTP_REFERER"] = f"https://wb.example/p/{TOKEN}"
    logger.access(resp, req, environ, took)
    written = log.read_text()
    assert TOKEN not in written
    assert written.count("<token>") == 6  # q is empty


def test_credentials_in_headers_are_never_logged(access_logger):
    logger, log = access_logger("%({cookie}i)s %({authorization}i)s %({set-cookie}o)s")
    headers = [("Cookie", "session=abc"), ("Authorization", "Bearer wb_abc")]
    logger.access(*request("/feedback", headers=headers))
    assert log.read_text() == "<hidden> <hidden> <hidden>\n"


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/x\r\nforged", "/x\\r\\nforged"),
        ('/x\n127.0.0.1 "GET /admin" 200', '/x\\n127.0.0.1 \\"GET /admin\\" 200'),
        ("/x\x1b[31mred\x00\x7f", "/x\\x1b[31mred\\x00\\x7f"),
        ("/x\u2028y\u2029z\x85", "/x\\u2028y\\u2029z\\x85"),
        ("/x\\r\\n", "/x\\\\r\\\\n"),
        ("/åäö-\u200b", "/åäö-\\u200b"),
    ],
)
def test_control_characters_in_the_path_are_escaped(access_logger, path, logged):
    logger, log = access_logger()
    logger.access(*request(wsgi(path)))
    [line] = log.read_text().splitlines()
    assert line == f'192.0.2.7 "GET {logged}" 404 569 8ms'


def test_bytes_that_are_not_utf8_are_escaped_too(access_logger):
    logger, log = access_logger()
    logger.access(*request("/x\xff\xfe"))
    assert log.read_text() == '192.0.2.7 "GET /x\\xff\\xfe" 404 569 8ms\n'


def test_every_request_derived_atom_is_escaped(access_logger):
    logger, log = access_logger("%(m)s|%(q)s|%(a)s|%(f)s|%({x-note}i)s")
    resp, req, environ, took = request(
        "/",
        method="GET\u2028",
        query="q=%0d%0aforged&r=\x1b",
        headers=[
            ("User-Agent", "agent\x00\x1b"),
            ("Referer", "https://wb.example/%0d%0aforged"),
            ("X-Note", "a\u2028b"),
        ],
    )
    environ["HTTP_USER_AGENT"] = "agent\x00\x1b"
    environ["HTTP_REFERER"] = "https://wb.example/%0d%0aforged"
    logger.access(resp, req, environ, took)
    assert log.read_text().splitlines() == [
        "GET\\u2028|q=%0d%0aforged&r=\\x1b|agent\\x00\\x1b|https://wb.example/\\r\\nforged|a\\u2028b"
    ]


# --- behind a real gunicorn ---------------------------------------------------------------

STARTUP_DEADLINE = 120  # seconds; the app loads in a few, but a busy machine can be slow


def call(port: int, method: str, path: str, headers: dict | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_until_serving(server: subprocess.Popen, port: int, output: Path) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"workbench serve exited with {server.returncode}:\n{output.read_text()}")
        try:
            if call(port, "GET", "/healthz") == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"workbench serve did not answer within {STARTUP_DEADLINE} s")


def wait_for_line(output: Path, text: str) -> None:
    """A worker logs a request just after answering it: wait for the last one's line."""
    deadline = time.monotonic() + 10
    while text not in output.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)


def stop(server: subprocess.Popen) -> None:
    """Stop the gunicorn this test started (its master and workers: their own session)."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGINT)  # quick shutdown: every line is written by now
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def served_database(database_template: Path | None, folder: Path) -> str:
    """An SQLite database for the server: the run's template copied, else migrated afresh."""
    path = folder / "served.db"
    if database_template is not None:
        shutil.copy(database_template, path)
        return f"sqlite:///{path}"
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": f"sqlite:///{path}"})
    migrated = app.test_cli_runner().invoke(main, ["db", "upgrade"])
    assert migrated.exit_code == 0, migrated.output
    return f"sqlite:///{path}"


def serve_command(monkeypatch: pytest.MonkeyPatch, environment: dict, port: int) -> list[str]:
    """The gunicorn command line `workbench serve` builds (it would replace this process)."""
    calls: list[list[str]] = []
    monkeypatch.setattr(os, "execv", lambda _path, arguments: calls.append(list(arguments)))
    options = ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--threads", "2"]
    result = CliRunner().invoke(main, ["serve", *options], env=environment)
    assert result.exit_code == 0, result.output
    [arguments] = calls
    return arguments


def test_workbench_serve_logs_no_token_and_no_forged_line(database_template, tmp_path, monkeypatch):
    port = free_port()
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("WORKBENCH_")},
        "WORKBENCH_SECRET_KEY": "a-long-random-secret-for-this-test-only",
        "WORKBENCH_BASE_URL": f"http://127.0.0.1:{port}",
        "WORKBENCH_DATABASE_URL": served_database(database_template, tmp_path),
        "WORKBENCH_INSTANCE_PATH": str(tmp_path / "instance"),
        # gunicorn's control socket goes here rather than into the home folder.
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    arguments = serve_command(monkeypatch, environment, port)
    output = tmp_path / "serve.log"
    with output.open("wb") as sink:
        server = subprocess.Popen(
            arguments,
            env=environment,
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_serving(server, port, output)
        page = call(port, "GET", f"/p/{TOKEN}", {"Referer": f"http://127.0.0.1/p/{TOKEN}"})
        booking = call(port, "POST", f"/p/{TOKEN}/book")
        call(port, "GET", f"/confirm/{TOKEN}")
        forged = call(port, "GET", "/x%0d%0aforged%0d%0a127.0.0.1%20%22GET%20/admin%22%20200")
        wait_for_line(output, "forged")
    finally:
        stop(server)
    # A token the workbench does not know: the page is not found, the booking refused.
    assert page == 404 and 400 <= booking < 500 and forged == 404
    log = output.read_text()
    assert TOKEN not in log
    assert re.search(r'^127\.0\.0\.1 "GET /p/<token>" 404 ', log, re.MULTILINE), log
    assert re.search(r'^127\.0\.0\.1 "POST /p/<token>/book" 4\d\d ', log, re.MULTILINE), log
    assert re.search(r'^127\.0\.0\.1 "GET /confirm/<token>" \d{3} ', log, re.MULTILINE), log
    forged_line = '127.0.0.1 "GET /x\\r\\nforged\\r\\n127.0.0.1 \\"GET /admin\\" 200" 404 '
    assert forged_line in log
    assert not [
        line for line in log.splitlines() if line.startswith(("forged", '127.0.0.1 "GET /admin"'))
    ]


def test_a_server_error_on_a_token_route_logs_the_route_not_the_token(make_app, caplog):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def broken(token: str):
        raise RuntimeError("boom")

    app.view_functions["participation.page"] = broken
    with caplog.at_level("ERROR"):
        response = app.test_client().get("/p/SECRETTOKEN1234567890")
    assert response.status_code == 500
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Exception on /p/<token> [GET]" in logged
    assert "SECRETTOKEN1234567890" not in logged
