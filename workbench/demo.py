"""Demo data: two forms, 60 customers, 330 feedback items, one staff user per role and a study.

Loading twice changes nothing: every object is created only when missing. Dates in the
fixtures are moved forward so that the fixture's anchor date falls on today, which keeps
recency (and so loyalty) realistic however old the fixtures get.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from workbench.auth.models import Role, StaffUser
from workbench.auth.services import create_staff_user
from workbench.customers.imports import import_customers
from workbench.customers.models import Customer
from workbench.db import utcnow
from workbench.feedback.intake import FeedbackInput, store_feedback
from workbench.feedback.models import Channel, FeedbackForm, JourneyStage
from workbench.feedback.services import FormDefinition, save_form
from workbench.importing import open_rows, parse_date
from workbench.studies.demo import load_demo_study

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEMO_USERS = {role: f"{role.value.replace('_', '-')}@example.com" for role in Role}


@dataclass
class DemoSummary:
    forms: int = 0
    customers: int = 0
    feedback: int = 0
    users: int = 0
    studies: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "forms": self.forms,
            "customers": self.customers,
            "feedback": self.feedback,
            "users": self.users,
            "studies": self.studies,
        }


def _shift(value: Any, days: int) -> str | None:
    parsed = parse_date(value, "date")
    return (parsed + timedelta(days=days)).isoformat() if parsed else None


def load_demo(
    session: Session, *, wording_version: str, password: str, today: date | None = None
) -> DemoSummary:
    """Create whatever part of the demo data is missing."""
    summary = DemoSummary()
    manifest = json.loads((FIXTURES / "forms.json").read_text(encoding="utf-8"))
    shift_days = ((today or utcnow().date()) - date.fromisoformat(manifest["anchor_date"])).days

    forms_by_slug: dict[str, FeedbackForm] = {}
    for spec in manifest["forms"]:
        form = session.exec(select(FeedbackForm).where(FeedbackForm.slug == spec["slug"])).first()
        if form is None:
            definition = FormDefinition(
                **{**spec, "journey_stage": JourneyStage(spec["journey_stage"])}
            )
            form = save_form(session, definition)
            summary.forms += 1
        forms_by_slug[form.slug] = form

    known_refs = set(session.exec(select(Customer.external_ref)).all())
    with open_rows(FIXTURES / "customers.csv") as rows:
        missing = []
        for row in rows:
            if row.data.get("external_ref") in known_refs:
                continue
            data = dict(row.data)
            for column in ("first_purchase_at", "last_purchase_at"):
                data[column] = _shift(data.get(column), shift_days)
            missing.append(row.__class__(row.line, data))
        summary.customers = import_customers(
            session, missing, wording_version=wording_version
        ).imported

    by_channel: dict[tuple[Channel, str], list[FeedbackInput]] = {}
    with (FIXTURES / "feedback.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            form = forms_by_slug.get(item.get("form") or "")
            channel = Channel.FORM if item["source"] == "form" else Channel.IMPORT
            created_at = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
            by_channel.setdefault((channel, item["source"]), []).append(
                FeedbackInput(
                    text=item["text"],
                    external_id=item["external_id"],
                    rating=item.get("rating"),
                    created_at=created_at + timedelta(days=shift_days),
                    language=item.get("language"),
                    customer_ref=item.get("customer_ref"),
                    attribute_ratings=item.get("attribute_ratings") or {},
                    journey_stage=JourneyStage(item["journey_stage"])
                    if item.get("journey_stage")
                    else None,
                    consent_publish=bool(item.get("consent_publish")),
                    form_id=form.id if form else None,
                )
            )
    for (channel, source), inputs in by_channel.items():
        stored = store_feedback(session, inputs, source=source, channel=channel)
        summary.feedback += sum(item.created for item in stored)

    for role, email in DEMO_USERS.items():
        if session.exec(select(StaffUser).where(StaffUser.email == email)).first() is None:
            create_staff_user(
                session, email, role, password, name=f"Demo {role.value.replace('_', ' ')}"
            )
            summary.users += 1
    session.flush()
    researcher = session.exec(
        select(StaffUser).where(StaffUser.email == DEMO_USERS[Role.RESEARCHER])
    ).one()
    summary.studies = load_demo_study(session, now=utcnow(), actor_id=researcher.id)
    return summary
