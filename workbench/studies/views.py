"""Staff pages for studies: plan, screen, recruit, invite, schedule."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("studies", __name__, template_folder="templates")
