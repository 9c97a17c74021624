"""The rules planner: :func:`parse_command` reads a message, :func:`execute` answers it.

Commands act on the session's current contact (``ctx.state.current_contact_id``, set
by ``next`` or ``find``) and on the follow-ups last listed by ``due`` or a nudge
(``done 2``). Refusals (no current contact, a do-not-contact contact, a bad amount)
are replies, and nothing is written. An outcome passes the risk rules first
(:func:`bot.engine.held_writes.check_risks`): a risky one is read back and written only
after ``yes``.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.engine import confirmers, corrections, free_text
from bot.engine import session_commands as sc
from bot.engine.confirm import Confirmer, answer_pending
from bot.engine.grammar import Command, parse_command
from bot.engine.held_writes import check_risks, write_outcome
from bot.engine.records import OutcomeError, complete_followup
from bot.engine.stats import campaign_stats
from bot.engine.suggest import did_you_mean
from bot.engine.timezones import operator_tz
from bot.engine.undo import UndoError, undo_last_turn
from bot.engine.when import next_working_day
from bot.engine.wording import moment_text
from bot.models import Contact, Followup
from bot.reconcile.chat import KIND as PAYMENT_MATCH
from bot.reconcile.chat import confirm_payment
from bot.turn.context import Reply, TurnContext

__all__ = ["Command", "did_you_mean", "execute", "parse_command", "settle_pending"]


def execute(ctx: TurnContext, command: Command) -> Reply:
    """Carry out ``command`` for the operator in ``ctx`` and say what happened."""
    handler = HANDLERS.get(command.name)
    if handler is None:
        return Reply(command.error or did_you_mean(ctx.text).text, None, {"engine": "invalid"})
    try:
        # A savepoint: a refusal half-way through a command leaves no partial rows behind.
        with ctx.scope.session.begin_nested():
            reply = handler(ctx, command)
    except (OutcomeError, UndoError) as exc:
        return Reply(f"Not recorded: {exc}", None, {"engine": command.name, "refused": True})
    reply.meta.setdefault("engine", command.name)
    ctx.state.last_prompt_type = reply.prompt_type or ctx.state.last_prompt_type
    return reply


def _current(ctx: TurnContext) -> Contact | None:
    if ctx.state.current_contact_id is None:
        return None
    return ctx.scope.get(Contact, ctx.state.current_contact_id)


def _outcome(ctx: TurnContext, command: Command) -> Reply:
    args = dict(command.args)
    contact = _current(ctx)
    if contact is None:
        return confirmers.ask_which_donor(ctx, args)
    held = check_risks(ctx, contact, args)
    return held if held is not None else write_outcome(ctx, contact, args)


def _nudged(ctx: TurnContext, command: Command) -> tuple[Followup, Contact] | Reply:
    index = command.args["index"]
    ids = ctx.state.nudge_followup_ids
    if not 1 <= index <= len(ids):
        listed = f"1–{len(ids)}" if ids else "none listed – send due"
        return Reply(f"There is no follow-up {index} ({listed}).", None)
    followup = ctx.scope.get(Followup, ids[index - 1])
    contact = ctx.scope.get(Contact, followup.contact_id) if followup else None
    if followup is None or contact is None:
        return Reply(f"Follow-up {index} no longer exists.", None)
    return followup, contact


def _nudge(ctx: TurnContext, command: Command) -> Reply:
    found = _nudged(ctx, command)
    if isinstance(found, Reply):
        return found
    followup, contact = found
    name = contact.display_name
    if followup.status in ("done", "cancelled") and command.name != "nudge_paid":
        return Reply(f"Follow-up {command.args['index']} ({name}) is already closed.", None)
    tz = operator_tz(ctx.user, ctx.project)
    if command.name == "nudge_done":
        complete_followup(ctx.scope, ctx.user, followup, now=ctx.now)
        return Reply(f"Done: follow-up with {name} closed.", None)
    if command.name in ("nudge_snooze", "nudge_skip"):
        until = command.args.get("until") or next_working_day(ctx.now, tz)
        if command.args.get("delay"):  # "snooze 2 2h": two hours after it was due
            until = max(followup.due_at, ctx.now) + command.args["delay"]
        ctx.scope.update(followup, due_at=until, status="scheduled")
        ctx.scope.emit(
            "followup.scheduled",
            user_id=ctx.user.id,
            followup_id=followup.id,
            contact_id=contact.id,
            due_at=until,
            reason=followup.reason,
        )
        return Reply(f"Follow-up with {name} moved to {moment_text(until, tz)}.", None)
    args = {k: v for k, v in command.args.items() if k != "index"}
    ctx.state.select_contact(contact.id, ctx.now)
    held = check_risks(ctx, contact, args, named=True, followup_id=followup.id)
    return held if held is not None else write_outcome(ctx, contact, args, followup_id=followup.id)


def _stats(ctx: TurnContext, command: Command) -> Reply:
    stats = campaign_stats(ctx.scope, ctx.user, ctx.now, campaign_id=ctx.state.campaign_id)
    return Reply(stats.as_text(), "stats", {"stats": stats.model_dump(mode="json")})


def _undo(ctx: TurnContext, command: Command) -> Reply:
    return Reply(undo_last_turn(ctx.scope, ctx.user, ctx.now), None)


def _admin_login(ctx: TurnContext, command: Command) -> Reply:
    """A single-use, 10-minute link to the dashboard, for ADMIN users only."""
    from bot.directory.accounts import issue_login_link

    try:
        link = issue_login_link(ctx.runtime, ctx.scope, ctx.user)
    except PermissionError:
        return Reply("The dashboard is for admins only; ask your admin for access.", None)
    return Reply(f"Your dashboard link (works once, for 10 minutes):\n{link}", None)


def settle_pending(ctx: TurnContext) -> tuple[Reply | None, str]:
    """Answer the session's pending read-back with this message (see :mod:`bot.engine.confirm`).

    Returns the reply when the message answered it, else ``None`` and a note to put in
    front of the reply to the message (empty when nothing was pending).
    """
    try:
        with ctx.scope.session.begin_nested():
            return answer_pending(ctx, CONFIRMERS)
    except (OutcomeError, UndoError) as exc:
        return Reply(f"Not recorded: {exc}", None, {"engine": "confirm", "refused": True}), ""


#: Writes held behind a read-back, by ``PendingConfirmation.kind``.
CONFIRMERS: dict[str, Confirmer] = {
    PAYMENT_MATCH: confirm_payment,
    free_text.KIND: free_text.confirm_report,
    corrections.KIND: corrections.confirm_correction,
    **confirmers.CONFIRMERS,
}

HANDLERS: dict[str, Callable[[TurnContext, Command], Reply]] = {
    "admin_login": _admin_login,
    "help": sc.help_reply,
    "start": sc.start,
    "next": sc.next_contact,
    "skip": sc.skip,
    "due": sc.due,
    "more": sc.more,
    "end": sc.end,
    "find": sc.find,
    "note": sc.note,
    "stats": _stats,
    "undo": _undo,
    "outcome": _outcome,
    "nudge_done": _nudge,
    "nudge_snooze": _nudge,
    "nudge_skip": _nudge,
    "nudge_paid": _nudge,
}
