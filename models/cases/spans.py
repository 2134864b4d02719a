"""The grids a case spans.

A case lies in the grid that contains its location. Some cases reach further: a road
cave-in across two grids, a noise source heard in three. A dispatcher marks the grids such a
case spans (:meth:`models.cases.loop.CaseLoop.mark_span`); the router then sends it to the lowest
common unit of all of them (:meth:`routing.policy.Router.route` with several grids). The
case's own grid is always part of its span; a span of one grid is no span at all, so marking
only the case's own grid clears it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from models.core.errors import ValidationError
from models.storage.db import Database
from models.storage.schema import Case, CaseGrid, Grid

#: more grids than this is a district-wide event, not a span: escalate it instead
MAX_SPAN = 64


def span_of(session: Session, case: Case) -> tuple[int, ...]:
    """Every grid ``case`` lies in, its own first, then the marked ones by id."""
    marked = session.scalars(select(CaseGrid.grid_id).where(CaseGrid.case_id == case.id)
                             .order_by(CaseGrid.grid_id)).all()
    own = () if case.grid_id is None else (case.grid_id,)
    return own + tuple(g for g in marked if g != case.grid_id)


def case_grids(db: Database, case_id: int) -> tuple[int, ...]:
    """:func:`span_of` in a read of its own (empty when the case is unknown)."""
    with db.read() as s:
        case = s.get(Case, case_id)
        return () if case is None else span_of(s, case)


def replace_span(session: Session, case: Case, grid_ids: Iterable[int]) -> list[str]:
    """Make ``grid_ids`` (plus the case's own grid) the case's span; the codes of the grids
    it now spans, sorted. Raises :class:`ValidationError` for unknown grids or too many."""
    wanted = {int(g) for g in grid_ids}
    if case.grid_id is not None:
        wanted.add(case.grid_id)
    if len(wanted) > MAX_SPAN:
        raise ValidationError(f"a case may span at most {MAX_SPAN} grids, not {len(wanted)}; "
                              "escalate a wider event instead")
    codes = dict(session.execute(select(Grid.id, Grid.code).where(Grid.id.in_(wanted))).all())
    unknown = sorted(wanted - codes.keys())
    if unknown:
        raise ValidationError(f"no grid with id {', '.join(map(str, unknown[:5]))}")
    session.execute(delete(CaseGrid).where(CaseGrid.case_id == case.id))
    extra = sorted(wanted - {case.grid_id})
    if len(wanted) > 1 and extra:
        session.execute(insert(CaseGrid), [{"case_id": case.id, "grid_id": g} for g in extra])
    return sorted(codes.values()) if len(wanted) > 1 else []
