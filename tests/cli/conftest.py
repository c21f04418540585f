"""Fixtures of these tests: the gradebook on a real PostgreSQL server (tests/postgres.py)."""
from postgres import postgres_url  # noqa: F401  (a fixture: offered to the tests here)
