"""Flask extensions, created once and bound to each app in create_app."""

from collections.abc import Callable

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
# No default limits: only the routes that ask for one are limited.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def post_limit_from_setting(setting: str, key_func: Callable[[], str] | None = None):
    """Limit POSTs to a view by the setting ``setting`` ("off" for none), per client address
    or per what ``key_func`` returns."""

    def is_off() -> bool:
        return str(current_app.config[setting]).strip().lower() in {"", "off", "0", "none"}

    def limit() -> str:
        # Flask-Limiter parses the limit even for exempt requests, so "off" must not reach it.
        return "1 per second" if is_off() else current_app.config[setting]

    return limiter.limit(limit, methods=["POST"], exempt_when=is_off, key_func=key_func)
