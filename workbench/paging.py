"""One page of a longer list, as staff lists show it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")


@dataclass
class Page(Generic[Item]):
    items: list[Item]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def clamp_page(page: int | None, total: int, per_page: int) -> int:
    """A page number that exists: 1 for nonsense, the last page for one past the end."""
    last = max(1, -(-total // per_page))
    return min(max(page or 1, 1), last)
