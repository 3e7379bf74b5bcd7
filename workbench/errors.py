"""Domain errors raised by services, and the one place that maps them to HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.routing import IntegerConverter

if TYPE_CHECKING:
    from flask import Flask

#: The largest id a database integer column holds (PostgreSQL's integer; SQLite's is larger).
LARGEST_ID = 2**31 - 1


class WorkbenchError(Exception):
    """Base class of every domain error; ``status`` is the HTTP code it maps to."""

    status = 400

    def __init__(self, message: str, *, details: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(WorkbenchError):
    """The thing asked for does not exist."""

    status = 404


class Conflict(WorkbenchError):
    """The change clashes with existing data (duplicate e-mail, slug …)."""

    status = 409


class ValidationFailed(WorkbenchError):
    """Input was understood but not acceptable."""

    status = 422


class InvalidTransition(WorkbenchError):
    """A state machine refused a move."""

    status = 409


class PermissionDenied(WorkbenchError):
    """The caller may not do this."""

    status = 403


def register_error_handlers(app: Flask) -> None:
    """Map domain errors to JSON for the API and to an error page for everyone else."""
    from flask import jsonify, render_template, request
    from werkzeug.exceptions import SecurityError

    from workbench.db import rollback_session

    @app.errorhandler(SecurityError)
    def handle_untrusted_host(error: SecurityError):
        # No page: with an untrusted Host no URL can be built, and the layout builds many.
        return "Unknown host.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(WorkbenchError)
    def handle_domain_error(error: WorkbenchError):
        rollback_session()
        if request.path.startswith("/api/"):
            body = {"error": error.message}
            if error.details is not None:
                body["details"] = error.details
            return jsonify(body), error.status
        return render_template(
            "error.html", status=error.status, message=error.message
        ), error.status

    for status in (400, 403, 404, 405, 413, 429, 500):

        @app.errorhandler(status)
        def handle_http_error(error, status=status):
            rollback_session()
            description = getattr(error, "description", None) or "Something went wrong."
            # A 405 says which methods would do (Allow); the error carries its own headers.
            headers = dict(error.get_headers()) if hasattr(error, "get_headers") else {}
            headers.pop("Content-Type", None)
            if request.path.startswith("/api/"):
                return jsonify({"error": description}), status, headers
            page = render_template("error.html", status=status, message=description)
            return page, status, headers


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` for ids: a number past the database's integer is no route (404), rather
    than a query the database refuses (a 500 on PostgreSQL)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def refuse_unstorable_input(app: Flask) -> None:
    """A NUL in a query is a 400: no database text column can hold it, and no person types one
    into an address. (Form values lose theirs in ``workbench.requests``; Werkzeug decodes
    invalid UTF-8 as replacement characters, so lone surrogates cannot arrive this way; JSON
    bodies are checked where they are parsed.)"""
    from flask import abort, request

    @app.before_request
    def refuse_nul() -> None:
        in_query = any("\x00" in text for pair in request.args.items(multi=True) for text in pair)
        if in_query or "\x00" in request.path:
            abort(400, "The address holds a NUL character, which cannot be stored.")


def log_exceptions_without_tokens(app: Flask) -> None:
    """Flask logs "Exception on <path>" for a 500; a participant's or confirmation link's path
    is its secret, so the log gets the route's ``<token>`` instead, as the access log does."""
    from flask import request

    from workbench.serving import escape_for_log, hide_tokens

    def log_exception(exc_info) -> None:
        path = escape_for_log(hide_tokens(request.path))
        app.logger.error(f"Exception on {path} [{request.method}]", exc_info=exc_info)

    app.log_exception = log_exception
