"""Which failed Slack Web API calls slack_sdk may send again by itself, and which must go back to the caller.

slack_sdk's ConnectionErrorRetryHandler resends after RemoteDisconnected and connection resets, which can
happen after Slack has accepted the request: a resent chat.postMessage is then a second message, posted
inside one attempt where the pipeline's metadata check cannot see it. So connection errors are retried
here only for reads (and for errors proving the request never left this host); every other method raises
to its caller, which knows whether it can look before sending again (the pipeline can: find_posted).
A 429 is always retried after Retry-After: Slack refuses a rate-limited request without acting on it.
"""

from __future__ import annotations

import socket
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

# Methods that change nothing Slack's users can see, so a second copy of the request is harmless. An
# allowlist, not a list of writes: a method added later is treated as a write until someone decides.
RESENDABLE_METHODS = frozenset(
    {
        "api.test",
        "apps.connections.open",  # a fresh Socket Mode URL; an unused one expires
        "auth.test",
        "bots.info",
        "conversations.history",
        "conversations.info",
        "conversations.members",
        "conversations.open",  # opening a DM that is open already returns the same channel
        "conversations.replies",
        "files.getUploadURLExternal",  # reserves an upload; an unused reservation is never shared
        "files.info",
        "team.info",
        "users.info",
        "users.lookupByEmail",
    }
)


def api_method(request: HttpRequest) -> str:
    """`chat.postMessage` from `https://slack.com/api/chat.postMessage?…`."""
    return urlsplit(request.url).path.rsplit("/", 1)[-1]


def never_sent(error: Exception | None) -> bool:
    """True only when no connection was made, so no byte of the request can have reached Slack.

    urllib wraps errors raised while connecting or sending in URLError, and these two reasons can only
    come from connecting: the name did not resolve, or nothing listens at the address.
    """
    return isinstance(error, URLError) and isinstance(error.reason, ConnectionRefusedError | socket.gaierror)


class ReadsOnlyConnectionRetry(ConnectionErrorRetryHandler):
    """slack_sdk's connection retry, limited to RESENDABLE_METHODS and to requests that never left."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if api_method(request) not in RESENDABLE_METHODS and not never_sent(error):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


def slack_retry_handlers() -> list[RetryHandler]:
    return [ReadsOnlyConnectionRetry(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=3)]
