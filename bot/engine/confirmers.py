"""What ``yes`` writes: the confirmers of the read-backs :mod:`bot.engine.held_writes` asks.

Each confirmer loads the contact again, assesses the risks again (those the operator
confirmed are skipped; one that appeared since the question is asked about first),
and only then writes. A number answers an open-pledge question: ``1`` updates the open
pledge, ``2`` adds a second one.
"""

from __future__ import annotations

import uuid
from typing import Any

from bot.engine.amounts import format_money
from bot.engine.confirm import Confirmer, ask
from bot.engine.draft_messages import with_outcome_draft
from bot.engine.held_writes import check_risks, dump_args, load_args, write_outcome
from bot.engine.outcome_text import payment_text
from bot.engine.outcomes import reminder_at
from bot.engine.pledge_revision import revise_pledge
from bot.engine.records import OutcomeError, is_reachable, record_payment, record_pledge
from bot.engine.timezones import operator_tz
from bot.engine.wording import day_text
from bot.models import Contact
from bot.store import jsonable
from bot.turn.context import Reply, TurnContext

MAX_DONORS = 3


def _contact(ctx: TurnContext, contact_id: Any) -> Contact:
    contact = ctx.scope.get(Contact, contact_id)
    if contact is None or contact.deleted_at is not None:
        raise OutcomeError("that contact no longer exists; nothing saved")
    return contact


def _revision(payload: dict[str, Any], choice: int | None) -> uuid.UUID | None:
    """The open pledge to update: option 1 of an open-pledge question, or an earlier answer."""
    if payload.get("pledge_id") and choice == 1:
        return uuid.UUID(payload["pledge_id"])
    chosen = payload.get("revise_pledge_id")
    return uuid.UUID(chosen) if chosen else None


def _asked_again(
    ctx: TurnContext,
    kind: str,
    contact: Contact,
    args: dict[str, Any],
    payload: dict[str, Any],
    revision: uuid.UUID | None,
) -> Reply | None:
    """A new read-back when a risk appeared since the question; ``None`` to write."""
    carry = {
        "acknowledged": payload.get("acknowledged", []),
        "followup_id": payload.get("followup_id"),
        "revise_pledge_id": jsonable(revision),
    }
    held = check_risks(ctx, contact, args, named=True, kind=kind, carry=carry)
    if held is not None:
        held.text = f"Something changed since I asked.\n{held.text}"
    return held


def confirm_outcome(ctx: TurnContext, payload: dict[str, Any], choice: int | None) -> Reply:
    """``yes`` to an outcome: the donor is confirmed (and current), the outcome written."""
    contact = _contact(ctx, payload.get("contact_id"))
    args, revision = load_args(payload["args"]), _revision(payload, choice)
    ctx.state.select_contact(contact.id, ctx.now)
    again = _asked_again(ctx, "outcome", contact, args, payload, revision)
    if again is not None:
        return again
    return write_outcome(
        ctx, contact, args, revise_pledge_id=revision, followup_id=payload.get("followup_id")
    )


def confirm_pledge(ctx: TurnContext, payload: dict[str, Any], choice: int | None) -> Reply:
    """``yes`` to the assistant's pledge: recorded, or the open pledge updated (``1``)."""
    contact = _contact(ctx, payload.get("contact_id"))
    args, revision = load_args(payload["args"]), _revision(payload, choice)
    again = _asked_again(ctx, "pledge", contact, args, payload, revision)
    if again is not None:
        return again
    amount, by = args["amount"], args.get("expected_by")
    when = f", expected by {day_text(by)}" if by else ""
    if revision is not None:
        tz = operator_tz(ctx.user, ctx.project)
        remind_at = reminder_at(by, ctx.now, tz)
        pledge, _ = revise_pledge(
            ctx.scope,
            ctx.user,
            contact,
            revision,
            amount=amount,
            expected_by=by,
            remind_at=remind_at,
            now=ctx.now,
        )
        text = f"{contact.display_name}'s open pledge is now {format_money(pledge.amount)}"
        return with_outcome_draft(
            ctx, Reply(f"Saved: {text}{when}.", None), contact, "pledged", pledge=pledge
        )
    pledge = record_pledge(
        ctx.scope,
        ctx.user,
        contact,
        amount=amount,
        now=ctx.now,
        expected_by=by,
        notes=args.get("notes"),
        session_id=ctx.chat.id,
        campaign_id=ctx.state.campaign_id,
    )
    reply = Reply(f"Saved: pledge {format_money(amount)} from {contact.display_name}{when}.", None)
    return with_outcome_draft(ctx, reply, contact, "pledged", pledge=pledge)


def confirm_payment(ctx: TurnContext, payload: dict[str, Any], choice: int | None) -> Reply:
    """``yes`` to the assistant's payment: recorded against the open (or named) pledge."""
    contact = _contact(ctx, payload.get("contact_id"))
    args = load_args(payload["args"])
    again = _asked_again(ctx, "payment", contact, args, payload, None)
    if again is not None:
        return again
    payment = record_payment(
        ctx.scope,
        ctx.user,
        contact,
        amount=args["amount"],
        now=ctx.now,
        method=args.get("method"),
        reference=args.get("reference"),
        pledge_id=args.get("pledge_id"),
        session_id=ctx.chat.id,
        paid_on=args.get("paid_on"),
    )
    reply = Reply(f"Saved for {contact.display_name}: {payment_text(ctx.scope, payment)}.", None)
    return with_outcome_draft(ctx, reply, contact, "paid", payment=payment)


def ask_which_donor(ctx: TurnContext, args: dict[str, Any]) -> Reply:
    """An outcome with no current contact: offer the donors ``next`` suggested, or explain."""
    said = ctx.text.strip()[:60]
    found = [ctx.scope.get(Contact, s.contact_id) for s in ctx.state.suggestions]
    donors = [c for c in found if c is not None and is_reachable(c)][:MAX_DONORS]
    if not donors:
        return Reply(
            f"Which donor is “{said}” for? No contact is selected, so nothing was saved. "
            f"Send find NAME (or next), then send “{said}” again.",
            None,
            {"refused": True},
        )
    payload = {"candidates": [str(c.id) for c in donors], "args": dump_args(args)}
    question = f"Which donor is “{said}” for? No contact is selected."
    return ask(ctx, "which_donor", question, payload, options=[c.display_name for c in donors])


def confirm_donor(ctx: TurnContext, payload: dict[str, Any], choice: int | None) -> Reply:
    """The donor picked by number: now current; the outcome is checked and written."""
    candidates = payload.get("candidates") or []
    if choice is None or not 1 <= choice <= len(candidates):
        raise OutcomeError("pick the donor by number; nothing saved")
    contact = _contact(ctx, candidates[choice - 1])
    args = load_args(payload["args"])
    ctx.state.select_contact(contact.id, ctx.now)
    held = check_risks(ctx, contact, args, named=True)
    return held if held is not None else write_outcome(ctx, contact, args)


#: Registered in :data:`bot.engine.commands.CONFIRMERS`.
CONFIRMERS: dict[str, Confirmer] = {
    "outcome": confirm_outcome,
    "pledge": confirm_pledge,
    "payment": confirm_payment,
    "which_donor": confirm_donor,
}
