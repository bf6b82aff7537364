"""Where the real EDA sample files live (read in place, never copied into the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "eda-samples"


def sample(relative: str) -> Path:
    """The sample file, or skip the test with the reason when the shared folder is not there."""
    if not SAMPLES.is_dir():
        pytest.skip(f"EDA samples not found at {SAMPLES} (they live beside the repo in shared/eda-samples)")
    path = SAMPLES / relative
    if not path.is_file():
        pytest.skip(f"sample {relative} is not in {SAMPLES}")
    return path


def all_samples() -> list[str]:
    """Every sample file, relative to the samples folder (empty when the folder is absent)."""
    if not SAMPLES.is_dir():
        return []
    return sorted(str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*") if p.is_file() and p.name != "PROVENANCE.md")


def text_of(relative: str) -> str:
    return sample(relative).read_text(encoding="utf-8")
