"""UI tests: the console, the widgets, the map and the CLI commands that need Qt."""
