"""Block Kit checks that Slack's servers apply to messages and views.

Limits are those published on docs.slack.dev (and mirrored by slack_sdk.models, see
shared/notes/slack-platform.md §3). Raw dicts sent by an app are never checked by the SDK, so
this is the only place a test catches e.g. a 25-character modal title before real Slack does.
Problems are rendered the way Slack words them in `response_metadata.messages`:
"[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_VIEW_BYTES = 250_000  # views.* answer view_too_large above this
MAX_ID = 255  # block_id / action_id / callback_id / external_id

SURFACE_MESSAGE = "message"
SURFACE_MODAL = "modal"
SURFACE_HOME = "home"

_TEXT_TYPES = ("plain_text", "mrkdwn")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}$")

# Where each block type may appear (docs.slack.dev/reference/block-kit/blocks).
_BLOCK_SURFACES = {
    "actions": {SURFACE_MESSAGE, SURFACE_MODAL, SURFACE_HOME},
    "context": {SURFACE_MESSAGE, SURFACE_MODAL, SURFACE_HOME},
    "divider": {SURFACE_MESSAGE, SURFACE_MODAL, SURFACE_HOME},
    "file": {SURFACE_MESSAGE},
    "header": {SURFACE_MESSAGE, SURFACE_MODAL, SURFACE_HOME},
    "image": {SURFACE_MESSAGE, SURFACE_MODAL, SURFACE_HOME},
    "input": {SURFACE_MODAL, SURFACE_HOME},
    "markdown": {SURFACE_MESSAGE},
    "rich_text": {SURFACE_MESSAGE, SURFACE_MODAL, SURFACE_HOME},
    "section": {SURFACE_MESSAGE, SURFACE_MODAL, SURFACE_HOME},
    "video": {SURFACE_MESSAGE, SURFACE_MODAL, SURFACE_HOME},
    "call": {SURFACE_MESSAGE},
    "table": {SURFACE_MESSAGE},
    "context_actions": {SURFACE_MESSAGE},
}

_SELECTS = {
    "static_select", "external_select", "users_select", "conversations_select", "channels_select",
    "multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select",
    "multi_channels_select",
}  # fmt: skip
_PICKERS = {"datepicker", "timepicker", "datetimepicker"}
_CHOICES = {"checkboxes", "radio_buttons"}
_INPUT_ONLY = {
    "plain_text_input", "email_text_input", "url_text_input", "number_input", "file_input", "rich_text_input",
}  # fmt: skip
_ACTIONS_ELEMENTS = {"button", "overflow", "workflow_button", "feedback_buttons", "icon_button"} | (
    _SELECTS | _PICKERS | _CHOICES
)
_SECTION_ACCESSORIES = {"button", "overflow", "image", "workflow_button"} | _SELECTS | _PICKERS | _CHOICES
_INPUT_ELEMENTS = _INPUT_ONLY | _SELECTS | _PICKERS | _CHOICES


@dataclass(frozen=True)
class Problem:
    pointer: str
    message: str

    def render(self) -> str:
        return f"[ERROR] {self.message} [json-pointer:{self.pointer}]"


def parse_json_arg(value: Any) -> Any:
    """Form bodies carry blocks/views as JSON strings; JSON bodies carry them as objects."""
    if isinstance(value, (str, bytes)):
        return json.loads(value)
    return value


def check_message_blocks(blocks: Any, pointer: str = "/blocks") -> list[Problem]:
    checker = _Checker(SURFACE_MESSAGE)
    checker.blocks(blocks, pointer, MAX_MESSAGE_BLOCKS)
    return checker.problems


def check_view(view: Any, pointer: str = "/view", *, expected_type: str | None = None) -> list[Problem]:
    if not isinstance(view, dict):
        return [Problem(pointer, "must be a JSON object")]
    view_type = view.get("type")
    if expected_type is not None and view_type != expected_type:
        return [Problem(f"{pointer}/type", f"must be {expected_type!r}")]
    if view_type not in (SURFACE_MODAL, SURFACE_HOME):
        return [Problem(f"{pointer}/type", "must be one of 'modal', 'home'")]
    checker = _Checker(view_type)
    if view_type == SURFACE_MODAL:
        checker.text(view.get("title"), f"{pointer}/title", max_len=24, plain_only=True)
        checker.text(view.get("submit"), f"{pointer}/submit", max_len=24, plain_only=True, required=False)
        checker.text(view.get("close"), f"{pointer}/close", max_len=24, plain_only=True, required=False)
    checker.string(view.get("private_metadata"), f"{pointer}/private_metadata", 3000)
    checker.string(view.get("callback_id"), f"{pointer}/callback_id", MAX_ID)
    checker.string(view.get("external_id"), f"{pointer}/external_id", MAX_ID)
    for flag in ("clear_on_close", "notify_on_close", "submit_disabled"):
        if flag in view and not isinstance(view[flag], bool):
            checker.add(f"{pointer}/{flag}", "must be a boolean")
    blocks = view.get("blocks")
    checker.blocks(blocks, f"{pointer}/blocks", MAX_VIEW_BLOCKS)
    has_input = isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if view_type == SURFACE_MODAL and has_input and not view.get("submit"):
        checker.add(f"{pointer}/submit", "submit is required when an input block is present")
    return checker.problems


def view_size(view: Any) -> int:
    return len(json.dumps(view, separators=(",", ":")).encode("utf-8"))


def iter_elements(blocks: Iterable[Any]) -> Iterable[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) pairs for every interactive element, in display order."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "actions":
            for element in block.get("elements") or ():
                if isinstance(element, dict):
                    yield block, element
        elif kind == "section" and isinstance(block.get("accessory"), dict):
            yield block, block["accessory"]
        elif kind == "input" and isinstance(block.get("element"), dict):
            yield block, block["element"]


def assign_missing_ids(blocks: Any, new_block_id: Callable[[], str], new_action_id: Callable[[], str]) -> Any:
    """Slack stores blocks with generated block_id/action_id where the app sent none.

    Doing the same here means a product that relies on ids it never set sees random ids in
    payloads, exactly as it would in production.
    """
    if not isinstance(blocks, list):
        return blocks
    out = json.loads(json.dumps(blocks))
    for block in out:
        if isinstance(block, dict) and "block_id" not in block:
            block["block_id"] = new_block_id()
    for _block, element in iter_elements(out):
        if element.get("type") != "image" and "action_id" not in element:
            element["action_id"] = new_action_id()
    return out


class _Checker:
    def __init__(self, surface: str) -> None:
        self.surface = surface
        self.problems: list[Problem] = []
        self._block_ids: set[str] = set()

    def add(self, pointer: str, message: str) -> None:
        self.problems.append(Problem(pointer, message))

    # ---- primitives ---------------------------------------------------------------------

    def string(self, value: Any, pointer: str, max_len: int, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.add(pointer, "missing required field")
            return
        if not isinstance(value, str):
            self.add(pointer, "must be a string")
        elif len(value) > max_len:
            self.add(pointer, f"must be less than {max_len + 1} characters")

    def text(self, obj: Any, pointer: str, *, max_len: int, plain_only: bool = False, required: bool = True) -> None:
        if obj is None:
            if required:
                self.add(pointer, "missing required field")
            return
        if not isinstance(obj, dict):
            self.add(pointer, "must be a text object")
            return
        kind = obj.get("type")
        if kind not in _TEXT_TYPES:
            self.add(f"{pointer}/type", "must be one of 'plain_text', 'mrkdwn'")
        elif plain_only and kind != "plain_text":
            self.add(f"{pointer}/type", "must be 'plain_text'")
        value = obj.get("text")
        if not isinstance(value, str):
            self.add(f"{pointer}/text", "must be a string")
        elif not value:
            self.add(f"{pointer}/text", "must be more than 0 characters")
        elif len(value) > max_len:
            self.add(f"{pointer}/text", f"must be less than {max_len + 1} characters")
        if kind == "mrkdwn" and "emoji" in obj:
            self.add(f"{pointer}/emoji", "emoji is only allowed on plain_text")

    def block_id(self, block: dict[str, Any], pointer: str) -> None:
        if "block_id" not in block:
            return
        value = block["block_id"]
        self.string(value, f"{pointer}/block_id", MAX_ID)
        if isinstance(value, str):
            if value in self._block_ids:
                self.add(f"{pointer}/block_id", f"duplicate block_id {value!r}")
            self._block_ids.add(value)

    # ---- blocks -------------------------------------------------------------------------

    def blocks(self, blocks: Any, pointer: str, limit: int) -> None:
        if blocks is None:
            if self.surface != SURFACE_MESSAGE:
                self.add(pointer, "missing required field")
            return
        if not isinstance(blocks, list):
            self.add(pointer, "must be an array")
            return
        if len(blocks) > limit:
            self.add(pointer, f"must contain at most {limit} items (got {len(blocks)})")
        for i, block in enumerate(blocks):
            self.block(block, f"{pointer}/{i}")

    def block(self, block: Any, pointer: str) -> None:
        if not isinstance(block, dict):
            self.add(pointer, "must be a JSON object")
            return
        kind = block.get("type")
        surfaces = _BLOCK_SURFACES.get(kind) if isinstance(kind, str) else None
        if surfaces is None:
            self.add(f"{pointer}/type", f"unsupported block type {kind!r}")
            return
        if self.surface not in surfaces:
            self.add(f"{pointer}/type", f"{kind} blocks are not allowed in a {self.surface}")
        self.block_id(block, pointer)
        handler = getattr(self, f"_block_{kind}", None)
        if handler is not None:
            handler(block, pointer)

    def _block_section(self, block: dict[str, Any], pointer: str) -> None:
        fields = block.get("fields")
        self.text(block.get("text"), f"{pointer}/text", max_len=3000, required=fields is None)
        if fields is not None:
            if not isinstance(fields, list) or not fields:
                self.add(f"{pointer}/fields", "must be a non-empty array")
            else:
                if len(fields) > 10:
                    self.add(f"{pointer}/fields", f"must contain at most 10 items (got {len(fields)})")
                for i, field in enumerate(fields):
                    self.text(field, f"{pointer}/fields/{i}", max_len=2000)
        accessory = block.get("accessory")
        if accessory is not None:
            self.element(accessory, f"{pointer}/accessory", _SECTION_ACCESSORIES, set())

    def _block_header(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("text"), f"{pointer}/text", max_len=150, plain_only=True)

    def _block_image(self, block: dict[str, Any], pointer: str) -> None:
        self.image_source(block, pointer)
        self.string(block.get("alt_text"), f"{pointer}/alt_text", 2000, required=True)
        self.text(block.get("title"), f"{pointer}/title", max_len=2000, plain_only=True, required=False)

    def _block_actions(self, block: dict[str, Any], pointer: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.add(f"{pointer}/elements", "must be a non-empty array")
            return
        if len(elements) > 25:
            self.add(f"{pointer}/elements", f"must contain at most 25 items (got {len(elements)})")
        action_ids: set[str] = set()
        for i, element in enumerate(elements):
            self.element(element, f"{pointer}/elements/{i}", _ACTIONS_ELEMENTS, action_ids)

    def _block_context(self, block: dict[str, Any], pointer: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.add(f"{pointer}/elements", "must be a non-empty array")
            return
        if len(elements) > 10:
            self.add(f"{pointer}/elements", f"must contain at most 10 items (got {len(elements)})")
        for i, element in enumerate(elements):
            sub = f"{pointer}/elements/{i}"
            if isinstance(element, dict) and element.get("type") == "image":
                self.image_source(element, sub)
                self.string(element.get("alt_text"), f"{sub}/alt_text", 2000, required=True)
            else:
                self.text(element, sub, max_len=3000)

    def _block_input(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("label"), f"{pointer}/label", max_len=2000, plain_only=True)
        self.text(block.get("hint"), f"{pointer}/hint", max_len=2000, plain_only=True, required=False)
        element = block.get("element")
        if element is None:
            self.add(f"{pointer}/element", "missing required field")
        else:
            self.element(element, f"{pointer}/element", _INPUT_ELEMENTS, set(), in_input=True)
        if "optional" in block and not isinstance(block["optional"], bool):
            self.add(f"{pointer}/optional", "must be a boolean")

    def _block_markdown(self, block: dict[str, Any], pointer: str) -> None:
        self.string(block.get("text"), f"{pointer}/text", 12000, required=True)

    def _block_rich_text(self, block: dict[str, Any], pointer: str) -> None:
        if not isinstance(block.get("elements"), list):
            self.add(f"{pointer}/elements", "must be an array")

    def _block_video(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("title"), f"{pointer}/title", max_len=200, plain_only=True)
        self.string(block.get("alt_text"), f"{pointer}/alt_text", 2000, required=True)
        for key in ("video_url", "thumbnail_url"):
            self.string(block.get(key), f"{pointer}/{key}", 3000, required=True)

    def image_source(self, obj: dict[str, Any], pointer: str) -> None:
        if "slack_file" in obj:
            return
        self.string(obj.get("image_url"), f"{pointer}/image_url", 3000, required=True)

    # ---- elements -----------------------------------------------------------------------

    def element(
        self, element: Any, pointer: str, allowed: set[str], action_ids: set[str], *, in_input: bool = False
    ) -> None:
        if not isinstance(element, dict):
            self.add(pointer, "must be a JSON object")
            return
        kind = element.get("type")
        if kind not in allowed:
            where = "input blocks" if in_input else "this block"
            if kind in _INPUT_ONLY:
                self.add(f"{pointer}/type", f"{kind} is only allowed in input blocks")
            else:
                self.add(f"{pointer}/type", f"unsupported element type {kind!r} in {where}")
            return
        if "action_id" in element:
            action_id = element["action_id"]
            self.string(action_id, f"{pointer}/action_id", MAX_ID)
            if isinstance(action_id, str):
                if action_id in action_ids:
                    self.add(f"{pointer}/action_id", f"duplicate action_id {action_id!r} in this block")
                action_ids.add(action_id)
        if "confirm" in element:
            self.confirm(element["confirm"], f"{pointer}/confirm")
        self.text(element.get("placeholder"), f"{pointer}/placeholder", max_len=150, plain_only=True, required=False)
        if kind == "button":
            self._button(element, pointer)
        elif kind == "workflow_button":
            self.text(element.get("text"), f"{pointer}/text", max_len=75, plain_only=True)
        elif kind == "image":
            self.image_source(element, pointer)
            self.string(element.get("alt_text"), f"{pointer}/alt_text", 2000, required=True)
        elif kind in ("static_select", "multi_static_select"):
            self._static_select(element, pointer)
        elif kind == "overflow":
            self.options(element.get("options"), f"{pointer}/options", min_items=1, max_items=5, plain_only=True)
        elif kind in _CHOICES:
            options = element.get("options")
            self.options(options, f"{pointer}/options", min_items=1, max_items=10, plain_only=False)
            self.initial_options(element, pointer, options)
        elif kind == "plain_text_input":
            self._plain_text_input(element, pointer)
        elif kind in _PICKERS:
            self._picker(element, pointer)
        if kind in _SELECTS and kind.startswith("multi_") and "max_selected_items" in element:
            value = element["max_selected_items"]
            if not isinstance(value, int) or value < 1:
                self.add(f"{pointer}/max_selected_items", "must be an integer >= 1")

    def _picker(self, element: dict[str, Any], pointer: str) -> None:
        date, clock = element.get("initial_date"), element.get("initial_time")
        if date is not None and not _DATE.match(str(date)):
            self.add(f"{pointer}/initial_date", "must be in the format YYYY-MM-DD")
        if clock is not None and not _TIME.match(str(clock)):
            self.add(f"{pointer}/initial_time", "must be in the format HH:mm")

    def _button(self, element: dict[str, Any], pointer: str) -> None:
        self.text(element.get("text"), f"{pointer}/text", max_len=75, plain_only=True)
        self.string(element.get("value"), f"{pointer}/value", 2000)
        self.string(element.get("url"), f"{pointer}/url", 3000)
        self.string(element.get("accessibility_label"), f"{pointer}/accessibility_label", 75)
        if "style" in element and element["style"] not in ("primary", "danger"):
            self.add(f"{pointer}/style", "must be one of 'primary', 'danger'")

    def _static_select(self, element: dict[str, Any], pointer: str) -> None:
        options = element.get("options")
        groups = element.get("option_groups")
        if (options is None) == (groups is None):
            self.add(pointer, "exactly one of options or option_groups is required")
            return
        if options is not None:
            self.options(options, f"{pointer}/options", min_items=1, max_items=100, plain_only=True)
            all_options = options if isinstance(options, list) else []
        else:
            all_options = []
            if not isinstance(groups, list) or not groups:
                self.add(f"{pointer}/option_groups", "must be a non-empty array")
                return
            if len(groups) > 100:
                self.add(f"{pointer}/option_groups", f"must contain at most 100 items (got {len(groups)})")
            for i, group in enumerate(groups):
                sub = f"{pointer}/option_groups/{i}"
                if not isinstance(group, dict):
                    self.add(sub, "must be a JSON object")
                    continue
                self.text(group.get("label"), f"{sub}/label", max_len=75, plain_only=True)
                self.options(group.get("options"), f"{sub}/options", min_items=1, max_items=100, plain_only=True)
                if isinstance(group.get("options"), list):
                    all_options.extend(group["options"])
        self.initial_options(element, pointer, all_options)

    def _plain_text_input(self, element: dict[str, Any], pointer: str) -> None:
        min_len = element.get("min_length")
        max_len = element.get("max_length")
        if min_len is not None and (not isinstance(min_len, int) or not 0 <= min_len <= 3000):
            self.add(f"{pointer}/min_length", "must be an integer between 0 and 3000")
        if max_len is not None and (not isinstance(max_len, int) or not 1 <= max_len <= 3000):
            self.add(f"{pointer}/max_length", "must be an integer between 1 and 3000")
        if isinstance(min_len, int) and isinstance(max_len, int) and min_len > max_len:
            self.add(f"{pointer}/min_length", "must not be greater than max_length")
        initial = element.get("initial_value")
        if initial is not None:
            self.string(initial, f"{pointer}/initial_value", max_len if isinstance(max_len, int) else 3000)

    def options(self, options: Any, pointer: str, *, min_items: int, max_items: int, plain_only: bool) -> None:
        if not isinstance(options, list) or len(options) < min_items:
            self.add(pointer, f"must be an array with at least {min_items} item(s)")
            return
        if len(options) > max_items:
            self.add(pointer, f"must contain at most {max_items} items (got {len(options)})")
        for i, option in enumerate(options):
            sub = f"{pointer}/{i}"
            if not isinstance(option, dict):
                self.add(sub, "must be a JSON object")
                continue
            self.text(option.get("text"), f"{sub}/text", max_len=75, plain_only=plain_only)
            self.string(option.get("value"), f"{sub}/value", 150, required=True)
            self.text(
                option.get("description"), f"{sub}/description", max_len=75, plain_only=plain_only, required=False
            )
            self.string(option.get("url"), f"{sub}/url", 3000)

    def initial_options(self, element: dict[str, Any], pointer: str, options: Any) -> None:
        """Slack rejects an initial option that is not one of the element's options."""
        values = {o.get("value") for o in options if isinstance(o, dict)} if isinstance(options, list) else set()
        chosen: list[tuple[str, Any]] = []
        if isinstance(element.get("initial_option"), dict):
            chosen.append(("initial_option", element["initial_option"]))
        if isinstance(element.get("initial_options"), list):
            chosen.extend((f"initial_options/{i}", o) for i, o in enumerate(element["initial_options"]))
        for key, option in chosen:
            if not isinstance(option, dict) or option.get("value") not in values:
                self.add(f"{pointer}/{key}", "must match one of the provided options")

    def confirm(self, confirm: Any, pointer: str) -> None:
        if not isinstance(confirm, dict):
            self.add(pointer, "must be a JSON object")
            return
        self.text(confirm.get("title"), f"{pointer}/title", max_len=100, plain_only=True)
        self.text(confirm.get("text"), f"{pointer}/text", max_len=300)
        self.text(confirm.get("confirm"), f"{pointer}/confirm", max_len=30, plain_only=True)
        self.text(confirm.get("deny"), f"{pointer}/deny", max_len=30, plain_only=True)
        if "style" in confirm and confirm["style"] not in ("primary", "danger"):
            self.add(f"{pointer}/style", "must be one of 'primary', 'danger'")
