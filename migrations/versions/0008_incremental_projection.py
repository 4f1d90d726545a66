"""the projection's writes name their task, so a reader reads again only what changed

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 23:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('projection_version', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.create_index(
            'ix_task_plan_id_projection_version', ['plan_id', 'projection_version'], unique=False
        )
    with op.batch_alter_table('projectionversion', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('whole_version', sa.Integer(), nullable=False, server_default='0')
        )


def downgrade() -> None:
    with op.batch_alter_table('projectionversion', schema=None) as batch_op:
        batch_op.drop_column('whole_version')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_plan_id_projection_version')
        batch_op.drop_column('projection_version')
