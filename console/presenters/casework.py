"""The case detail in a console window: showing a case (history, routing trace, chain
on the map, who should go, photos, the actions open to the user) and working it: each
action asks its questions and runs through the case desk
(:mod:`console.application.casedesk`) at the version the detail was showing; the shift
lead's bulk reassignment; claiming and releasing the shown case
(:mod:`models.cases.claims`), and the emergency alarm's acknowledgement, written to the
cases on the task runner so that every seat's alarm stops.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Slot
from PySide6.QtWidgets import QMessageBox
from sqlalchemy.exc import SQLAlchemyError

from console.application.casedesk import CONTEXT as DESK
from models.cases.transitions import TRANSITIONS
from models.core.auth import Perm
from models.core.enums import ASSIGNABLE
from models.core.errors import CityGridError, ClaimedError, StaleVersionError
from models.core.records import CaseChanges, RoutingDecision
from models.core.worktime import case_fallback_years
from widgets import labels
from widgets.messages import error_text

log = logging.getLogger(__name__)

RECOMMEND = "recommend"  # the task kind of who should go
ACKNOWLEDGE = "acknowledge"  # the task kind of the alarm's acknowledgement
RECOMMEND_DELAY_MS = 120  # after the redraw of the action or the selection


class ActionCancelled(Exception):
    """The user cancelled a dialog an action asked (not an error: nothing changed)."""


class CaseDetailPresenter(QObject):
    """Shows and works the case in the detail dock of one window."""

    def __init__(self, controller) -> None:  # noqa: ANN001
        super().__init__(controller.window)
        self.c = controller
        self._points: dict[int, tuple[float, float]] | None = None
        self._staff_departments: dict[int, int] | None = None
        w = controller.window
        w.detail.sig_action_requested.connect(self._on_detail_action_requested)
        w.detail.sig_claim_requested.connect(self._on_detail_claim_requested)
        w.detail.sig_release_requested.connect(self._on_detail_release_requested)
        self._ack_pending: set[int] = set()  # acknowledged here, not yet in the database
        w.sig_bulk_reassign_requested.connect(self._on_window_bulk_reassign_requested)
        w.sig_claim_timeout_requested.connect(self._on_window_claim_timeout_requested)

    def show_case(self, case_id: int) -> None:
        """Show a case in the detail: its history, routing trace, chain, who should go,
        photos and the actions open to the user (a replay's case as it was then)."""
        c = self.c
        if c.replay is not None:
            from models.scenarios.replay import case_at

            case, history = case_at(c.replay, case_id,
                                    c.window.timeline.time().timestamp())
            if case is not None:
                c.window.detail.show_case(case, history, "", (), "", ())
                c.window.detail.set_actions({})  # a replay is watched, not worked
                c.window.docks["detail"].raise_()
            return
        try:
            detail = c.cases.detail(case_id)  # one read
        except CityGridError as exc:
            c.window.statusBar().showMessage(error_text(exc), 5000)
            return
        case, history, trace = detail.case, list(detail.history), detail.trace
        photos = [(a.file_name, a.data) for a in detail.attachments if a.kind == "photo"]
        grid_code = ""
        if case.grid_id is not None and c.snapshot is not None:
            hits = (c.snapshot.table.ids == case.id).nonzero()[0]
            grid_code = str(c.snapshot.table.grid_code[hits[0]]) if len(hits) else ""
        chain, path = self._chain(case)
        c.window.detail.show_case(case, history, grid_code, trace, chain, ())
        c.window.detail.set_photos(photos)  # after show_case, which clears the strip
        c.window.detail.set_calendar_fallback(case_fallback_years(case))
        actions = c.available_actions(case.status)
        claims = c.desk.claims
        held = case.held_by_other(claims.me, claims.now())
        if held is not None and not claims.overrides:
            actions = dict.fromkeys(actions, False)  # another seat works it: refused anyway
        c.window.detail.set_actions(actions)
        mine = case.claimed_by == claims.me and held is None and case.claimed_by is not None
        may = c.actor.can(Perm.CASE_DISPATCH)
        c.window.detail.set_claim_actions(
            claim=may and held is None,
            release=may and (mine or (held is not None and claims.overrides)))
        mergeable = "merge" in self._merge_roles() and case.status in TRANSITIONS["merge"].sources
        # who should go (ranked over every staff member) and whether a likely original is
        # open (merge offered): on the runner's worker, filled in when ready, for this case
        # only (a newer selection supersedes it). It starts once the window has redrawn
        # what the user just did: a busy worker would hold the interpreter meanwhile.
        QTimer.singleShot(RECOMMEND_DELAY_MS, c.window, lambda: c.runner.submit(
            RECOMMEND, lambda state: (case.id, actions, self._recommended_lines(case),
                                      mergeable and bool(c.likely_duplicates(case))),
            on_done=self._on_recommended))
        if c.map is not None and path is not None:
            c.map.show_path(*path)
        if c.map is not None:
            c.spans.show_on_map(case.id)
        c.window.docks["detail"].raise_()

    def _recommended_lines(self, case) -> list[str]:  # noqa: ANN001
        return [f"{name} — {x.score:.2f}: {'; '.join(x.reasons)}"
                for x, name in self.recommend(case)]

    def _on_recommended(self, result: tuple) -> None:
        case_id, actions, lines, mergeable = result
        detail = self.c.window.detail
        if detail.case_id != case_id:
            return
        detail.set_recommended(lines)
        if mergeable:
            detail.set_actions(actions | {"merge": True})  # a likely original is open

    def _on_acknowledged(self, result: tuple) -> None:
        sent, changes = result
        self._ack_pending -= sent
        self.c.apply_changes(changes)  # (other seats: through the change log)

    def _unit_points(self) -> dict[int, tuple[float, float]]:
        """A representative point of every unit (for drawing a case's chain), cached."""
        c = self.c
        if self._points is None:
            import shapely
            from sqlalchemy import select

            from models.storage.schema import AdminUnit

            with c.db.read() as s:
                rows = s.execute(select(AdminUnit.id, AdminUnit.geometry)
                                 .where(AdminUnit.geometry.is_not(None))).all()
            pts = shapely.point_on_surface(shapely.from_wkb([r[1] for r in rows]))
            self._points = {r[0]: (p.x, p.y) for r, p in zip(rows, pts, strict=True)}
        return self._points

    def _chain(self, case):  # noqa: ANN001, ANN202
        """The case's escalation chain as text, and as points for the map."""
        c = self.c
        if case.grid_id is None:
            return (self.tr("outside every grid: the district containing it, else the city centre"),
                    None)
        router = c._router()
        try:
            chain = router.graph.chain(case.grid_id)
        except CityGridError:
            return "", None
        units = [router.graph.units[u] for u in chain]
        current = next((i for i, u in enumerate(units) if u.level == case.level), None)
        # names, as the control room says them (the code where a unit has no name)
        text = " → ".join((f"[{labels.level(u.level)} {u.name or u.code}]" if i == current
                           else f"{labels.level(u.level)} {u.name or u.code}")
                          for i, u in enumerate(units))
        points = self._unit_points()
        path_points = [(case.lon, case.lat)] + [points.get(u.id, (case.lon, case.lat))
                                                for u in units]
        path_labels = [case.number] + [f"{labels.level(u.level)} {u.name or u.code}"
                                       for u in units]
        return text, (path_points, path_labels, 0 if current is None else current + 1)

    def recommend(self, case, decision: RoutingDecision | None = None) -> list:  # noqa: ANN001
        """Ranked staff for a case at the level and department it is routed to (or for
        ``decision``), with their names: the same ranking as the CLI and the benchmark
        (see routing.candidates)."""
        c = self.c
        from routing.candidates import StaffPool, read_staff_departments, recommend_for_case

        if c.snapshot is None or case.status not in ASSIGNABLE:
            return []
        if self._staff_departments is None:  # who belongs to which department: read once
            self._staff_departments = read_staff_departments(c.db, c.actor)
        # the positions the snapshot already holds, not a second read of every position
        pool = StaffPool.from_positions(c.snapshot.positions, self._staff_departments)
        if decision is None and case.assigned_unit_id is None:
            decision = c._route(case)
        found = recommend_for_case(c.db, c.actor, case, c._router(),
                                   decision=decision, pool=pool,
                                   adjacency=c.adjacency(),
                                   workload=c.cases.workload_by_staff(), limit=5)
        return [(x, c.staff.get(x.staff_id).name) for x in found.candidates]

    @Slot(str)
    def _on_detail_action_requested(self, name: str) -> None:
        c = self.c
        case_id = c.window.detail.case_id
        if case_id is None:
            return
        if name == "mark_span":  # beside the map, not a modal prompt
            c.open_span_picker(case_id)
            return
        try:
            changes = self._run_action(name, case_id)
        except ActionCancelled:
            # the user closed the dialog: nothing to warn about, nothing changed
            c.window.statusBar().showMessage(self.tr("Cancelled: nothing changed"), 4000)
            return
        except StaleVersionError as exc:
            self._report_stale(exc)
            return
        except ClaimedError as exc:
            self._report_claimed(exc)
            return
        except (CityGridError, SQLAlchemyError) as exc:  # refused, or the database is gone
            QMessageBox.warning(c.window, self.tr("Not done"), error_text(exc))
            return
        self.show_case(case_id)
        c.apply_changes(changes)  # only the cases the action changed are redrawn

    # -- claims ------------------------------------------------------------------------------
    @Slot()
    def _on_window_claim_timeout_requested(self) -> None:
        """The shift lead sets how long a claim holds a case in this room."""
        from models.cases.claims import MAX_TIMEOUT_MINUTES, MIN_TIMEOUT_MINUTES

        c = self.c
        if not c.actor.can(Perm.ROOM_SETTINGS):
            c.window.statusBar().showMessage(
                self.tr("Only a shift lead sets the claim timeout"), 6000)
            return
        claims = c.desk.claims
        answer = c.ask(self.tr("Claim timeout"), self.tr(
            "Minutes a claim holds a case before another seat may take it ({0}–{1}; now "
            "{2}):").format(MIN_TIMEOUT_MINUTES, MAX_TIMEOUT_MINUTES,
                            claims.timeout_minutes()), None)
        if answer is None:
            return
        try:
            minutes = int(answer.strip())
            claims.set_claim_timeout(minutes)
        except ValueError:
            QMessageBox.warning(c.window, self.tr("Not done"), self.tr(
                "Not a whole number of minutes: {0}").format(answer))
            return
        except (CityGridError, SQLAlchemyError) as exc:
            QMessageBox.warning(c.window, self.tr("Not done"), error_text(exc))
            return
        c.window.statusBar().showMessage(self.tr(
            "Claims now hold a case for {0} minutes").format(minutes), 6000)

    @Slot(int)
    def _on_detail_claim_requested(self, case_id: int) -> None:
        self._claim_or_release(case_id, claim=True)

    @Slot(int)
    def _on_detail_release_requested(self, case_id: int) -> None:
        self._claim_or_release(case_id, claim=False)

    def _claim_or_release(self, case_id: int, *, claim: bool) -> None:
        c = self.c
        try:
            changes = c.desk.claim(case_id) if claim else c.desk.release(case_id)
        except ClaimedError as exc:
            self._report_claimed(exc)
            return
        except (CityGridError, SQLAlchemyError) as exc:
            QMessageBox.warning(c.window, self.tr("Not done"), error_text(exc))
            return
        c.window.statusBar().showMessage(
            self.tr("You hold this case") if claim else self.tr("Case released"), 4000)
        self.show_case(case_id)
        c.apply_changes(changes)

    def _report_claimed(self, exc: ClaimedError) -> None:
        """Another seat holds the case, so nothing was written: say who and until when,
        and show the case as it is now (with its holder)."""
        c = self.c
        QMessageBox.warning(c.window, self.tr("Not done"), error_text(exc))
        shown = c.window.detail.case_id
        if shown is not None:
            self.show_case(shown)
            c.apply_changes(CaseChanges("reload", (shown,), c.actor.name))

    def release_claims(self) -> None:
        """Release every claim the user holds (switching role, closing the console: the
        user logs out); a failure is logged, the claims then run out by themselves."""
        c = self.c
        try:
            changes = c.desk.claims.release_all()
        except (CityGridError, SQLAlchemyError):
            log.exception("the claims of %s were not released; they run out by themselves",
                          c.actor.name)
            return
        if changes.case_ids:
            c.apply_changes(changes)

    # -- the emergency alarm -----------------------------------------------------------------
    def acknowledge(self, case_ids: Iterable[int]) -> None:
        """Write the acknowledgement of these emergencies to the cases, on the runner: every
        seat's alarm stops when the change reaches it. What this seat acknowledged and the
        database does not have yet is sent again with it (a newer task supersedes an older
        one; an acknowledgement is kept once)."""
        c = self.c
        self._ack_pending |= {int(i) for i in case_ids}
        sent = frozenset(self._ack_pending)
        claims = c.desk.claims
        c.runner.submit(ACKNOWLEDGE, lambda state: (sent, claims.acknowledge(sent)),
                        on_done=self._on_acknowledged, on_failed=self._on_ack_failed)

    def _on_ack_failed(self, exc: BaseException) -> None:
        # not written: the alarm rings again here, so the emergency is not left unseen
        c = self.c
        c.acknowledged.difference_update(self._ack_pending)
        self._ack_pending.clear()
        c.window.statusBar().showMessage(self.tr("The acknowledgement was not saved: {0}")
                                         .format(exc), 10_000)
        c.refresh()

    def _merge_roles(self) -> tuple[str, ...]:
        c = self.c
        return ("merge",) if c.actor.role in TRANSITIONS["merge"].roles else ()

    def _report_stale(self, exc: StaleVersionError) -> None:
        """Someone else changed the case since this screen showed it, so nothing was written:
        show the case as it is now, then say so with what it is now and its last change."""
        c = self.c
        shown = c.window.detail.case_id
        if shown is not None:
            self.show_case(shown)
        detail = c.window.detail
        now = detail.fields["status"].text() if shown is not None else ""
        history = detail.history
        last = history.item(history.count() - 1).text() if history.count() else ""
        text = self.tr("Case {0} was changed by someone else since you opened it, so nothing "
                       "was written.").format(exc.case)
        if now:
            text += "\n\n" + self.tr("Now: {0}").format(now)
        if last:
            text += "\n" + self.tr("Last change: {0}").format(last)
        QMessageBox.warning(c.window, self.tr("Changed by someone else"),
                            text + "\n\n" + self.tr("Check it and try again."))
        # the case as it is now, on the queue and the map too (not a whole reload)
        c.apply_changes(CaseChanges("reload", (shown,), c.actor.name)
                        if shown is not None else None)

    def _run_action(self, name: str, case_id: int) -> CaseChanges | None:
        """Make action ``name`` on the case as the detail shows it: its version is the one
        the detail was showing (changed since, the action is refused as stale before any
        question is asked, and nothing is written), never one read at the click. The
        questions and the rules are the desk's (:mod:`console.application.casedesk`)."""
        c = self.c
        v = c.window.detail.shown_version
        assert v is not None  # show_case sets it with the case id
        questions = c.desk.questions(name)
        if name == "merge" or questions:
            # changed meanwhile: refused before the user is asked anything (an action that
            # asks nothing is checked by the desk, in the write)
            case = c.desk.check_version(case_id, v)
        if name == "merge":
            if c.offer_merge(case_id, c.likely_duplicates(case),
                             duplicate_version=v) is None:
                raise ActionCancelled(name)
            return None  # (the merge offer shows what it changed)
        answers = {}
        number = c.window.detail.fields["number"].text()
        for q in questions:
            title = QCoreApplication.translate(DESK, q.title)
            # the question says for which action and which case it is asked
            value = c.ask(title, self.tr("{0} ({1}, case {2})").format(
                QCoreApplication.translate(DESK, q.prompt), title, number),
                list(q.options) or None)
            if value is None or not str(value).strip():
                raise ActionCancelled(name)
            answers[q.key] = str(value).strip()
        return c.desk.act(name, case_id, v, answers, rank=self.recommend)

    @Slot()
    def _on_window_bulk_reassign_requested(self) -> None:
        c = self.c
        try:
            from_code = c.ask(self.tr("Reassign in bulk"), self.tr("From unit code"), None)
            if not from_code:
                raise ActionCancelled("reassign")
            cases = c.bulk_candidates(from_code.strip())
            if not cases:
                raise CityGridError(self.tr("unit {0} has no dispatched or handling case")
                                    .format(from_code.strip()))
            listed = ", ".join(x.number for x in cases[:10]) + (" …" if len(cases) > 10 else "")
            to_code = c.ask(self.tr("Reassign in bulk"), self.tr(
                "Move {0} case(s) ({1}) to unit code").format(len(cases), listed), None)
            reason = c.ask(self.tr("Reassign in bulk"), self.tr("Reason"), None)
            if not (to_code and reason):
                raise ActionCancelled("reassign")
            done = c.reassign_bulk(cases, to_code.strip(), reason.strip())
        except ActionCancelled:  # the user said no: nothing to warn about
            c.window.statusBar().showMessage(self.tr("Cancelled: nothing changed"), 4000)
            return
        except CityGridError as exc:
            QMessageBox.warning(c.window, self.tr("Not done"), error_text(exc))
            return
        if done.stale:
            QMessageBox.warning(c.window, self.tr("Not all done"), self.tr(
                "{0} case(s) reassigned. {1} changed by someone else since they were listed "
                "and were left as they are: {2}").format(len(done.moved), len(done.stale),
                                                          ", ".join(done.stale)))
        c.window.statusBar().showMessage(
            self.tr("{0} case(s) reassigned").format(len(done.moved)), 8000)
        c.refresh()
