"""A live server in a thread and a real Chromium driven by Playwright.

The browser is Debian's Chromium at /usr/bin/chromium (``playwright install`` cannot
download one here); without it these tests are skipped and say why.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete
from werkzeug.serving import make_server

from tests.conftest import BASE_CONFIG, POSTGRES_URL
from workbench import create_app
from workbench.db import get_database, metadata

CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def live_app(database_template: Path | None, tmp_path: Path) -> Iterator:
    """An app whose writes really commit, so that the server thread and the test both see them."""
    if POSTGRES_URL:
        url = POSTGRES_URL
    else:
        path = tmp_path / "live.db"
        shutil.copy(database_template, path)
        url = f"sqlite:///{path}"
    app = create_app({**BASE_CONFIG, "DATABASE_URL": url})
    yield app
    database = get_database(app)
    if POSTGRES_URL:
        with database.engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                connection.execute(delete(table))
    database.engine.dispose()


@pytest.fixture
def live_server(live_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        pytest.skip(
            f"No Chromium at {CHROMIUM}: install Debian's chromium package "
            "(`apt-get install chromium`) to run the browser tests."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    yield page
    context.close()
