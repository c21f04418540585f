"""Runs a student's notebook in a separate process and talks to it with plain data only."""
