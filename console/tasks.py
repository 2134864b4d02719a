"""Long work off the GUI thread: a plain function, a progress/cancel object, one runner.

The function never touches a widget; it reports through :class:`TaskState`, whose updates
reach the GUI only through the runner's queued signals (Orange3's ``TaskState`` pattern).
A new task of the same kind cancels the one before, and the result of a cancelled task is
never delivered: the worker hands it to the GUI thread, which drops it if the task was
cancelled meanwhile (a result that finished just before a newer request, still waiting in
the event queue, would otherwise show an older state after the newer one was asked for).
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)


class TaskCancelled(Exception):
    """Raised inside a task by :meth:`TaskState.check` once the task is cancelled."""


class TaskState:
    """Handed to a task function: report progress, check for cancellation."""

    def __init__(self, runner: TaskRunner, kind: str, *,
                 on_done: Callable[[Any], None] | None = None,
                 on_failed: Callable[[BaseException], None] | None = None) -> None:
        self._runner = runner
        self._cancelled = threading.Event()
        self.kind = kind
        # called on the GUI thread with the result (or the exception) unless cancelled
        self.on_done, self.on_failed = on_done, on_failed

    def progress(self, step: str, fraction: float) -> None:
        self.check()
        self._runner.sig_task_progress.emit(self.kind, step, float(fraction))

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        if self._cancelled.is_set():
            raise TaskCancelled(self.kind)


class TaskRunner(QObject):
    """Runs task functions on worker threads, one at a time per kind (enforced here: a task
    of a kind waits for the one before it, which a newer submission cancels)."""

    sig_task_progress = Signal(str, str, float)
    """A task of kind (1st) reached a step (2nd) at a fraction 0..1 (3rd)."""

    sig_task_finished = Signal(str, object)
    """A task of kind (1st) returned a result (2nd)."""

    sig_task_failed = Signal(str, object)
    """A task of kind (1st) raised an exception (2nd); cancellation is not a failure."""

    _sig_done = Signal(str, object, object, bool)
    """From a worker: kind, result or exception, its TaskState, whether it failed."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # a task waiting for the one before it of its kind holds a worker: room for a few
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="citygrid-task")
        self._kind_locks: dict[str, threading.Lock] = collections.defaultdict(threading.Lock)
        self._states: dict[str, TaskState] = {}
        self._futures: dict[str, Future] = {}
        self.closed = False
        # queued to the runner's (the GUI) thread, where cancellation also happens
        self._sig_done.connect(self._on_done)

    @Slot(str, object, object, bool)
    def _on_done(self, kind: str, value: object, state: TaskState, failed: bool) -> None:
        if self.closed or state.cancelled:  # superseded since it finished: not delivered
            log.debug("result of task %s dropped: cancelled", kind)
            return
        # the submitter's own callback first (it shows the result), then the signal for
        # whoever watches every task (the progress bar, tests)
        callback = state.on_failed if failed else state.on_done
        try:
            if callback is not None:
                callback(value)  # type: ignore[arg-type]
        finally:
            (self.sig_task_failed if failed else self.sig_task_finished).emit(kind, value)

    def running(self, kind: str) -> bool:
        """Whether a task of ``kind`` was submitted and has not returned yet."""
        future = self._futures.get(kind)
        return future is not None and not future.done()

    def submit(self, kind: str, fn: Callable[[TaskState], Any], *,
               coalesce: bool = False, on_done: Callable[[Any], None] | None = None,
               on_failed: Callable[[BaseException], None] | None = None) -> Future | None:
        """Run ``fn(state)`` off the GUI thread, cancelling a running task of ``kind``.

        ``on_done(result)`` (or ``on_failed(exception)``) is called on the GUI thread when
        the task returns, unless it was cancelled or superseded meanwhile; then
        :attr:`sig_task_finished` (:attr:`sig_task_failed`) is emitted for every task.
        With ``coalesce`` a running task of ``kind`` is left to finish and nothing new
        starts (None): for periodic work such as a simulator tick, where the running task
        does what the new one would and two at once would do it twice.
        After :meth:`shutdown` (the window is closing) nothing new starts: None.
        """
        if self.closed:
            log.debug("task %s not started: the runner is shut down", kind)
            return None
        if coalesce and self.running(kind):
            log.debug("task %s not started: one is running", kind)
            return None
        if (old := self._states.get(kind)) is not None:
            old.cancel()
        state = self._states[kind] = TaskState(self, kind, on_done=on_done,
                                                 on_failed=on_failed)

        lock = self._kind_locks[kind]

        def run() -> Any:
            # one at a time per kind, whoever submits: a task starts only once the one
            # before it (cancelled, it stops at its next check) has returned
            with lock:
                return run_alone()

        def run_alone() -> Any:
            if state.cancelled:  # superseded while it waited: never started
                log.debug("task %s not started: superseded", kind)
                return None
            try:
                result = fn(state)
            except TaskCancelled:
                log.info("task %s cancelled", kind)
                return None
            except Exception as exc:
                log.exception("task %s failed", kind)
                if not state.cancelled:
                    self._sig_done.emit(kind, exc, state, True)
                raise
            if not state.cancelled:
                self._sig_done.emit(kind, result, state, False)
            return result

        future = self._futures[kind] = self._pool.submit(run)
        return future

    @Slot()
    def shutdown(self) -> None:
        self.closed = True
        for state in self._states.values():
            state.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)
