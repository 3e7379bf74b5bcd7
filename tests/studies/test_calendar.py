"""ICS files for booked, moved and cancelled sessions, read back with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from workbench.studies.calendar import CalendarMethod, SessionEvent, session_calendar, session_uid

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def event(**overrides) -> SessionEvent:
    values = {
        "uid": session_uid(42, "workbench.example"),
        "sequence": 1,
        "starts_at": START,
        "ends_at": START + timedelta(minutes=45),
        "summary": "Användartest: kassan",
        "description": "Plats: Storgatan 1\nhttps://workbench.example/p/abc",
        "location": "Storgatan 1, Stockholm",
        "organizer_email": "research@workbench.example",
        "organizer_name": "Workbench",
        "attendee_email": "kund@example.se",
        "attendee_name": "Åsa Öberg",
        "url": "https://workbench.example/p/abc",
    }
    values.update(overrides)
    return SessionEvent(**values)


def parse(text: str):
    calendar = Calendar.from_ical(text)
    (entry,) = calendar.walk("VEVENT")
    return calendar, entry


def test_a_booking_is_a_request_with_times_in_utc_and_both_parties():
    calendar, entry = parse(
        session_calendar(event(), CalendarMethod.REQUEST, stamp=START - timedelta(days=3))
    )
    assert str(calendar["method"]) == "REQUEST"
    assert str(calendar["version"]) == "2.0"
    assert entry.decoded("dtstart") == START
    assert entry.decoded("dtend") == START + timedelta(minutes=45)
    assert str(entry["uid"]) == "study-participant-42@workbench.example"
    assert int(entry["sequence"]) == 1
    assert str(entry["summary"]) == "Användartest: kassan"
    assert str(entry["location"]) == "Storgatan 1, Stockholm"
    assert str(entry["status"]) == "CONFIRMED"
    assert str(entry["organizer"]) == "mailto:research@workbench.example"
    assert str(entry["attendee"]) == "mailto:kund@example.se"
    assert entry["attendee"].params["cn"] == "Åsa Öberg"
    assert entry["attendee"].params["partstat"] == "ACCEPTED"


def test_a_move_keeps_the_uid_and_raises_the_sequence():
    first = parse(session_calendar(event(sequence=1), CalendarMethod.REQUEST, stamp=START))[1]
    moved = event(
        sequence=2, starts_at=START + timedelta(days=1), ends_at=START + timedelta(days=1, hours=1)
    )
    second = parse(session_calendar(moved, CalendarMethod.REQUEST, stamp=START))[1]
    assert str(first["uid"]) == str(second["uid"])
    assert int(second["sequence"]) > int(first["sequence"])
    assert second.decoded("dtstart") == START + timedelta(days=1)


def test_a_cancellation_says_cancel_and_cancelled():
    calendar, entry = parse(session_calendar(event(sequence=3), CalendarMethod.CANCEL, stamp=START))
    assert str(calendar["method"]) == "CANCEL"
    assert str(entry["status"]) == "CANCELLED"
    assert int(entry["sequence"]) == 3


def test_lines_are_folded_and_end_with_crlf():
    text = session_calendar(event(description="x" * 300), CalendarMethod.REQUEST, stamp=START)
    lines = text.split("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert text.startswith("BEGIN:VCALENDAR\r\n")
