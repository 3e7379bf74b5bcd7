"""Customer import: upsert by external reference, then by e-mail; bad rows reported by line."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session

from workbench.addresses import normalise_email
from workbench.customers.models import ConsentKind, ConsentSource, Customer
from workbench.customers.services import current_consents, find_customer, record_consent
from workbench.db import utcnow
from workbench.errors import ValidationFailed
from workbench.importing import (
    ImportSummary,
    Row,
    RowError,
    field_text,
    parse_date,
    parse_flag,
)

CUSTOMER_COLUMNS = (
    "external_ref",
    "name",
    "email",
    "phone",
    "segment",
    "language",
    "first_purchase_at",
    "last_purchase_at",
    "orders_count",
    "total_spend",
    "do_not_contact",
)
# The columns' limits: a 32-bit integer and numeric(12, 2).
MAX_ORDERS = 2**31 - 1
MAX_SPEND = Decimal(10) ** 10
#: Imports commit this often, so that one large file does not hold SQLite's write lock for long.
CHECKPOINT_ROWS = 500
CONSENT_COLUMNS = {f"consent_{kind.value}": kind for kind in ConsentKind}
#: Columns where a JSON number is as good as text (a numeric customer id, a phone number).
NUMBER_COLUMNS = {"external_ref", "phone"}


def _text(data: dict[str, Any], column: str, max_length: int) -> str | None:
    # A JSON array or object is refused, not stored as its repr; NUL too (PostgreSQL refuses it).
    value = field_text(data.get(column), column, numbers=column in NUMBER_COLUMNS)
    if value is None:
        return None
    value = value.strip()
    if len(value) > max_length:
        raise RowError(f"{column} is longer than {max_length} characters.")
    return value


def _parse_customer(data: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    external_ref = _text(data, "external_ref", 100)
    email = _text(data, "email", 254)
    if not external_ref and not email:
        raise RowError("A customer needs an external_ref or an e-mail.")
    values["external_ref"] = external_ref or None
    if email:
        try:
            values["email"] = normalise_email(email)
        except ValidationFailed as error:
            raise RowError(error.message) from error
    # An empty cell means "not known here": it never wipes what the register already holds.
    for column, limit in (("name", 200), ("phone", 50), ("segment", 50)):
        text = _text(data, column, limit)
        if text:
            values[column] = text
    language = _text(data, "language", 8)
    if language:
        values["language"] = language.lower()
    for column in ("first_purchase_at", "last_purchase_at"):
        parsed = parse_date(data.get(column), column)
        if parsed is not None:
            values[column] = parsed
    first, last = values.get("first_purchase_at"), values.get("last_purchase_at")
    if first and last and last < first:
        raise RowError("last_purchase_at is before first_purchase_at.")
    if str(data.get("orders_count") or "").strip():
        try:
            values["orders_count"] = int(str(data["orders_count"]).strip())
        except ValueError as error:
            raise RowError(
                f"orders_count must be a whole number: {data['orders_count']!r}."
            ) from error
        if values["orders_count"] < 0:
            raise RowError("orders_count cannot be negative.")
        if values["orders_count"] > MAX_ORDERS:
            raise RowError(f"orders_count cannot be over {MAX_ORDERS:,}.")
    if str(data.get("total_spend") or "").strip():
        raw = str(data["total_spend"]).strip().replace(" ", "").replace(",", ".")
        try:
            values["total_spend"] = Decimal(raw).quantize(Decimal("0.01"))
            if not values["total_spend"].is_finite() or abs(values["total_spend"]) >= MAX_SPEND:
                raise InvalidOperation
        except InvalidOperation as error:
            raise RowError(
                f"total_spend must be a number below {MAX_SPEND:,}: {data['total_spend']!r}."
            ) from error
    flag = parse_flag(data.get("do_not_contact"), "do_not_contact")
    if flag is not None:
        values["do_not_contact"] = flag
    return values


def import_customers(
    session: Session,
    rows: Iterable[Row],
    *,
    wording_version: str,
    progress: Callable[[int], None] | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> ImportSummary:
    """Create or update customers from rows; consent columns append consent records.

    ``checkpoint`` (a commit, say) is called every CHECKPOINT_ROWS rows: re-importing is
    harmless, so an interrupted import can simply be run again.
    """
    summary = ImportSummary()
    for count, row in enumerate(rows, start=1):
        if progress:
            progress(1)
        if checkpoint and count % CHECKPOINT_ROWS == 0:
            checkpoint()
        if row.error:
            summary.reject(row.line, row.error)
            continue
        try:
            values = _parse_customer(row.data)
            consents = {
                kind: parse_flag(row.data.get(column), column)
                for column, kind in CONSENT_COLUMNS.items()
            }
        except RowError as error:
            summary.reject(row.line, str(error))
            continue
        try:
            with session.begin_nested():
                outcome = _upsert(session, values, consents, wording_version, row.line, summary)
        except (IntegrityError, DataError) as error:
            # A clash the checks above cannot see (a concurrent writer, a database limit).
            summary.reject(row.line, f"The database refused the row: {error.orig}")
            continue
        if outcome == "imported":
            summary.imported += 1
        elif outcome == "updated":
            summary.updated += 1
        elif outcome == "duplicate":
            summary.duplicates += 1
    return summary


def _upsert(
    session: Session,
    values: dict[str, Any],
    consents: dict[ConsentKind, bool | None],
    wording_version: str,
    line: int,
    summary: ImportSummary,
) -> str:
    customer = find_customer(
        session, external_ref=values.get("external_ref"), email=values.get("email")
    )
    if values.get("email"):
        owner = find_customer(session, email=values["email"])
        if owner is not None and customer is not None and owner.id != customer.id:
            summary.reject(line, f"The e-mail {values['email']} belongs to another customer.")
            return "rejected"
    external_ref = values.get("external_ref")
    if (
        customer is not None
        and customer.external_ref
        and external_ref not in (None, customer.external_ref)
    ):
        summary.reject(
            line, f"The e-mail belongs to customer {customer.external_ref}, not {external_ref}."
        )
        return "rejected"
    created = customer is None
    changed = created
    if created:
        customer = Customer(**values)
    else:
        for column, value in values.items():
            if value is None and column in ("external_ref", "email"):
                continue
            if getattr(customer, column) != value:
                setattr(customer, column, value)
                changed = True
        if changed:
            customer.updated_at = utcnow()
    session.add(customer)
    session.flush()
    in_force = current_consents(session, [customer.id])[customer.id]
    for kind, given in consents.items():
        if given is None:
            continue
        record = in_force.get(kind)
        if record is None or record.given != given:
            record_consent(
                session,
                customer,
                kind,
                given=given,
                wording_version=wording_version,
                source=ConsentSource.IMPORT,
            )
            changed = True
    if created:
        return "imported"
    return "updated" if changed else "duplicate"
