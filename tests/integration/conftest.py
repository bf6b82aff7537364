"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.conftest import _drop_edabot_objects


@pytest.fixture
def cli_env(fresh_database: str, pg_admin_url: str, tmp_path: Path, unique_username) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    """Settings for running `edabot` as a subprocess against a fresh master database."""
    env = {"DATABASE_URL": fresh_database, "CREDENTIALS_KEY": Fernet.generate_key().decode()}
    yield env
    _drop_edabot_objects(pg_admin_url, unique_username.made)
