"""Domain tests: models/, routing/ and the Qt-free CLI commands; they run without PySide6."""
