"""Bad input named one case per test: each gets a message naming the problem."""

from __future__ import annotations

import pytest

from core import validation
from core.errors import InvalidInput


def test_valid_username_is_accepted() -> None:
    assert validation.username("  alice_01 ") == "alice_01"


def test_username_with_quotes_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"\"'\"|'\\''"):
        validation.username("o'brien")


def test_username_with_double_quote_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not allowed"):
        validation.username('bob"x')


def test_username_with_semicolon_is_refused() -> None:
    with pytest.raises(InvalidInput, match="';'"):
        validation.username("bob;drop")


def test_username_with_unicode_is_refused() -> None:
    with pytest.raises(InvalidInput, match="'é'"):
        validation.username("josé")


def test_username_with_upper_case_suggests_lower_case() -> None:
    with pytest.raises(InvalidInput, match="use lower case: `alice`"):
        validation.username("Alice")


@pytest.mark.parametrize(
    "name",
    [
        "postgres",
        "admin",
        "root",
        "public",
        "grafana",
        "template0",
        "template1",
        "pg_monitor",
        "edabot",
        "edabot_ops",
        "carol_grafana",
    ],
)
def test_reserved_username_is_refused(name: str) -> None:
    with pytest.raises(InvalidInput, match="reserved"):
        validation.username(name)


def test_overlong_username_is_refused_with_its_length() -> None:
    with pytest.raises(InvalidInput, match=r"too long \(32 characters; at most 31\)"):
        validation.username("a" * 32)


def test_too_short_username_is_refused() -> None:
    with pytest.raises(InvalidInput, match="too short"):
        validation.username("ab")


def test_username_starting_with_digit_is_refused() -> None:
    with pytest.raises(InvalidInput, match="starting with a letter"):
        validation.username("1abc")


def test_empty_key_name_is_refused() -> None:
    with pytest.raises(InvalidInput, match="name is required"):
        validation.key_name("  ")


def test_lower_case_key_name_suggests_upper_case() -> None:
    with pytest.raises(InvalidInput, match="must be upper case: `SLACK_CHANNEL_ID`"):
        validation.key_name("slack_channel_id")


def test_key_name_with_symbols_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not allowed"):
        validation.key_name("API-KEY")


def test_overlong_key_name_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not allowed"):
        validation.key_name("K" * 65)


def test_empty_value_is_refused() -> None:
    with pytest.raises(InvalidInput, match="empty; nothing was saved"):
        validation.secret_value("TOKEN", "   ")


def test_missing_value_is_refused() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        validation.secret_value("TOKEN", None)


def test_huge_value_is_refused_with_its_size() -> None:
    with pytest.raises(InvalidInput, match=r"10241 bytes; the limit is 10240"):
        validation.secret_value("TOKEN", "x" * 10241)


def test_binary_value_is_refused() -> None:
    with pytest.raises(InvalidInput, match="binary or control characters"):
        validation.secret_value("TOKEN", "abc\x00\x01def")


def test_value_at_the_limit_is_accepted() -> None:
    assert validation.secret_value("TOKEN", "y" * 10240) == "y" * 10240
