"""Sends whose outcome nobody could know, counted on their notification log row

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 05:51:11.380978
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notificationlog', schema=None) as batch_op:
        # Rows already written had no uncertain send.
        batch_op.add_column(
            sa.Column('uncertain_attempts', sa.Integer(), nullable=False, server_default='0')
        )


def downgrade() -> None:
    with op.batch_alter_table('notificationlog', schema=None) as batch_op:
        batch_op.drop_column('uncertain_attempts')
