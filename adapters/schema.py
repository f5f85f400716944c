"""Applying the Alembic migrations, from code (dev, tests) as from the command line."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

import migrations

# PostgreSQL's advisory lock of the migrations (a number the desk takes for nothing else).
MIGRATION_LOCK = 0x5A6151


def alembic_config(url: str) -> Config:
    folder = Path(migrations.__file__).parent
    config = Config(str(folder / "alembic.ini"))
    config.set_main_option("script_location", str(folder))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema; a no-op when it is already there. Processes
    starting together (two workers, an API) migrate one after the other: on PostgreSQL each
    waits for the lock the one before holds until its migration commits, then finds the
    schema there (without it, the second one's CREATE TABLE alembic_version fails)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
