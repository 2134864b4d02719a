"""Read the case queue: one bulk read of every case the console lists, into a
:class:`models.casetable.CaseTable` (one short read transaction)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from models import audit
from models.auth import Actor, Perm
from models.casetable import CaseTable
from models.db import Database
from models.privacy import mask_personal_data
from models.schema import AdminUnit, Case, Grid

def load_case_table(db: Database, actor: Actor, *, limit: int = 500_000) -> CaseTable:
    """Read the queue: every case with its district, street and grid code, newest first."""
    with audit.guarded(db, actor, Perm.CASE_READ, "case.queue", "case"):
        comm, street, district, unit = (aliased(AdminUnit) for _ in range(4))
        q = (select(Case.id, Case.number, Case.title, Case.category, Case.subcategory,
                    Case.status, Case.priority, unit.level, district.code, Grid.code,
                    Case.reported_at, Case.step_deadline, Case.lon, Case.lat,
                    Case.step_started_at, street.code)
             .outerjoin(Grid, Grid.id == Case.grid_id)
             .outerjoin(comm, comm.id == Grid.community_id)
             .outerjoin(street, street.id == comm.parent_id)
             .outerjoin(district, district.id == street.parent_id)
             .outerjoin(unit, unit.id == Case.assigned_unit_id)
             .order_by(Case.id.desc()).limit(limit))
        with db.read() as s:
            rows = s.execute(q).all()
    table = CaseTable.from_rows([tuple(r) for r in rows])
    if not actor.can(Perm.CONTACT_READ):  # a phone typed into a title stays private
        table.titles[:] = [mask_personal_data(t) for t in table.titles]
    return table
