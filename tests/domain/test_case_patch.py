"""A change record's cases re-read on their own and patched into the table shown."""

from __future__ import annotations

import numpy as np

from models.cases.loop import CaseLoop
from models.cases.queue import load_case_table, read_cases
from models.cases.service import CaseService, NewCase
from models.cases.table import STATUS_CODES, CaseTable
from models.core.auth import Actor
from models.storage.schema import StaffRole
from tests.factories import city_actor


def _report(city, title: str) -> int:
    svc = CaseService(city.db, city_actor(city, StaffRole.DISPATCHER),
                      locate=lambda lon, lat: city.grids[0])
    return svc.report(NewCase(channel="hotline_12345", subcategory="C01", lon=112.981,
                              lat=28.189, title=title)).case_ids[0]


def test_patched_rows_equal_a_full_read(tiny_city) -> None:
    dispatcher = city_actor(tiny_city, StaffRole.DISPATCHER)
    ids = [_report(tiny_city, t) for t in ("占道经营", "井盖缺失", "路灯不亮")]
    shown = load_case_table(tiny_city.db, dispatcher)
    loop = CaseLoop(tiny_city.db, dispatcher)
    version = CaseService(tiny_city.db, dispatcher).get(ids[1]).version
    changes = loop.accept(ids[1], expected_version=version)
    new = _report(tiny_city, "垃圾满溢")
    rows = read_cases(tiny_city.db, dispatcher, [*changes.case_ids, new])
    patched, where = shown.patch(rows)
    full = load_case_table(tiny_city.db, dispatcher)
    a, b = np.argsort(patched.ids), np.argsort(full.ids)
    for column in ("ids", "status", "level", "titles", "grid_code", "deadline"):
        x, y = getattr(patched, column)[a], getattr(full, column)[b]
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), column
    # the table shown before is untouched; the patched rows are named
    assert STATUS_CODES[shown.status[shown.ids.tolist().index(ids[1])]] == "reported"
    assert sorted(patched.ids[where].tolist()) == sorted([ids[1], new])


def test_nothing_to_patch_is_the_same_table() -> None:
    table = CaseTable.from_rows([])
    same, where = table.patch(CaseTable.from_rows([]))
    assert same is table and len(where) == 0


def test_rows_read_for_a_change_mask_phones_for_roles_without_contact_rights(tiny_city
                                                                           ) -> None:
    case_id = _report(tiny_city, "13912345678 报修井盖")
    trainer = Actor("培训", StaffRole.TRAINER)  # no contact rights
    dispatcher = city_actor(tiny_city, StaffRole.DISPATCHER)
    assert "13912345678" not in read_cases(tiny_city.db, trainer, [case_id]).titles[0]
    assert "13912345678" in read_cases(tiny_city.db, dispatcher, [case_id]).titles[0]
