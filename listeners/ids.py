"""Every Slack action_id, callback_id and block_id the app uses, in one place."""

from __future__ import annotations

from enum import StrEnum


class CallbackId(StrEnum):
    CREDS_LIST = "edabot_creds_list"
    CREDS_SET = "edabot_creds_set"
    USER_DELETE = "edabot_user_delete"
    LOADING = "edabot_loading"


class ActionId(StrEnum):
    CREDS_ADD = "edabot_creds_add"
    CREDS_ROW_MENU = "edabot_creds_row_menu"
    CREDS_KEY_INPUT = "edabot_creds_key_input"
    CREDS_VALUE_INPUT = "edabot_creds_value_input"
    USER_DELETE_DATA_CHOICE = "edabot_user_delete_data_choice"
    HOME_OPEN_CREDS = "edabot_home_open_creds"
    HOME_ROTATE_KEY = "edabot_home_rotate_key"
    HOME_REFRESH = "edabot_home_refresh"
    # One per series on App Home; its value is a SeriesToggle (kind, series, mute or not), never a user.
    HOME_SERIES_MUTE_TOGGLE = "edabot_home_series_mute_toggle"
    OPEN_DASHBOARD_LINK = "edabot_open_dashboard_link"
    REFRESH_PREVIEW = "edabot_refresh_preview"
    MUTE_DASHBOARD = "edabot_mute_dashboard"
    UNMUTE_DASHBOARD = "edabot_unmute_dashboard"
    PROCESS_DEFERRED = "edabot_process_deferred"


class BlockId(StrEnum):
    CREDS_KEY = "edabot_creds_key"
    CREDS_VALUE = "edabot_creds_value"
    USER_DELETE_DATA = "edabot_user_delete_data"
    HOME_ACTIONS = "edabot_home_actions"
    CREDS_ACTIONS = "edabot_creds_actions"
    HOME_SERIES = "edabot_home_series"  # prefix: one section per series, numbered


class MessageMetadata(StrEnum):
    DASHBOARD_EVENT = "edabot_dashboard"
    DEFERRED_EVENT = "edabot_deferred"


class CredsRowAction(StrEnum):
    """Values of the overflow menu next to each credential: '<action>:<KEY>'."""

    UPDATE = "update"
    DELETE = "delete"
    REVEAL = "reveal"


class DeleteDataChoice(StrEnum):
    KEEP = "keep"
    DROP = "drop"
