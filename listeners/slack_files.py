"""Download a file a user shared with the bot (Slack requires the bot token for private file URLs).

The link comes from an event payload, so it is checked before the bot token goes anywhere: only Slack's
file host (or the host of SLACK_API_URL, for GovSlack, proxies and the test simulator) gets it, over https.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

import httpx

from core.errors import Refusal, Unavailable
from core.secret import Secret

# Slack's own upload limit is 1 GB; the parsers stream, so size only costs disk and time.
MAX_DOWNLOAD_BYTES = 1024 * 1024 * 1024
CHUNK = 1024 * 1024
SLACK_FILE_HOST = "files.slack.com"
DEFAULT_PORTS = {"https": 443, "http": 80}


class DownloadRefused(Refusal):
    """The file was not fetched at all (no request made); the message says why."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_port(parts: SplitResult) -> tuple[str, int | None]:
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        port = None  # not a number: matches nothing
    return (parts.hostname or "").lower(), port


def check_download_url(url: str, api_url: str) -> None:
    """Refuse a link that would send the bot token anywhere but Slack's file host; raises DownloadRefused."""
    parts = urlsplit(url)
    host, port = _host_port(parts)
    scheme = parts.scheme.lower()
    api = urlsplit(api_url)
    api_host, api_port = _host_port(api)
    allowed = {(SLACK_FILE_HOST, 443), (api_host, api_port)}
    if api.scheme.lower() == "https" and not api_host.startswith("files."):
        # Slack's own layout: the Web API on <domain>, files on files.<domain> (slack-gov.com for GovSlack).
        allowed.add((f"files.{api_host}", 443))
    shown = host or "no host"
    if parts.username is not None or parts.password is not None or host not in {h for h, _ in allowed}:
        raise _elsewhere(shown)
    if (host, port) not in allowed:
        if scheme == "http" and (host, 443) in allowed:
            raise _not_https(shown)
        raise _elsewhere(f"{host}:{port}")
    # Plain http only to a loopback SLACK_API_URL (the test simulator): anywhere else it would expose the token.
    loopback_api = api.scheme.lower() == "http" and _is_loopback(api_host)
    if scheme != "https" and not (scheme == "http" and loopback_api and (host, port) == (api_host, api_port)):
        raise _not_https(shown)


def _elsewhere(where: str) -> DownloadRefused:
    return DownloadRefused(
        f"its link points to {where}, not to Slack's file server ({SLACK_FILE_HOST}); edabot sends its "
        "Slack token to Slack only, so it did not fetch the file"
    )


def _not_https(where: str) -> DownloadRefused:
    return DownloadRefused(
        f"its link to {where} is not https; edabot sends its Slack token over https only, so it did not fetch the file"
    )


def check_declared_size(name: str, size: object) -> None:
    """Refuse before downloading when Slack's file object already says the file is over the limit."""
    if isinstance(size, int) and not isinstance(size, bool) and size > MAX_DOWNLOAD_BYTES:
        raise DownloadRefused(
            f"Slack says it is {size / 2**20:.0f} MB and the limit is {MAX_DOWNLOAD_BYTES // 2**20} MB, so it was "
            "not downloaded; split the report"
        )


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).name)[:100].lstrip(".") or "report"


def download(
    url: str,
    token: Secret,
    *,
    directory: Path,
    name: str,
    api_url: str,
    declared_size: object = None,
    timeout_s: float = 120.0,
) -> Path:
    """Stream into `directory` under the file's own (sanitised) name, so messages about it name the file
    the user dropped. A redirect means Slack did not accept the token (it sends its sign-in page).

    `url` and `declared_size` come from the event's file object; both are checked before any request."""
    check_declared_size(name, declared_size)
    check_download_url(url, api_url)
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
                raise Unavailable(
                    f"could not download {name} from Slack (HTTP {response.status_code}); the bot needs the "
                    "files:read scope: reinstall the app from manifest.json"
                )
            for chunk in response.iter_bytes(CHUNK):
                size += len(chunk)
                if size > MAX_DOWNLOAD_BYTES:
                    raise Refusal(f"{name} is larger than {MAX_DOWNLOAD_BYTES // 2**20} MB")
                out.write(chunk)
    except httpx.HTTPError as exc:
        path.unlink(missing_ok=True)
        raise Unavailable(f"could not download {name} from Slack: {type(exc).__name__}") from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
