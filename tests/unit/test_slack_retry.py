"""The Slack client's retry policy: connection errors resend reads only (or requests that never left), and a
429 is waited out for every method, so a post or an update is never sent twice behind the pipeline's back."""

from __future__ import annotations

import socket
from http.client import RemoteDisconnected
from urllib.error import URLError

import pytest
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.slack.retry import ReadsOnlyConnectionRetry, slack_retry_handlers

WRITES = ["chat.postMessage", "chat.update", "files.completeUploadExternal", "chat.delete", "views.publish"]
READS = ["conversations.members", "conversations.history", "auth.test", "users.info"]
MAY_HAVE_ARRIVED = [
    RemoteDisconnected("Remote end closed connection without response"),
    ConnectionResetError(104, "Connection reset by peer"),
    URLError(ConnectionResetError(104, "Connection reset by peer")),  # reset while the body was going out
    URLError(TimeoutError("timed out")),
]
NEVER_SENT = [URLError(ConnectionRefusedError(111, "Connection refused")), URLError(socket.gaierror(-2, "unknown"))]


def _request(method: str) -> HttpRequest:
    return HttpRequest(method="POST", url=f"https://slack.example/api/{method}?x=1", headers={})


def _may_retry(method: str, error: Exception) -> bool:
    return ReadsOnlyConnectionRetry(max_retry_count=2).can_retry(
        state=RetryState(), request=_request(method), response=None, error=error
    )


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("error", MAY_HAVE_ARRIVED, ids=repr)
def test_a_write_that_may_have_reached_slack_is_not_resent(method: str, error: Exception) -> None:
    assert not _may_retry(method, error)


@pytest.mark.parametrize("method", WRITES + READS)
@pytest.mark.parametrize("error", NEVER_SENT, ids=repr)
def test_a_request_that_never_left_is_resent(method: str, error: Exception) -> None:
    assert _may_retry(method, error)


@pytest.mark.parametrize("method", READS)
@pytest.mark.parametrize("error", MAY_HAVE_ARRIVED, ids=repr)
def test_reads_keep_their_connection_retries(method: str, error: Exception) -> None:
    assert _may_retry(method, error)


@pytest.mark.parametrize("method", WRITES)
def test_rate_limits_are_still_waited_out_for_writes(method: str) -> None:
    limited = HttpResponse(status_code=429, headers={"Retry-After": ["1"]})
    handlers = slack_retry_handlers()
    willing = [h for h in handlers if h.can_retry(state=RetryState(), request=_request(method), response=limited)]
    assert [type(h) for h in willing] == [RateLimitErrorRetryHandler]
