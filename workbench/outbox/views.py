"""Staff pages for the outbox: messages kept, sent and failed."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("outbox", __name__, template_folder="templates")
