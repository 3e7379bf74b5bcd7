"""Login loading and role checks for staff pages."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, flash, session
from flask_login import LoginManager, current_user, login_required, logout_user

from workbench.auth.models import Role, StaffUser
from workbench.db import get_session

ALL_ROLES = tuple(Role)


def install_login_loader(login_manager: LoginManager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str) -> StaffUser | None:
        # "id:version": a cookie from before the account's sessions were ended no longer loads.
        user_part, _, version_part = user_id.partition(":")
        try:
            user = get_session().get(StaffUser, int(user_part))
            version = int(version_part)
        except ValueError:
            return None
        if user is None or not user.is_active or user.session_version != version:
            return None
        return user


def start_session() -> None:
    """Call on login: a fresh session (no fixation) stamped with its start."""
    session.clear()
    session.permanent = True
    session["login_at"] = session["seen_at"] = int(time.time())


def install_session_expiry(app: Flask) -> None:
    """End a login after SESSION_IDLE_MINUTES without a request or SESSION_MAX_HOURS in all."""

    @app.before_request
    def expire_session() -> None:
        if "_user_id" not in session:
            return
        now = int(time.time())
        idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
        longest = current_app.config["SESSION_MAX_HOURS"] * 3600
        login_at, seen_at = session.get("login_at", 0), session.get("seen_at", 0)
        if now - seen_at > idle or now - login_at > longest:
            logout_user()
            session.clear()
            flash("Your session has ended. Please log in again.", "info")
            return
        # Writing the cookie on every request would be wasted bytes; a minute is precise enough.
        if now - seen_at >= 60:
            session["seen_at"] = now


def role_required(*roles: Role) -> Callable:
    """Require a logged-in staff user whose role is one of ``roles`` (admins always pass)."""

    allowed = set(roles) | {Role.ADMIN}

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any):
            if current_user.role not in allowed:
                abort(403, "Your role does not give access to this page.")
            return view(*args, **kwargs)

        wrapper.allowed_roles = frozenset(allowed)  # read by the access-rule tests
        return wrapper

    return decorator


def has_role(*roles: Role) -> bool:
    """For templates: may the current user see links to pages needing one of ``roles``?"""
    return current_user.is_authenticated and (
        current_user.role == Role.ADMIN or current_user.role in roles
    )
