"""the grids a case spans

Revision ID: 0006
Revises: 0005

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('case_grid',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_.id'], name=op.f('fk_case_grid_case_id_case_')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_case_grid_grid_id_grid')),
    sa.PrimaryKeyConstraint('case_id', 'grid_id', name=op.f('pk_case_grid'))
    )
    with op.batch_alter_table('case_grid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_grid_grid_id'), ['grid_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('case_grid', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_grid_grid_id'))
    op.drop_table('case_grid')
