"""Configuration: defaults overridden by ``WORKBENCH_*`` environment variables."""

from __future__ import annotations

import os
from typing import Any

DEV_SECRET_KEY = "dev-only-insecure-secret-key"

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": DEV_SECRET_KEY,
    # The address people reach the workbench at (https://feedback.example.com): every link in a
    # letter, calendar file or feed is built from it. Required outside debug and test runs.
    "BASE_URL": "",
    # Host names besides the base URL's that requests may carry (comma-separated), such as an
    # internal name a health check uses. Any other Host header is answered 400.
    "TRUSTED_HOSTS": "",
    # None means: an SQLite file in the instance folder.
    "DATABASE_URL": None,
    # Local files (SQLite database, demo password); None means Flask's ./instance.
    "INSTANCE_PATH": None,
    # Per client address on the public form POST; "off" switches the limit off.
    "FORM_RATE_LIMIT": "10 per minute",
    # Per client address on login attempts (password guessing).
    "LOGIN_RATE_LIMIT": "10 per minute",
    # Per participant link on its answers (accept, decline, book, cancel): one link toggling
    # back and forth must not churn the waitlist.
    "LINK_RATE_LIMIT": "10 per hour",
    "RATELIMIT_STORAGE_URL": "memory://",
    # How many reverse proxies in front set X-Forwarded-For/-Proto (0: none, trust no header).
    "TRUSTED_PROXIES": 0,
    "API_MAX_BATCH": 1000,
    # Largest API request body: 1,000 items of about 2,000 characters each.
    "API_MAX_BODY_BYTES": 4 * 1024 * 1024,
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    "CONSENT_WORDING_VERSION": "2026-11-v1",
    "PER_PAGE": 50,
    "SESSION_COOKIE_HTTPONLY": True,
    # Secure (HTTPS-only) session cookies outside debug and tests; "0" only for a plain-HTTP
    # deployment on a trusted network. Browsers accept them on http://localhost too.
    "SESSION_COOKIE_SECURE": None,
    # Strict-Transport-Security max-age on HTTPS responses (0: none). One year by default.
    "HSTS_SECONDS": 31536000,
    # A staff login ends after this long without a request, and after this long in all.
    "SESSION_IDLE_MINUTES": 60,
    "SESSION_MAX_HOURS": 12,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    # Flask-WTF would reload WTForms' own catalogue on every message (0.4 ms a public POST);
    # every message a customer can see is ours and translated through Flask-Babel instead.
    "WTF_I18N_ENABLED": False,
    # Outgoing e-mail: smtp://, smtp+starttls:// or smtps://[user:password@]host[:port].
    # Empty: nothing is sent; messages are kept and readable on the staff outbox page.
    "SMTP_URL": "",
    "MAIL_FROM": "Workbench <workbench@localhost>",
    # How background jobs (topic runs) run: "thread" inside the app, or "inline" in the request.
    "JOB_DISPATCHER": "thread",
}

# Environment variables that hold integers rather than strings.
INTEGER_SETTINGS = {
    "TRUSTED_PROXIES",
    "API_MAX_BATCH",
    "API_MAX_BODY_BYTES",
    "MAX_CONTENT_LENGTH",
    "PER_PAGE",
    "SESSION_IDLE_MINUTES",
    "SESSION_MAX_HOURS",
    "HSTS_SECONDS",
}
BOOLEAN_SETTINGS = {"SESSION_COOKIE_SECURE"}


class InsecureConfigError(RuntimeError):
    """Raised when the app would run in production with an unsafe or missing setting."""


def load_config(test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the settings: defaults, then WORKBENCH_* variables, then ``test_config``."""
    config = dict(DEFAULTS)
    for name in DEFAULTS:
        value = os.environ.get(f"WORKBENCH_{name}")
        if value is not None:
            if name in INTEGER_SETTINGS:
                config[name] = int(value)
            elif name in BOOLEAN_SETTINGS:
                config[name] = value.strip().lower() in {"1", "true", "yes", "on"}
            else:
                config[name] = value
    for flag in ("DEBUG", "TESTING"):
        if os.environ.get(f"WORKBENCH_{flag}", "").lower() in {"1", "true", "yes"}:
            config[flag] = True
    if test_config:
        config.update(test_config)
    if config["SESSION_COOKIE_SECURE"] is None:
        config["SESSION_COOKIE_SECURE"] = not is_development(config)
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    config["PERMANENT_SESSION_LIFETIME"] = config["SESSION_MAX_HOURS"] * 3600
    return config


def is_development(config: dict[str, Any]) -> bool:
    return bool(config.get("DEBUG") or config.get("TESTING"))


def check_production_settings(config: dict[str, Any]) -> None:
    """Refuse the development secret and a missing base URL outside debug and test runs."""
    if is_development(config) or config.get("CLI_ONLY"):
        return
    if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise InsecureConfigError(
            "WORKBENCH_SECRET_KEY is not set: refusing to start with the development secret. "
            'Set it to a long random value, for example: python -c "import secrets; '
            'print(secrets.token_urlsafe(48))"'
        )
    if not str(config.get("BASE_URL") or "").strip():
        raise InsecureConfigError(
            "WORKBENCH_BASE_URL is not set: links in letters and feeds are built from it, never "
            "from the request's Host header. Set it to the address people reach the workbench "
            "at, for example: WORKBENCH_BASE_URL=https://feedback.example.com"
        )
