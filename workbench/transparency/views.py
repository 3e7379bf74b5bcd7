"""The public transparency page and its Atom feed (no login, Swedish and English).

Built only from transparency.projections. Caching, so that a busy day costs little:

- every response carries ``Cache-Control: public, max-age=60`` and an ETag (a hash of the
  body); a matching ``If-None-Match`` gets a bodiless 304;
- each worker keeps the rendered bodies (per page, language and host) for ``CACHE_SECONDS``
  (60 s, as long as browsers and proxies may keep them anyway).
  A change made through this worker (publication, quotes, a published issue's status) bumps
  ``publication_version`` and re-renders at once; other gunicorn workers catch up within the
  TTL, and so does everything else the page counts (new feedback, an erasure).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree import ElementTree

from flask import Blueprint, Response, abort, current_app, g, render_template, request

from workbench.db import get_session, utcnow
from workbench.public_links import public_url
from workbench.transparency import projections

blueprint = Blueprint("transparency", __name__, template_folder="templates")

LANGUAGES = ("sv", "en")
CACHE_SECONDS = 60
MAX_AGE = 60
MAX_PAGES = 2000
ATOM = "http://www.w3.org/2005/Atom"
FEED_TITLES = {"sv": "Du sa, vi gjorde", "en": "You said, we did"}


@dataclass(frozen=True)
class CachedPage:
    body: bytes | None  # None: no such public page (404), remembered like a page
    etag: str
    mimetype: str
    version: int
    expires: float


class PageCache:
    """Rendered bodies of this worker, dropped after a TTL or when public data changed.

    One thread renders at a time; while it does, the others keep answering with the page they
    have, so an expired page costs one render per worker rather than one per waiting thread.
    """

    def __init__(self) -> None:
        self._pages: dict[tuple, CachedPage] = {}
        self._rendering = threading.Lock()

    def _fresh(self, key: tuple, version: int) -> CachedPage | None:
        page = self._pages.get(key)
        if page is not None and page.version == version and page.expires > time.monotonic():
            return page
        return None

    def get(self, key: tuple, render: Callable[[], bytes | None], mimetype: str) -> CachedPage:
        version = projections.publication_version()
        page = self._fresh(key, version)
        if page is not None:
            return page
        stale = self._pages.get(key)
        if not self._rendering.acquire(blocking=stale is None):
            return stale
        try:
            page = self._fresh(key, version)  # rendered while this thread waited
            if page is None:
                body = render()
                etag = hashlib.sha256(body).hexdigest()[:32] if body is not None else ""
                expires = time.monotonic() + CACHE_SECONDS
                page = CachedPage(body, etag, mimetype, version, expires)
                if len(self._pages) >= MAX_PAGES:  # ids and hosts come from requests: bound it
                    self._pages.clear()
                self._pages[key] = page
            return page
        finally:
            self._rendering.release()


def _cache() -> PageCache:
    return current_app.extensions.setdefault("transparency_pages", PageCache())


def page_language() -> str:
    """``?lang=sv|en`` first, then the browser's Accept-Language, then Swedish."""
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or "sv"


def _respond(page: CachedPage) -> Response:
    if page.body is None:
        abort(404)
    headers = {
        "ETag": f'"{page.etag}"',
        "Cache-Control": f"public, max-age={MAX_AGE}",
        "Vary": "Accept-Language",
    }
    response = Response(page.body, mimetype=page.mimetype, headers=headers)
    if "If-None-Match" in request.headers:
        response = response.make_conditional(request)
    return response


def _cached(
    name: str, language: str, render: Callable[[], bytes | None], mimetype: str
) -> Response:
    g.page_language = language
    key = (name, language)
    return _respond(_cache().get(key, render, mimetype))


@blueprint.get("/transparency")
def index():
    language = page_language()

    def render() -> bytes:
        session = get_session()
        html = render_template(
            "transparency/index.html",
            language=language,
            figures=projections.public_figures(session, utcnow()),
            issues=projections.public_issues(session, language),
            said_and_done=projections.you_said_we_did(session),
        )
        return html.encode()

    return _cached("index", language, render, "text/html")


@blueprint.get("/transparency/issues/<int:issue_id>")
def issue(issue_id: int):
    language = page_language()

    def render() -> bytes | None:
        found = projections.public_issue(get_session(), issue_id, language)
        if found is None:
            return None
        return render_template("transparency/issue.html", language=language, issue=found).encode()

    return _cached(f"issue:{issue_id}", language, render, "text/html")


# What XML 1.0 cannot hold: C0 controls other than tab, line feed and carriage return, lone
# surrogates, U+FFFE and U+FFFF. One such character in a published answer would make the whole
# feed unparseable for every reader (or fail to encode), so it is dropped, not escaped: XML has
# no escape for them either.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _text_element(parent: ElementTree.Element, tag: str, text: str, **attributes: str):
    """An Atom element whose text and attributes hold only characters XML 1.0 allows."""
    clean = {name: _xml_text(value) for name, value in attributes.items()}
    element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", clean)
    element.text = _xml_text(text)
    return element


def atom_feed(language: str, entries: tuple[projections.SaidAndDone, ...]) -> bytes:
    """An Atom 1.0 document, one entry per published issue with its public answer."""
    ElementTree.register_namespace("", ATOM)
    page = public_url("transparency.index", lang=language)
    feed = ElementTree.Element(
        f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": language}
    )
    _text_element(feed, "title", FEED_TITLES[language])
    _text_element(feed, "id", public_url("transparency.feed", lang=language))
    newest = max((entry.updated_at for entry in entries), default=None)
    _text_element(feed, "updated", (newest or utcnow()).isoformat(timespec="seconds"))
    author = ElementTree.SubElement(feed, f"{{{ATOM}}}author")
    _text_element(author, "name", "Workbench")
    _text_element(feed, "link", "", rel="alternate", type="text/html", href=page)
    self_url = public_url("transparency.feed", lang=language)
    _text_element(feed, "link", "", rel="self", type="application/atom+xml", href=self_url)
    for item in entries:
        entry = ElementTree.SubElement(feed, f"{{{ATOM}}}entry")
        url = public_url("transparency.issue", issue_id=item.issue_id, lang=language)
        _text_element(entry, "title", item.title)
        _text_element(entry, "id", url)
        _text_element(entry, "updated", item.updated_at.isoformat(timespec="seconds"))
        _text_element(entry, "link", "", rel="alternate", type="text/html", href=url)
        _text_element(entry, "content", item.answer, type="text")
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)


@blueprint.get("/transparency/feed.atom")
def feed():
    language = page_language()

    def render() -> bytes:
        return atom_feed(language, projections.you_said_we_did(get_session()))

    return _cached("feed", language, render, "application/atom+xml")
