"""Security headers on every response (Flask-Talisman) and no caching of personal data."""

from __future__ import annotations

from flask import Flask, Response, request, session
from flask_talisman import Talisman

# Everything the pages load is served from here; the templates have no inline script or style.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

talisman = Talisman()


def install_security_headers(app: Flask) -> None:
    talisman.init_app(
        app,
        # TLS ends at the proxy in front; redirecting here would loop behind a misconfigured one.
        force_https=False,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        # Same-origin only: participant links carry their token in the path, and Flask-WTF's
        # HTTPS check needs the Referer on our own form posts.
        referrer_policy="same-origin",
        # Sent only over HTTPS (browsers ignore it on plain HTTP).
        strict_transport_security=app.config["HSTS_SECONDS"] > 0,
        strict_transport_security_max_age=app.config["HSTS_SECONDS"],
        strict_transport_security_include_subdomains=False,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )

    @app.after_request
    def keep_personal_data_out_of_caches(response: Response) -> Response:
        # Staff pages, exports and the API show personal data; static files stay cacheable.
        staff = "_user_id" in session or request.path.startswith("/api/")
        if staff and request.endpoint != "static" and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response
