"""What users do in Slack, turned into Socket Mode envelopes (a mixin of SlackSimulator)."""

from __future__ import annotations

import copy
from typing import Any

from . import payloads, responses, views
from .api_conversations import ensure_im
from .blockkit import iter_elements
from .context import SimContext
from .delivery import Delivery
from .filestore import file_meta, share, shared_copy
from .interactions import build_action, build_state_values
from .workspace import StoredFile


class UserActions:
    """send_slash_command, click_button, submit_view, … ; each returns the resulting Delivery.

    Needs `_ctx` and `_deliver` from the class it is mixed into.
    """

    _ctx: SimContext

    def _deliver(self, delivery: Delivery) -> Delivery:
        raise NotImplementedError

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        is_admin: bool = False,
        email: str | None = None,
        team_id: str | None = None,
        is_stranger: bool = False,
        enterprise_id: str | None = None,
    ) -> dict[str, Any]:
        """A member of this workspace; with team_id / is_stranger / enterprise_id, a Slack Connect user
        from another organisation (as users.info describes them)."""
        return self._ctx.ws.add_user(
            user_id,
            name or user_id.lower(),
            is_admin=is_admin,
            email=email,
            team_id=team_id,
            is_stranger=is_stranger,
            enterprise_id=enterprise_id,
        )

    def set_member(self, channel_id: str, user_id: str, member: bool = True) -> None:
        """The user joins (or, with member=False, leaves) a channel; conversations.members follows."""
        self._channel(channel_id)
        self._ctx.ws.set_membership(channel_id, user_id, member=member)

    def im_channel(self, user_id: str) -> str:
        """The bot's DM channel with the user (created if needed)."""
        self._ensure_user(user_id)
        return ensure_im(self._ctx, user_id)

    def _ensure_user(self, user_id: str) -> dict[str, Any]:
        with self._ctx.ws.lock:
            user = self._ctx.ws.users.get(user_id)
        return user if user is not None else self.add_user(user_id)

    def _channel(self, channel_id: str) -> dict[str, Any]:
        with self._ctx.ws.lock:
            channel = self._ctx.ws.channels.get(channel_id)
        if channel is None:
            raise ValueError(f"unknown channel {channel_id}; add_channel() it first")
        return channel

    def send_slash_command(
        self,
        user_id: str,
        text: str = "",
        command: str = "/eda",
        channel_id: str | None = None,
        *,
        team_id: str | None = None,
    ) -> Delivery:
        """`team_id` overrides the payload's workspace (a command arriving from another team)."""
        ctx = self._ctx
        user = self._ensure_user(user_id)
        channel = self._channel(channel_id or self.im_channel(user_id))
        trigger_id = views.issue_trigger(ctx, user_id, channel["id"])
        record = responses.register(ctx, user_id, channel["id"])
        payload = payloads.slash_command(
            ctx,
            user=user,
            channel=channel,
            command=command,
            text=text,
            response_url=record.url,
            trigger_id=trigger_id,
            team_id=team_id,
        )
        delivery = Delivery(
            payloads.SLASH_COMMANDS, payload, accepts_response_payload=True, user_id=user_id, channel_id=channel["id"]
        )
        return self._deliver(delivery)

    def click_button(
        self,
        user_id: str,
        action_id: str,
        value: Any = None,
        block_id: str | None = None,
        *,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | str | None = None,
        channel_id: str | None = None,
    ) -> Delivery:
        """Interact with an element (button, select, overflow …) of a stored message or view."""
        if (message is None) == (view is None):
            raise ValueError("pass exactly one of message= or view=")
        ctx = self._ctx
        user = self._ensure_user(user_id)
        with ctx.ws.lock:
            trigger_id = views.issue_trigger(ctx, user_id, channel_id)
            if view is not None:
                view_id = view if isinstance(view, str) else str(view["id"])
                stored_view = ctx.ws.views.get(view_id)
                if stored_view is None:
                    raise ValueError(f"unknown view {view_id}")
                block, element = _find_element(stored_view.get("blocks") or [], action_id, block_id)
                payload = payloads.block_actions(
                    ctx,
                    user=user,
                    action=build_action(block, element, value, ctx.ids.new_ts()),
                    trigger_id=trigger_id,
                    container={"type": "view", "view_id": view_id},
                    view=stored_view,
                )
                context: dict[str, Any] = {"user_id": user_id, "view_id": view_id}
            else:
                assert message is not None
                payload, context = self._message_action(
                    user, message, action_id, value, block_id, channel_id, trigger_id
                )
        return self._deliver(Delivery(payloads.INTERACTIVE, payload, accepts_response_payload=False, **context))

    def _message_action(
        self,
        user: dict[str, Any],
        message: dict[str, Any],
        action_id: str,
        value: Any,
        block_id: str | None,
        channel_id: str | None,
        trigger_id: str,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        ctx = self._ctx
        channel_ref = channel_id or message.get("channel")
        if not channel_ref or "ts" not in message:
            raise ValueError("message= needs a 'ts' and a channel (pass channel_id= or include 'channel')")
        channel = self._channel(str(channel_ref))
        ts = str(message["ts"])
        stored = ctx.ws.get_message(channel["id"], ts)
        ephemeral = None
        if stored is None:
            ephemeral = next(
                (e for e in ctx.ws.ephemerals if e.get("ts") == ts and e.get("channel") == channel["id"]), None
            )
            if ephemeral is None or ephemeral.get("user") != user["id"]:
                raise ValueError(f"no message {ts} in {channel['id']} visible to {user['id']}")
        shown = stored if stored is not None else ephemeral
        assert shown is not None
        block, element = _find_element(shown.get("blocks") or [], action_id, block_id)
        container = {"type": "message", "message_ts": ts, "channel_id": channel["id"], "is_ephemeral": stored is None}
        record = responses.register(
            ctx,
            user["id"],
            channel["id"],
            source=(channel["id"], ts) if stored is not None else None,
            original=copy.deepcopy(shown),
        )
        payload = payloads.block_actions(
            ctx,
            user=user,
            action=build_action(block, element, value, ctx.ids.new_ts()),
            trigger_id=trigger_id,
            container=container,
            channel=channel,
            # Slack includes the message for channel messages; ephemeral ones are not sent back.
            message=stored,
            response_url=record.url,
        )
        return payload, {"user_id": user["id"], "channel_id": channel["id"]}

    def submit_view(self, user_id: str, view_id: str, values: dict[str, dict[str, Any]] | None = None) -> Delivery:
        """Submit the user's top modal with the given input values (strings or state dicts)."""
        ctx = self._ctx
        user = self._ensure_user(user_id)
        with ctx.ws.lock:
            stack = ctx.ws.modal_stacks.get(user_id) or []
            if not stack or stack[-1] != view_id:
                raise ValueError(f"view {view_id} is not the modal {user_id} is looking at (stack {stack})")
            view = ctx.ws.views[view_id]
            if not view.get("submit"):
                raise ValueError(f"view {view_id} has no submit button; a user cannot submit it")
            view["state"] = {"values": build_state_values(view, values or {})}
            payload = payloads.view_submission(ctx, user=user, view=view, trigger_id=views.issue_trigger(ctx, user_id))
        delivery = Delivery(
            payloads.INTERACTIVE, payload, accepts_response_payload=True, user_id=user_id, view_id=view_id
        )
        return self._deliver(delivery)

    def close_view(self, user_id: str, view_id: str, *, clear: bool = False) -> Delivery | None:
        """The user closes a modal; Slack sends view_closed only if notify_on_close is set."""
        ctx = self._ctx
        user = self._ensure_user(user_id)
        with ctx.ws.lock:
            view = ctx.ws.views.get(view_id)
            if view is None or view_id not in (ctx.ws.modal_stacks.get(user_id) or []):
                raise ValueError(f"view {view_id} is not open for {user_id}")
            views.close_modal(ctx, user_id, view_id, clear=clear)
            if not view.get("notify_on_close"):
                return None
            payload = payloads.view_closed(ctx, user=user, view=view, is_cleared=clear)
        return self._deliver(Delivery(payloads.INTERACTIVE, payload, accepts_response_payload=False, user_id=user_id))

    def new_trigger_id(self, user_id: str) -> str:
        """A trigger_id as a user interaction would produce one (valid 3 s, single use)."""
        self._ensure_user(user_id)
        return views.issue_trigger(self._ctx, user_id)

    def send_shortcut(self, user_id: str, callback_id: str) -> Delivery:
        """The user runs a global shortcut."""
        user = self._ensure_user(user_id)
        payload = payloads.shortcut(
            self._ctx, user=user, callback_id=callback_id, trigger_id=views.issue_trigger(self._ctx, user_id)
        )
        return self._deliver(Delivery(payloads.INTERACTIVE, payload, accepts_response_payload=False, user_id=user_id))

    def open_app_home(self, user_id: str, tab: str = "home") -> Delivery:
        self._ensure_user(user_id)
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.im_channel(user_id),
            "tab": tab,
        }
        with self._ctx.ws.lock:
            home_id = self._ctx.ws.home_views.get(user_id)
            if tab == "home" and home_id is not None:
                event["view"] = copy.deepcopy(self._ctx.ws.views[home_id])
        return self.send_event(event)

    def send_event(self, event: dict[str, Any], *, team_id: str | None = None) -> Delivery:
        """Deliver an Events API event; message events are also stored in the channel history.

        `team_id` overrides the envelope's workspace (an event arriving from another team)."""
        ctx = self._ctx
        event = copy.deepcopy(event)
        kind = event.get("type")
        if not isinstance(kind, str):
            raise ValueError("event needs a 'type'")
        problem = ctx.catalogue.check_event(kind, event.get("subtype"))
        if problem is not None:
            raise ValueError(problem)
        ts = ctx.ids.new_ts()
        if kind == "message":
            event.setdefault("ts", ts)
            self._store_event_message(event)
        event.setdefault("event_ts", event.get("ts", ts))
        payload = payloads.event_callback(ctx, event, ctx.ids.new_id("Ev"), team_id=team_id)
        return self._deliver(Delivery(payloads.EVENTS_API, payload, accepts_response_payload=False))

    def _store_event_message(self, event: dict[str, Any]) -> None:
        with self._ctx.ws.lock:
            channel = self._ctx.ws.channels.get(str(event.get("channel", "")))
            if channel is None:
                return
            if "channel_type" not in event:
                event["channel_type"] = (
                    "im" if channel.get("is_im") else "mpim" if channel.get("is_mpim")
                    else "group" if channel.get("is_private") else "channel"
                )  # fmt: skip
            if self._ctx.ws.get_message(channel["id"], event["ts"]) is None:
                stored = {k: v for k, v in event.items() if k not in ("channel", "channel_type", "event_ts")}
                self._ctx.ws.store_message(channel["id"], stored)

    def add_file(
        self,
        user_id: str,
        name: str,
        content: bytes,
        channel: str | None = None,
        *,
        title: str | None = None,
        text: str = "",
    ) -> dict[str, Any]:
        """A file uploaded by a user (optionally shared into `channel`, which posts the message)."""
        ctx = self._ctx
        self._ensure_user(user_id)
        with ctx.ws.lock:
            file_id = ctx.ids.new_id("F")
            meta = file_meta(ctx, file_id, name, title=title, size=len(content), user=user_id)
            stored = StoredFile(meta=meta, content=content, declared_length=len(content), uploaded=True, completed=True)
            ctx.ws.files[file_id] = stored
            if channel is not None:
                target = self._channel(channel)
                ts = ctx.ids.new_ts()
                message = {
                    "type": "message", "subtype": "file_share", "text": text, "files": [shared_copy(meta)],
                    "upload": True, "user": user_id, "display_as_bot": False, "ts": ts,
                }  # fmt: skip
                ctx.ws.store_message(target["id"], message)
                share(ctx, stored, target, ts)
            return copy.deepcopy(meta)

    def send_dm_file(self, user_id: str, name: str, content: bytes, text: str = "") -> Delivery:
        """A user drops a file into their DM with the bot: file + `message`/`file_share` event."""
        channel = self.im_channel(user_id)
        meta = self.add_file(user_id, name, content, channel, text=text)
        with self._ctx.ws.lock:
            ts = meta["shares"]["private"][channel][0]["ts"]
            message = copy.deepcopy(self._ctx.ws.get_message(channel, ts))
        assert message is not None
        event = {**message, "channel": channel, "channel_type": "im", "event_ts": ts}
        return self.send_event(event)


def _find_element(blocks: list[Any], action_id: str, block_id: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    for block, element in iter_elements(blocks):
        if element.get("action_id") == action_id and (block_id is None or block.get("block_id") == block_id):
            return block, element
    raise ValueError(f"no element with action_id {action_id!r}" + (f" in block {block_id!r}" if block_id else ""))
