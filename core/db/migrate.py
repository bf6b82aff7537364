"""Apply the Alembic migrations in `migrations/` to the master database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import exc as sa_exc

import migrations
from core.db.engine import is_outage, outage


def alembic_config(url: str) -> Config:
    folder = Path(migrations.__file__).parent
    config = Config(str(folder / "alembic.ini"))
    config.set_main_option("script_location", str(folder))
    config.attributes["url"] = url
    return config


def upgrade_to_head(url: str) -> None:
    try:
        command.upgrade(alembic_config(url), "head")
    except (sa_exc.OperationalError, sa_exc.TimeoutError) as exc:
        if not is_outage(exc):
            raise
        raise outage("the master database", exc) from exc
