"""Download a file a user shared with the bot (Slack requires the bot token for private file URLs)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from core.errors import EdabotError
from core.secret import Secret

# Slack's own upload limit is 1 GB; the parsers stream, so size only costs disk and time.
MAX_DOWNLOAD_BYTES = 1024 * 1024 * 1024
CHUNK = 1024 * 1024


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).name)[:100].lstrip(".") or "report"


def download(url: str, token: Secret, *, directory: Path, name: str, timeout_s: float = 120.0) -> Path:
    """Stream into `directory` under the file's own (sanitised) name, so messages about it name the file
    the user dropped. A redirect means Slack did not accept the token (it sends its sign-in page)."""
    path = directory / safe_name(name)
    size = 0
    try:
        with (
            path.open("xb") as out,
            httpx.stream(
                "GET",
                url,
                headers={"Authorization": f"Bearer {token.reveal()}"},
                timeout=timeout_s,
                follow_redirects=False,
            ) as response,
        ):
            if response.status_code != 200:
                raise EdabotError(
                    f"could not download {name} from Slack (HTTP {response.status_code}); the bot needs the "
                    "files:read scope: reinstall the app from manifest.json"
                )
            for chunk in response.iter_bytes(CHUNK):
                size += len(chunk)
                if size > MAX_DOWNLOAD_BYTES:
                    raise EdabotError(f"{name} is larger than {MAX_DOWNLOAD_BYTES // 2**20} MB")
                out.write(chunk)
    except httpx.HTTPError as exc:
        path.unlink(missing_ok=True)
        raise EdabotError(f"could not download {name} from Slack: {type(exc).__name__}") from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
