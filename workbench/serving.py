"""gunicorn settings for `workbench serve` (passed as ``-c python:workbench.serving``)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

from gunicorn.glogging import Logger

from nlp import detect_language

worker_class = "gthread"
# Load the app once in the master so that workers share its memory (copy-on-write).
preload_app = True
# Staff uploads import in the request; allow a large file (about 100,000 rows) to finish.
timeout = 120

# The first path segment of each route whose next segment is a secret token (a participant's
# page, an e-mail confirmation link): the log shows the route's <token> instead. Any case and
# repeated slashes too, since those requests reach a redirect or a 404 that is logged all the
# same. A real token holds no slash, so the route's tail stays readable.
TOKEN_ROUTES = ("p", "confirm")
TOKEN_SEGMENT = re.compile(rf"(?i)(/+(?:{'|'.join(TOKEN_ROUTES)})/+)[^/?#\s]+")
TOKEN_PLACEHOLDER = "<token>"
# Atoms that carry a path or URL as the client sent it, percent-encoded.
RAW_URL_ATOMS = ("f", "{referer}i", "{raw_uri}e", "{http_referer}e", "{request_uri}e")
# Atoms that carry a WSGI path: already percent-decoded, one character per byte.
WSGI_PATH_ATOMS = ("U", "{path_info}e", "{script_name}e")
# Credentials are never logged, whatever format an operator configures.
SECRET_ATOMS = (
    "{authorization}i",
    "{proxy-authorization}i",
    "{cookie}i",
    "{set-cookie}o",
    "{http_authorization}e",
    "{http_proxy_authorization}e",
    "{http_cookie}e",
)
READABLE_ESCAPES = {"\\": "\\\\", "\r": "\\r", "\n": "\\n", "\t": "\\t"}


def when_ready(_server) -> None:
    # The language models take about a second to load; do it before the workers fork rather
    # than on each worker's first request.
    detect_language("Tack för en snabb leverans")


def escape_for_log(text: str) -> str:
    """``text`` on one printable line: line breaks, other control characters and anything
    unprintable become backslash escapes, so that no request can forge or hide a log line."""
    return "".join(
        character if character.isprintable() and character != "\\" else _escape(character)
        for character in text
    )


def _escape(character: str) -> str:
    if character in READABLE_ESCAPES:
        return READABLE_ESCAPES[character]
    code = ord(character)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def hide_tokens(path: str) -> str:
    """``path`` with each secret token replaced by its route's ``<token>``."""
    return TOKEN_SEGMENT.sub(rf"\g<1>{TOKEN_PLACEHOLDER}", path)


def log_wsgi_path(path: str) -> str:
    """A WSGI path (bytes as latin-1 characters) as it may be logged: UTF-8 read back,
    tokens hidden, escaped."""
    try:
        text = path.encode("latin-1").decode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # not a WSGI string after all: take it as it is
        text = path
    return escape_for_log(hide_tokens(text))


def log_raw_url(url: str) -> str:
    """A path or URL as the client sent it, as it may be logged: decoded first, so that an
    encoded token or line break is caught too, then tokens hidden and escaped."""
    return escape_for_log(hide_tokens(unquote(url, errors="surrogateescape")))


class AccessLogger(Logger):
    """gunicorn's logger, with every request-derived access-log atom made safe to write."""

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta
    ) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        safe = {
            key: escape_for_log(hide_tokens(value)) if isinstance(value, str) else value
            for key, value in atoms.items()
        }
        for key in WSGI_PATH_ATOMS:
            if isinstance(atoms.get(key), str):
                safe[key] = log_wsgi_path(atoms[key])
        for key in RAW_URL_ATOMS:
            if isinstance(atoms.get(key), str):
                safe[key] = log_raw_url(atoms[key])
        for key in SECRET_ATOMS:
            if key in safe:
                safe[key] = "<hidden>"
        # The request line, rebuilt from the cleaned parts: the raw one repeats the token.
        path = (environ.get("SCRIPT_NAME") or "") + (environ.get("PATH_INFO") or "")
        query = environ.get("QUERY_STRING") or ""
        target = log_wsgi_path(path) + (f"?{log_raw_url(query)}" if query else "")
        safe["r"] = f"{safe.get('m') or '-'} {target} {safe.get('H') or '-'}"
        return safe


logger_class = AccessLogger
