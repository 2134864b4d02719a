"""sensors registry; staff position track

Revision ID: 0005
Revises: 0004

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('sensor',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subcategory', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_sensor_grid_id_grid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor'))
    )
    with op.batch_alter_table('sensor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sensor_grid_id'), ['grid_id'], unique=False)
    op.create_table('staff_track',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_track_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_track'))
    )
    with op.batch_alter_table('staff_track', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_track_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_track_staff_id'), ['staff_id'], unique=False)
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tracked_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('tracked_at')
    with op.batch_alter_table('staff_track', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_track_staff_id'))
        batch_op.drop_index(batch_op.f('ix_staff_track_at'))
    op.drop_table('staff_track')
    with op.batch_alter_table('sensor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensor_grid_id'))
    op.drop_table('sensor')
