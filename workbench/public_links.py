"""Absolute links in letters, calendar files and feeds, built from ``WORKBENCH_BASE_URL``.

Never from the request: a Host or X-Forwarded-Host header is whatever the client sends, and a
letter that links to the sender's host hands its one-time token to them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

# Used in debug and test runs that do not set a base URL; production refuses to start without.
DEVELOPMENT_BASE_URL = "http://localhost:5000"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


class BaseUrlInvalid(ValueError):
    """Raised when WORKBENCH_BASE_URL is not an absolute http(s) address."""


def parse_base_url(value: str) -> str:
    """Return the base URL without a trailing slash; raise BaseUrlInvalid when it is unusable."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise BaseUrlInvalid(
            f"WORKBENCH_BASE_URL must be the address people reach the workbench at, such as "
            f"https://feedback.example.com (got {value!r})."
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise BaseUrlInvalid(
            f"WORKBENCH_BASE_URL takes no query, fragment or credentials (got {value!r})."
        )
    return value.strip().rstrip("/")


def trusted_hosts(base_url: str, extra: str) -> list[str]:
    """The Host values requests may carry: the base URL's host, its loopback twins, ``extra``."""
    host = urlsplit(base_url).hostname or ""
    hosts = [host]
    if host in {"localhost", "127.0.0.1", "::1"}:
        hosts += [name.strip("[]") for name in LOOPBACK_HOSTS]
    hosts += [name.strip() for name in extra.split(",") if name.strip()]
    return list(dict.fromkeys(hosts))


def public_url(endpoint: str, **values: object) -> str:
    """The absolute address of ``endpoint`` on the configured base URL (no request needed)."""
    base_url = current_app.config["BASE_URL"]
    if not base_url:
        raise BaseUrlInvalid(
            "WORKBENCH_BASE_URL is not set: this command builds links for letters or feeds. "
            "Set it to the address people reach the workbench at."
        )
    parts = urlsplit(base_url)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def public_host() -> str:
    """The base URL's host name, for identifiers such as calendar UIDs."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "workbench.local"
