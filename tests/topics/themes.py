"""Sixty short English feedback texts in three themes (late delivery, app login, refunds)."""

from __future__ import annotations

THEMES: dict[str, tuple[list[str], list[str]]] = {
    "delivery": (
        [
            "The delivery was late",
            "My parcel arrived late",
            "The package came days late",
            "Delivery took far too long",
            "The courier was late with my parcel",
        ],
        ["again this week", "and nobody told me", "for the third time", "so the gift was late"],
    ),
    "login": (
        [
            "I cannot log in to the app",
            "The app login fails",
            "Login in the app keeps failing",
            "The app logs me out and I cannot log in again",
            "Password login in the app does not work",
        ],
        ["after the update", "on my phone", "every morning", "since the new app version"],
    ),
    "refund": (
        [
            "I am still waiting for my refund",
            "The refund has not arrived",
            "My refund for the returned order is missing",
            "Refund promised but never paid",
            "Nobody answers about my refund",
        ],
        ["after two weeks", "for the returned shoes", "although I returned it", "pay me back"],
    ),
}

#: A few more of each theme, worded differently, for "new feedback arrives".
NEW_TEXTS: dict[str, list[str]] = {
    "delivery": ["My parcel was late once more", "Late delivery, the package came a week late"],
    "login": ["Cannot log in to the app at all", "App login broken, I cannot log in"],
    "refund": ["Where is my refund for the return", "Still no refund for my returned order"],
}


def themed_texts() -> list[tuple[str, str]]:
    """(theme, text) pairs, 20 per theme."""
    return [
        (theme, f"{start} {tail}.")
        for theme, (starts, tails) in THEMES.items()
        for start in starts
        for tail in tails
    ]
