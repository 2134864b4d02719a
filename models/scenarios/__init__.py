"""Scenarios: scenario files, replay, the city simulator and the demo city."""
