"""The console's application layer: the use cases of a dispatcher, a shift lead and a
trainer, without Qt.

Each use case takes plain values (a case, the version the user saw, the answers the user
gave) and returns the domain's typed change records (:class:`models.core.records.CaseChanges`);
the Qt presenters in :mod:`console` ask the questions, call the use case and redraw what
changed. Nothing here imports PySide6 or :mod:`widgets` (an import-linter contract says
so), so the CLI, the simulator and headless tests reach the same rules the console applies.
"""
