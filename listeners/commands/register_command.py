"""`/eda register [username]` and `/eda user create <username> <@user>`: live progress, then the result."""

from __future__ import annotations

from core.authz import require_admin
from core.errors import InvalidInput
from core.registration import Progress, StepState
from core.usecases import accounts
from listeners.blocks.account_builder import (
    account_created_blocks,
    account_creation_title,
    account_ready_blocks,
    created_text,
    registered_blocks,
    registered_text,
)
from listeners.blocks.progress_builder import failure_blocks, progress_blocks
from listeners.commands.mentions import slack_user_id
from listeners.commands.request import CommandRequest
from listeners.reply import DirectMessageReply
from listeners.workspace import require_workspace_member

# Progress goes through response_url, which takes five posts: show the start of these steps only.
SHOWN_STEPS = frozenset({"account", "databases", "grafana"})


def _progress_poster(req: CommandRequest, title: str) -> tuple[object, list[Progress]]:
    last: list[Progress] = []

    def on_progress(progress: Progress) -> None:
        last[:] = [progress]
        running = next((s for s in progress.steps if s.state is StepState.RUNNING), None)
        if running is not None and running.key in SHOWN_STEPS:
            req.reply(text=title, blocks=progress_blocks(title, progress), replace=True, final=False)

    return on_progress, last


def register(req: CommandRequest) -> None:
    wanted = req.args[0] if req.args else None

    def job() -> None:
        require_workspace_member(req.client, req.user_id)
        actor = req.actor()
        title = "Registering your account"
        on_progress, last = _progress_poster(req, title)
        try:
            result = accounts.register(
                ctx=req.services.core,
                actor=actor,
                slack_user_id=req.user_id,
                username=wanted,
                on_progress=on_progress,  # type: ignore[arg-type]
            )
        except Exception as exc:
            if last:  # show where it stopped; the error itself is reported by BackgroundWork
                req.reply(text=title, blocks=failure_blocks(title, last[0], "Stopped."), replace=True, final=False)
            raise exc
        req.answer(registered_text(result.username), registered_blocks(req.command, result, last[0]), replace=True)

    req.in_background("registering your account", job)


def create_for_other(req: CommandRequest) -> None:
    username, mention = req.args

    def job() -> None:
        actor = req.actor()
        # Refused before the mention is parsed or Slack is asked about the person: the use case decides again.
        require_admin(actor, "create accounts for other people")
        target = slack_user_id(mention)
        if target is None:
            raise InvalidInput("The second word must mention a Slack user, like `@alice`.")
        require_workspace_member(req.client, target, whose="That person's")
        title = account_creation_title(username, target)
        on_progress, last = _progress_poster(req, title)
        result = accounts.create_for(
            ctx=req.services.core,
            actor=actor,
            username=username,
            slack_user_id=target,
            on_progress=on_progress,  # type: ignore[arg-type]
        )
        # The API key belongs to the new user: it is not shown to the admin; they issue their own.
        DirectMessageReply(req.client, target)(
            text="Your edabot account is ready",
            blocks=account_ready_blocks(req.command, username=result.username, created_by=req.user_id),
        )
        blocks = [*progress_blocks(title, last[0]), *account_created_blocks(target)]
        req.answer(created_text(result.username), blocks, replace=True)

    req.in_background("creating the account", job)
