"""The vocabulary's named status sets keep the exact meaning each old copy had, and the code
lists are the enums' order (the case table and the map encode codes as these indexes)."""

from __future__ import annotations

from models.core import enums
from models.core.enums import (
    ACTIVE,
    ASSIGNABLE,
    AT_UNIT,
    CATEGORY_CODES,
    CLOSED,
    DONE,
    OPEN,
    PRIORITY_CODES,
    ROLE_CODES,
    STATUS_CODES,
    WORKLOAD,
    CaseStatus,
    Priority,
    StaffRole,
    in_order,
)

S = CaseStatus


def test_each_status_set_means_what_its_copies_meant() -> None:
    assert {S.ARCHIVED, S.ASSESSED, S.REJECTED, S.MERGED} == CLOSED
    assert {S.ARCHIVED, S.ASSESSED} == DONE and DONE < CLOSED
    # open: not closed, a suspended case included (the queue, the duplicate check)
    assert set(CaseStatus) - CLOSED == OPEN and S.SUSPENDED in OPEN
    # active: someone must act, the clock runs (the loop's and the drill's "open")
    assert {S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.HANDLING, S.VERIFYING} == ACTIVE
    # assignable: staff may still be sent (a case awaiting verification is not)
    assert {S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.HANDLING} == ASSIGNABLE
    assert S.VERIFYING not in ASSIGNABLE and ASSIGNABLE < ACTIVE
    assert {S.DISPATCHED, S.HANDLING} == AT_UNIT
    assert WORKLOAD == OPEN


def test_the_sets_match_by_value_as_the_database_and_the_table_hold_statuses() -> None:
    assert "verifying" in OPEN and "verifying" not in ASSIGNABLE
    assert "archived" in CLOSED and "suspended" not in ACTIVE


def test_no_copies_of_the_status_sets_are_left() -> None:
    """The loop, the drill score, the queue and the candidates use the vocabulary's sets
    themselves (names kept for their importers are the same objects)."""
    import models.cases.transitions as transitions
    import models.drills.scoring as scoring
    from models.cases.queue import OPEN_STATUSES
    from routing.candidates import OPEN_STATUSES as CANDIDATE_STATUSES

    assert not {"OPEN", "CLOSED", "DONE"} & set(vars(transitions))
    assert "_OPEN" not in vars(scoring)
    assert set(OPEN_STATUSES) == OPEN
    assert CANDIDATE_STATUSES is ASSIGNABLE


def test_in_order_follows_the_vocabulary() -> None:
    assert in_order(AT_UNIT) == (S.DISPATCHED, S.HANDLING)
    assert in_order(OPEN) == (S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.HANDLING, S.VERIFYING,
                              S.SUSPENDED)
    assert in_order({"merged", "reported"}) == (S.REPORTED, S.MERGED)


def test_the_code_lists() -> None:
    assert tuple(s.value for s in CaseStatus) == STATUS_CODES
    assert PRIORITY_CODES == ("low", "normal", "high", "urgent")
    assert tuple(p.value for p in Priority) == PRIORITY_CODES
    assert tuple(r.value for r in StaffRole) == ROLE_CODES
    assert CATEGORY_CODES == ("party", "city", "security", "environment", "emergency", "other")
    from models.cases import table
    from models.core import catalogue

    assert catalogue.CATEGORY_CODES is enums.CATEGORY_CODES
    assert (table.STATUS_CODES, table.PRIORITY_CODES) == (STATUS_CODES, PRIORITY_CODES)
