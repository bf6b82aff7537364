"""manifest.json validates against Slack's published schema and grants exactly SPEC's scopes."""

from __future__ import annotations

import json

import jsonschema

from tests.conftest import REPO, shared_path

SPEC_SCOPES = {
    "commands",
    "chat:write",
    "chat:write.public",
    "files:write",
    "files:read",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "im:history",
    "im:write",
    "users:read",
}


def test_manifest_validates_against_slack_schema() -> None:
    schema = json.loads(shared_path("specs", "slack", "manifest-schema", "manifest.schema.1.0.0.json").read_text())
    manifest = json.loads((REPO / "manifest.json").read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(manifest), key=str)
    assert errors == [], [e.message for e in errors]


def test_manifest_matches_the_spec() -> None:
    manifest = json.loads((REPO / "manifest.json").read_text())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == SPEC_SCOPES
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {"app_home_opened", "message.im"}
    assert manifest["settings"]["socket_mode_enabled"] is True
    command = manifest["features"]["slash_commands"][0]
    assert command["command"] == "/eda" and "url" not in command
    # Mentions must arrive as <@U…> so `user create <username> <@user>` gets an ID.
    assert command["should_escape"] is True
