"""Payment proofs: the fields of a payment-confirmation screenshot, read by the model and
matched by the server. The tool never writes — it holds a read-back that the operator
answers with ``yes`` (or a number), exactly like a forwarded bank SMS."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from bot.engine.amounts import AmountError
from bot.reconcile.chat import propose
from bot.reconcile.credit import make_credit
from bot.turn.files import turn_images
from tools.base import ToolContext, ToolRefused, tool


class ReadPaymentProof(BaseModel):
    direction: Literal["received", "sent", "unclear"] = Field(
        description="received: the screen shows money paid TO the organisation or the "
        "operator; sent: money paid out; unclear: you cannot tell."
    )
    amount: Decimal = Field(
        gt=0,
        max_digits=12,
        decimal_places=2,
        description="The amount on the screen in rupees, exactly as shown (₹10,000 = 10000).",
    )
    paid_on: date | None = Field(default=None, description="The payment's date (YYYY-MM-DD).")
    reference: str | None = Field(
        default=None,
        max_length=40,
        description="The UTR / UPI Ref No / RRN exactly as shown (prefer it to an app's own "
        "transaction id).",
    )
    payer_vpa: str | None = Field(
        default=None, max_length=100, description="The payer's UPI ID (name@bank), if shown."
    )
    payer_name: str | None = Field(
        default=None,
        max_length=100,
        description="The payer's name as shown ('Banking name', 'From', 'Received from').",
    )
    app: str | None = Field(
        default=None, max_length=40, description="Google Pay, PhonePe, Paytm, BHIM, a bank app…"
    )
    method: Literal["upi", "bank"] = Field(
        default="upi", description="upi for UPI apps; bank for NEFT, IMPS or RTGS transfers."
    )


# ``writes=True`` although nothing is written here: it proposes a payment, so read-only
# (GUEST) operators are not offered it.
@tool("read_payment_proof", ReadPaymentProof, writes=True)
def read_payment_proof(ctx: ToolContext, args: ReadPaymentProof) -> dict[str, Any]:
    """Read a payment confirmation (a UPI app or bank screenshot the operator sent) and give
    the fields shown; the server matches it to an open pledge and asks the operator to
    confirm. Records nothing. Only for money received.

    Pass ``read_back`` to the operator as it is."""
    if args.direction != "received":
        raise ToolRefused(
            "only money received is matched to pledges; this proof shows money sent or is "
            "unclear – tell the operator nothing was recorded"
        )
    try:
        credit = make_credit(
            args.amount,
            on=args.paid_on,
            reference=args.reference,
            payer_vpa=args.payer_vpa,
            payer_name=args.payer_name,
            method=args.method,
            source=f"screenshot:{args.app or 'unknown'}",
        )
    except (AmountError, ValueError) as exc:
        raise ToolRefused(f"could not use the amount: {exc}") from exc
    files = [str(f.id) for f in turn_images(ctx.scope, ctx.scope.turn_id)]
    text = propose(
        ctx.scope,
        ctx.state,
        ctx.operator,
        ctx.project,
        credit,
        now=ctx.now,
        asked_in=ctx.scope.turn_id,
        file_ids=files,
    )
    return {"read_back": text, "awaiting_yes": ctx.state.pending is not None}
