"""Helpers shared by the benchmarks: a throwaway database and a gunicorn server."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def workbench_env(database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "WORKBENCH_DATABASE_URL": database_url,
            "WORKBENCH_SECRET_KEY": "bench-secret-" + "x" * 40,
            "WORKBENCH_FORM_RATE_LIMIT": "off",
        }
    )
    env.update(extra)
    return env


def workbench(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    command = [str(BIN / "workbench"), *args]
    return subprocess.run(command, env=env, check=True, text=True, capture_output=True, **kwargs)


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, threads: int = 4) -> Iterator[str]:
    """Serve bench.served_app under gunicorn, as `workbench serve` does, and yield its URL."""
    port = free_port()
    command = [str(BIN / "python"), "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--threads", str(threads)]
    command += ["--config", "python:workbench.serving"]
    command += ["--log-level", "warning", "bench.served_app:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def fresh_database(server_url: str | None, folder: str) -> Iterator[str]:
    """An empty database: an SQLite file in ``folder``, or a throwaway PostgreSQL database
    created next to ``server_url`` and dropped afterwards."""
    if not server_url or server_url.startswith("sqlite"):
        yield f"sqlite:///{folder}/bench.db"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"workbench_bench_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
