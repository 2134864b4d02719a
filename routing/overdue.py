"""The deadline watch: cases past their step deadline escalated one level up, as the system.

The rule is the router's (:meth:`routing.policy.Router.escalate`: exactly one level up); the
escalation is the case loop's (:meth:`models.cases.loop.CaseLoop.escalate`).
"""

from __future__ import annotations

from models.core.auth import Actor
from models.core.records import RoutingDecision
from routing.policy import Router


def escalate_overdue(db, router: Router, now=None) -> list[int]:  # noqa: ANN001
    """Escalate every dispatched or handling case past its step deadline one level up
    (the deadline-breach rule), as the system. Returns the ids escalated.

    Cases already at the city centre stay where they are (there is no level above). Each
    escalation is made from the case as read here (its version with it): a case someone
    changed in the meantime is left alone, not escalated from where it used to be.
    """
    import datetime as dt

    from sqlalchemy import select

    from models.cases.loop import CaseLoop
    from models.core.errors import CityGridError
    from models.storage.schema import Case, CaseStatus

    now = now or dt.datetime.now(dt.UTC)
    with db.read() as s:
        rows = s.execute(select(Case.id, Case.assigned_unit_id, Case.category,
                                Case.subcategory, Case.version)
                         .where(Case.status.in_([CaseStatus.DISPATCHED, CaseStatus.HANDLING]),
                                Case.step_deadline < now, Case.assigned_unit_id.is_not(None),
                                Case.level != "city")).all()
    watch = Actor.system("deadline-watch")
    loop = CaseLoop(db, watch, now=lambda: now)
    done = []
    for case_id, unit_id, category, subcategory, version in rows:
        unit = router.graph.units.get(unit_id)
        if unit is None:
            continue
        current = RoutingDecision(unit_id, unit.code, unit.level, None, None,
                                  router.policy.name, ())
        try:
            up = router.escalate(current, "deadline breached", category, who=watch,
                                 subcategory=subcategory if subcategory in router.sub_index
                                 else None)  # a case of an older catalogue: by category
            loop.escalate(case_id, up, "deadline breached: escalated one level up",
                          expected_version=version)
            done.append(case_id)
        except CityGridError:
            continue  # changed meanwhile, or nowhere to go: the board shows it
    return done


__all__ = ["escalate_overdue"]
