"""The slash command grammar: unknown subcommands and extra words are named, secrets never echoed."""

from __future__ import annotations

from listeners.commands.parse import Parsed, Unparsed, parse, slack_user_id


def test_empty_input_is_plain_help() -> None:
    assert parse("   ") == Unparsed(None)
    assert parse("help") == Unparsed(None)


def test_subcommands_parse_with_their_arguments() -> None:
    assert parse("register alice") == Parsed("register", ("alice",))
    assert parse("user create bob <@U123|bob>") == Parsed("user create", ("bob", "<@U123|bob>"))
    assert parse("creds set SLACK_CHANNEL_ID") == Parsed("creds set", ("SLACK_CHANNEL_ID",))
    assert parse("CREDS") == Parsed("creds", ())


def test_unknown_subcommand_is_named() -> None:
    result = parse("frobnicate now")
    assert isinstance(result, Unparsed) and result.problem == "Unknown command `frobnicate`."


def test_extra_words_are_named() -> None:
    result = parse("apikey please now")
    assert isinstance(result, Unparsed) and result.problem is not None
    assert "unexpected `please now`" in result.problem


def test_help_with_extra_words_is_refused() -> None:
    result = parse("help me")
    assert isinstance(result, Unparsed) and "unexpected `me`" in (result.problem or "")


def test_creds_set_with_a_value_never_echoes_it() -> None:
    result = parse("creds set GRAFANA_API_KEY glsa_super_secret_value")
    assert isinstance(result, Unparsed) and result.problem is not None
    assert "glsa_super_secret_value" not in result.problem and "Nothing was saved" in result.problem


def test_missing_arguments_show_usage() -> None:
    result = parse("user delete")
    assert isinstance(result, Unparsed) and "user delete <username>" in (result.problem or "")


def test_unknown_user_subcommand_is_named() -> None:
    result = parse("user frob")
    assert isinstance(result, Unparsed) and "`frob`" in (result.problem or "")


def test_very_long_unknown_word_is_shortened() -> None:
    result = parse("x" * 5000)
    assert isinstance(result, Unparsed) and len(result.problem or "") < 100


def test_mentions_and_raw_ids_resolve() -> None:
    assert slack_user_id("<@U012AB3CD|alice>") == "U012AB3CD"
    assert slack_user_id("<@W012AB3CD>") == "W012AB3CD"
    assert slack_user_id("U012AB3CD") == "U012AB3CD"
    assert slack_user_id("@alice") is None
