"""Risky writes wait for a read-back: :func:`check_risks` asks, the confirmers write.

Every outcome the rules planner executes (``pledged 25k``, ``paid 3 5000``, and whatever
else a parser turns into an outcome command) passes :func:`check_risks` right before
:func:`write_outcome`. When :func:`bot.engine.risk.assess` finds a risk, nothing is
written: the read-back names the donor and what would be saved, lists the risks, and
waits (:mod:`bot.engine.confirm`). The operator's ``yes`` (or ``1``/``2`` when an open
pledge offers a choice) runs the confirmer of the kind below, which loads the contact
again and re-assesses: a risk that appeared since the question is asked about first.

============ ===============================================================
kind         written on ``yes``
============ ===============================================================
outcome      the outcome (:func:`~bot.engine.outcomes.log_outcome`)
pledge       a pledge without a call (the assistant's ``record_pledge``)
payment      a payment without a call (the assistant's ``record_payment``)
which_donor  an outcome sent with no current contact, on the donor picked
============ ===============================================================

The assistant's write tools hold their writes with :func:`hold_write` (they cannot
talk to the operator; the tool result carries the question for the model to relay),
and the answer is settled here before the model sees the next message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bot.engine.amounts import format_money
from bot.engine.confirm import hold
from bot.engine.draft_messages import with_outcome_draft
from bot.engine.outcome_text import read_back
from bot.engine.outcomes import log_outcome, plan_call
from bot.engine.records import complete_followup
from bot.engine.report import PLAN
from bot.engine.risk import Limits, Risk, assess, pledge_id_of
from bot.engine.timezones import operator_tz
from bot.engine.wording import day_text, moment_text
from bot.models import Contact, Followup
from bot.store import jsonable
from bot.turn.context import Reply, TurnContext
from bot.turn.state import LastEntry, SessionState

#: How the JSON payload's values become Python again.
_ARG_TYPES: dict[str, Callable[[str], Any]] = {
    "amount": Decimal,
    "received": Decimal,
    "expected_by": date.fromisoformat,
    "paid_on": date.fromisoformat,
    "followup_at": datetime.fromisoformat,
}


def limits_for(ctx: TurnContext) -> Limits:
    return Limits.from_settings(ctx.runtime.settings)


def dump_args(args: dict[str, Any]) -> dict[str, Any]:
    """Outcome arguments as JSON for a pending question's payload."""
    return {key: jsonable(value) for key, value in args.items()}


def load_args(raw: dict[str, Any]) -> dict[str, Any]:
    """The arguments :func:`dump_args` stored, with their Python types back."""
    return {k: _ARG_TYPES[k](v) if k in _ARG_TYPES and v is not None else v for k, v in raw.items()}


def intent_text(contact: Contact, args: dict[str, Any], tz: Any) -> str:
    """``Anita Sharma – pledged ₹25,000 by Fri 27 Nov``: what would be saved."""
    said = f", “{args['summary']}”" if args.get("summary") else ""
    return f"{contact.display_name} – {read_back(args, tz)}{said}"


def _pledge_options(risks: list[Risk], args: dict[str, Any]) -> list[str]:
    pledge = next((r.pledge for r in risks if r.pledge is not None), None)
    if pledge is None:
        return []
    amount = Decimal(args["amount"])
    by = f", expected by {day_text(args['expected_by'])}" if args.get("expected_by") else ""
    total = format_money(pledge.amount + amount)
    return [
        f"Update the open pledge to {format_money(amount)}{by}",
        f"Add a second pledge of {format_money(amount)} ({total} pledged in all)",
    ]


def hold_write(
    state: SessionState,
    kind: str,
    contact: Contact,
    args: dict[str, Any],
    risks: list[Risk],
    *,
    now: datetime,
    asked_in: uuid.UUID | None,
    tz: Any,
    carry: dict[str, Any] | None = None,
) -> str:
    """Hold the write of ``args`` on ``contact`` behind a read-back; returns its text.

    ``carry`` is kept in the payload (an earlier answer, a follow-up to close).
    """
    lines = [f"Please check before I save: {intent_text(contact, args, tz)}."]
    lines += [f"- {risk.warning}" for risk in risks]
    payload = {
        "contact_id": str(contact.id),
        "args": dump_args(args),
        "acknowledged": sorted(
            {r.kind for r in risks} | set((carry or {}).get("acknowledged", []))
        ),
        "pledge_id": jsonable(pledge_id_of(risks)),
    }
    payload |= {k: v for k, v in (carry or {}).items() if k != "acknowledged"}
    options = _pledge_options(risks, args)
    return hold(state, kind, "\n".join(lines), payload, now=now, asked_in=asked_in, options=options)


def check_risks(
    ctx: TurnContext,
    contact: Contact,
    args: dict[str, Any],
    *,
    named: bool = False,
    followup_id: uuid.UUID | None = None,
    kind: str = "outcome",
    carry: dict[str, Any] | None = None,
) -> Reply | None:
    """Ask before writing outcome ``args`` on ``contact`` if a risk rule applies.

    Returns the read-back to send (nothing written), or ``None``: write now.

    Args:
        named: the operator picked the donor in this message (``paid 3 …``), so the
            stale-contact rule does not apply.
        followup_id: a follow-up to close once the outcome is written.
        kind: the confirmer that writes on ``yes``.
        carry: kept in the question's payload; its ``acknowledged`` risks are not asked
            about again (a confirmer re-checking a write).
    """
    carry = dict(carry or {})
    risks = assess(
        ctx.scope,
        ctx.user,
        contact,
        args,
        now=ctx.now,
        limits=limits_for(ctx),
        selected_at=None if named else ctx.state.current_contact_at,
        acknowledged=carry.get("acknowledged", ()),
    )
    if not risks:
        return None
    if followup_id:
        carry["followup_id"] = str(followup_id)
    text = hold_for_turn(ctx, kind, contact, args, risks, carry)
    return Reply(text, None, {"engine": "confirm", "asked": kind})


def hold_for_turn(
    ctx: TurnContext,
    kind: str,
    contact: Contact,
    args: dict[str, Any],
    risks: list[Risk],
    carry: dict[str, Any] | None = None,
) -> str:
    """:func:`hold_write` for the rules planner's turn."""
    tz = operator_tz(ctx.user, ctx.project)
    return hold_write(
        ctx.state,
        kind,
        contact,
        args,
        risks,
        now=ctx.now,
        asked_in=ctx.message.id,
        tz=tz,
        carry=carry,
    )


def write_outcome(
    ctx: TurnContext,
    contact: Contact,
    args: dict[str, Any],
    *,
    revise_pledge_id: uuid.UUID | None = None,
    followup_id: uuid.UUID | str | None = None,
) -> Reply:
    """Write the outcome, say exactly what was recorded, and add the donor's draft."""
    if args["outcome"] == PLAN:
        return _write_plan(ctx, contact, args["followup_at"])
    result = log_outcome(
        ctx.scope,
        ctx.user,
        contact,
        now=ctx.now,
        session_id=ctx.chat.id,
        campaign_id=ctx.state.campaign_id,
        revise_pledge_id=revise_pledge_id,
        **args,
    )
    followup = ctx.scope.get(Followup, followup_id) if followup_id else None
    if followup is not None:
        complete_followup(ctx.scope, ctx.user, followup, now=ctx.now)
    ctx.state.last_entry = LastEntry(
        contact_id=contact.id,
        args=dump_args(args),
        turn_id=ctx.message.id,
        at=ctx.now,
        followup_id=followup.id if followup is not None else None,
        revise_pledge_id=revise_pledge_id,
    )
    more = followup is None and args["outcome"] != "reschedule"
    text = result.summary_text + (" Send next for the next contact." if more else "")
    reply = Reply(text, None, {"interaction_id": str(result.interaction.id)})
    return with_outcome_draft(
        ctx, reply, contact, args["outcome"], pledge=result.pledge, payment=result.payment
    )


def _write_plan(ctx: TurnContext, contact: Contact, due_at: datetime) -> Reply:
    """A planned call (:data:`~bot.engine.report.PLAN`): the follow-up only."""
    followup = plan_call(
        ctx.scope, ctx.user, contact, due_at=due_at, now=ctx.now, campaign_id=ctx.state.campaign_id
    )
    when = moment_text(due_at, operator_tz(ctx.user, ctx.project))
    text = f"Reminder set: call {contact.display_name} {when}. No call logged."
    return Reply(text, None, {"followup_id": str(followup.id)})
