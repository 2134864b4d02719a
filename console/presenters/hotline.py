"""Taking a 12345 call in a console window: the hotline form, the intake service, and the
offer to merge a new case into an open one it likely repeats.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from sqlalchemy.exc import SQLAlchemyError

from models.core.errors import CityGridError, StaleVersionError
from models.core.records import CaseChanges
from widgets.messages import error_text

if TYPE_CHECKING:
    from models.core.records import CaseRecord
    from models.intake.service import IntakeResult
    from widgets.hotline import HotlineForm


class HotlinePresenter(QObject):
    """The hotline form of one window (at most one open) and the merge offer."""

    def __init__(self, controller) -> None:  # noqa: ANN001
        super().__init__(controller.window)
        self.c = controller
        self.form: HotlineForm | None = None  # while a call is taken
        self.form_key = ""
        self.last: IntakeResult | None = None  # the intake's answer to the last call registered

    @Slot()
    def open(self) -> None:
        """Take a 12345 call: the form, then the intake service."""
        from models.core.catalogue import load_catalogue
        from models.intake.service import suggest_subcategory
        from widgets.hotline import HotlineForm

        subs = [(x.code, x.name_zh) for x in load_catalogue().all_subcategories()]
        self.form = HotlineForm(subs, suggest_subcategory, self.c.window)
        self.form_key = uuid.uuid4().hex  # this call's: a repeated OK registers it once
        self.form.sig_submitted.connect(self._on_form_submitted)
        if self.c.map is not None:
            self.form.sig_pick_requested.connect(self.c._on_window_pick_location_requested)
        self.form.show()

    def set_location(self, lon: float, lat: float) -> None:
        """A location picked on the map goes into the open form."""
        if self.form is not None:
            self.form.set_location(lon, lat)

    @Slot(dict)
    def _on_form_submitted(self, payload: dict) -> None:
        from models.intake.service import IntakeService

        c = self.c
        form = self.form
        assert form is not None  # the open form sent it
        payload = {**payload, "form_key": self.form_key}
        try:
            # registered already (an OK whose answer the database failed to give): that case
            result = self._registered(payload) or IntakeService(
                c.db, c.actor, locate=c._locator().locate).submit(
                    "hotline_12345", payload, source="hotline form")
        except SQLAlchemyError as exc:  # the form stays open: OK again once it is back
            form.show_warning(error_text(exc))
            return
        if result.case_id is None:
            # kept in the quarantine; the form stays open so the dispatcher can fix it
            form.show_warning(self.tr("Not registered: {0}").format(result.reason))
            return
        self.last = result
        form.accept()
        self.form = None
        changed = [result.case_id]
        if result.duplicates:
            try:
                # the case the form just registered, at the version it was registered at
                merged = self.offer_merge(result.case_id, result.duplicates,
                                          duplicate_version=c.cases.get(result.case_id).version)
            except StaleVersionError as exc:
                c.casework._report_stale(exc)
                return
            if merged is not None:
                changed.append(merged)
        # the new case (and the one it was merged into) on the queue and the map
        c.apply_changes(CaseChanges("report", tuple(changed), c.actor.name, created=True))

    def _registered(self, payload: dict) -> IntakeResult | None:
        from sqlalchemy import select

        from models.core.intakekey import form_key
        from models.intake.service import IntakeResult
        from models.storage.schema import Case

        with self.c.db.read() as s:
            case_id = s.scalar(select(Case.id).where(Case.intake_key == form_key(payload)))
        return IntakeResult(case_id, None) if case_id is not None else None

    def likely_duplicates(self, case: CaseRecord) -> tuple[int, ...]:
        """Open cases the given case may repeat (same subcategory, near, recent)."""
        from models.cases.service import NewCase

        new = NewCase(channel=case.channel or "patrol", subcategory=case.subcategory,
                      lon=case.lon, lat=case.lat, title=case.title,
                      reported_at=case.reported_at)
        return tuple(d for d in self.c.intake._intake().duplicates_of(new) if d != case.id)

    def offer_merge(self, case_id: int, originals: Sequence[int], *,
                    duplicate_version: int) -> int | None:
        """Offer to merge ``case_id`` (as the user saw it, at ``duplicate_version``) into one
        of the open cases it looks like, as the offer lists them; the merged case keeps
        every report and reporter. Returns the case merged into, if any. Either case changed
        by someone else meanwhile raises :class:`StaleVersionError` (nothing merged)."""
        from models.cases.loop import CaseLoop

        c = self.c
        offered = {x.number: x for x in (c.cases.get(d) for d in list(originals)[:5])}
        keep = self.tr("Keep it as a separate case")
        choice = c.ask(self.tr("Likely duplicate"), self.tr(
            "The new case looks like open case(s) nearby. Merge it into:"),
            [*offered, keep])
        if not choice or choice not in offered:
            return None
        original = offered[choice]
        try:
            CaseLoop(c.db, c.actor).merge(case_id, original.id,
                                          self.tr("merged as a duplicate"),
                                          expected_version=duplicate_version,
                                          original_version=original.version)
        except StaleVersionError:
            raise
        except CityGridError as exc:
            c.window.statusBar().showMessage(error_text(exc), 8000)
            return None
        c.window.statusBar().showMessage(self.tr("Merged into {0}; its reports and "
                                                 "reporters are kept").format(choice), 8000)
        return original.id
