"""received replies: what units sent back by email or Zalo, and what was done with each

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 23:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'receivedreply',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('message_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('sender', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            'state',
            sa.Enum(
                'HANDLING', 'RECORDED', 'EXTENSION_REQUESTED', 'REFUSED', 'UNMATCHED', 'IGNORED',
                'ASKED', name='replystate',
            ),
            nullable=False,
        ),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('unit_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('plan_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('task_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('milestone_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('receivedreply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receivedreply_message_key'), ['message_key'], unique=True)
        batch_op.create_index(batch_op.f('ix_receivedreply_plan_key'), ['plan_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_receivedreply_sender'), ['sender'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('receivedreply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receivedreply_sender'))
        batch_op.drop_index(batch_op.f('ix_receivedreply_plan_key'))
        batch_op.drop_index(batch_op.f('ix_receivedreply_message_key'))
    op.drop_table('receivedreply')
    sa.Enum(name='replystate').drop(op.get_bind(), checkfirst=True)
