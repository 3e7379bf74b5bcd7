"""Staff study pages over real HTTP: plan, list, status, screener, recruiting, slots, settings."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlmodel import select

from tests.factories import make_customer, make_participant, make_slot, make_study
from workbench.auth.models import Role
from workbench.db import utcnow
from workbench.outbox.models import OutboxMessage
from workbench.studies.models import (
    Booking,
    ParticipantStatus,
    RecruitmentSettings,
    SessionSlot,
    Study,
    StudyParticipant,
    StudyStatus,
    StudyTask,
)

# What the plan form needs; the optional fields are left out.
PLAN = {"title": "Checkout study", "method": "moderated_in_person", "incentive_kind": "voucher"}
PLAN |= {"target_participants": "6", "over_recruit_factor": "1.5", "session_minutes": "45"}
FLASH = re.compile(r'<p class="flash flash-\w+">(.*?)</p>')


@pytest.fixture
def researcher(auth):
    return auth.login(Role.RESEARCHER)


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def flashes(response) -> list[str]:
    return FLASH.findall(text_of(response))


def fresh(session) -> None:
    """End the test session's transaction (a stale SQLite snapshot) and forget what it read."""
    session.commit()
    session.expire_all()


def outbox(session, kind: str | None = None) -> list[OutboxMessage]:
    fresh(session)
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.exec(query))


def participants(session, study: Study) -> list[StudyParticipant]:
    fresh(session)
    query = select(StudyParticipant).where(StudyParticipant.study_id == study.id)
    return list(session.exec(query.order_by(StudyParticipant.id)))


def test_creating_a_study_saves_ordered_tasks_with_success_criteria(client, session, researcher):
    tasks = "Find the opening hours | Found within a minute\n\n  Change address|Saved  \nLog out"
    response = client.post("/studies/new", data={**PLAN, "tasks": tasks}, follow_redirects=True)
    assert "Study “Checkout study” created as a draft." in flashes(response)
    study = session.exec(select(Study)).one()
    assert (study.status, study.session_minutes) == (StudyStatus.DRAFT, 45)
    assert study.created_by_id == researcher.id
    saved = session.exec(select(StudyTask).order_by(StudyTask.position)).all()
    assert [(t.position, t.description, t.success_criterion) for t in saved] == [
        (1, "Find the opening hours", "Found within a minute"),
        (2, "Change address", "Saved"),
        (3, "Log out", ""),
    ]
    assert "Success: Found within a minute" in text_of(response)


def test_a_remote_study_needs_a_meeting_link(client, session, researcher):
    response = client.post("/studies/new", data={**PLAN, "method": "moderated_remote"})
    assert response.status_code == 200
    assert "A remote moderated study needs a meeting link." in flashes(response)
    assert session.exec(select(Study)).all() == []
    assert session.exec(select(StudyTask)).all() == []


@pytest.mark.parametrize(
    ("target", "warning"),
    [
        ("3", "3 participants will probably miss many problems"),
        ("12", "12 participants is more than needed for one round"),
        ("6", None),
    ],
)
def test_a_target_outside_five_to_eight_warns(client, researcher, target, warning):
    data = {**PLAN, "target_participants": target, "tasks": "Pay | Paid"}
    response = client.post("/studies/new", data=data, follow_redirects=True)
    warnings = [m for m in flashes(response) if "participants" in m]
    if warning is None:
        assert warnings == []
        assert "five to eight" not in text_of(response)
    else:
        assert len(warnings) == 1 and warnings[0].startswith(warning)


def test_editing_shows_the_tasks_and_saves_the_plan(client, session, researcher):
    study = make_study(session, status=StudyStatus.DRAFT, tasks=["Find the opening hours"])
    session.commit()
    form = client.get(f"/studies/{study.id}/edit")
    assert "Find the opening hours | Done without help" in text_of(form)
    data = {**PLAN, "title": "Renamed", "tasks": "Pay | Paid\nLeave"}
    response = client.post(f"/studies/{study.id}/edit", data=data, follow_redirects=True)
    assert "Plan saved." in flashes(response)
    fresh(session)
    assert session.get(Study, study.id).title == "Renamed"
    tasks = session.exec(select(StudyTask).where(StudyTask.study_id == study.id)).all()
    assert sorted((t.position, t.description) for t in tasks) == [(1, "Pay"), (2, "Leave")]

    frozen = make_study(session, status=StudyStatus.FIELDWORK, title="Frozen")
    session.commit()
    response = client.post(f"/studies/{frozen.id}/edit", data={**data, "title": "Changed"})
    assert "Tasks cannot change once fieldwork has started." in flashes(response)
    fresh(session)
    assert session.get(Study, frozen.id).title == "Frozen"


def test_the_list_shows_every_study_with_counts(client, session, researcher):
    empty = make_study(session, title="Quiet study")
    busy = make_study(session, title="Busy study")
    for status in ("invited", "invited", "accepted", "waitlisted"):
        make_participant(session, busy, status=ParticipantStatus(status), invited_at=utcnow())
    session.commit()
    html = text_of(client.get("/studies"))
    assert "Quiet study" in html and "Busy study" in html
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", html, re.S) if "Busy study" in r)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    assert cells[1:] == ["recruiting", "6", "2", "1", "1"]
    assert f"/studies/{empty.id}" in html


def test_viewers_and_product_owners_cannot_see_studies(client, auth, session):
    study = make_study(session)
    session.commit()
    for role in (Role.VIEWER, Role.PRODUCT_OWNER):
        auth.login(role)
        assert client.get("/studies").status_code == 403
        assert client.get(f"/studies/{study.id}").status_code == 403
        assert client.post("/studies/new", data=PLAN).status_code == 403
        auth.logout()
    assert session.exec(select(Study)).all() == [study]


def test_status_moves(client, session, researcher):
    study = make_study(session, status=StudyStatus.DRAFT)
    bare = make_study(session, status=StudyStatus.DRAFT, tasks=[])
    session.commit()
    illegal = "A study cannot move from recruiting to analysis; it can move to: closed, draft, "
    for moved, target, status_then, message in [
        (study, "recruiting", StudyStatus.RECRUITING, "The study is now recruiting."),
        (study, "analysis", StudyStatus.RECRUITING, illegal + "fieldwork."),
        (study, "bogus", StudyStatus.RECRUITING, "Pick a status."),
        (bare, "recruiting", StudyStatus.DRAFT, "Add at least one task before recruiting."),
    ]:
        url = f"/studies/{moved.id}/status"
        response = client.post(url, data={"status": target}, follow_redirects=True)
        assert flashes(response) == [message], target
        fresh(session)
        assert session.get(Study, moved.id).status is status_then, target


@pytest.fixture
def register(session):
    make_customer(session, consents={"research": True}, segment="private", language="sv")
    make_customer(session, consents={"research": True}, segment="private", language="sv")
    make_customer(session, consents={"research": True}, segment="business", language="en")
    make_customer(session, segment="business", language="sv")  # no research consent
    session.commit()


def test_the_live_count_follows_the_rules(client, session, researcher, register):
    study = make_study(session)
    session.commit()
    url = f"/studies/{study.id}/screener/count"
    for args, expected in [
        ({}, 3),
        ({"language": "sv"}, 2),
        ({"language": "en"}, 1),
        ({"segments": "business"}, 1),
        ({"segments": ["business", "private"], "quotas": "business=1"}, 3),
    ]:
        response = client.get(url, query_string=args)
        assert (response.status_code, response.json["eligible"]) == (200, expected), args
        assert f"<strong>{expected}</strong> eligible of 4" in response.json["html"]
    bad_quota = "Write quotas as segment=number, e.g. business=2"
    for args, error in [
        ({"quotas": "business"}, f"{bad_quota} (not 'business')."),
        ({"quotas": "business=many"}, f"{bad_quota} (not 'business=many')."),
        ({"min_score": "500"}, "Number must be between 0 and 100."),
    ]:
        response = client.get(url, query_string=args)
        assert response.status_code == 422, args
        assert response.json["error"].startswith(error), args


def test_saving_the_screener(client, session, researcher, register):
    study = make_study(session)
    session.commit()
    data = {"segments": ["business"], "language": "en", "min_tier": "", "quotas": "business=1"}
    response = client.post(f"/studies/{study.id}/screener", data=data, follow_redirects=True)
    assert "Screener saved." in flashes(response)
    assert "<strong>1</strong> eligible of 4" in text_of(response)
    fresh(session)
    saved = session.get(Study, study.id).screener
    assert (saved["segments"], saved["language"]) == (["business"], "en")
    assert saved["quotas"] == {"business": 1}

    response = client.post(f"/studies/{study.id}/screener", data={**data, "quotas": "lots"})
    assert response.status_code == 200
    assert any(m.startswith("Write quotas as segment=number") for m in flashes(response))
    fresh(session)
    assert session.get(Study, study.id).screener["quotas"] == {"business": 1}


def test_recruit_shortlists_and_waitlists(client, session, researcher):
    study = make_study(session, target_participants=2, over_recruit_factor=1.5)
    for _ in range(7):
        make_customer(session, consents={"research": True})
    session.commit()
    # Shortlist: ceil(2 * 1.5) = 3; waitlist: as many as the target; the seventh is left out.
    response = client.post(f"/studies/{study.id}/recruit", follow_redirects=True)
    assert "Shortlisted 3 and waitlisted 2." in flashes(response)
    statuses = [p.status for p in participants(session, study)]
    assert statuses.count(ParticipantStatus.SHORTLISTED) == 3
    assert statuses.count(ParticipantStatus.WAITLISTED) == 2
    assert len(statuses) == 5


def test_invite_queues_letters_and_says_who_was_skipped(app, client, session, researcher):
    study = make_study(session)
    first, second = make_participant(session, study), make_participant(session, study)
    unwilling = make_customer(session, name="Nils Nej")
    make_participant(session, study, unwilling)
    session.commit()
    response = client.post(f"/studies/{study.id}/invite", follow_redirects=True)
    messages = flashes(response)
    assert "2 invitations queued in the outbox." in messages
    assert "Nils Nej has no research consent in force; not invited." in messages
    letters = outbox(session, "invitation")
    assert sorted(m.customer_id for m in letters) == sorted([first.customer_id, second.customer_id])
    assert all(f"{app.config['BASE_URL']}/p/" in m.body_text for m in letters)
    statuses = {p.customer_id: p.status for p in participants(session, study)}
    assert statuses[unwilling.id] is ParticipantStatus.SHORTLISTED
    assert statuses[first.customer_id] is ParticipantStatus.INVITED

    draft = make_study(session, status=StudyStatus.DRAFT)
    make_participant(session, draft)
    session.commit()
    response = client.post(f"/studies/{draft.id}/invite", follow_redirects=True)
    expected = "Invitations go out only while a study is recruiting or in fieldwork."
    assert flashes(response) == [expected]
    assert len(outbox(session)) == 2


def test_adding_by_hand(client, session, researcher):
    study = make_study(session)
    by_ref = make_customer(session, consents={"research": True}, name="Rut Referens")
    by_mail = make_customer(session, consents={"research": True}, email="mejl@example.se")
    no_consent = make_customer(session, name="Sture Samtyckeslös")
    session.commit()
    url = f"/studies/{study.id}/participants"
    response = client.post(url, data={"customer": by_ref.external_ref}, follow_redirects=True)
    assert "Added Rut Referens by hand." in flashes(response)
    response = client.post(url, data={"customer": " MEJL@example.se "}, follow_redirects=True)
    assert f"Added {by_mail.name} by hand." in flashes(response)
    response = client.post(url, data={"customer": "nobody@example.se"}, follow_redirects=True)
    assert flashes(response) == ["No customer with reference or e-mail 'nobody@example.se'."]
    response = client.post(url, data={"customer": no_consent.email}, follow_redirects=True)
    assert flashes(response) == ["Sture Samtyckeslös has no research consent in force; not added."]
    added = participants(session, study)
    assert [(p.customer_id, p.added_by_hand, p.status) for p in added] == [
        (by_ref.id, True, ParticipantStatus.SHORTLISTED),
        (by_mail.id, True, ParticipantStatus.SHORTLISTED),
    ]


def test_drop_and_invite_one(client, session, researcher):
    study, other = make_study(session), make_study(session)
    dropped, invited = make_participant(session, study), make_participant(session, study)
    stranger = make_participant(session, other)
    session.commit()
    base = f"/studies/{study.id}/participants"
    response = client.post(f"{base}/{dropped.id}/drop", follow_redirects=True)
    assert "Taken off the list." in flashes(response)
    response = client.post(f"{base}/{stranger.id}/drop", follow_redirects=True)
    assert flashes(response) == ["No such participant in this study."]
    response = client.post(f"{base}/{invited.id}/invite", follow_redirects=True)
    assert "Invitation queued in the outbox." in flashes(response)
    fresh(session)
    assert session.get(StudyParticipant, dropped.id).status is ParticipantStatus.DROPPED
    assert session.get(StudyParticipant, stranger.id).status is ParticipantStatus.SHORTLISTED
    assert session.get(StudyParticipant, invited.id).status is ParticipantStatus.INVITED
    assert [m.customer_id for m in outbox(session, "invitation")] == [invited.customer_id]


def test_adding_slots(client, session, researcher):
    study = make_study(session)
    session.commit()
    url, year = f"/studies/{study.id}/slots", utcnow().year + 1
    slot = {"timezone": "Europe/Stockholm", "duration_minutes": "60", "location": "Rum 4"}
    past = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, data={**slot, "starts_local": past}, follow_redirects=True)
    assert flashes(response) == ["A slot must start in the future."]
    response = client.post(url, data={**slot, "starts_local": ""}, follow_redirects=True)
    assert flashes(response)[0].startswith("The slot was not added:")
    assert session.exec(select(SessionSlot)).all() == []

    data = {**slot, "starts_local": f"{year}-06-15T10:00"}
    response = client.post(url, data=data, follow_redirects=True)
    assert f"Slot added: {year}-06-15 10:00 Europe/Stockholm." in flashes(response)
    fresh(session)
    added = session.exec(select(SessionSlot)).one()
    assert added.starts_at == datetime(year, 6, 15, 8, 0, tzinfo=UTC)  # summer time: UTC+2
    assert (added.timezone, added.location) == ("Europe/Stockholm", "Rum 4")
    assert added.moderator_id is None


def test_cancelling_slots(client, session, researcher):
    study = make_study(session)
    free = make_slot(session, study)
    taken = make_slot(session, study)
    guest = make_participant(session, study, status=ParticipantStatus.ACCEPTED)
    session.add(Booking(slot_id=taken.id, participant_id=guest.id))
    session.commit()
    response = client.post(f"/studies/{study.id}/slots/{free.id}/cancel", follow_redirects=True)
    assert flashes(response) == ["Slot cancelled."]
    response = client.post(f"/studies/{study.id}/slots/{taken.id}/cancel", follow_redirects=True)
    assert flashes(response) == ["Slot cancelled; the participant has been told."]
    fresh(session)
    assert session.get(SessionSlot, free.id).cancelled_at is not None
    assert session.get(SessionSlot, taken.id).cancelled_at is not None
    assert [m.customer_id for m in outbox(session, "slot_cancelled")] == [guest.customer_id]


def test_the_detail_page_shows_the_calendar(client, session, researcher):
    study = make_study(session)
    booked = make_slot(session, study, location="Rum 1")
    make_slot(session, study, location="Rum 2")
    guest = make_customer(session, consents={"research": True}, name="Åsa Öberg")
    waiting = make_customer(session, consents={"research": True}, name="Ivar Inbjuden")
    accepted = make_participant(session, study, guest, status=ParticipantStatus.ACCEPTED)
    make_participant(session, study, waiting, status=ParticipantStatus.INVITED, invited_at=utcnow())
    session.add(Booking(slot_id=booked.id, participant_id=accepted.id))
    session.commit()
    response = client.get(f"/studies/{study.id}")
    assert response.status_code == 200
    html = text_of(response)
    rows = re.findall(r'<tr class="[^"]*">(.*?)</tr>', html, re.S)
    row_of = {place: next(r for r in rows if place in r) for place in ("Rum 1", "Rum 2")}
    assert "Åsa Öberg" in row_of["Rum 1"]
    assert "free" in row_of["Rum 2"] and "Åsa Öberg" not in row_of["Rum 2"]
    not_answered = re.search(r"<h3>Not answered</h3>(.*?)</div>", html, re.S).group(1)
    assert "Ivar Inbjuden" in not_answered and "Åsa Öberg" not in not_answered


SETTINGS = {"invitation_cooldown_days": "30", "max_studies_per_year": "3"}
SETTINGS |= {"invitation_valid_days": "14"}


def saved_settings(session) -> tuple[int, int, int]:
    fresh(session)
    row = session.get(RecruitmentSettings, 1) or RecruitmentSettings()  # the defaults
    return row.invitation_cooldown_days, row.max_studies_per_year, row.invitation_valid_days


def test_an_admin_changes_the_recruitment_rules(client, auth, session):
    auth.login(Role.ADMIN)
    assert client.get("/admin/recruitment").status_code == 200
    response = client.post("/admin/recruitment", data=SETTINGS, follow_redirects=True)
    assert "Recruitment rules saved." in flashes(response)
    assert saved_settings(session) == (30, 3, 14)
    # Out of range (the form uses the service's limits) or missing: an error, no change.
    for change, error in [
        ({"max_studies_per_year": "20"}, "Number must be between 1 and 12."),
        ({"invitation_cooldown_days": "1000"}, "Number must be between 0 and 730."),
        ({"invitation_valid_days": "0"}, "Number must be between 1 and 90."),
        ({"max_studies_per_year": ""}, "This field is required."),
    ]:
        response = client.post("/admin/recruitment", data={**SETTINGS, **change})
        assert response.status_code == 200 and error in text_of(response), change
        assert saved_settings(session) == (30, 3, 14), change


def test_a_researcher_cannot_change_the_rules(client, session, researcher):
    assert client.get("/admin/recruitment").status_code == 403
    assert client.post("/admin/recruitment", data=SETTINGS).status_code == 403
    assert saved_settings(session) == (90, 2, 21)
