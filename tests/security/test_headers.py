"""Security headers on every page; personal data never cached; no page can be framed."""

from __future__ import annotations

import pytest

from workbench.headers import CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", ["/login", "/transparency", "/healthz"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_logged_in_admin_page_cannot_be_framed_or_cached(client, auth):
    auth.login("admin")
    response = client.get("/admin/users")
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_exports_with_personal_data_are_not_cached(client, auth):
    auth.login("admin")
    response = client.get("/feedback/export.csv")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_and_public_pages_stay_cacheable(client, auth):
    assert "no-store" not in client.get("/transparency").headers.get("Cache-Control", "")
    auth.login("admin")
    with client.get("/static/workbench.css") as css:
        assert "no-store" not in css.headers.get("Cache-Control", "")


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_no_template_needs_inline_script_or_style():
    import re
    from pathlib import Path

    import workbench

    root = Path(workbench.__file__).parent
    for template in root.rglob("*.html"):
        html = template.read_text(encoding="utf-8")
        assert " style=" not in html, template
        assert not re.search(r"\son[a-z]+=", html), template  # inline event handlers
        for tag in html.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            assert "src=" in opening or 'type="application/json"' in opening, template
    assert CONTENT_SECURITY_POLICY["style-src"] == "'self'"
