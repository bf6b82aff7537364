"""Alembic migrations for the master database."""
