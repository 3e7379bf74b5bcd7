"""The customer register: customers, their consents and the erasure log."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from workbench.addresses import clean_display_name
from workbench.db import UTCDateTime, enum_column, utcnow


class ConsentKind(StrEnum):
    CONTACT = "contact"
    RESEARCH = "research"
    PUBLISH_QUOTE = "publish_quote"


class ConsentSource(StrEnum):
    FORM = "form"
    IMPORT = "import"
    STAFF = "staff"
    PARTICIPANT = "participant"


class Customer(SQLModel, table=True):
    __tablename__ = "customers"

    id: int | None = Field(default=None, primary_key=True)
    external_ref: str | None = Field(default=None, max_length=100, unique=True)
    name: str = Field(default="", max_length=200)
    # Stored lower-cased so that look-ups by e-mail are exact.
    email: str | None = Field(default=None, max_length=254, unique=True)
    phone: str | None = Field(default=None, max_length=50)
    segment: str = Field(default="", max_length=50, index=True)
    language: str = Field(default="sv", max_length=8, index=True)
    first_purchase_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_purchase_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    orders_count: int = 0
    total_spend: Decimal = Field(default=Decimal("0"), sa_type=sa.Numeric(12, 2))
    do_not_contact: bool = False
    # Research history, kept on the customer so that recruitment and loyalty can read it.
    last_participated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    no_show_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ConsentRecord(SQLModel, table=True):
    """One given or withdrawn consent; the newest record per kind is the one in force."""

    __tablename__ = "consent_records"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True, ondelete="CASCADE")
    kind: ConsentKind = Field(sa_type=enum_column(ConsentKind))
    given: bool
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    wording_version: str = Field(max_length=50)
    source: ConsentSource = Field(sa_type=enum_column(ConsentSource))


class ErasureLog(SQLModel, table=True):
    """Proof that an erasure happened, holding no personal data."""

    __tablename__ = "erasure_logs"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int
    erased_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    erased_by_id: int | None = Field(
        default=None, foreign_key="staff_users.id", ondelete="SET NULL"
    )
    feedback_anonymised: int = 0
    consents_deleted: int = 0


@sa.event.listens_for(Customer, "before_insert")
@sa.event.listens_for(Customer, "before_update")
def _keep_the_name_on_one_line(_mapper, _connection, customer: Customer) -> None:
    # Every way a name is written (import, API, form, staff edit) passes here.
    customer.name = clean_display_name(customer.name or "")
