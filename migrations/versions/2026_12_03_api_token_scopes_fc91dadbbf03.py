"""Scopes on API tokens (read, write), so that an import integration cannot read all feedback.

Tokens made before this revision get both scopes through the server default, so integrations
that already run keep working; new tokens are made write-only unless the admin chooses more.

Revision ID: fc91dadbbf03
Revises: da760b9ce6d6
Create Date: 2026-12-03 18:45:57.894209
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'fc91dadbbf03'
down_revision: str | None = 'da760b9ce6d6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sqlmodel.sql.sqltypes.AutoString(length=50), server_default='read,write', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('scopes')
