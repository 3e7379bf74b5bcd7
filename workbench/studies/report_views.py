"""The study report: printable page, Markdown and CSV."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from workbench.auth.access import role_required
from workbench.auth.models import Role
from workbench.db import get_session
from workbench.studies import services
from workbench.studies.report import StudyReport, build_report, report_csv, report_markdown
from workbench.studies.report_export import found_percent, percent, seconds

blueprint = Blueprint("reports", __name__, template_folder="templates")

# Product owners and viewers read reports; admins always pass.
READERS = (Role.RESEARCHER, Role.PRODUCT_OWNER, Role.VIEWER)


def _report(study_id: int) -> StudyReport:
    session = get_session()
    return build_report(session, services.get_study(session, study_id))


def _download(body: str, mimetype: str, study_id: int, extension: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="study-{study_id}-report.{extension}"'
    )
    return response


def chart_data(report: StudyReport) -> dict:
    """What report.js draws; the page also shows the same figures as tables."""
    estimate = report.discovery.estimate
    return {
        "tasks": {
            "labels": [f"Task {task.position}" for task in report.tasks],
            "success": [task.success for task in report.tasks],
            "partial": [task.partial for task in report.tasks],
            "fail": [task.fail for task in report.tasks],
            "skipped": [task.skipped for task in report.tasks],
            "no_result": [task.no_result for task in report.tasks],
        },
        "curve": [{"x": k, "y": round(share * 100, 1)} for k, share in report.discovery.curve],
        "ran": report.ran,
        "found": None if estimate.found_share is None else round(estimate.found_share * 100, 1),
    }


@blueprint.get("/studies/<int:study_id>/report")
@role_required(*READERS)
def report(study_id: int):
    """The printable report with its charts."""
    study_report = _report(study_id)
    return render_template(
        "studies/report.html",
        report=study_report,
        chart_data=chart_data(study_report),
        percent=percent,
        found_percent=found_percent,
        seconds=seconds,
    )


@blueprint.get("/studies/<int:study_id>/report.md")
@role_required(*READERS)
def markdown(study_id: int):
    """The report as a Markdown download."""
    body = report_markdown(_report(study_id))
    return _download(body, "text/markdown", study_id, "md")


@blueprint.get("/studies/<int:study_id>/report.csv")
@role_required(*READERS)
def csv(study_id: int):
    """The issues table as a CSV download."""
    return _download(report_csv(_report(study_id)), "text/csv", study_id, "csv")
