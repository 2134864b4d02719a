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
