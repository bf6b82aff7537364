"""`/eda user list|show|delete`: account details for admins and for oneself."""

from __future__ import annotations

from core.db.provisioning import database_names
from core.usecases import accounts
from listeners.blocks.account_builder import user_blocks, user_list_blocks, user_text
from listeners.blocks.creds_builder import loading_modal, message_modal
from listeners.blocks.user_delete_builder import delete_user_modal
from listeners.commands.request import CommandRequest
from listeners.reply import error_reporter


def list_users(req: CommandRequest) -> None:
    def job() -> None:
        summaries = accounts.list_all(ctx=req.services.core, actor=req.actor())
        req.answer(f"{len(summaries)} users", user_list_blocks(summaries))

    req.in_background("listing users", job)


def show_user(req: CommandRequest) -> None:
    def job() -> None:
        summary = accounts.show(ctx=req.services.core, actor=req.actor(), username=req.args[0] if req.args else None)
        req.answer(user_text(summary.username), user_blocks(summary, database_names(summary.username)))

    req.in_background("showing the account", job)


def delete_user(req: CommandRequest) -> None:
    """Open the confirmation modal at once (the trigger expires in 3 s), then fill it in."""
    username = req.args[0]
    opened = req.client.views_open(trigger_id=req.trigger_id, view=loading_modal("Delete user"))
    view_id = str(opened["view"]["id"])

    def job() -> None:
        try:
            accounts.check_deletable(ctx=req.services.core, actor=req.actor(), username=username)
        except Exception as exc:
            req.client.views_update(view_id=view_id, view=message_modal("Delete user", f":warning: {exc}"))
            raise
        req.client.views_update(view_id=view_id, view=delete_user_modal(username))

    req.services.work.submit("preparing the deletion", job, error_reporter(req.reply))
