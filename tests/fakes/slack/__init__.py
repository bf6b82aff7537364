"""Loopback Slack simulator (Web API over HTTP + Socket Mode over WebSocket) for the test suite."""

from .blockkit import Problem, check_message_blocks, check_view
from .context import DEFAULT_BOT_SCOPES, Settings
from .contract import Catalogue, default_shared_dir, default_specs_dir
from .delivery import Delivery
from .faults import FILE_DOWNLOAD, RESPONSE_URL, UPLOAD_URL, Injection
from .records import AckRecord, RecordedRequest
from .simulator import SlackSimulator

__all__ = [
    "DEFAULT_BOT_SCOPES",
    "FILE_DOWNLOAD",
    "RESPONSE_URL",
    "UPLOAD_URL",
    "AckRecord",
    "Catalogue",
    "Delivery",
    "Injection",
    "Problem",
    "RecordedRequest",
    "Settings",
    "SlackSimulator",
    "check_message_blocks",
    "check_view",
    "default_shared_dir",
    "default_specs_dir",
]
