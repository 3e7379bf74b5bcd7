"""A participant's status moves through one pure function, like a study's (lifecycle.py).

``TRANSITIONS`` lists every move a service may make; anything else is refused with the
sentence the service has always given. Repeats that change nothing (accepting when accepted,
declining when declined, dropping when dropped) are answered by the services before they ask.
"""

from __future__ import annotations

from enum import StrEnum

from workbench.errors import InvalidTransition
from workbench.studies.models import ParticipantStatus as S


class ParticipantEvent(StrEnum):
    SHORTLIST = "shortlist"  # recruitment ranked them in, a researcher added them by hand
    WAITLIST = "waitlist"  # ranked, but after the places
    INVITE = "invite"  # an invitation letter went out (again)
    ACCEPT = "accept"
    DECLINE = "decline"
    BOOK = "book"  # a slot booked, by the participant or a researcher
    CANCEL = "cancel"  # the booked session cancelled
    WITHDRAW = "withdraw"  # research consent withdrawn
    DROP = "drop"  # a researcher took them off the list
    NO_SHOW = "no_show"
    COMPLETE = "complete"


E = ParticipantEvent
#: Who may hold a place again after answering: decided by the free places, not the table.
_ANSWERED = (S.DECLINED, S.CANCELLED)

TRANSITIONS: dict[tuple[S | None, ParticipantEvent], S] = {
    (None, E.SHORTLIST): S.SHORTLISTED,
    (None, E.WAITLIST): S.WAITLISTED,
    **{(current, E.SHORTLIST): S.SHORTLISTED for current in (S.SHORTLISTED, S.WAITLISTED)},
    **{(current, E.WAITLIST): S.WAITLISTED for current in (S.SHORTLISTED, S.WAITLISTED)},
    (S.DROPPED, E.SHORTLIST): S.SHORTLISTED,  # added again by hand
    **{(current, E.INVITE): S.INVITED for current in (S.SHORTLISTED, S.WAITLISTED, S.INVITED)},
    **{
        (current, E.ACCEPT): S.ACCEPTED
        for current in (S.SHORTLISTED, S.INVITED, S.ACCEPTED, *_ANSWERED)
    },
    **{(current, E.DECLINE): S.DECLINED for current in (S.INVITED, S.ACCEPTED, *_ANSWERED)},
    **{(current, E.BOOK): S.ACCEPTED for current in (S.INVITED, S.ACCEPTED)},
    (S.ACCEPTED, E.CANCEL): S.CANCELLED,
    **{
        (current, E.WITHDRAW): S.WITHDRAWN
        for current in (S.SHORTLISTED, S.WAITLISTED, S.INVITED, S.ACCEPTED, *_ANSWERED)
    },
    **{(current, E.DROP): S.DROPPED for current in (S.SHORTLISTED, S.WAITLISTED, S.INVITED)},
    (S.ACCEPTED, E.NO_SHOW): S.NO_SHOW,
    (S.ACCEPTED, E.COMPLETE): S.COMPLETED,
}


def _refusal(current: S | None, event: ParticipantEvent) -> str:
    """The sentence a refused move is explained with (the services' wording)."""
    state = current.value if current is not None else "not on the list"
    if event is E.INVITE:
        return f"A participant who is {state} cannot be invited."
    if event is E.BOOK:
        return "Say yes to the invitation before you pick a time."
    if event is E.DROP:
        if current is S.ACCEPTED:
            return "This participant has accepted; cancel their booking instead."
        return f"This participant is {state}: already off the list."
    if event is E.NO_SHOW:
        return f"Only someone who said yes can be a no-show (this person is {state})."
    if event is E.COMPLETE:
        return f"Only someone who said yes can take part (this person is {state})."
    if event is E.CANCEL:
        return f"A participant who is {state} has no session to cancel."
    if event in (E.SHORTLIST, E.WAITLIST):
        return f"A participant who is {state} cannot be put on the list again."
    return f"A participant who is {state} cannot {event.value} any more."


def next_participant_status(current: S | None, event: ParticipantEvent) -> S:
    """The status after ``event``, or InvalidTransition; ``None`` is someone not on the list."""
    try:
        return TRANSITIONS[(current, ParticipantEvent(event))]
    except KeyError:
        raise InvalidTransition(_refusal(current, ParticipantEvent(event))) from None
