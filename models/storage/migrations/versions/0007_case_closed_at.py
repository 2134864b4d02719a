"""an index on the cases' closing time (the queue's window of recently closed cases)

Revision ID: 0007
Revises: 0006

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('case_', schema=None) as batch_op:
        batch_op.create_index('ix_case__closed_at', ['closed_at'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('case_', schema=None) as batch_op:
        batch_op.drop_index('ix_case__closed_at')
