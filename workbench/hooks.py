"""Hooks: how a lower feature says that something happened without importing who cares.

Features depend one way (ARCHITECTURE.md): feedback knows nothing of topics, issues nothing of
transparency. When a higher feature must react to a lower one (a topic for new feedback, a
follow-up letter when an issue is done), the lower feature declares a ``Hook`` in the module
that fires it, and the higher feature registers a receiver when the app is built
(``workbench.create_app``). No Flask here: services fire hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Result = TypeVar("Result")


class Hook(Generic[Result]):
    """A point where receivers are called, in the order they registered.

    A receiver runs inside the caller's transaction: what it writes commits or rolls back with
    the caller's work, and an exception it raises is the caller's.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._receivers: list[Callable[..., Result]] = []

    def register(self, receiver: Callable[..., Result]) -> Callable[..., Result]:
        """Call ``receiver`` whenever the hook fires (once, however often it registers);
        returns it, so that this works as a decorator."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def __call__(self, *args, **kwargs) -> list[Result]:
        """Call every receiver with these arguments; their results, in order."""
        return [receiver(*args, **kwargs) for receiver in self._receivers]

    def receivers(self) -> tuple[Callable[..., Result], ...]:
        return tuple(self._receivers)

    def __repr__(self) -> str:
        return f"Hook({self.name!r}, {len(self._receivers)} receivers)"


@dataclass(frozen=True)
class Panel:
    """A section a higher feature adds to a lower feature's page (say the customer profile's
    feedback, or its GDPR section): a template of the higher feature and what it needs."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    #: Panels are shown by this number, lowest first.
    order: int = 0


def panels(hook: Hook[Panel | None], *args, **kwargs) -> list[Panel]:
    """The panels the receivers of ``hook`` give (None: nothing to show), in order."""
    return sorted((panel for panel in hook(*args, **kwargs) if panel), key=lambda p: p.order)
