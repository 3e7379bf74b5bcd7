"""Liveness and readiness: GET /healthz says whether the database answers."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from workbench.db import get_session

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    try:
        get_session().execute(text("SELECT 1"))
    except Exception as error:  # any failure means "not ready", whatever the driver raised
        return jsonify(
            {"status": "error", "database": "unreachable", "error": type(error).__name__}
        ), 503
    return jsonify({"status": "ok", "database": "ok"})
