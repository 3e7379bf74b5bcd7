"""The one request pattern of staff pages: change, commit once, say so, go on.

A view validates its form and hands ``act`` the change (a call into a service). ``act``
commits once (what was registered with ``workbench.db.after_commit`` runs then), flashes what
the change says happened and redirects; when a service refuses (a ``WorkbenchError``) it rolls
back, flashes why and goes back, so a refused change leaves nothing half done. The check that
keeps ``next`` links on this site lives here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import flash, redirect
from werkzeug.wrappers import Response

from workbench.db import get_session, rollback_session
from workbench.errors import WorkbenchError


@dataclass(frozen=True)
class Done:
    """What a change did: the message to show and where to go (None: back)."""

    message: str
    to: str | None = None
    category: str = "success"


def act(change: Callable[[], Done | str], *, back: str) -> Response:
    """Run ``change`` and commit; flash its message and go where it says (or ``back``).

    A ``WorkbenchError`` from the change rolls everything back, is flashed as an error and
    leads ``back``.
    """
    try:
        done = change()
        get_session().commit()
    except WorkbenchError as error:
        rollback_session()
        flash(error.message, "error")
        return redirect(back)
    if isinstance(done, str):
        done = Done(done)
    flash(done.message, done.category)
    return redirect(done.to or back)


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None: a ``next`` link never leads to
    another host ("//host", "////host", "/\\\\host" and "https://host" all do)."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
        and "\\" not in target
    ):
        return target
    return None
