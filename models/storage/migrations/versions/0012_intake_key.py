"""the cases' intake key: a UNIQUE index, so one alert delivered twice is one case

Revision ID: 0012
Revises: 0011

The column and the index are added in place on both backends (SQLite's ALTER TABLE ADD
COLUMN and CREATE UNIQUE INDEX): a batch rebuild of case_ would drop the change log's
triggers (0008). Existing cases get NULL, which the index allows many times. The downgrade
drops the index, then the column (SQLite 3.35+ drops a column in place).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column('case_', sa.Column('intake_key', sa.String(length=200), nullable=True))
    op.create_index('ix_case__intake_key', 'case_', ['intake_key'], unique=True)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_case__intake_key', table_name='case_')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE case_ DROP COLUMN intake_key')  # in place: keeps the triggers
    else:
        op.drop_column('case_', 'intake_key')
