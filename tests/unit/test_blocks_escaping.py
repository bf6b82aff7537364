"""No user can make the bot ping, mention or link: every builder, fed hostile text in every field.

Each public function in listeners/blocks/ must have a strategy below (or a stated reason why its output
is never shown), so a new builder cannot be skipped silently. The outputs are walked whole: every mrkdwn
text object, every fallback text and every URL field. The only live `<…>` tokens allowed are the ones
edabot writes on purpose from data it vouches for: a mention of a well-formed user id given as the
Slack-id argument (`U0SAFE…` here), a channel link for a well-formed channel-id argument (`C0SAFE…`),
and a link to a dashboard URL given as the URL argument
(`https://grafana.test/…` here). Hostile strings never take those shapes, so any other token (or these
made from text) means user text went through unescaped.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import listeners.blocks
from core.comparison import FigureChange, RuleChange, Verdict
from core.credentials import MaskedCredential
from core.dashboards import DashboardLine
from core.doctor import Check
from core.errors import EdabotError
from core.pipeline.scanner import ScanReport
from core.registration import Progress, Registered, Step, StepState
from core.run_compare import FigureRow, PathChange, RunComparison, RunRef
from core.secret import Secret, mask
from core.series_mutes import MutedSeries
from core.usecases.series_overview import LatestFigure, RunFigure, SeriesOverview, SeriesRun
from core.users import UserSummary
from listeners.blocks import (
    account_builder,
    channel_notice_builder,
    compare_builder,
    creds_builder,
    deferral_builder,
    help_builder,
    home_builder,
    ingest_builder,
    notification_builder,
    progress_builder,
    scan_builder,
    series_builder,
    status_builder,
    user_delete_builder,
)
from listeners.blocks.common import CHANNEL_ID, USER_ID, channel_link, code, esc, link, mention, safe_url
from listeners.commands.parse import Parsed, parse
from listeners.commands.table import COMMANDS

ATTACKS = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!here|here>",
    "<@U123>",
    "<@W0ADMIN01|admin>",
    "<#C123>",
    "<#C123|general>",
    "<!subteam^S1>",
    "<!subteam^S1|@team>",
    "<!date^1700000000^{date}|x>",
    "<https://evil.example|Open in Grafana>",
    "<http://evil.example>",
    "<mailto:boss@evil.example|boss>",
    "<tel:+1555|call>",
    "&lt;!channel&gt;",
    "&lt;@U123&gt;",
    "&amp;lt;!here&amp;gt;",
    "&",
    "<",
    ">",
    "|",
    "`",
    "```",
    "*",
    "_",
    "~",
    "\n",
    "\r\n",
    ":x:",
    "https://evil.example",
    "@channel",
]
hostile = st.lists(st.one_of(st.sampled_from(ATTACKS), st.text(max_size=6)), min_size=1, max_size=5).map("".join)
maybe_hostile = st.one_of(st.none(), hostile)
counts = st.integers(min_value=0, max_value=10**6)

SAFE_ID = re.compile(r"U0SAFE[0-9]{4}")
SAFE_URL = "https://grafana.test/"
safe_ids = st.from_regex(SAFE_ID, fullmatch=True)
# An id field holding text must show text, not a mention. Text that happens to be a well-formed id ("U00") is
# an id: edabot mentions those on purpose, so the hostile side leaves them out (hypothesis found "U00").
slack_ids = st.one_of(safe_ids, hostile.filter(lambda s: USER_ID.match(s) is None))
SAFE_CHANNEL = re.compile(r"C0SAFE[0-9]{4}")
channel_ids = st.one_of(  # a credential value: user text (well-formed ids excepted, as for slack_ids)
    st.from_regex(SAFE_CHANNEL, fullmatch=True), hostile.filter(lambda s: CHANNEL_ID.match(s) is None)
)
# A URL argument is one edabot built (Grafana's answer to our own save): it may carry odd characters from
# a table name, or be no http(s) URL at all, and must then stay inside its link or be left out.
urls = st.one_of(
    st.builds(lambda path, tail: SAFE_URL + path + tail, st.from_regex(r"d/[a-z0-9]{1,8}", fullmatch=True), hostile),
    st.just(SAFE_URL + "d/abc/slug?orgId=1&var-x=1"),
    hostile.filter(lambda u: safe_url(u) is None),
    st.sampled_from(["javascript:alert(1)", "data:text/html,x", "//evil.example", "ftp://evil.example/x"]),
)
maybe_urls = st.one_of(st.none(), urls)

# --- values of the domain types, hostile wherever a person or a file chooses the text ----------------
checks = st.builds(Check, name=hostile, ok=st.booleans(), detail=hostile, fix=hostile)
check_lists = st.lists(checks, max_size=6)
queues = st.dictionaries(hostile, counts, max_size=4)
steps = st.builds(Step, key=hostile, label=hostile, state=st.sampled_from(list(StepState)), note=hostile)
progresses = st.builds(Progress, steps=st.lists(steps, min_size=1, max_size=5))
registered = st.builds(
    Registered,
    username=hostile,
    api_key=hostile.map(Secret),
    databases=st.dictionaries(hostile, hostile, max_size=3),
    host=hostile,
    port=st.integers(1, 65535),
    resumed=st.booleans(),
)
summaries = st.builds(
    UserSummary,
    id=counts,
    username=hostile,
    slack_user_id=st.one_of(st.none(), slack_ids),
    state=hostile,
    active=st.booleans(),
    is_admin=st.booleans(),
    api_key_prefix=maybe_hostile,
    dashboards=counts,
    credentials=counts,
)
masked_creds = st.builds(
    MaskedCredential,
    key_name=hostile,
    masked=hostile.map(mask) | hostile,
    updated_at=st.just(datetime(2026, 1, 1, tzinfo=UTC)),
    managed=st.booleans(),
)
dashboard_lines = st.builds(
    DashboardLine, table=hostile, kind=hostile, state=hostile, url=maybe_urls, last_error=maybe_hostile
)
scan_reports = st.builds(
    ScanReport,
    ran=st.booleans(),
    users=counts,
    databases=counts,
    tables=counts,
    new=st.lists(st.tuples(hostile, hostile, hostile), max_size=4),
    errors=st.lists(hostile, max_size=3),
)
# A figure's title and value come from the user's table (and a panel unit could carry a table's text).
figure_changes = st.builds(
    FigureChange,
    title=hostile,
    shown=hostile,
    change=maybe_hostile,
    verdict=st.sampled_from(list(Verdict)),
    best_so_far=st.booleans(),
    first_regression=st.booleans(),
)
muted_series = st.builds(
    MutedSeries, kind=hostile, series=hostile, muted_at=st.just(datetime(2026, 12, 7, 3, 0, tzinfo=UTC))
)
rule_changes = st.builds(
    RuleChange, rule=hostile, count=hostile, change=maybe_hostile, verdict=st.sampled_from(list(Verdict))
)
# App Home's series: names, tables and figure titles come from the user's tables; the run's URL from Grafana.
finite = st.floats(allow_nan=False, allow_infinity=False)
series_runs = st.builds(
    SeriesRun,
    dashboard_id=counts,
    table=hostile,
    state=hostile,
    posted_at=st.none(),
    grafana_url=maybe_urls,
    figures=st.lists(st.builds(RunFigure, hostile, st.none() | finite, maybe_hostile, hostile), max_size=3).map(tuple),
)
latest_figures = st.builds(
    LatestFigure,
    title=hostile,
    value=st.none() | finite,
    previous=st.none() | finite,
    unit=maybe_hostile,
    shown=hostile,
    change=maybe_hostile,
    verdict=st.sampled_from(list(Verdict)),
    best_so_far=st.booleans(),
    first_regression=st.booleans(),
)
series_overviews = st.builds(
    SeriesOverview,
    kind=hostile,
    series=hostile,
    muted=st.booleans(),
    runs=st.lists(series_runs, min_size=1, max_size=3).map(tuple),
    run_count=counts,
    latest=st.lists(latest_figures, max_size=5).map(tuple),
    wns_trend=st.just(()),
    sparkline=st.one_of(st.just(""), hostile),
)
# `/eda compare`: table, series and rule names, paths (start and end points) and figures all come from the user's
# tables; the run and comparison URLs are ones Grafana gave for our own saves.
verdicts = st.sampled_from(list(Verdict))
figure_rows = st.builds(FigureRow, title=hostile, before=hostile, after=hostile, change=maybe_hostile, verdict=verdicts)
path_changes = st.builds(
    PathChange, path=hostile, before=hostile, after=hostile, change=maybe_hostile, verdict=verdicts
)
run_refs = st.builds(RunRef, table=hostile, kind=hostile, series=maybe_hostile, url=maybe_urls)
run_comparisons = st.builds(
    RunComparison,
    before=run_refs,
    after=run_refs,
    figures=st.lists(figure_rows, max_size=6),
    rules=st.lists(rule_changes, max_size=4),
    paths=st.lists(path_changes, max_size=4),
    paths_read=st.booleans(),
    paths_note=maybe_hostile,
    dashboard_url=maybe_urls,
    dashboard_note=maybe_hostile,
)
# Parameters that take mrkdwn are fed only what their own builders make (from hostile text).
progress_titles = st.one_of(
    st.just("Registering your account"),
    hostile.map(account_builder.deletion_title),
    st.builds(account_builder.account_creation_title, hostile, slack_ids),
)
notices = st.one_of(
    st.none(),
    hostile.map(creds_builder.deleted_notice),
    st.builds(
        lambda k, v, c: creds_builder.saved_notice(k, created=c, masked=mask(v)), hostile, hostile, st.booleans()
    ),
)
redirect_reasons = st.one_of(
    st.builds(channel_notice_builder.redirect_reason_not_member, channel_ids),
    st.builds(channel_notice_builder.redirect_reason_hidden, channel_ids, hostile),
)
# A parse problem quotes what was typed; help shows it.
problems = st.one_of(
    st.none(), hostile, hostile.map(lambda t: p.problem if not isinstance(p := parse(t), Parsed) else None)
)


def _kw(fn: Callable[..., Any], **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.builds(lambda kw: fn(**kw), st.fixed_dictionaries(fields))


STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "account_builder.registered_blocks": st.builds(
        account_builder.registered_blocks, hostile, registered, st.one_of(st.none(), progresses)
    ),
    "account_builder.registered_text": st.builds(account_builder.registered_text, hostile),
    "account_builder.api_key_blocks": st.builds(account_builder.api_key_blocks, hostile, hostile, hostile),
    "account_builder.user_blocks": st.builds(
        account_builder.user_blocks, summaries, st.dictionaries(hostile, hostile, max_size=3)
    ),
    "account_builder.user_text": st.builds(account_builder.user_text, hostile),
    "account_builder.user_list_blocks": st.builds(account_builder.user_list_blocks, st.lists(summaries, max_size=5)),
    "account_builder.account_creation_title": st.builds(account_builder.account_creation_title, hostile, slack_ids),
    "account_builder.account_ready_blocks": _kw(
        account_builder.account_ready_blocks, command=hostile, username=hostile, created_by=slack_ids
    ),
    "account_builder.account_created_blocks": st.builds(account_builder.account_created_blocks, slack_ids),
    "account_builder.created_text": st.builds(account_builder.created_text, hostile),
    "account_builder.deletion_title": st.builds(account_builder.deletion_title, hostile),
    "account_builder.deleted_blocks": st.builds(account_builder.deleted_blocks, hostile),
    "account_builder.deleted_text": st.builds(account_builder.deleted_text, hostile),
    "account_builder.error_blocks": st.builds(account_builder.error_blocks, hostile),
    "account_builder.error_text": st.builds(account_builder.error_text, hostile, maybe_hostile),
    "account_builder.warning_text": st.builds(account_builder.warning_text, hostile, maybe_hostile),
    "account_builder.internal_error_blocks": st.builds(account_builder.internal_error_blocks, hostile, hostile),
    "channel_notice_builder.redirect_reason_not_member": st.builds(
        channel_notice_builder.redirect_reason_not_member, channel_ids
    ),
    "channel_notice_builder.redirect_reason_hidden": st.builds(
        channel_notice_builder.redirect_reason_hidden, channel_ids, hostile
    ),
    "channel_notice_builder.redirected_notice_blocks": st.builds(
        channel_notice_builder.redirected_notice_blocks, redirect_reasons, hostile
    ),
    "channel_notice_builder.redirected_text": st.builds(
        channel_notice_builder.redirected_text,
        st.builds(notification_builder.notification_text, hostile, hostile, hostile),
        redirect_reasons,
    ),
    "compare_builder.compare_text": st.builds(compare_builder.compare_text, run_comparisons),
    "compare_builder.compare_blocks": st.builds(compare_builder.compare_blocks, run_comparisons),
    "compare_builder.figure_line": st.builds(compare_builder.figure_line, figure_rows),
    "compare_builder.rule_line": st.builds(compare_builder.rule_line, rule_changes),
    "compare_builder.path_line": st.builds(compare_builder.path_line, path_changes),
    "creds_builder.deleted_notice": st.builds(creds_builder.deleted_notice, hostile),
    "creds_builder.saved_notice": _kw(
        creds_builder.saved_notice, key_name=hostile, created=st.booleans(), masked=hostile
    ),
    "creds_builder.revealed_text": st.builds(creds_builder.revealed_text, hostile, hostile),
    "creds_builder.revealed_blocks": st.builds(creds_builder.revealed_blocks, hostile, hostile),
    "creds_builder.creds_modal": _kw(
        creds_builder.creds_modal,
        creds=st.lists(masked_creds, max_size=4),
        channel_id=maybe_hostile,
        notice=notices,
    ),
    "creds_builder.set_credential_modal": _kw(
        creds_builder.set_credential_modal, key_name=maybe_hostile, channel_id=maybe_hostile
    ),
    "creds_builder.loading_modal": st.builds(creds_builder.loading_modal, hostile),
    "creds_builder.message_modal": st.builds(creds_builder.message_modal, hostile, hostile),
    "help_builder.help_blocks": _kw(
        help_builder.help_blocks,
        command=hostile,
        commands=st.just(COMMANDS),
        problem=problems,
        username=maybe_hostile,
        is_admin=st.booleans(),
    ),
    "deferral_builder.deferral_text": _kw(
        deferral_builder.deferral_text, count=counts, database=hostile, command=hostile
    ),
    "deferral_builder.deferral_blocks": _kw(
        deferral_builder.deferral_blocks,
        notice_id=counts,
        count=counts,
        database=hostile,
        username=hostile,
        slack_user_id=st.one_of(st.none(), slack_ids),
        command=hostile,
    ),
    "deferral_builder.deferred_released_text": _kw(
        deferral_builder.deferred_released_text, count=counts, database=hostile
    ),
    "help_builder.help_text": st.builds(help_builder.help_text, problems),
    "home_builder.dashboard_lines": _kw(
        home_builder.dashboard_lines, dashboards=st.lists(dashboard_lines, max_size=4), error_chars=st.integers(0, 300)
    ),
    "home_builder.dashboards_blocks": st.builds(home_builder.dashboards_blocks, st.lists(dashboard_lines, max_size=4)),
    "home_builder.home_view": st.builds(
        home_builder.home_view,
        hostile,
        st.one_of(st.none(), summaries),
        st.lists(masked_creds, max_size=3),
        st.lists(dashboard_lines, max_size=4),
        st.lists(series_overviews, max_size=12),
    ),
    "home_builder.series_text": st.builds(home_builder.series_text, series_overviews),
    "home_builder.series_blocks": st.builds(home_builder.series_blocks, st.lists(series_overviews, max_size=12)),
    "ingest_builder.ingest_reply_blocks": st.builds(
        ingest_builder.ingest_reply_blocks,
        st.lists(st.tuples(hostile, hostile, hostile, counts), max_size=3),
        st.lists(st.tuples(hostile, hostile), max_size=3),
    ),
    "ingest_builder.ingest_reply_text": st.builds(ingest_builder.ingest_reply_text, counts, counts),
    "ingest_builder.ingest_progress_text": st.builds(ingest_builder.ingest_progress_text, hostile, counts, counts),
    "notification_builder.notification_text": st.builds(
        notification_builder.notification_text, hostile, hostile, hostile
    ),
    "notification_builder.notification_blocks": _kw(
        notification_builder.notification_blocks,
        dashboard_id=counts,
        kind=hostile,
        table=hostile,
        username=hostile,
        slack_user_id=st.one_of(st.none(), slack_ids),
        database=hostile,
        grafana_url=urls,
        figures=st.lists(figure_changes, max_size=8),
        top=st.lists(rule_changes, max_size=5),
        file_id=maybe_hostile,
        problems=st.lists(hostile, max_size=3),
        series=maybe_hostile,
        previous_table=maybe_hostile,
        regressed=st.lists(hostile, max_size=3),
        latest_of=st.one_of(st.none(), counts),
        trend=maybe_hostile,
    ),
    "notification_builder.figure_text": st.builds(notification_builder.figure_text, figure_changes),
    "notification_builder.rule_text": st.builds(notification_builder.rule_text, rule_changes),
    "notification_builder.mute_text": _kw(
        notification_builder.mute_text, table=hostile, series=hostile, muted=st.booleans()
    ),
    "notification_builder.mute_blocks": _kw(
        notification_builder.mute_blocks, table=hostile, series=hostile, dashboard_id=counts, muted=st.booleans()
    ),
    "series_builder.mutes_text": st.builds(series_builder.mutes_text, st.lists(muted_series, max_size=4), hostile),
    "series_builder.mutes_blocks": st.builds(series_builder.mutes_blocks, st.lists(muted_series, max_size=4), hostile),
    "series_builder.unmuted_text": st.builds(series_builder.unmuted_text, hostile, st.lists(hostile, max_size=3)),
    "progress_builder.progress_lines": st.builds(progress_builder.progress_lines, progresses),
    "progress_builder.progress_blocks": st.builds(progress_builder.progress_blocks, progress_titles, progresses),
    "progress_builder.failure_blocks": st.builds(
        progress_builder.failure_blocks, progress_titles, st.one_of(st.none(), progresses), hostile
    ),
    "scan_builder.scan_result_text": st.builds(scan_builder.scan_result_text, scan_reports),
    "scan_builder.scan_result_blocks": st.builds(scan_builder.scan_result_blocks, scan_reports),
    "series_builder.series_chosen_text": st.builds(
        series_builder.series_chosen_text, hostile, st.lists(hostile, max_size=3), hostile
    ),
    "series_builder.series_chosen_blocks": st.builds(
        series_builder.series_chosen_blocks, hostile, st.lists(hostile, max_size=3), hostile
    ),
    "status_builder.status_text": st.builds(status_builder.status_text, check_lists),
    "status_builder.status_blocks": _kw(
        status_builder.status_blocks,
        checks=check_lists,
        queue=queues,
        server=st.one_of(st.none(), check_lists),
        server_queue=st.one_of(st.none(), queues),
    ),
    "status_builder.not_registered_status_blocks": st.builds(status_builder.not_registered_status_blocks, hostile),
    "user_delete_builder.delete_user_modal": st.builds(user_delete_builder.delete_user_modal, hostile),
}
NOT_SHOWN = {
    "home_builder.series_toggle_value": "a button's value: read by edabot, never displayed",
    "creds_builder.creds_metadata": "private_metadata: round-tripped by Slack, never displayed",
    "creds_builder.read_metadata": "parses private_metadata; builds nothing",
    "notification_builder.notification_metadata": "message metadata: read by edabot, never displayed",
    "deferral_builder.deferral_metadata": "message metadata: read by edabot, never displayed",
}


def _builder_modules() -> list[ModuleType]:
    # common.py holds the primitives that take mrkdwn on purpose; its escapers are tested below.
    names = [m.name for m in pkgutil.iter_modules(listeners.blocks.__path__) if m.name != "common"]
    return [importlib.import_module(f"listeners.blocks.{name}") for name in names]


def _public_functions() -> list[str]:
    found = []
    for module in _builder_modules():
        short = module.__name__.rsplit(".", 1)[1]
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                found.append(f"{short}.{name}")
    return sorted(found)


def test_every_builder_has_a_hostile_strategy() -> None:
    public = set(_public_functions())
    missing = public - STRATEGIES.keys() - NOT_SHOWN.keys()
    assert not missing, f"register a hostile-input strategy in {__name__} for: {sorted(missing)}"
    stale = (STRATEGIES.keys() | NOT_SHOWN.keys()) - public
    assert not stale, f"strategies for builders that no longer exist: {sorted(stale)}"
    assert len(STRATEGIES) >= 40  # the discovery itself found the modules


# --- what counts as live -------------------------------------------------------------------------
TOKEN = re.compile(r"<([^<>]*)>")
SAFE_LINK_TARGET = re.compile(r"https://grafana\.test/[^\s<>|`\"]*")
URL_KEYS = {"url", "image_url"}
NEVER_SHOWN_KEYS = {"action_id", "block_id", "callback_id", "value", "private_metadata", "style", "type", "id"}


def assert_inert_mrkdwn(text: str, where: str) -> None:
    for match in TOKEN.finditer(text):
        inner = match.group(1)
        if inner.startswith("@") and SAFE_ID.fullmatch(inner[1:]):
            continue  # a mention edabot wrote for the Slack-id argument
        if inner.startswith("#") and SAFE_CHANNEL.fullmatch(inner[1:]):
            continue  # a channel link edabot wrote for the channel-id argument
        target, bar, _label = inner.partition("|")
        if bar and SAFE_LINK_TARGET.fullmatch(target) and "&" not in target.replace("&amp;", ""):
            continue  # a link to the dashboard URL argument; the label is escaped text
        pytest.fail(f"live token {match.group(0)!r} at {where} in {text!r}")


def assert_safe_output(out: Any, where: str = "$") -> None:
    """Walk a builder's output: strings are mrkdwn (texts, titles, lines), dicts are Block Kit."""
    if isinstance(out, str):
        assert_inert_mrkdwn(out, where)
    elif isinstance(out, list | tuple):
        for i, item in enumerate(out):
            assert_safe_output(item, f"{where}[{i}]")
    elif isinstance(out, dict):
        kind = out.get("type")
        if kind in ("mrkdwn", "plain_text") and "text" in out:
            assert isinstance(out["text"], str)
            if kind == "mrkdwn":
                assert_inert_mrkdwn(out["text"], where)
            # plain_text is shown literally by Slack: nothing in it is ever live.
            return
        for key, value in out.items():
            if key in URL_KEYS:
                assert value is None or SAFE_LINK_TARGET.fullmatch(value), f"URL field {where}.{key} = {value!r}"
            elif key == "alt_text" or key in NEVER_SHOWN_KEYS:
                assert isinstance(value, str), f"{where}.{key}"
            elif key == "text" and isinstance(value, str):
                assert_inert_mrkdwn(value, f"{where}.text")
            else:
                assert_safe_output(value, f"{where}.{key}")
    else:
        assert out is None or isinstance(out, bool | int | float), f"unexpected {type(out)} at {where}"


@pytest.mark.parametrize("builder", sorted(STRATEGIES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_builder_output_carries_a_live_mention_or_link_from_user_text(builder: str, data: st.DataObject) -> None:
    assert_safe_output(data.draw(STRATEGIES[builder], label=builder), builder)


@pytest.mark.parametrize("attack", ATTACKS)
def test_each_attack_is_shown_escaped_where_a_table_name_goes(attack: str) -> None:
    """The notification shows the table name in its fallback text exactly as the table is named."""
    text = notification_builder.notification_text("drc", f"rules{attack}", "alice")
    assert_inert_mrkdwn(text, attack)
    if "<" in attack:
        assert "&lt;" in text


def _mrkdwn_texts(out: Any) -> list[str]:
    if isinstance(out, list):
        return [t for item in out for t in _mrkdwn_texts(item)]
    if isinstance(out, dict):
        if out.get("type") == "mrkdwn":
            return [out["text"]]
        return [t for value in out.values() for t in _mrkdwn_texts(value)]
    return []


def test_a_channel_ping_in_a_rule_name_arrives_as_text() -> None:
    blocks = notification_builder.notification_blocks(
        dashboard_id=7,
        kind="drc",
        table="drc_<!channel>",
        username="alice",
        slack_user_id="U0SAFE0001",
        database="alice_drc",
        grafana_url="https://grafana.test/d/abc",
        figures=[FigureChange("Total <!here>", "12 count", "▲ 3", Verdict.WORSE)],
        top=[
            RuleChange("<!channel>", "9", None, Verdict.NEW),
            RuleChange("`M1.S.1` <@U999>", "3", "▼ 1", Verdict.BETTER),
        ],
        file_id=None,
        problems=[],
    )
    rendered = "\n".join(_mrkdwn_texts(blocks))
    assert "<!" not in rendered and "<@U999>" not in rendered
    assert "`&lt;!channel&gt;` 9" in rendered and "&lt;@U999&gt;" in rendered and "Total &lt;!here&gt;" in rendered
    assert "<@U0SAFE0001>" in rendered, "the owner is still mentioned"


# --- the escapers themselves ---------------------------------------------------------------------
def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@given(hostile)
def test_esc_shows_exactly_what_was_typed_and_nothing_is_live(text: str) -> None:
    escaped = esc(text)
    assert "<" not in escaped and ">" not in escaped
    assert re.fullmatch(r"(?:[^&]|&amp;|&lt;|&gt;)*", escaped, re.DOTALL)
    assert _unescape(escaped) == text, "Slack decodes the three entities: the user sees their text"


@given(hostile)
def test_code_spans_cannot_be_closed_or_broken_by_the_name_inside(text: str) -> None:
    span = code(text)
    assert span.startswith("`") and span.endswith("`") and span.count("`") == 2
    assert "\n" not in span and "\r" not in span and "<" not in span and ">" not in span


@given(urls, hostile)
def test_links_only_to_http_urls_with_nothing_that_ends_the_link(url: str, label: str) -> None:
    made = link(url, label)
    target = safe_url(url)
    if target is None:
        assert made == code(label)
    else:
        assert made.startswith(f"<{esc(target)}|") and made.count("<") == 1 and made.count(">") == 1
        assert not re.search(r"[\s<>|`\"]", target)


@given(slack_ids)
def test_mentions_only_for_well_formed_user_ids(user_id: str) -> None:
    made = mention(user_id)
    assert made == f"<@{user_id}>" if SAFE_ID.fullmatch(user_id) else "<" not in made


@given(channel_ids)
def test_channel_links_only_for_well_formed_channel_ids(channel_id: str) -> None:
    made = channel_link(channel_id)
    assert made == f"<#{channel_id}>" if SAFE_CHANNEL.fullmatch(channel_id) else "<" not in made


# --- the error paths in listeners/reply.py and listeners/errors.py --------------------------------
class _RecordingClient:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def conversations_open(self, **_: Any) -> dict[str, Any]:
        return {"channel": {"id": "D0DM00001"}}

    def chat_postEphemeral(self, **kwargs: Any) -> dict[str, Any]:
        self.sent.append(kwargs)
        return {"ok": True}


@settings(max_examples=80, deadline=None)
@given(message=hostile, reference=maybe_hostile)
def test_error_answers_never_carry_a_live_token(message: str, reference: str | None) -> None:
    from listeners.errors import handle_listener_error
    from listeners.reply import dm_error_reporter, error_reporter

    replies: list[dict[str, Any]] = []
    error_reporter(lambda **kw: replies.append(kw))(message, reference)
    client = _RecordingClient()
    dm_error_reporter(client, "U0SAFE0001", None)(message, reference)  # type: ignore[arg-type]
    handle_listener_error(EdabotError(message), {"user": {"id": "U0SAFE0001"}}, client)  # type: ignore[arg-type]
    assert replies and len(client.sent) == 2
    for sent in [*replies, *client.sent]:
        assert_safe_output(sent.get("text", ""), "text")
        assert_safe_output(sent.get("blocks"), "blocks")
