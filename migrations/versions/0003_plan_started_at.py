"""Plan.started_at: the verbs act on the plans the engine runs, not the plan imported last

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
    # A plan the engine already ran (one of its tasks has reported) was started by then.
    op.execute(
        "UPDATE plan SET started_at = imported_at "
        "WHERE id IN (SELECT plan_id FROM task WHERE status IS NOT NULL)"
    )


def downgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('started_at')
