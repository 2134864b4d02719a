"""claims on the case row (who works a case, until when) and the shared acknowledgement of an
emergency's alarm

Revision ID: 0010
Revises: 0008

Plain ``ALTER TABLE ... ADD COLUMN`` on both backends: the columns are nullable with no
default, so SQLite adds them without rebuilding ``case_`` (a rebuild would drop the change
log's triggers of 0008). The room's claim timeout is a row of ``meta``
(``claim_timeout_minutes``), absent until a shift lead sets it.

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = (('claimed_by', sa.String(length=60)), ('claimed_at', sa.DateTime(timezone=True)),
           ('claim_until', sa.DateTime(timezone=True)), ('acknowledged_by', sa.String(length=60)),
           ('acknowledged_at', sa.DateTime(timezone=True)))
TIMEOUT_KEY = 'claim_timeout_minutes'  # models.cases.claims.TIMEOUT_KEY


def upgrade() -> None:
    """Upgrade schema."""
    # not in a batch: on SQLite a batch may rebuild the table, and the triggers with it
    for name, type_ in COLUMNS:
        op.add_column('case_', sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.execute(sa.text("DELETE FROM meta WHERE key = :key").bindparams(key=TIMEOUT_KEY))
    # ALTER TABLE ... DROP COLUMN on both (SQLite since 3.35): no rebuild, the triggers stay
    for name, _ in reversed(COLUMNS):
        op.drop_column('case_', name)
