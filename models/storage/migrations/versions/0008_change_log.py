"""the change log: one row per inserted or updated case, written by a trigger

Revision ID: 0008
Revises: 0007

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SQLITE = [
    """CREATE TRIGGER change_log_case_insert AFTER INSERT ON case_
       BEGIN INSERT INTO change_log (kind, object_id) VALUES ('case', NEW.id); END""",
    """CREATE TRIGGER change_log_case_update AFTER UPDATE ON case_
       BEGIN INSERT INTO change_log (kind, object_id) VALUES ('case', NEW.id); END""",
]
POSTGRESQL = [
    """CREATE FUNCTION citygrid_case_changed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO change_log (kind, object_id) VALUES ('case', NEW.id);
         -- the same payload many times in one transaction is delivered once, at commit
         PERFORM pg_notify('citygrid_changes', 'case');
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER change_log_case AFTER INSERT OR UPDATE ON case_
       FOR EACH ROW EXECUTE FUNCTION citygrid_case_changed()""",
]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('change_log',
                    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                              nullable=False),
                    sa.Column('kind', sa.String(length=16), nullable=False),
                    sa.Column('object_id',
                              sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                              nullable=False),
                    sa.PrimaryKeyConstraint('seq', name=op.f('pk_change_log')))
    for statement in (SQLITE if op.get_bind().dialect.name == 'sqlite' else POSTGRESQL):
        op.execute(statement)


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TRIGGER IF EXISTS change_log_case_insert")
        op.execute("DROP TRIGGER IF EXISTS change_log_case_update")
    else:
        op.execute("DROP TRIGGER IF EXISTS change_log_case ON case_")
        op.execute("DROP FUNCTION IF EXISTS citygrid_case_changed()")
    op.drop_table('change_log')
