"""Login loading and role checks for staff pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import LoginManager, current_user, login_required

from workbench.auth.models import Role, StaffUser
from workbench.db import get_session

ALL_ROLES = tuple(Role)


def install_login_loader(login_manager: LoginManager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str) -> StaffUser | None:
        try:
            user = get_session().get(StaffUser, int(user_id))
        except ValueError:
            return None
        return user if user is not None and user.is_active else None


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
