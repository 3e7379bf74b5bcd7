"""Staff sessions that can be ended (session version) and failed logins counted per account.

Revision ID: 1bca15823b7f
Revises: 816874aabbc3
Create Date: 2026-12-03 17:50:08.254658
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import workbench.db


revision: str = '1bca15823b7f'
down_revision: str | None = '816874aabbc3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', workbench.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('session_version')
