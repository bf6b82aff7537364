"""Which file links may receive the bot token (a DM file event's url_private_download comes from outside)."""

from __future__ import annotations

import pytest

from listeners.slack_files import DownloadRefused, check_declared_size, check_download_url

SLACK = "https://slack.com/api/"
LOOPBACK = "http://127.0.0.1:5000/api/"


@pytest.mark.parametrize(
    ("url", "api_url"),
    [
        ("https://files.slack.com/files-pri/T1-F1/download/a.rpt", SLACK),
        ("https://files.slack.com:443/files-pri/T1-F1/a.rpt", SLACK),
        ("https://files.slack-gov.com/files-pri/T1-F1/download/a.rpt", "https://slack-gov.com/api/"),
        ("http://127.0.0.1:5000/files-pri/T1-F1/download/a.rpt", LOOPBACK),
        ("https://files.slack.com/files-pri/T1-F1/download/a.rpt", LOOPBACK),
    ],
)
def test_slack_file_links_are_allowed(url: str, api_url: str) -> None:
    check_download_url(url, api_url)


@pytest.mark.parametrize(
    ("url", "api_url", "says"),
    [
        ("https://evil.example/files-pri/T1-F1/a.rpt", SLACK, "points to evil.example"),
        ("https://files.slack.com.evil.example/a.rpt", SLACK, "points to files.slack.com.evil.example"),
        ("https://files.slack.com@evil.example/a.rpt", SLACK, "points to evil.example"),
        ("https://user:pw@files.slack.com/a.rpt", SLACK, "not to Slack's file server"),
        ("http://files.slack.com/a.rpt", SLACK, "not https"),
        ("https://files.slack.com:8443/a.rpt", SLACK, "points to files.slack.com:8443"),
        ("http://127.0.0.1:5001/files-pri/a.rpt", LOOPBACK, "points to 127.0.0.1:5001"),
        ("http://localhost:5000/files-pri/a.rpt", LOOPBACK, "points to localhost"),
        ("http://slack.com/api/../files-pri/a.rpt", SLACK, "not https"),
        ("file:///etc/passwd", SLACK, "points to no host"),
    ],
)
def test_other_links_are_refused_before_any_request(url: str, api_url: str, says: str) -> None:
    with pytest.raises(DownloadRefused, match="did not fetch") as refused:
        check_download_url(url, api_url)
    assert says in str(refused.value)


def test_plain_http_to_a_non_loopback_api_host_is_refused() -> None:
    with pytest.raises(DownloadRefused, match="not https"):
        check_download_url("http://10.0.0.5:8080/files-pri/a.rpt", "http://10.0.0.5:8080/api/")


def test_declared_size_over_the_limit_is_refused() -> None:
    check_declared_size("a.rpt", 10)
    check_declared_size("a.rpt", None)
    with pytest.raises(DownloadRefused, match="limit is 1024 MB"):
        check_declared_size("a.rpt", 2**30 + 1)
