"""Rate limits shared by every worker through the machine's real Redis.

CI sets WORKBENCH_REQUIRE_REDIS=1, so a missing Redis fails there instead of skipping."""

from __future__ import annotations

import os
import secrets

import pytest
from click.testing import CliRunner

REDIS_URL = os.environ.get("WORKBENCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("WORKBENCH_REQUIRE_REDIS") == "1":
            raise
        pytest.skip(f"No Redis at {REDIS_URL} (start one: redis-server --daemonize yes)")
    return REDIS_URL


def test_login_limits_are_shared_between_two_workers_through_redis(make_app, redis_url):
    settings = {
        "LOGIN_RATE_LIMIT": "3 per minute",
        "RATELIMIT_STORAGE_URL": redis_url,
        "RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(6)}",
    }
    first_worker, second_worker = make_app(**settings), make_app(**settings)
    wrong = {"email": "nobody@test.example", "password": "wrong password"}
    statuses = [
        (first_worker if attempt % 2 else second_worker)
        .test_client()
        .post("/login", data=wrong)
        .status_code
        for attempt in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_commands_start_with_a_redis_limit_store(monkeypatch, redis_url):
    from workbench.cli import main

    monkeypatch.setenv("WORKBENCH_RATELIMIT_STORAGE_URL", redis_url)
    result = CliRunner().invoke(main, ["routes"])
    assert result.exit_code == 0, result.output
