"""Settings: SPEC names and defaults, one line per problem, secrets never echoed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config import SettingsError, load_settings


def test_defaults_match_the_spec(tmp_path: Path) -> None:
    s = load_settings({}, env_file=None)
    assert s.slack_api_url == "https://slack.com/api/" and s.slack_command == "/eda"
    assert s.master_db.embedded and s.data_dir == Path("./.edabot")
    assert s.grafana_base_url == "http://localhost:3000"
    assert (s.capture_width, s.capture_height, s.capture_frames, s.capture_frame_delay_ms) == (1920, 1080, 10, 500)
    assert (s.capture_timeout_ms, s.gif_width, s.scan_interval_seconds) == (120000, 960, 5)
    assert (s.scan_full_every_seconds, s.max_new_dashboards_per_hour) == (600, 60)
    assert (s.host, s.port, s.log_file, s.log_level) == ("127.0.0.1", 8050, Path("logs/app.log"), "INFO")
    assert s.gif_capture_dir == Path("./.edabot/gifs")


def test_master_db_from_the_original_variables() -> None:
    s = load_settings(
        {
            "MASTER_DB_HOST": "db.example",
            "MASTER_DB_USER": "eda",
            "MASTER_DB_PASS": "p@ss:w/rd",
            "MASTER_DB_NAME": "edabot",
        },
        env_file=None,
    )
    assert s.master_db.url is not None
    assert s.master_db.url.reveal() == "postgresql://eda:p%40ss%3Aw%2Frd@db.example:5432/edabot"


def test_database_url_wins_over_master_db_variables() -> None:
    s = load_settings({"DATABASE_URL": "postgresql://a@h/db", "MASTER_DB_HOST": "x"}, env_file=None)
    assert s.master_db.url is not None and s.master_db.url.reveal() == "postgresql://a@h/db"


def test_every_problem_is_reported_on_its_own_line() -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(
            {
                "PORT": "http",
                "SCAN_INTERVAL_SECONDS": "0",
                "EDABOT_ADMINS": "alice",
                "SLACK_BOT_TOKEN": "xapp-wrong-kind-SECRET",
                "CREDENTIALS_KEY": "nope",
                "MASTER_DB_HOST": "h",
                "LOG_LEVEL": "loud",
            },
            env_file=None,
        )
    problems = err.value.problems
    assert any(p.startswith("PORT='http'") for p in problems)
    assert any(p.startswith("SCAN_INTERVAL_SECONDS=0 is out of range") for p in problems)
    assert any("EDABOT_ADMINS entry 'alice'" in p for p in problems)
    assert any(p.startswith("SLACK_BOT_TOKEN does not look right") for p in problems)
    assert any("CREDENTIALS_KEY entry 1 is not a valid Fernet key" in p for p in problems)
    assert any(p.startswith("MASTER_DB_USER is not set") for p in problems)
    assert any(p.startswith("LOG_LEVEL='LOUD'") for p in problems)
    assert not any("SECRET" in p for p in problems), "a token value must never be echoed"


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("SLACK_COMMAND=/qor\nPORT=9000\n")
    s = load_settings({"PORT": "9100"}, env_file=env)
    assert s.slack_command == "/qor" and s.port == 9100


def test_key_list_is_newest_first() -> None:
    k1, k2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    s = load_settings({"CREDENTIALS_KEY": f"{k1}, {k2}"}, env_file=None)
    assert [k.reveal() for k in s.credentials_keys] == [k1, k2]


def test_run_without_tokens_exits_2_and_says_how_to_get_them(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in result.stderr
    assert "SLACK_BOT_TOKEN is not set" in lines[0] and "manifest.json" in lines[0]
    assert "SLACK_APP_TOKEN is not set" in lines[1] and "connections:write" in lines[1]


def test_bad_setting_exits_2_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "CAPTURE_FRAMES": "ten", "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "edabot: CAPTURE_FRAMES='ten' is not a whole number"


def test_grafana_db_sslmode_defaults_to_prefer_and_takes_every_libpq_mode() -> None:
    assert load_settings({}, env_file=None).grafana_db_sslmode == "prefer"
    for mode in ("disable", "allow", "prefer", "require", "verify-ca", "verify-full"):
        assert load_settings({"GRAFANA_DB_SSLMODE": mode}, env_file=None).grafana_db_sslmode == mode


def test_bad_grafana_db_sslmode_names_the_variable_and_the_choices() -> None:
    for bad in ("on", "verify_full", "PREFER", "ssl"):
        with pytest.raises(SettingsError) as err:
            load_settings({"GRAFANA_DB_SSLMODE": bad}, env_file=None)
        assert err.value.problems == [
            f"GRAFANA_DB_SSLMODE={bad!r} must be one of disable, allow, prefer, require, verify-ca, verify-full"
        ]


def test_grafana_capture_token_is_optional_and_masked() -> None:
    assert load_settings({}, env_file=None).grafana_capture_token is None
    s = load_settings({"GRAFANA_CAPTURE_TOKEN": " glsa_viewer_SECRET_0123 "}, env_file=None)
    assert s.grafana_capture_token is not None and s.grafana_capture_token.reveal() == "glsa_viewer_SECRET_0123"
    assert "SECRET" not in repr(s) and "SECRET" not in str(s.grafana_capture_token)
    with pytest.raises(SettingsError) as err:
        load_settings({"GRAFANA_CAPTURE_TOKEN": "glsa_SECRET with space"}, env_file=None)
    assert err.value.problems[0].startswith("GRAFANA_CAPTURE_TOKEN contains spaces")
    assert not any("SECRET" in p for p in err.value.problems)


def test_bad_grafana_db_sslmode_stops_start_up_with_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "GRAFANA_DB_SSLMODE": "sometimes",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        },
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "edabot: GRAFANA_DB_SSLMODE='sometimes' must be one of disable, allow, prefer, require, verify-ca, verify-full"
    )


def test_regression_thresholds_override_defaults_and_bad_entries_are_named() -> None:
    from core.comparison import DEFAULT_THRESHOLDS

    settings = load_settings({"REGRESSION_THRESHOLDS": "wns=0.02, drc=3"}, env_file=None)
    assert settings.regression_thresholds == {**DEFAULT_THRESHOLDS, "wns": 0.02, "drc": 3.0}
    assert load_settings({}, env_file=None).regression_thresholds == DEFAULT_THRESHOLDS
    with pytest.raises(SettingsError) as caught:
        load_settings({"REGRESSION_THRESHOLDS": "slack=1,wns=-1,drc=x"}, env_file=None)
    problems = "\n".join(caught.value.problems)
    assert problems.count("REGRESSION_THRESHOLDS") == 3 and "'slack=1'" in problems
