"""Places on the customer pages where features above the register add their sections."""

from __future__ import annotations

from workbench.hooks import Hook, Panel

#: Called with (session, customer) when a profile is shown; a receiver answers a Panel or None.
profile_page: Hook[Panel | None] = Hook("customer profile page")
