"""The dashboard: district and street rankings, staff utilisation bars, curves in place."""

from __future__ import annotations

import pytest

from widgets.dashboard import STREETS_SHOWN, Dashboard


@pytest.fixture
def dashboard(qtbot) -> Dashboard:
    d = Dashboard()
    qtbot.addWidget(d)
    return d


def table_rows(table) -> list[tuple[str, ...]]:
    return [tuple(table.item(r, c).text() for c in range(table.columnCount()))
            for r in range(table.rowCount())]


def test_district_ranking_shows_the_rows_given(dashboard) -> None:
    dashboard.set_ranking([("天心区", 1200, 34), ("芙蓉区", 8, 0)])
    assert table_rows(dashboard.ranking) == [("天心区", "1,200", "34"), ("芙蓉区", "8", "0")]


def test_street_ranking_lists_the_busiest_twenty(dashboard) -> None:
    rows = [(f"街道{i:02d}", i, i // 3) for i in range(30)]
    dashboard.set_street_ranking(rows)
    shown = table_rows(dashboard.street_ranking)
    assert len(shown) == STREETS_SHOWN == 20
    assert shown[0] == ("街道29", "29", "9") and shown[-1] == ("街道10", "10", "3")
    assert dashboard.street_ranking.horizontalHeaderItem(0).text() == "Street"
    dashboard.set_street_ranking([("街道01", 2, 1)])  # a refresh replaces the rows
    assert table_rows(dashboard.street_ranking) == [("街道01", "2", "1")]
    assert [dashboard.rankings.tabText(i) for i in range(2)] == ["District", "Street"]


def test_staff_utilisation_bars_are_updated_in_place(dashboard) -> None:
    bars = dashboard.staff_bars
    dashboard.set_staff_utilisation({"on_duty": 40, "busy": 12})
    assert dashboard.staff_values() == {"on_duty": 40.0, "busy": 12.0}
    ticks = dashboard.staff_plot.getAxis("bottom")._tickLevels[0]
    assert [t[1] for t in ticks] == ["On duty", "Busy"]
    dashboard.set_staff_utilisation({"on_duty": 35, "busy": 17, "patrol": 3})
    assert dashboard.staff_bars is bars and bars in dashboard.staff_plot.listDataItems()
    assert dashboard.staff_values() == {"on_duty": 35.0, "busy": 17.0, "patrol": 3.0}
    assert list(bars.opts["x"]) == [0.0, 1.0, 2.0]
    assert not dashboard.grab().isNull()  # the bars paint (warnings fail the test)
    dashboard.set_staff_utilisation({})
    assert dashboard.staff_values() == {}
    assert not dashboard.grab().isNull()


def test_hourly_curves_and_rates(dashboard) -> None:
    dashboard.set_hourly({"city": [0] * 23 + [5]})
    assert dashboard.curve_values("city")[-1] == 5.0
    dashboard.set_rates(200, 50, 30, 0.25)
    assert [dashboard.rates[k].text() for k in ("open", "overdue", "closed", "staff")] == [
        "200", "25%", "30", "25%"]
