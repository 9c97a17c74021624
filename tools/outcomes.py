"""Outcome tools: log a call, record a pledge or a payment — through the engine's
functions, so the model and the rules planner share one implementation.

A risky write (the engine's rules, :mod:`bot.engine.risk`) is held, not made: the tool
returns ``{"status": "needs_confirmation", "question": …}``, the session keeps the
question, and the operator's ``yes`` is settled by the server before the model runs
(:func:`tools.guards.hold_if_risky`). The model cannot confirm on the operator's behalf.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from bot.engine import records
from bot.engine.drafts import outcome_draft
from bot.engine.outcomes import log_outcome
from bot.models import Contact, Payment, Pledge
from bot.models.enums import Channel, Outcome, PaymentMethod
from tools.base import ToolContext, tool
from tools.guards import hold_if_risky, require_in_focus, require_stated_amount

Amount = Field(
    default=None,
    gt=0,
    max_digits=12,
    decimal_places=2,
    description="Amount in the project's currency exactly as the operator stated it "
    "(25k = 25000). Never guess.",
)
PaidOn = Field(
    default=None,
    description="For a payment made before today: the day the operator said it was paid "
    "(YYYY-MM-DD, their local date). Leave out when it was today or no day was said.",
)


class LogInteraction(BaseModel):
    contact_id: uuid.UUID = Field(description="The contact the operator spoke to or tried.")
    outcome: Outcome = Field(description="What happened on the call.")
    summary: str | None = Field(
        default=None, max_length=500, description="One line on what was said."
    )
    amount: Decimal | None = Amount
    expected_by: date | None = Field(
        default=None, description="For a pledge: when they said they would pay (YYYY-MM-DD)."
    )
    method: PaymentMethod | None = Field(default=None, description="For a payment: how they paid.")
    reference: str | None = Field(
        default=None, max_length=80, description="For a payment: UPI/bank reference."
    )
    followup_at: datetime | None = Field(
        default=None,
        description="When to get back to them (ISO 8601; local time if no offset).",
    )
    paid_on: date | None = PaidOn
    channel: Channel = Field(default="call", description="How the operator reached them.")


class RecordPledge(BaseModel):
    contact_id: uuid.UUID = Field(description="Who pledged.")
    amount: Decimal = Field(
        gt=0, max_digits=12, decimal_places=2, description="Pledged amount as stated."
    )
    expected_by: date | None = Field(default=None, description="When they will pay.")
    notes: str | None = Field(default=None, max_length=300, description="Anything else said.")


class RecordPayment(BaseModel):
    contact_id: uuid.UUID = Field(description="Who paid.")
    amount: Decimal = Field(
        gt=0, max_digits=12, decimal_places=2, description="Amount received as stated."
    )
    method: PaymentMethod | None = Field(default=None, description="How they paid.")
    reference: str | None = Field(default=None, max_length=80, description="Payment reference.")
    pledge_id: uuid.UUID | None = Field(
        default=None, description="The open pledge this payment fulfils, if known."
    )
    paid_on: date | None = PaidOn


def _local(ctx: ToolContext, when: datetime | None) -> datetime | None:
    if when is None or when.tzinfo is not None:
        return when
    return when.replace(tzinfo=ctx.tz)


@tool("log_interaction", LogInteraction, writes=True)
def log_interaction(ctx: ToolContext, args: LogInteraction) -> dict[str, Any]:
    """Record the outcome of a call or message with a contact; a pledge, payment or
    follow-up the outcome implies is recorded with it. If the result has status
    needs_confirmation nothing was saved: send the operator its question word for word
    and wait for their answer."""
    contact = ctx.writable_contact(args.contact_id)
    if args.outcome in ("pledged", "paid") or args.amount is not None:
        require_in_focus(ctx, contact)
        require_stated_amount(ctx, args.amount)
    write: dict[str, Any] = {
        "outcome": args.outcome,
        "summary": args.summary,
        "amount": args.amount,
        "expected_by": args.expected_by,
        "method": args.method,
        "reference": args.reference,
        "followup_at": _local(ctx, args.followup_at),
        "channel": args.channel,
        "paid_on": args.paid_on,
    }
    held = hold_if_risky(ctx, "outcome", contact, write)
    if held is not None:
        return held
    result = log_outcome(
        ctx.scope,
        ctx.operator,
        contact,
        now=ctx.now,
        session_id=ctx.session.id,
        campaign_id=ctx.state.campaign_id,
        **write,
    )
    return {
        "interaction_id": str(result.interaction.id),
        "pledge_id": str(result.pledge.id) if result.pledge else None,
        "payment_id": str(result.payment.id) if result.payment else None,
        "followup_id": str(result.followup.id) if result.followup else None,
        "summary": result.summary_text,
        **_draft(ctx, contact, args.outcome, pledge=result.pledge, payment=result.payment),
    }


@tool("record_pledge", RecordPledge, writes=True)
def record_pledge(ctx: ToolContext, args: RecordPledge) -> dict[str, Any]:
    """Record a pledge the operator reported, without logging a call. If the result has
    status needs_confirmation nothing was saved: send the operator its question word for
    word and wait for their answer."""
    contact = ctx.writable_contact(args.contact_id)
    require_in_focus(ctx, contact)
    require_stated_amount(ctx, args.amount)
    write = {"outcome": "pledged", "amount": args.amount, "expected_by": args.expected_by}
    held = hold_if_risky(ctx, "pledge", contact, write | {"notes": args.notes})
    if held is not None:
        return held
    pledge = records.record_pledge(
        ctx.scope,
        ctx.operator,
        contact,
        amount=args.amount,
        now=ctx.now,
        expected_by=args.expected_by,
        notes=args.notes,
        session_id=ctx.session.id,
        campaign_id=ctx.state.campaign_id,
    )
    return {
        "pledge_id": str(pledge.id),
        "amount": str(pledge.amount),
        "status": pledge.status,
        **_draft(ctx, contact, "pledged", pledge=pledge),
    }


@tool("record_payment", RecordPayment, writes=True)
def record_payment(ctx: ToolContext, args: RecordPayment) -> dict[str, Any]:
    """Record money received from a contact, optionally against an open pledge. If the
    result has status needs_confirmation nothing was saved: send the operator its
    question word for word and wait for their answer."""
    contact = ctx.writable_contact(args.contact_id)
    require_in_focus(ctx, contact)
    require_stated_amount(ctx, args.amount)
    write = {"outcome": "paid", "amount": args.amount, "method": args.method}
    write |= {"reference": args.reference, "pledge_id": args.pledge_id, "paid_on": args.paid_on}
    held = hold_if_risky(ctx, "payment", contact, write)
    if held is not None:
        return held
    payment = records.record_payment(
        ctx.scope,
        ctx.operator,
        contact,
        amount=args.amount,
        now=ctx.now,
        method=args.method,
        reference=args.reference,
        pledge_id=args.pledge_id,
        session_id=ctx.session.id,
        paid_on=args.paid_on,
    )
    return {
        "payment_id": str(payment.id),
        "amount": str(payment.amount),
        **_draft(ctx, contact, "paid", payment=payment),
    }


def _draft(
    ctx: ToolContext,
    contact: Contact,
    outcome: str,
    *,
    pledge: Pledge | None = None,
    payment: Payment | None = None,
) -> dict[str, Any]:
    """``{"draft": …}`` for the donor after ``outcome`` (nothing when it calls for none).

    The server sends the draft to the operator after the model's reply, with its links
    (:mod:`bot.engine.draft_messages`); the model sees it only to know it was sent.
    """
    draft = outcome_draft(
        ctx.scope, contact, outcome, pledge=pledge, payment=payment, operator=ctx.operator.full_name
    )
    return {"draft": draft.as_result()} if draft else {}
