"""E-mail texts to participants, in Swedish and English.

Kept here as plain templates rather than gettext catalogues because they are composed outside any
request (the outbox stores the finished text) and each language is read as a whole letter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from workbench.studies.models import IncentiveKind, SessionSlot, Study, StudyMethod

LANGUAGES = ("sv", "en")


@dataclass(frozen=True)
class Mailing:
    """How outgoing letters are addressed: links back to the participant page and the sender."""

    link_for: Callable[[str], str]
    sender_email: str
    sender_name: str = "Workbench"
    calendar_domain: str = "workbench.local"


TIME_FORMATS = {"sv": "EEEE d MMMM y 'kl.' HH:mm", "en": "EEEE d MMMM y, HH:mm"}

METHOD_TEXT = {
    "sv": {
        StudyMethod.IN_PERSON: "ett samtal på plats med en av våra forskare",
        StudyMethod.REMOTE: "ett videosamtal med en av våra forskare",
        StudyMethod.UNMODERATED: "några uppgifter som du gör på egen hand",
    },
    "en": {
        StudyMethod.IN_PERSON: "a session in person with one of our researchers",
        StudyMethod.REMOTE: "a video call with one of our researchers",
        StudyMethod.UNMODERATED: "a few tasks you do on your own",
    },
}

INCENTIVE_TEXT = {
    "sv": {
        IncentiveKind.LOYALTY_POINTS: "{value} bonuspoäng",
        IncentiveKind.GIFT: "en gåva{note}",
        IncentiveKind.VOUCHER: "ett presentkort på {value} kr",
    },
    "en": {
        IncentiveKind.LOYALTY_POINTS: "{value} loyalty points",
        IncentiveKind.GIFT: "a gift{note}",
        IncentiveKind.VOUCHER: "a voucher worth SEK {value}",
    },
}

SUBJECTS = {
    "sv": {
        "invitation": "Inbjudan: hjälp oss att bli bättre ({title})",
        "confirmation": "Bekräftelse: din tid {when}",
        "update": "Ny tid: {when}",
        "cancellation": "Avbokad: {title}",
        "reminder": "Påminnelse: vi ses {when}",
        "slot_cancelled": "Vi har tyvärr fått ställa in din tid {when}",
    },
    "en": {
        "invitation": "Invitation: help us get better ({title})",
        "confirmation": "Confirmed: your session {when}",
        "update": "New time: {when}",
        "cancellation": "Cancelled: {title}",
        "reminder": "Reminder: see you {when}",
        "slot_cancelled": "We have had to cancel your session {when}",
    },
}

BODIES = {
    "sv": {
        "invitation": (
            "Hej {name}!\n\nDu är en av våra trogna kunder och vi vill gärna höra hur du "
            "använder våra tjänster. Vi bjuder in dig till {method}, ungefär {minutes} minuter.\n\n"
            "Som tack får du {incentive}.\n\n"
            "Svara ja eller nej och välj en tid här:\n{link}\n\n"
            "Länken gäller till {expires}. Där kan du också när som helst säga att du inte vill "
            "bli tillfrågad om undersökningar igen."
        ),
        "confirmation": (
            "Hej {name}!\n\nTack! Din tid är bokad: {when} ({timezone}).\n{place}\n\n"
            "Kalenderinbjudan finns bifogad. Vill du byta tid eller avboka gör du det här:\n{link}"
        ),
        "update": (
            "Hej {name}!\n\nDin tid är ändrad till {when} ({timezone}).\n{place}\n\n"
            "Den bifogade kalenderfilen uppdaterar din kalender. Hantera din bokning här:\n{link}"
        ),
        "cancellation": (
            "Hej {name}!\n\nDin tid {when} är avbokad. Den bifogade kalenderfilen tar bort "
            "den ur din kalender.\n\nTack för att du hörde av dig."
        ),
        "reminder": (
            "Hej {name}!\n\nVälkommen i morgon, {when} ({timezone}).\n{place}\n\n"
            "Behöver du byta tid eller avboka gör du det här:\n{link}"
        ),
        "slot_cancelled": (
            "Hej {name}!\n\nVi har tyvärr fått ställa in din tid {when}. Förlåt för besväret. "
            "Välj gärna en ny tid här:\n{link}"
        ),
    },
    "en": {
        "invitation": (
            "Hello {name},\n\nYou are one of our loyal customers and we would like to hear how "
            "you use our services. We invite you to {method}, about {minutes} minutes.\n\n"
            "As a thank-you you get {incentive}.\n\n"
            "Say yes or no and pick a time here:\n{link}\n\n"
            "The link works until {expires}. There you can also tell us at any time that you do "
            "not want to be asked about research again."
        ),
        "confirmation": (
            "Hello {name},\n\nThank you! Your session is booked: {when} ({timezone}).\n{place}\n\n"
            "The calendar invitation is attached. To change the time or cancel, go here:\n{link}"
        ),
        "update": (
            "Hello {name},\n\nYour session has moved to {when} ({timezone}).\n{place}\n\n"
            "The attached calendar file updates your calendar. Manage your booking here:\n{link}"
        ),
        "cancellation": (
            "Hello {name},\n\nYour session {when} is cancelled. The attached calendar file "
            "removes it from your calendar.\n\nThank you for letting us know."
        ),
        "reminder": (
            "Hello {name},\n\nSee you tomorrow, {when} ({timezone}).\n{place}\n\n"
            "To change the time or cancel, go here:\n{link}"
        ),
        "slot_cancelled": (
            "Hello {name},\n\nWe have had to cancel your session {when}. We are sorry. "
            "Please pick a new time here:\n{link}"
        ),
    },
}

PLACE_TEXT = {
    "sv": {"location": "Plats: {value}", "meeting_link": "Möteslänk: {value}"},
    "en": {"location": "Place: {value}", "meeting_link": "Meeting link: {value}"},
}


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str
    language: str


def letter_language(language: str | None) -> str:
    """Swedish and English letters exist; anyone else gets English."""
    return language if language in LANGUAGES else "en"


def local_time(moment: datetime, timezone: str, language: str) -> str:
    """A moment as the participant reads it, in the slot's own time zone."""
    return format_datetime(
        moment, TIME_FORMATS[language], tzinfo=ZoneInfo(timezone), locale=language
    )


def incentive_text(study: Study, language: str) -> str:
    note = f" ({study.incentive_note})" if study.incentive_note else ""
    return INCENTIVE_TEXT[language][study.incentive_kind].format(
        value=study.incentive_value, note=note
    )


def method_text(study: Study, language: str) -> str:
    return METHOD_TEXT[language][study.method]


def place_text(study: Study, slot: SessionSlot, language: str) -> str:
    """Where the session happens: the slot's place or link, else the study's meeting link."""
    lines = []
    if slot.location:
        lines.append(PLACE_TEXT[language]["location"].format(value=slot.location))
    link = slot.meeting_link or study.meeting_link
    if link and study.method is StudyMethod.REMOTE:
        lines.append(PLACE_TEXT[language]["meeting_link"].format(value=link))
    return "\n".join(lines)


def compose(kind: str, language: str, **values: object) -> Letter:
    """Fill one letter; ``values`` are the placeholders its subject and body use."""
    language = letter_language(language)
    return Letter(
        subject=SUBJECTS[language][kind].format(**values),
        body=BODIES[language][kind].format(**values),
        language=language,
    )
