"""E-mail confirmations (double opt-in) for addresses typed on the public forms.

Submissions stored before this revision keep their links and consents as recorded then.

Revision ID: d90176f9986b
Revises: 1bca15823b7f
Create Date: 2026-12-03 18:18:47.795474
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import workbench.db


revision: str = 'd90176f9986b'
down_revision: str | None = '1bca15823b7f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('email_confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('wants_contact', sa.Boolean(), nullable=False),
    sa.Column('wants_research', sa.Boolean(), nullable=False),
    sa.Column('wants_publish', sa.Boolean(), nullable=False),
    sa.Column('wording_version', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('created_at', workbench.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', workbench.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', workbench.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name=op.f('fk_email_confirmations_feedback_id_feedback'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_confirmations')),
    sa.UniqueConstraint('feedback_id', name=op.f('uq_email_confirmations_feedback_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_email_confirmations_token_hash'))
    )


def downgrade() -> None:
    op.drop_table('email_confirmations')
