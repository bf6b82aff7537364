"""Settings from the environment and `.env`, with the original system's names (SPEC.md).

`load_settings` never raises on bad values: it collects one line per problem so start-up can print
them all and exit with code 2, instead of a traceback on the first one.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from cryptography.fernet import Fernet
from dotenv import dotenv_values

from core.comparison import DEFAULT_THRESHOLDS
from core.errors import Refusal
from core.secret import Secret

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,20}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# libpq's sslmode values (PostgreSQL docs, "SSL Support"), the ones a datasource may be given.
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


class SettingsError(Refusal):
    """Bad or missing settings: the operator's input, named one problem per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class MasterDb:
    """Where the master database is: a URL, or None for the embedded server."""

    url: Secret | None

    @property
    def embedded(self) -> bool:
        return self.url is None


@dataclass(frozen=True)
class Settings:
    slack_bot_token: Secret | None
    slack_app_token: Secret | None
    slack_api_url: str
    slack_command: str
    slack_channel_id: str | None
    admins: frozenset[str]
    master_db: MasterDb
    data_dir: Path
    grafana_db_host: str | None
    grafana_db_port: int | None
    grafana_base_url: str
    grafana_api_key: Secret | None
    grafana_org_id: int | None
    # Viewer-role token for the capture browser; None: edabot creates its own Viewer service account.
    grafana_capture_token: Secret | None
    grafana_db_sslmode: str
    credentials_keys: tuple[Secret, ...]
    credentials_key_generated: bool
    gif_capture_dir: Path
    capture_width: int
    capture_height: int
    capture_frames: int
    capture_frame_delay_ms: int
    capture_timeout_ms: int
    gif_width: int
    chromium_path: str | None
    scan_interval_seconds: int
    scan_full_every_seconds: int
    max_new_dashboards_per_hour: int
    host: str
    port: int
    log_file: Path
    log_level: str
    warnings: tuple[str, ...] = field(default=())
    # REGRESSION_THRESHOLDS: how much worse a later run of a series must be to be broadcast to the channel.
    regression_thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))

    def missing_for_run(self) -> list[str]:
        """`edabot run` needs both Slack tokens; other commands do not."""
        problems = []
        if self.slack_bot_token is None:
            problems.append(
                "SLACK_BOT_TOKEN is not set: create the app from manifest.json at https://api.slack.com/apps, "
                "install it to your workspace, and copy the Bot User OAuth Token (xoxb-…) into .env"
            )
        if self.slack_app_token is None:
            problems.append(
                "SLACK_APP_TOKEN is not set: in the app's Basic Information page, generate an App-Level Token "
                "with the connections:write scope and copy it (xapp-…) into .env"
            )
        return problems


class _Reader:
    """Reads and checks one variable at a time, collecting problems instead of raising."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.env.get(name)
        if value is None or value.strip() == "":
            return default
        return value.strip()

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problems.append(f"{name}={raw!r} is not a whole number")
            return default
        if not low <= value <= high:
            self.problems.append(f"{name}={value} is out of range ({low} to {high})")
        return value

    def url(self, name: str, default: str, schemes: tuple[str, ...]) -> str:
        value = self.text(name, default) or default
        parsed = urlparse(value)
        if parsed.scheme not in schemes or not parsed.netloc:
            self.problems.append(f"{name}={value!r} is not a {' or '.join(schemes)} URL")
        return value

    def token(self, name: str, prefix: str) -> Secret | None:
        value = self.text(name)
        if value is None:
            return None
        if not value.startswith(prefix):
            # Never echo the value: it may be a real token put in the wrong variable.
            self.problems.append(f"{name} does not look right: it must start with {prefix!r}")
        return Secret(value)


def _read_env(env_file: Path | None, environ: Mapping[str, str]) -> dict[str, str]:
    merged: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(environ)  # the real environment wins over .env, as python-dotenv does by default
    return merged


def _master_db(r: _Reader) -> MasterDb:
    url = r.text("DATABASE_URL")
    if url is not None:
        if urlparse(url).scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
            r.problems.append("DATABASE_URL must start with postgresql://")
        return MasterDb(Secret(url))
    parts = {k: r.text(f"MASTER_DB_{k}") for k in ("HOST", "PORT", "USER", "PASS", "NAME")}
    if not any(parts.values()):
        return MasterDb(None)
    for required in ("HOST", "USER", "NAME"):
        if not parts[required]:
            r.problems.append(
                f"MASTER_DB_{required} is not set: with MASTER_DB_* the host, user and database name are "
                "required (or set DATABASE_URL instead)"
            )
    port = r.integer("MASTER_DB_PORT", 5432, low=1, high=65535)
    from urllib.parse import quote

    auth = quote(parts["USER"] or "", safe="")
    if parts["PASS"]:
        auth += ":" + quote(parts["PASS"], safe="")
    return MasterDb(Secret(f"postgresql://{auth}@{parts['HOST']}:{port}/{parts['NAME']}"))


def _credentials_keys(r: _Reader, data_dir: Path) -> tuple[tuple[Secret, ...], bool, list[str]]:
    raw = r.text("CREDENTIALS_KEY")
    warnings: list[str] = []
    if raw is None:
        key_file = data_dir / "credentials.key"
        if key_file.is_file():
            raw = key_file.read_text().strip()
        else:
            return (), True, warnings
        warnings.append(
            f"CREDENTIALS_KEY is not set; using the generated key in {key_file}. Back it up: without it "
            "stored credentials cannot be decrypted."
        )
    keys = []
    for index, part in enumerate(p.strip() for p in raw.split(",")):
        try:
            Fernet(part.encode())
        except (ValueError, TypeError):
            r.problems.append(
                f"CREDENTIALS_KEY entry {index + 1} is not a valid Fernet key (32 url-safe base64-encoded "
                "bytes); generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            )
            continue
        keys.append(Secret(part))
    return tuple(keys), False, warnings


def _thresholds(r: _Reader) -> dict[str, float]:
    """`wns=0.01,drc=1`: the keys named replace their defaults, the others keep them."""
    thresholds = dict(DEFAULT_THRESHOLDS)
    raw = r.text("REGRESSION_THRESHOLDS")
    for part in (p.strip() for p in (raw or "").split(",") if p.strip()):
        key, _, value = part.partition("=")
        key = key.strip().lower()
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if key not in DEFAULT_THRESHOLDS or not math.isfinite(number) or number < 0:
            r.problems.append(
                f"REGRESSION_THRESHOLDS entry {part!r} must be KEY=NUMBER (>= 0) with KEY one of "
                + ", ".join(DEFAULT_THRESHOLDS)
            )
            continue
        thresholds[key] = number
    return thresholds


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    r = _Reader(_read_env(env_file, os.environ if environ is None else environ))

    admins = frozenset(a.strip() for a in (r.text("EDABOT_ADMINS") or "").split(",") if a.strip())
    for admin in sorted(admins):
        if not SLACK_USER_ID.match(admin):
            r.problems.append(f"EDABOT_ADMINS entry {admin!r} is not a Slack user ID (like U012AB3CD)")
    command = r.text("SLACK_COMMAND", "/eda") or "/eda"
    if not re.fullmatch(r"/[a-z0-9_\-]{1,31}", command):
        r.problems.append(f"SLACK_COMMAND={command!r} must be a slash command like /eda")
    channel = r.text("SLACK_CHANNEL_ID")
    if channel is not None and not SLACK_CHANNEL_ID.match(channel):
        r.problems.append(f"SLACK_CHANNEL_ID={channel!r} is not a channel ID (like C012AB3CD)")
    api_url = r.url("SLACK_API_URL", "https://slack.com/api/", ("http", "https"))
    if not api_url.endswith("/"):
        api_url += "/"

    data_dir = Path(r.text("EDABOT_DATA_DIR", "./.edabot") or "./.edabot")
    keys, generated, key_warnings = _credentials_keys(r, data_dir)
    org_raw = r.text("GRAFANA_ORG_ID")
    org_id = r.integer("GRAFANA_ORG_ID", 0, low=1, high=2**31) if org_raw is not None else None
    grafana_port_raw = r.text("GRAFANA_DB_PORT")
    log_level = (r.text("LOG_LEVEL", "INFO") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        r.problems.append(f"LOG_LEVEL={log_level!r} must be one of {', '.join(LOG_LEVELS)}")
    capture_token = r.text("GRAFANA_CAPTURE_TOKEN")
    if capture_token is not None and any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in capture_token):
        # Never echo the value; it goes into an HTTP header, where such characters break or smuggle headers.
        r.problems.append("GRAFANA_CAPTURE_TOKEN contains spaces or control characters: paste the token exactly")
    sslmode = r.text("GRAFANA_DB_SSLMODE", "prefer") or "prefer"
    if sslmode not in SSL_MODES:
        r.problems.append(f"GRAFANA_DB_SSLMODE={sslmode!r} must be one of {', '.join(SSL_MODES)}")

    settings = Settings(
        slack_bot_token=r.token("SLACK_BOT_TOKEN", "xoxb-"),
        slack_app_token=r.token("SLACK_APP_TOKEN", "xapp-"),
        slack_api_url=api_url,
        slack_command=command,
        slack_channel_id=channel,
        admins=admins,
        master_db=_master_db(r),
        data_dir=data_dir,
        grafana_db_host=r.text("GRAFANA_DB_HOST"),
        grafana_db_port=(
            r.integer("GRAFANA_DB_PORT", 5432, low=1, high=65535) if grafana_port_raw is not None else None
        ),
        grafana_base_url=r.url("GRAFANA_BASE_URL", "http://localhost:3000", ("http", "https")).rstrip("/"),
        grafana_api_key=(Secret(v) if (v := r.text("GRAFANA_API_KEY")) else None),
        grafana_org_id=org_id,
        grafana_capture_token=Secret(capture_token) if capture_token is not None else None,
        grafana_db_sslmode=sslmode,
        credentials_keys=keys,
        credentials_key_generated=generated,
        gif_capture_dir=Path(r.text("GIF_CAPTURE_DIR") or str(data_dir / "gifs")),
        capture_width=r.integer("CAPTURE_WIDTH", 1920, low=320, high=7680),
        capture_height=r.integer("CAPTURE_HEIGHT", 1080, low=240, high=4320),
        capture_frames=r.integer("CAPTURE_FRAMES", 10, low=1, high=100),
        capture_frame_delay_ms=r.integer("CAPTURE_FRAME_DELAY", 500, low=20, high=10000),
        capture_timeout_ms=r.integer("CAPTURE_TIMEOUT", 120000, low=1000, high=3_600_000),
        gif_width=r.integer("GIF_WIDTH", 960, low=100, high=7680),
        chromium_path=r.text("CHROMIUM_PATH"),
        # A pass over unchanged databases reads one statistics view and connects to none of them, so the
        # interval can be short: it is most of what a user waits between CREATE TABLE and the message.
        scan_interval_seconds=r.integer("SCAN_INTERVAL_SECONDS", 5, low=1, high=86400),
        scan_full_every_seconds=r.integer("SCAN_FULL_EVERY_SECONDS", 600, low=10, high=7 * 86400),
        max_new_dashboards_per_hour=r.integer("MAX_NEW_DASHBOARDS_PER_HOUR", 60, low=1, high=100_000),
        host=r.text("HOST", "127.0.0.1") or "127.0.0.1",
        port=r.integer("PORT", 8050, low=0, high=65535),  # 0: any free port (tests, several processes)
        log_file=Path(r.text("LOG_FILE", "logs/app.log") or "logs/app.log"),
        log_level=log_level,
        warnings=tuple(key_warnings),
        regression_thresholds=_thresholds(r),
    )
    if r.problems:
        raise SettingsError(r.problems)
    return settings


def ensure_credentials_key(settings: Settings) -> Settings:
    """Generate the key file on first start when CREDENTIALS_KEY is unset (SPEC: mode 0600, a warning)."""
    if settings.credentials_keys:
        return settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key_file = settings.data_dir / "credentials.key"
    key = Fernet.generate_key().decode()
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    logging.getLogger(__name__).warning(
        "CREDENTIALS_KEY is not set; generated a new key into %s (mode 0600). Back it up.", key_file
    )
    from dataclasses import replace

    return replace(settings, credentials_keys=(Secret(key),))
