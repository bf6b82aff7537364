"""Slack's published method and event catalogue (slack-ruby/slack-api-ref scrape of docs.slack.dev).

Read from ../shared/specs/slack/slack-api-ref when present; every check degrades to "unknown,
so allow" when it is not, so the simulator keeps working outside the full workspace.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Errors any method can return (docs.slack.dev "common errors"); the per-method tables omit them.
COMMON_ERRORS = frozenset(
    {
        "access_denied", "account_inactive", "accesslimited", "deprecated_endpoint", "ekm_access_denied",
        "enterprise_is_restricted", "fatal_error", "internal_error", "invalid_arg_name", "invalid_arguments",
        "invalid_array_arg", "invalid_auth", "invalid_charset", "invalid_form_data", "invalid_json",
        "invalid_post_type", "method_deprecated", "missing_post_type", "missing_scope", "no_permission",
        "not_allowed_token_type", "not_authed", "org_login_required", "ratelimited", "request_timeout",
        "service_unavailable", "team_added_to_org", "token_expired", "token_revoked",
        "two_factor_setup_required", "unknown_method",
    }
)  # fmt: skip

_METHOD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")
# Scope families that depend on the conversation type (channels:read vs groups:read vs im:read ...).
_SCOPE_FAMILY = {"public": "channels", "private": "groups", "im": "im", "mpim": "mpim"}


def default_shared_dir() -> Path:
    """`shared/` lives next to the repository root: <root>/../shared."""
    repo_root = Path(__file__).resolve().parents[3]
    return repo_root.parent / "shared"


def default_specs_dir() -> Path:
    return default_shared_dir() / "specs" / "slack"


@dataclass(frozen=True)
class MethodSpec:
    name: str
    http_method: str
    required: tuple[str, ...]
    arg_names: frozenset[str]
    errors: frozenset[str]
    bot_scopes: tuple[str, ...]
    no_scope_required: bool
    json_input_supported: bool | None
    success_example: dict[str, Any] | None

    @property
    def accepts_json(self) -> bool:
        # Slack reads JSON bodies only for methods documented as json_input_supported; read (GET)
        # methods without the flag are form/query only.
        if self.json_input_supported is not None:
            return self.json_input_supported
        return self.http_method.upper() != "GET"

    def documents_error(self, code: str) -> bool:
        return code in self.errors or code in COMMON_ERRORS

    def needed_scopes(self, conversation_type: str | None) -> tuple[str, ...]:
        """Scopes of which the bot needs at least one for this call."""
        if self.no_scope_required or not self.bot_scopes:
            return ()
        family = _SCOPE_FAMILY.get(conversation_type or "")
        if family is not None:
            narrowed = tuple(s for s in self.bot_scopes if s.split(":", 1)[0] == family)
            if narrowed:
                return narrowed
        return self.bot_scopes

    def missing_argument_error(self, arg: str) -> tuple[str, dict[str, Any]]:
        """The error Slack gives when `arg` is absent (method-specific where documented)."""
        specific = {
            "channel": "channel_not_found",
            "channel_id": "channel_not_found",
            "user": "user_not_found",
            "file": "file_not_found",
            "ts": "message_not_found",
        }.get(arg)
        if specific is not None and specific in self.errors:
            return specific, {}
        for generic in ("missing_argument", "missing_args"):
            if generic in self.errors:
                return generic, {}
        return "invalid_arguments", {"response_metadata": {"messages": [f"[ERROR] missing required field: {arg}"]}}


class Catalogue:
    """Lazy, cached reader of docs.slack.dev/methods/<method>.json and events/events.json."""

    def __init__(self, specs_dir: Path | None) -> None:
        base = specs_dir / "slack-api-ref" / "docs.slack.dev" if specs_dir is not None else None
        self._methods_dir = base / "methods" if base is not None else None
        self._events_file = base / "events" / "events.json" if base is not None else None
        self._lock = threading.Lock()
        self._specs: dict[str, MethodSpec | None] = {}
        self._events: dict[str, frozenset[str]] | None = None

    @property
    def available(self) -> bool:
        return self._methods_dir is not None and self._methods_dir.is_dir()

    def spec(self, method: str) -> MethodSpec | None:
        """The method's spec, or None if the catalogue is absent or does not list the method."""
        if not self.available or not _METHOD_NAME.match(method):
            return None
        with self._lock:
            if method not in self._specs:
                self._specs[method] = self._load(method)
            return self._specs[method]

    def is_unknown_method(self, method: str) -> bool:
        """True only when the catalogue is present and does not document the method."""
        return self.available and self.spec(method) is None

    def _load(self, method: str) -> MethodSpec | None:
        assert self._methods_dir is not None
        path = self._methods_dir / f"{method}.json"
        if not path.is_file():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            return None
        args = raw.get("args") or {}
        examples = raw.get("examples") or {}
        success = (examples.get("success") or {}).get("example")
        scope = raw.get("scope") or {}
        return MethodSpec(
            name=method,
            http_method=str(raw.get("http_method") or "POST"),
            required=tuple(a for a in args.get("required") or () if a != "token"),
            arg_names=frozenset((args.get("properties") or {}).keys()),
            errors=frozenset((raw.get("errors") or {}).keys()),
            bot_scopes=tuple(scope.get("bot") or ()) if isinstance(scope, dict) else (),
            no_scope_required=bool(raw.get("no_scope_required")),
            json_input_supported=raw.get("json_input_supported"),
            success_example=success if isinstance(success, dict) else None,
        )

    # ---- events ---------------------------------------------------------------------------

    def event_subtypes(self) -> dict[str, frozenset[str]] | None:
        """{event type: known subtypes}, or None when the catalogue is absent."""
        if self._events_file is None or not self._events_file.is_file():
            return None
        with self._lock:
            if self._events is None:
                entries = json.loads(self._events_file.read_text(encoding="utf-8"))
                self._events = {
                    str(e["name"]): frozenset(str(s["name"]) for s in e.get("subtypes") or ())
                    for e in entries
                    if isinstance(e, dict) and "name" in e
                }
            return self._events

    def check_event(self, event_type: str, subtype: str | None) -> str | None:
        """A reason the event cannot exist on Slack, or None."""
        known = self.event_subtypes()
        if known is None:
            return None
        if event_type not in known:
            return f"event type {event_type!r} is not in Slack's event catalogue"
        if subtype is not None and known[event_type] and subtype not in known[event_type]:
            return f"{event_type} subtype {subtype!r} is not in Slack's event catalogue"
        return None
