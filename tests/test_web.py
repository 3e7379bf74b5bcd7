"""The one request pattern (workbench.web): commit once, flash, redirect; roll back a refusal."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from sqlmodel import select

from tests.factories import make_customer
from workbench.customers.models import Customer
from workbench.db import after_commit, get_session
from workbench.errors import Conflict
from workbench.web import Done, act, safe_next


@pytest.mark.parametrize(
    ("target", "followed"),
    [
        ("/issues/3", "/issues/3"),
        ("/topics?page=2#t", "/topics?page=2#t"),
        ("//evil.example/x", None),
        ("////evil.example", None),
        ("/\\evil.example", None),
        ("https://evil.example/", None),
        ("issues/3", None),
        ("", None),
        (None, None),
    ],
)
def test_next_links_stay_on_this_site(target, followed) -> None:
    assert safe_next(target) == followed


def test_a_change_is_committed_once_flashed_and_followed(app) -> None:
    ran_after_commit = []
    with app.test_request_context("/", method="POST"):
        session = get_session()

        def change() -> Done:
            customer = make_customer(session, name="Ada Lind")
            after_commit(session, lambda: ran_after_commit.append(customer.id))
            return Done("Saved.", to="/customers")

        response = act(change, back="/back")
        assert (response.status_code, response.location) == (302, "/customers")
        assert get_flashed_messages(with_categories=True) == [("success", "Saved.")]
        assert ran_after_commit
    with app.test_request_context("/"):
        assert get_session().exec(select(Customer).where(Customer.name == "Ada Lind")).first()


def test_a_refused_change_leaves_nothing_and_goes_back_with_the_reason(app) -> None:
    ran_after_commit = []
    with app.test_request_context("/", method="POST"):
        session = get_session()

        def change() -> str:
            make_customer(session, name="Half Done")
            after_commit(session, lambda: ran_after_commit.append("ran"))
            raise Conflict("That place was just taken.")

        response = act(change, back="/back")
        assert (response.status_code, response.location) == (302, "/back")
        assert get_flashed_messages(with_categories=True) == [
            ("error", "That place was just taken.")
        ]
    assert ran_after_commit == []
    with app.test_request_context("/"):
        assert (
            get_session().exec(select(Customer).where(Customer.name == "Half Done")).first() is None
        )


def test_a_plain_message_goes_back(app) -> None:
    with app.test_request_context("/", method="POST"):
        response = act(lambda: "Nothing to do.", back="/back")
        assert response.location == "/back"
        assert get_flashed_messages() == ["Nothing to do."]
