"""Intake: one service for every channel, the MQTT feeds and their limits, snap folders."""
