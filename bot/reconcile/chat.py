"""Reconciliation in the conversation: a forwarded payment message (or a screenshot the
model read) becomes a read-back; ``yes`` records it.

:func:`answer_forwarded` is the router's hook, ahead of the command parser;
:func:`propose` is shared with the ``read_payment_proof`` tool; :func:`confirm_payment`
is the confirmer registered for :data:`KIND` in :data:`bot.engine.commands.CONFIRMERS`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.engine.amounts import format_money
from bot.engine.confirm import hold
from bot.engine.draft_messages import with_outcome_draft
from bot.engine.records import is_reachable, open_pledge
from bot.engine.timezones import operator_tz
from bot.engine.wording import day_text
from bot.models import Contact, Payment, Project, User
from bot.reconcile.apply import duplicate_text, record_credit, record_gift
from bot.reconcile.credit import Credit
from bot.reconcile.matching import (
    Candidate,
    Match,
    match_credit,
    named_payer,
    same_day_payment,
)
from bot.reconcile.messages import NOT_A_PAYMENT, read_message
from bot.store import ProjectScope
from bot.turn.context import Reply, TurnContext
from bot.turn.state import SessionState

KIND = "payment_match"


def answer_forwarded(ctx: TurnContext) -> Reply | None:
    """The reply to a forwarded bank/UPI message, or ``None`` when the text is not one."""
    verdict = read_message(ctx.text)
    meta: dict[str, Any] = {"engine": "reconcile", "message_kind": verdict.kind}
    if verdict.kind == "none":
        return None
    if verdict.kind != "credit":
        return Reply(
            f"That looks like {NOT_A_PAYMENT[verdict.kind]} – nothing to record.", None, meta
        )
    if verdict.credit is None:
        return Reply(
            f"That looks like a payment message, but I could not read it ({verdict.problem}). "
            "Nothing recorded – send find NAME, then paid AMOUNT.",
            None,
            meta,
        )
    text = propose(
        ctx.scope,
        ctx.state,
        ctx.user,
        ctx.project,
        verdict.credit,
        now=ctx.now,
        asked_in=ctx.message.id,
    )
    return Reply(text, None, meta)


def propose(
    scope: ProjectScope,
    state: SessionState,
    operator: User,
    project: Project,
    credit: Credit,
    *,
    now: datetime,
    asked_in: uuid.UUID | None,
    file_ids: Sequence[str] = (),
) -> str:
    """Match ``credit`` and hold the best reading for ``yes``; returns what to tell the operator.

    Duplicates and credits that match nothing are answered without a question.
    """
    tz = operator_tz(operator, project)
    match = match_credit(scope, credit, tz=tz, today=now.astimezone(tz).date())
    if match.kind == "duplicate" and match.duplicate is not None:
        return f"Not recorded: {duplicate_text(scope, match.duplicate, tz)}."
    again = same_day_payment(scope, credit, tz=tz, today=now.astimezone(tz).date())
    if again is not None:
        return f"Not recorded: {_same_day_text(scope, again, credit, tz)}"
    if match.kind == "none":
        return _gift(scope, state, credit, now=now, asked_in=asked_in, file_ids=file_ids)
    payload: dict[str, Any] = {  # the pending question's JSON (see ``hold``)
        "credit": credit.payload(),
        "choices": [_choice(c) for c in match.candidates],
        "file_ids": list(file_ids),
    }
    if match.kind == "choice":
        options = [_option(c, credit) for c in match.candidates]
        question = f"{credit.describe()}{_utr(credit)} could pay more than one pledge – which?"
        return hold(state, KIND, question, payload, now=now, asked_in=asked_in, options=options)
    payload["choices"] = payload["choices"][:1]
    return hold(state, KIND, _question(match), payload, now=now, asked_in=asked_in)


def confirm_payment(ctx: TurnContext, payload: dict[str, Any], choice: int | None) -> Reply:
    """``yes`` (or the chosen number): record the credit against the pledge."""
    try:
        credit = Credit.from_payload(payload["credit"])
        picked = payload["choices"][(choice or 1) - 1]
    except (KeyError, IndexError, TypeError, ValueError):
        return Reply("Not recorded: that read-back could not be read back. Forward it again.")
    tz = operator_tz(ctx.user, ctx.project)
    again = same_day_payment(ctx.scope, credit, tz=tz, today=ctx.now.astimezone(tz).date())
    if again is not None:  # recorded since the question (the same message answered twice)
        return Reply(f"Not recorded: {_same_day_text(ctx.scope, again, credit, tz)}")
    if picked.get("pledge_id") is None and picked.get("contact_id"):
        return _confirm_gift(ctx, credit, picked["contact_id"], payload, tz)
    done = record_credit(
        ctx.scope,
        ctx.user,
        credit,
        pledge_id=picked["pledge_id"],
        now=ctx.now,
        tz=tz,
        session_id=ctx.chat.id,
        file_ids=payload.get("file_ids") or [],
    )
    left = f"{format_money(done.left)} left" if done.left > 0 else "paid in full"
    text = (
        f"Recorded {format_money(credit.amount)} from {done.contact.display_name} "
        f"({credit.method}{_utr(credit)}) against the {format_money(done.pledge.amount)} "
        f"pledge: {left}."
    )
    if done.learned:
        known = " and ".join(done.learned)
        text += f" I'll recognise {known} as {done.contact.display_name} from now on."
    reply = Reply(text, None, {"payment_id": str(done.payment.id)})
    return with_outcome_draft(ctx, reply, done.contact, "paid", payment=done.payment)


def _same_day_text(scope: ProjectScope, payment: Payment, credit: Credit, tz: Any) -> str:
    """Why a credit without a UTR is not recorded again, and how to record a second one."""
    contact = scope.get(Contact, payment.contact_id)
    who = contact.display_name if contact else "that donor"
    amount = f"{credit.amount:f}".removesuffix(".00")
    return (
        f"{who}'s {format_money(payment.amount)} payment of {day_text(payment.paid_at, tz)} "
        "is already recorded, and this message has no UTR to tell a second payment from "
        f"the same one sent again. If {who} paid twice: find {who}, then paid {amount} "
        f"{credit.method}."
    )


def _gift(
    scope: ProjectScope,
    state: SessionState,
    credit: Credit,
    *,
    now: datetime,
    asked_in: uuid.UUID | None,
    file_ids: Sequence[str],
) -> str:
    """No pledge fits: when the message names one donor who has no open pledge, offer
    it as their payment (a gift); otherwise say how to record it by hand."""
    payer = named_payer(scope, credit)
    if payer is None or not is_reachable(payer) or open_pledge(scope, payer) is not None:
        return _no_match(credit)
    payload: dict[str, Any] = {
        "credit": credit.payload(),
        "choices": [{"pledge_id": None, "contact_id": str(payer.id)}],
        "file_ids": list(file_ids),
    }
    question = (
        f"{credit.describe()}{_utr(credit)} → a payment from {payer.display_name}, "
        "who has no open pledge."
    )
    return hold(state, KIND, question, payload, now=now, asked_in=asked_in)


def _confirm_gift(
    ctx: TurnContext, credit: Credit, contact_id: str, payload: dict[str, Any], tz: Any
) -> Reply:
    payment, contact, learned = record_gift(
        ctx.scope,
        ctx.user,
        credit,
        contact_id=contact_id,
        now=ctx.now,
        tz=tz,
        session_id=ctx.chat.id,
        file_ids=payload.get("file_ids") or [],
    )
    text = (
        f"Recorded {format_money(credit.amount)} from {contact.display_name} "
        f"({credit.method}{_utr(credit)}), no open pledge."
    )
    if learned:
        text += f" I'll recognise {' and '.join(learned)} as {contact.display_name} from now on."
    reply = Reply(text, None, {"payment_id": str(payment.id)})
    return with_outcome_draft(ctx, reply, contact, "paid", payment=payment)


def _question(match: Match) -> str:
    best, credit = match.candidates[0], match.credit
    entry = best.entry
    why = "; ".join(best.reasons) or "the amount and date fit"
    return (
        f"{credit.describe()} → {entry.contact.display_name}'s "
        f"{format_money(entry.pledge.amount)} pledge, {best.left_after(credit.amount)}.\n"
        f"({why}{_utr(credit, sep='; ')})"
    )


def _option(candidate: Candidate, credit: Credit) -> str:
    entry = candidate.entry
    return (
        f"{entry.contact.display_name}'s {format_money(entry.pledge.amount)} pledge of "
        f"{day_text(entry.opened_on)} ({candidate.left_after(credit.amount)})"
    )


def _choice(candidate: Candidate) -> dict[str, str]:
    return {
        "pledge_id": str(candidate.entry.pledge.id),
        "contact_id": str(candidate.entry.contact.id),
    }


def _utr(credit: Credit, sep: str = ", ") -> str:
    return f"{sep}UTR {credit.reference}" if credit.reference else ""


def _no_match(credit: Credit) -> str:
    amount = f"{credit.amount:f}".removesuffix(".00")
    ref = f" ref {credit.reference}" if credit.reference else ""
    return (
        f"No open pledge matches {credit.describe()}{_utr(credit)}. Nothing recorded. "
        f"To record it for a donor: find NAME, then paid {amount} {credit.method}{ref}"
    )
