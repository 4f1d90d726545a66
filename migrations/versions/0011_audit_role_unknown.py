"""audit role unknown: a sign-in tried under a name no account has names no role

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

UNIT_ROLE = sa.Enum('UNIT', 'COORDINATOR', 'LEADERSHIP', name='unitrole').with_variant(
    postgresql.ENUM('UNIT', 'COORDINATOR', 'LEADERSHIP', name='unitrole', create_type=False),
    'postgresql',
)

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.alter_column('actor_role', existing_type=UNIT_ROLE, nullable=True)


def downgrade() -> None:
    # Entries without a role had none to give: they take the unit's, the least of the roles.
    op.execute("UPDATE auditentry SET actor_role = 'UNIT' WHERE actor_role IS NULL")
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.alter_column('actor_role', existing_type=UNIT_ROLE, nullable=False)
