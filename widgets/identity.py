"""Who works this seat and in which role: always shown at the left of the status bar.

Every action the console takes is recorded under this name and role (the audit, the case
history), so the person at the seat sees them at all times, not only as a passing message
when the role changes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow

from widgets import labels


class IdentityLabel(QLabel):
    """The seat's user and role, e.g. "Dispatcher · 张三"."""

    @classmethod
    def attach(cls, window: QMainWindow, name: str, role: str) -> IdentityLabel:
        label = cls(window)
        label.setObjectName("identity")
        window.statusBar().insertPermanentWidget(0, label)
        label.show_actor(name, role, announce=False)
        return label

    def show_actor(self, name: str, role: str, *, announce: bool = True) -> None:
        """Show ``name`` working as ``role`` (a role code); ``announce``: say so in the
        status bar's message too (a change of role)."""
        who = name or self.tr("(no name)")
        self.setText(self.tr("{0} · {1}").format(labels.role(role), who))
        self.setToolTip(self.tr("This seat works as {0} in the role {1}: case histories and "
                                "the audit record this name").format(who, labels.role(role)))
        window = self.window()
        if announce and isinstance(window, QMainWindow):
            window.statusBar().showMessage(self.tr("Working as {0} ({1})").format(
                who, labels.role(role)), 5000)


__all__ = ["IdentityLabel"]
