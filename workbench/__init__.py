"""Workbench: a self-hosted feedback and user-testing research workbench."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g, request

from workbench.config import check_production_settings, is_development, load_config
from workbench.public_links import DEVELOPMENT_BASE_URL, parse_base_url, trusted_hosts

SUPPORTED_LOCALES = ("sv", "en")


def select_locale() -> str:
    """The public page's own language when it has one, otherwise the browser's choice."""
    page_language = g.get("page_language")
    if page_language in SUPPORTED_LOCALES:
        return page_language
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or "en"


def configure_hosts(config: dict[str, Any]) -> None:
    """Links come from the base URL; with one configured, other Host headers are refused."""
    extra_hosts = str(config.get("TRUSTED_HOSTS") or "")
    if str(config.get("BASE_URL") or "").strip():
        config["BASE_URL"] = parse_base_url(config["BASE_URL"])
        config["TRUSTED_HOSTS"] = trusted_hosts(config["BASE_URL"], extra_hosts)
        return
    # Commands without a base URL may run; building a link in one then fails with a clear error.
    config["BASE_URL"] = DEVELOPMENT_BASE_URL if is_development(config) else ""
    config["TRUSTED_HOSTS"] = (
        trusted_hosts(DEVELOPMENT_BASE_URL, extra_hosts) if extra_hosts else None
    )


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints and error handlers. No I/O."""
    config = load_config(test_config)
    app = Flask(__name__, instance_path=config.get("INSTANCE_PATH"))
    from workbench.requests import WorkbenchRequest

    app.request_class = WorkbenchRequest
    from workbench.errors import DatabaseIdConverter

    # Before any route is added: every <int:…> in a URL fits the database's integer ids.
    app.url_map.converters["int"] = DatabaseIdConverter
    check_production_settings(config)
    configure_hosts(config)
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = "sqlite:///" + str(Path(app.instance_path) / "workbench.db")
    app.config.update(config)
    app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE_URL"]
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)

    from workbench import db
    from workbench.errors import (
        log_exceptions_without_tokens,
        refuse_unstorable_input,
        register_error_handlers,
    )
    from workbench.extensions import babel, csrf, limiter, login_manager

    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories="translations"
    )
    limiter.init_app(app)
    register_error_handlers(app)
    refuse_unstorable_input(app)
    log_exceptions_without_tokens(app)
    from workbench.headers import install_security_headers

    install_security_headers(app)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        # The rate limits key on the client's address, which only the proxy knows.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from workbench.auth.views import blueprint as auth_blueprint
    from workbench.customers.views import blueprint as customers_blueprint
    from workbench.feedback.api import blueprint as api_blueprint
    from workbench.feedback.public_views import blueprint as public_feedback_blueprint
    from workbench.feedback.views import blueprint as feedback_blueprint
    from workbench.health import blueprint as health_blueprint
    from workbench.issues.views import blueprint as issues_blueprint
    from workbench.outbox.views import blueprint as outbox_blueprint
    from workbench.privacy.views import blueprint as privacy_blueprint
    from workbench.studies.public_views import blueprint as participation_blueprint
    from workbench.studies.recruitment_views import blueprint as recruiting_blueprint
    from workbench.studies.report_views import blueprint as reports_blueprint
    from workbench.studies.session_views import blueprint as sessions_blueprint
    from workbench.studies.views import blueprint as studies_blueprint
    from workbench.topics.run_views import blueprint as topic_runs_blueprint
    from workbench.topics.views import blueprint as topics_blueprint
    from workbench.transparency.admin_views import blueprint as publication_blueprint
    from workbench.transparency.views import blueprint as transparency_blueprint

    for blueprint in (
        health_blueprint,
        auth_blueprint,
        customers_blueprint,
        feedback_blueprint,
        public_feedback_blueprint,
        api_blueprint,
        outbox_blueprint,
        studies_blueprint,
        recruiting_blueprint,
        sessions_blueprint,
        reports_blueprint,
        issues_blueprint,
        topic_runs_blueprint,
        topics_blueprint,
        publication_blueprint,
        transparency_blueprint,
        participation_blueprint,
        privacy_blueprint,
    ):
        app.register_blueprint(blueprint)
    csrf.exempt(api_blueprint)

    from workbench.feedback.intake import feedback_stored
    from workbench.topics.arrivals import after_feedback_stored

    # New feedback from any channel gets a topic from the current run as it arrives.
    feedback_stored.register(after_feedback_stored)

    from workbench.jobs.runner import register_job

    # Imported when a run starts: the topic engine's imports cost seconds.
    register_job("topic_run", "workbench.topics.runs:execute_topic_run")

    from workbench.customers.engagement import engagement_sources
    from workbench.customers.panels import profile_page
    from workbench.feedback.engagement import feedback_engagement
    from workbench.feedback.views import customer_feedback_panel
    from workbench.privacy.views import profile_panel as privacy_panel
    from workbench.studies.engagement import study_engagement

    # Loyalty counts feedback given and sessions completed; the profile shows the customer's
    # feedback and, to those who may use them, the GDPR export and erasure.
    engagement_sources.register(feedback_engagement)
    engagement_sources.register(study_engagement)
    profile_page.register(customer_feedback_panel)
    profile_page.register(privacy_panel)

    from workbench.issues.services import issue_status_changed
    from workbench.transparency.followups import on_issue_status_changed

    # A published issue's new status shows on the public page; "done" sends the follow-ups.
    issue_status_changed.register(on_issue_status_changed)

    from workbench.auth.access import install_login_loader, install_session_expiry

    install_login_loader(login_manager)
    install_session_expiry(app)

    @app.context_processor
    def inject_layout_helpers() -> dict[str, Any]:
        from flask_babel import get_locale

        return {"current_locale": str(get_locale() or "en")}

    return app
