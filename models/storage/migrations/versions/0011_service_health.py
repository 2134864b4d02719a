"""the city service: heartbeats (service_health) and leases for the once-per-city jobs

Revision ID: 0011
Revises: 0010

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        'service_health',
        sa.Column('instance', sa.String(length=80), nullable=False),
        sa.Column('host', sa.String(length=120), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('mqtt', sa.String(length=200), nullable=False),
        sa.Column('mqtt_connected', sa.Boolean(), nullable=False),
        sa.Column('leader', sa.Boolean(), nullable=False),
        sa.Column('simulating', sa.Boolean(), nullable=False),
        sa.Column('received', BIG, nullable=False),
        sa.Column('processed', BIG, nullable=False),
        sa.Column('backlog', sa.Integer(), nullable=False),
        sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lag_s', sa.Float(), nullable=False),
        sa.Column('last_error', sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint('instance', name=op.f('pk_service_health')))
    op.create_table(
        'service_lease',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('holder', sa.String(length=80), nullable=False),
        sa.Column('until', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_service_lease')))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('service_lease')
    op.drop_table('service_health')
