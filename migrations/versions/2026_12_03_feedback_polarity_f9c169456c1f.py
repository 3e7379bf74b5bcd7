"""Feedback polarity (with its source and confidence) and each topic version's polarity.

Items with a rating get their polarity from it here (1-2 negative, 3 neutral, 4-5 positive,
as ``nlp.polarity.polarity_from_rating``); the others wait for the polarity model, which the
next topic run (or the next item stored) applies.

Revision ID: f9c169456c1f
Revises: 465750b90bb1
Create Date: 2026-12-03 16:17:27.243367
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f9c169456c1f"
down_revision: str | None = "465750b90bb1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLARITY = sa.Enum(
    "negative", "neutral", "positive", name="polarity", native_enum=False, length=32
)
POLARITY_SOURCE = sa.Enum(
    "rating", "model", "fallback", name="polaritysource", native_enum=False, length=32
)


def upgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("polarity", POLARITY, nullable=True))
        batch_op.add_column(sa.Column("polarity_source", POLARITY_SOURCE, nullable=True))
        batch_op.add_column(sa.Column("polarity_confidence", sa.Float(), nullable=True))
        batch_op.create_index(batch_op.f("ix_feedback_polarity"), ["polarity"], unique=False)

    with op.batch_alter_table("topic_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("polarity", sa.String(length=16), nullable=False, server_default="")
        )

    op.execute(
        "UPDATE feedback SET polarity = CASE WHEN rating <= 2 THEN 'negative' "
        "WHEN rating = 3 THEN 'neutral' ELSE 'positive' END, "
        "polarity_source = 'rating', polarity_confidence = 1.0 "
        "WHERE rating IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("topic_versions", schema=None) as batch_op:
        batch_op.drop_column("polarity")

    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_polarity"))
        batch_op.drop_column("polarity_confidence")
        batch_op.drop_column("polarity_source")
        batch_op.drop_column("polarity")
