"""Double opt-in for the public forms: an address counts only once its owner has clicked.

Anyone can type anyone's e-mail on a public form. So a submission with an address stores the
feedback unlinked and sends a confirmation letter through the outbox, the same letter for known
and unknown addresses (the page after the form says the same, too: nobody learns who is in the
register). The link shows a page with one button; only that POST confirms, so a mail scanner
that opens links confirms nothing. Confirming links the item to the customer (created if new)
and records the consents asked for, with the time of the click and the wording the form showed.

The letters are plain templates rather than gettext catalogues, like the other letters: they
are composed outside any request and each language is read as a whole.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from workbench.auth.services import hash_token
from workbench.customers.models import ConsentKind, ConsentSource, Customer
from workbench.customers.services import current_consents, find_customer, record_consent
from workbench.errors import NotFound
from workbench.feedback.models import EmailConfirmation, Feedback, FeedbackForm
from workbench.outbox.services import queue_message

KIND = "email_confirmation"
VALID_FOR = timedelta(days=14)
TOKEN_BYTES = 32

SUBJECTS = {"sv": "Bekräfta din e-postadress", "en": "Please confirm your e-mail address"}
BODIES = {
    "sv": (
        "Hej!\n\n"
        "Någon, förhoppningsvis du, lämnade just synpunkter i formuläret ”{form}” och skrev "
        "den här e-postadressen. Bekräfta att den är din, så kopplar vi synpunkterna till dig "
        "och sparar det du bad om:\n\n{link}\n\n"
        "Länken gäller i {days} dagar.\n\n"
        "Var det inte du? Då behöver du inte göra något. Vi sparar inget samtycke och "
        "kontaktar dig inte."
    ),
    "en": (
        "Hello,\n\n"
        "Someone, hopefully you, just gave feedback on the form “{form}” and typed this e-mail "
        "address. Please confirm that it is yours, so that we link the feedback to you and keep "
        "what you asked for:\n\n{link}\n\n"
        "The link works for {days} days.\n\n"
        "Was it not you? Then there is nothing to do. We keep no consent and will not contact "
        "you."
    ),
}


class ConfirmationUnavailable(NotFound):
    """Unknown, expired or erased; the page must not say which."""


def request_confirmation(
    session: Session,
    feedback: Feedback,
    form: FeedbackForm,
    *,
    wants: dict[ConsentKind, bool],
    wording_version: str,
    link_for: Callable[[str], str],
    now: datetime,
) -> EmailConfirmation:
    """Keep what the submitter asked for and queue the letter that lets the owner confirm."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    confirmation = EmailConfirmation(
        feedback_id=feedback.id,
        token_hash=hash_token(token),
        wants_contact=wants.get(ConsentKind.CONTACT, False),
        wants_research=wants.get(ConsentKind.RESEARCH, False),
        wants_publish=wants.get(ConsentKind.PUBLISH_QUOTE, False),
        wording_version=wording_version,
        created_at=now,
        expires_at=now + VALID_FOR,
    )
    session.add(confirmation)
    language = form.language if form.language in SUBJECTS else "sv"
    queue_message(
        session,
        kind=KIND,
        to_address=feedback.email or "",
        language=language,
        subject=SUBJECTS[language],
        body_text=BODIES[language].format(
            form=form.title, link=link_for(token), days=VALID_FOR.days
        ),
        due_at=now,
    )
    session.flush()
    return confirmation


def open_confirmation(session: Session, token: str, *, now: datetime) -> EmailConfirmation:
    """The confirmation behind a link, while it may still be used (also once confirmed)."""
    confirmation = session.exec(
        select(EmailConfirmation).where(EmailConfirmation.token_hash == hash_token(token))
    ).first()
    feedback = session.get(Feedback, confirmation.feedback_id) if confirmation else None
    if (
        confirmation is None
        or feedback is None
        or feedback.erased
        or not feedback.email
        or (confirmation.confirmed_at is None and confirmation.expires_at <= now)
    ):
        raise ConfirmationUnavailable("This link does not work.")
    return confirmation


def confirm(session: Session, confirmation: EmailConfirmation, *, now: datetime) -> None:
    """The owner clicked: link the item to the customer and record the consents asked for.

    A second click changes nothing. Being the owner, they may give again a consent they once
    withdrew; a do-not-contact mark set by staff still blocks contact and research."""
    # Claim the confirmation in one UPDATE: of two clicks at once, only one goes on (the other
    # would create the customer twice or record each consent twice).
    claimed = session.execute(
        sa.update(EmailConfirmation)
        .where(EmailConfirmation.id == confirmation.id, EmailConfirmation.confirmed_at.is_(None))
        .values(confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(confirmation)
    if claimed.rowcount != 1:
        return
    feedback = session.get(Feedback, confirmation.feedback_id)
    form = session.get(FeedbackForm, feedback.form_id) if feedback.form_id else None
    customer = find_customer(session, email=feedback.email)
    if customer is None:
        try:
            with session.begin_nested():
                language = form.language if form else "sv"
                customer = Customer(email=feedback.email, language=language, segment="")
                session.add(customer)
        except IntegrityError:  # another confirmation of the same new address came first
            customer = find_customer(session, email=feedback.email)
    feedback.customer_id = customer.id
    feedback.consent_publish = confirmation.wants_publish
    in_force = current_consents(session, [customer.id])[customer.id]
    wanted = {
        ConsentKind.CONTACT: confirmation.wants_contact,
        ConsentKind.RESEARCH: confirmation.wants_research,
        ConsentKind.PUBLISH_QUOTE: confirmation.wants_publish,
    }
    for kind, given in wanted.items():
        earlier = in_force.get(kind)
        if not given or (earlier is not None and earlier.given):
            continue
        if customer.do_not_contact and kind is not ConsentKind.PUBLISH_QUOTE:
            continue
        record_consent(
            session,
            customer,
            kind,
            given=True,
            wording_version=confirmation.wording_version,
            source=ConsentSource.FORM,
            recorded_at=now,
        )
    session.add(feedback)
    session.flush()
