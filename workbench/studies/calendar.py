"""Calendar files (RFC 5545, via icalendar) for booked, moved and cancelled sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from icalendar import Calendar, Event, vCalAddress, vText

PRODUCT_ID = "-//Workbench//User-test sessions//EN"


class CalendarMethod(StrEnum):
    REQUEST = "REQUEST"  # a new or moved session: calendars add or update the event
    CANCEL = "CANCEL"  # calendars remove the event


@dataclass(frozen=True)
class SessionEvent:
    """What the participant's calendar needs to know about one session."""

    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    location: str
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str
    url: str = ""


def session_uid(participant_id: int, domain: str) -> str:
    """One UID per participant and study, so a moved session replaces the earlier event."""
    return f"study-participant-{participant_id}@{domain}"


def session_calendar(event: SessionEvent, method: CalendarMethod, *, stamp: datetime) -> str:
    """An iCalendar document with one event, as text for an e-mail attachment."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", method.value)
    entry = Event()
    entry.add("uid", event.uid)
    # SEQUENCE tells calendars which version of the event is newest (RFC 5546).
    entry.add("sequence", event.sequence)
    entry.add("dtstamp", stamp)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("summary", event.summary)
    entry.add("description", event.description)
    if event.location:
        entry.add("location", event.location)
    if event.url:
        entry.add("url", event.url)
    entry.add("status", "CANCELLED" if method is CalendarMethod.CANCEL else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{event.organizer_email}")
    organizer.params["cn"] = vText(event.organizer_name)
    entry["organizer"] = organizer
    attendee = vCalAddress(f"mailto:{event.attendee_email}")
    attendee.params["cn"] = vText(event.attendee_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText(
        "DECLINED" if method is CalendarMethod.CANCEL else "ACCEPTED"
    )
    entry.add("attendee", attendee, encode=0)
    calendar.add_component(entry)
    return calendar.to_ical().decode("utf-8")
