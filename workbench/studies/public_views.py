"""The participant's page: answer an invitation, book, reschedule, cancel, withdraw."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("participation", __name__, template_folder="templates")
