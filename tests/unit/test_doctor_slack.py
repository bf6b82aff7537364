"""The Slack health checks in core.doctor, through a fake SlackProbe (the port the Web API adapter fills)."""

from __future__ import annotations

from core.doctor import SlackCallFailed, SlackChannelInfo, SlackIdentity, slack_checks

SCOPES = frozenset({"chat:write", "commands", "files:write"})


class FakeSlack:
    def __init__(self, *, scopes: frozenset[str] = SCOPES, auth_error: str | None = None) -> None:
        self.scopes = scopes
        self.auth_error = auth_error
        self.channels: dict[str, SlackChannelInfo] = {}

    def identity(self) -> SlackIdentity:
        if self.auth_error is not None:
            raise SlackCallFailed(self.auth_error)
        return SlackIdentity(user="edabot", team="EDA", scopes=self.scopes)

    def channel(self, channel_id: str) -> SlackChannelInfo:
        if channel_id not in self.channels:
            raise SlackCallFailed("channel_not_found")
        return self.channels[channel_id]


def test_no_token_is_one_failed_check_with_the_fix() -> None:
    [check] = slack_checks(None, None, required_scopes=SCOPES, global_channel=None)
    assert not check.ok and "SLACK_BOT_TOKEN" in check.detail and "manifest.json" in check.fix


def test_a_revoked_token_names_slacks_error_and_stops_there() -> None:
    checks = slack_checks(None, FakeSlack(auth_error="invalid_auth"), required_scopes=SCOPES, global_channel=None)
    assert [(c.name, c.ok, c.detail) for c in checks] == [("Slack auth.test", False, "invalid_auth")]


def test_missing_scopes_are_listed() -> None:
    probe = FakeSlack(scopes=frozenset({"commands"}))
    checks = {c.name: c for c in slack_checks(None, probe, required_scopes=SCOPES, global_channel=None)}
    assert checks["Slack auth.test"].ok and checks["Slack auth.test"].detail == "bot edabot in EDA"
    assert not checks["Slack scopes"].ok and checks["Slack scopes"].detail == "missing chat:write, files:write"


def test_all_scopes_granted_passes() -> None:
    checks = {c.name: c for c in slack_checks(None, FakeSlack(), required_scopes=SCOPES, global_channel=None)}
    assert checks["Slack scopes"].ok and checks["Slack scopes"].detail == "all granted"
