"""A heartbeat on every job, so that a job whose process died is noticed within minutes.

Revision ID: da760b9ce6d6
Revises: d90176f9986b
Create Date: 2026-12-03 18:30:28.162634
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import workbench.db


revision: str = 'da760b9ce6d6'
down_revision: str | None = 'd90176f9986b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', workbench.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
