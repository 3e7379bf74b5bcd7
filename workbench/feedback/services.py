"""Feedback forms and the public submission path."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from nlp import detect_language
from workbench.customers.models import ConsentKind
from workbench.db import utcnow
from workbench.errors import Conflict, NotFound, ValidationFailed
from workbench.feedback.confirmation import request_confirmation
from workbench.feedback.intake import clean_text, notify_feedback_stored, rating_polarity
from workbench.feedback.models import (
    Channel,
    EmailConfirmation,
    Feedback,
    FeedbackForm,
    JourneyStage,
)

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FORM_LANGUAGES = ("sv", "en")
MAX_ATTRIBUTE_QUESTIONS = 8


@dataclass
class FormDefinition:
    slug: str
    title: str
    intro: str = ""
    language: str = "sv"
    journey_stage: JourneyStage = JourneyStage.OTHER
    ask_rating: bool = True
    attribute_questions: list[str] = field(default_factory=list)
    is_active: bool = True


@dataclass
class FormSubmission:
    text: str
    rating: int | None = None
    attribute_ratings: dict[str, int] = field(default_factory=dict)
    email: str | None = None
    consent_contact: bool = False
    consent_research: bool = False
    consent_publish: bool = False
    submission_id: str | None = None


def _check_definition(definition: FormDefinition) -> None:
    if not SLUG_PATTERN.match(definition.slug):
        raise ValidationFailed("The slug may hold lower-case letters, digits and single hyphens.")
    if definition.language not in FORM_LANGUAGES:
        raise ValidationFailed("A form's language is sv or en.")
    questions = [q.strip() for q in definition.attribute_questions if q.strip()]
    if len(questions) > MAX_ATTRIBUTE_QUESTIONS:
        raise ValidationFailed(f"At most {MAX_ATTRIBUTE_QUESTIONS} attribute questions.")
    if len(set(questions)) != len(questions):
        raise ValidationFailed("Attribute questions must differ from each other.")
    definition.attribute_questions = questions


def list_forms(session: Session) -> list[FeedbackForm]:
    return list(session.exec(select(FeedbackForm).order_by(FeedbackForm.title)))


def get_form(session: Session, form_id: int) -> FeedbackForm:
    form = session.get(FeedbackForm, form_id)
    if form is None:
        raise NotFound("No such form.")
    return form


def get_active_form(session: Session, slug: str) -> FeedbackForm:
    form = session.exec(select(FeedbackForm).where(FeedbackForm.slug == slug)).first()
    if form is None or not form.is_active:
        raise NotFound("This feedback form does not exist or is closed.")
    return form


def save_form(
    session: Session, definition: FormDefinition, form: FeedbackForm | None = None
) -> FeedbackForm:
    """Create a form, or update ``form`` with the definition."""
    _check_definition(definition)
    clash = session.exec(select(FeedbackForm).where(FeedbackForm.slug == definition.slug)).first()
    if clash is not None and (form is None or clash.id != form.id):
        raise Conflict(f"Another form already uses the address /f/{definition.slug}.")
    form = form or FeedbackForm(slug=definition.slug, title=definition.title)
    for name, value in vars(definition).items():
        setattr(form, name, value)
    form.updated_at = utcnow()
    session.add(form)
    session.flush()
    return form


def submit_form_feedback(
    session: Session,
    form: FeedbackForm,
    submission: FormSubmission,
    *,
    wording_version: str,
    confirmation_link: Callable[[str], str],
) -> Feedback:
    """Store a public form submission; an e-mail given waits for its owner's confirmation.

    A submission id (rendered into the form) makes a double submit store one item (and send
    one letter). The item is stored unlinked and nothing is recorded in the register until the
    owner of the address confirms it (``feedback.confirmation``); the answer is the same for
    known and unknown addresses.
    """
    email = submission.email.strip().lower() if submission.email else None
    wants_contact = submission.consent_contact or submission.consent_research
    if wants_contact and not email:
        raise ValidationFailed("An e-mail address is needed to contact you.")
    if submission.submission_id:
        earlier = _submitted(session, submission.submission_id)
        if earlier is not None:
            return earlier
    try:
        with session.begin_nested():
            return _store_submission(
                session, form, submission, email, wording_version, confirmation_link
            )
    except IntegrityError:
        # The same submission committed by a concurrent request.
        earlier = _submitted(session, submission.submission_id)
        if earlier is None:
            raise
        return earlier


def form_of(session: Session, pending: EmailConfirmation) -> FeedbackForm | None:
    """The form an e-mail confirmation came from (None once the form is deleted)."""
    feedback = session.get(Feedback, pending.feedback_id)
    return session.get(FeedbackForm, feedback.form_id) if feedback and feedback.form_id else None


def _submitted(session: Session, submission_id: str | None) -> Feedback | None:
    if not submission_id:
        return None
    query = select(Feedback).where(Feedback.source == "form", Feedback.external_id == submission_id)
    return session.exec(query).first()


def _store_submission(
    session: Session,
    form: FeedbackForm,
    submission: FormSubmission,
    email: str | None,
    wording_version: str,
    confirmation_link: Callable[[str], str],
) -> Feedback:
    feedback = Feedback(
        channel=Channel.FORM,
        source="form",
        external_id=submission.submission_id,
        form_id=form.id,
        text=clean_text(submission.text),
        language=detect_language(submission.text, hint=form.language),
        rating=submission.rating,
        **rating_polarity(submission.rating),
        attribute_ratings={k: v for k, v in submission.attribute_ratings.items() if v is not None},
        journey_stage=form.journey_stage,
        email=email,
        # The text is the submitter's own; with an address, the consent waits for the owner.
        consent_publish=submission.consent_publish and not email,
    )
    session.add(feedback)
    session.flush()
    if email:
        request_confirmation(
            session,
            feedback,
            form,
            wants={
                ConsentKind.CONTACT: submission.consent_contact,
                ConsentKind.RESEARCH: submission.consent_research,
                ConsentKind.PUBLISH_QUOTE: submission.consent_publish,
            },
            wording_version=wording_version,
            link_for=confirmation_link,
            now=utcnow(),
        )
    notify_feedback_stored(session, [feedback.id])
    return feedback
