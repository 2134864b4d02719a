"""The task runner: results and failures arrive as signals; nothing starts after shutdown."""

from __future__ import annotations

import pytest

from console.tasks import TaskRunner, TaskState

pytestmark = pytest.mark.gui


def test_result_progress_and_failure(qtbot) -> None:
    runner = TaskRunner()
    seen = []
    runner.sig_task_progress.connect(lambda kind, step, f: seen.append((step, f)))

    def work(state: TaskState) -> int:
        state.progress("half", 0.5)
        return 42

    with qtbot.waitSignal(runner.sig_task_finished, timeout=5000) as done:
        runner.submit("work", work)
    assert done.args == ["work", 42]
    qtbot.waitUntil(lambda: seen == [("half", 0.5)], timeout=2000)

    def broken(state: TaskState) -> None:
        raise ValueError("bad input")

    with qtbot.waitSignal(runner.sig_task_failed, timeout=5000) as failed:
        runner.submit("broken", broken)
    assert failed.args[0] == "broken" and isinstance(failed.args[1], ValueError)
    runner.shutdown()
    assert runner.submit("late", work) is None  # a timer firing after close is harmless


def test_a_coalesced_task_lets_the_running_one_finish(qtbot) -> None:
    import threading

    runner = TaskRunner()
    release, calls = threading.Event(), []

    def tick(state: TaskState) -> int:
        calls.append(1)
        release.wait(5)
        return len(calls)

    finished = []
    runner.sig_task_finished.connect(lambda kind, result: finished.append((kind, result)))
    assert runner.submit("tick", tick, coalesce=True) is not None
    assert runner.running("tick")
    assert runner.submit("tick", tick, coalesce=True) is None  # the timer fired again
    release.set()
    qtbot.waitUntil(lambda: finished == [("tick", 1)], timeout=5000)
    qtbot.waitUntil(lambda: not runner.running("tick"), timeout=5000)
    assert runner.submit("tick", tick, coalesce=True) is not None  # idle again: it starts
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=5000)
    assert calls == [1, 1]
    runner.shutdown()


def test_a_result_superseded_while_it_waits_is_never_delivered(qtbot) -> None:
    """A task that finished just before a newer one of its kind was asked for: its result
    still waits in the event queue when the newer request cancels it, and is dropped (the
    window would otherwise show the older state after the newer one was asked for)."""
    import threading

    runner = TaskRunner()
    got: list[tuple[str, object]] = []
    runner.sig_task_finished.connect(lambda kind, result: got.append((kind, result)))
    first = runner.submit("snapshot", lambda state: "old")
    first.result(timeout=10)  # finished on its worker; its result not yet handed over
    release = threading.Event()
    runner.submit("snapshot", lambda state: (release.wait(10), "new")[1])
    qtbot.wait(50)  # the GUI thread takes the queued "old": cancelled, dropped
    assert got == []
    release.set()
    qtbot.waitUntil(lambda: got == [("snapshot", "new")], timeout=10_000)
    runner.shutdown()


def test_two_tasks_of_one_kind_never_run_at_once(qtbot) -> None:
    """The runner enforces one at a time per kind itself: a task that ignores its
    cancellation (a long read) still finishes before the next of its kind starts."""
    import threading
    import time

    runner = TaskRunner()
    lock, first_started = threading.Lock(), threading.Event()
    active, peak, order = [0], [0], []

    def job(name: str):
        def run(state) -> str:
            reads = name != "other"
            with lock:
                active[0] += reads
                peak[0] = max(peak[0], active[0])
                order.append(name)
            first_started.set()
            time.sleep(0.2)
            with lock:
                active[0] -= reads
            return name
        return run

    try:
        first = runner.submit("read", job("first"))
        assert first_started.wait(5)
        second = runner.submit("read", job("second"))
        other = runner.submit("other", job("other"))  # another kind runs beside them
        assert second.result(timeout=5) == "second" and first.result(timeout=5) == "first"
        assert other.result(timeout=5) == "other"
        assert order.index("first") < order.index("second")
        with lock:
            assert active[0] == 0
    finally:
        runner.shutdown()
    assert peak[0] == 1  # two of "read" never ran at once


def test_the_submitters_callback_gets_the_result_and_a_superseded_one_nothing(qtbot) -> None:
    """Each submitter hears of its own task (no dispatch on a kind string): ``on_done``
    with the result, ``on_failed`` with the exception, before the runner's signals; a task
    superseded by a newer one of its kind calls neither."""
    import threading

    runner = TaskRunner()
    got: list[tuple[str, object]] = []
    release = threading.Event()

    def slow(state: TaskState) -> str:
        release.wait(5)
        return "old"

    runner.submit("read", slow, on_done=lambda r: got.append(("old", r)))
    with qtbot.waitSignal(runner.sig_task_finished, timeout=5000) as done:
        runner.submit("read", lambda state: "new", on_done=lambda r: got.append(("new", r)))
        release.set()
    assert done.args == ["read", "new"]
    assert got == [("new", "new")]  # the superseded task's callback never ran

    def broken(state: TaskState) -> None:
        raise ValueError("bad input")

    with qtbot.waitSignal(runner.sig_task_failed, timeout=5000):
        runner.submit("broken", broken, on_done=lambda r: got.append(("done", r)),
                      on_failed=lambda exc: got.append(("failed", type(exc).__name__)))
    assert got[-1] == ("failed", "ValueError")
    runner.shutdown()
