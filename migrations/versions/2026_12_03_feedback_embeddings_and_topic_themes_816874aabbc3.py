"""Feedback embeddings (one sentence vector per item, for the multilingual topic engine) and
each topic version's theme.

Revision ID: 816874aabbc3
Revises: f9c169456c1f
Create Date: 2026-12-03 16:59:51.878423
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import workbench.db

revision: str = "816874aabbc3"
down_revision: str | None = "f9c169456c1f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback_embeddings",
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", workbench.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback.id"],
            name=op.f("fk_feedback_embeddings_feedback_id_feedback"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("feedback_id", name=op.f("pk_feedback_embeddings")),
    )
    with op.batch_alter_table("topic_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("theme", sa.Integer(), nullable=False, server_default="-1"))
        batch_op.add_column(
            sa.Column("theme_label", sa.String(length=200), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("topic_versions", schema=None) as batch_op:
        batch_op.drop_column("theme_label")
        batch_op.drop_column("theme")
    op.drop_table("feedback_embeddings")
