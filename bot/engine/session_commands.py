"""Commands that steer the call-time session: help, start, next, skip, due, end, find, note."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy import false, or_, select

from bot.engine.amounts import format_money
from bot.engine.cards import due_line, next_card, primary_phone
from bot.engine.grammar import Command
from bot.engine.normalise import one_slip
from bot.engine.ranking import next_contacts
from bot.engine.records import OPEN_FOLLOWUP, update_contact
from bot.engine.stats import campaign_stats
from bot.engine.timezones import operator_tz
from bot.engine.when import local_day_bounds
from bot.engine.wording import plural
from bot.models import Campaign, Contact, ContactIdentity, Followup
from bot.turn.context import Reply, TurnContext
from bot.turn.state import Suggestion

HELP = (
    "Calltime commands:\n"
    "start [campaign] – begin call time\n"
    "next – who to call, why, and a draft · skip – another one\n"
    "Outcomes on the current contact: na · spoke[: note] · pledged 25k [by fri] · "
    "paid 10000 [upi|bank|cash|card|cheque] [ref UTR] · declined · call back kal 5pm · "
    "wrong number · dnc · several at once: spoke, pledged 25k by fri\n"
    "Or in a sentence: spoke to Anita, pledged 25k, pays Friday (I read it back; yes saves)\n"
    "note TEXT · find NAME · due · more · done 2 · snooze 2 2h · stats · undo · end"
)
DUE_LIMIT = 50
#: Follow-ups shown per ``due`` reply; ``more`` shows the next ones.
DUE_PAGE = 5


def help_reply(ctx: TurnContext, command: Command) -> Reply:
    return Reply(HELP, None)


def start(ctx: TurnContext, command: Command) -> Reply:
    """Pick the campaign (by name, else the newest active one) and show today's goal."""
    name = command.args.get("campaign")
    active = [Campaign.status == "active"]
    if name:
        campaign = ctx.scope.first(
            Campaign, *active, Campaign.name.ilike(f"%{name}%"), order_by=Campaign.name
        )
        if campaign is None:
            names = ", ".join(c.name for c in ctx.scope.all(Campaign, *active, limit=5))
            return Reply(
                f"No active campaign matches “{name}”. Active: {names or 'none'}.", "start"
            )
    else:
        campaign = ctx.scope.first(Campaign, *active, order_by=Campaign.created_at.desc())
    ctx.state.campaign_id = campaign.id if campaign else None
    ctx.state.skipped_contact_ids = []
    stats = campaign_stats(ctx.scope, ctx.user, ctx.now, campaign_id=ctx.state.campaign_id)
    title = f"Call time started – {campaign.name}." if campaign else "Call time started."
    goal = (
        f" Today's goal {format_money(stats.target_amount)}; "
        f"{format_money(stats.campaign_pledged)} pledged so far."
        if stats.target_amount is not None
        else " No goal set for today."
    )
    return Reply(f"{title}{goal} Send next for your first contact.", "start")


def next_contact(ctx: TurnContext, command: Command) -> Reply:
    """Suggest the best contact now, with reasons, last interaction, pledge and draft."""
    nudged = [f.contact_id for f in _followups(ctx, ctx.state.nudge_followup_ids)]
    ranked = next_contacts(
        ctx.scope,
        ctx.user,
        ctx.now,
        limit=3,
        prefer_ids=nudged,
        exclude_ids=ctx.state.skipped_contact_ids,
    )
    if not ranked:
        ctx.state.clear_contact()
        ctx.state.suggestions = []
        return Reply(
            "Nobody left to call right now – everyone eligible has been contacted "
            "today. Send due for follow-ups or stats for the day.",
            "next",
        )
    best = ranked[0]
    tz = operator_tz(ctx.user, ctx.project)
    text, then, draft = next_card(ctx.scope, best, ctx.now, tz, ctx.user.full_name)
    ctx.state.select_contact(best.contact.id, ctx.now)
    ctx.state.suggestions = [Suggestion(contact_id=r.contact.id, reasons=r.reasons) for r in ranked]
    ctx.state.last_draft = draft.text if draft else None
    meta = {"contact_id": str(best.contact.id), "score": best.score}
    return Reply(text, "next", meta, then)


def skip(ctx: TurnContext, command: Command) -> Reply:
    """Leave the current contact for this session and suggest another."""
    if ctx.state.current_contact_id is not None:
        ctx.state.skipped_contact_ids.append(ctx.state.current_contact_id)
    return next_contact(ctx, command)


def _followups(ctx: TurnContext, ids: list[uuid.UUID]) -> list[Followup]:
    rows = [ctx.scope.get(Followup, i) for i in ids]
    return [f for f in rows if f is not None and f.status in OPEN_FOLLOWUP]


def due(ctx: TurnContext, command: Command) -> Reply:
    """The operator's follow-ups due by the end of today, oldest first (numbered for done N)."""
    tz = operator_tz(ctx.user, ctx.project)
    _, day_end = local_day_bounds(ctx.now, tz)
    rows = ctx.scope.session.execute(
        select(Followup, Contact)
        .join(Contact, Contact.id == Followup.contact_id)
        .where(
            Followup.project_id == ctx.scope.project_id,
            Contact.project_id == ctx.scope.project_id,
            Followup.status.in_(OPEN_FOLLOWUP),
            Followup.due_at < day_end,
            or_(
                Followup.assigned_to_user_id == ctx.user.id, Followup.assigned_to_user_id.is_(None)
            ),
            Contact.status == "active",
            Contact.deleted_at.is_(None),
        )
        .order_by(Followup.due_at, Followup.id)
        .limit(DUE_LIMIT)
    ).all()
    ctx.state.nudge_followup_ids = []
    ctx.state.more_followup_ids = [f.id for f, _ in rows]
    if not rows:
        return Reply("No follow-ups due today. Send next for your next contact.", "due")
    return _due_page(ctx, f"{plural(len(rows), 'follow-up')} due:")


def more(ctx: TurnContext, command: Command) -> Reply:
    """The next page of the last ``due`` list."""
    if not ctx.state.more_followup_ids:
        return Reply("Nothing more to show – send due for the list again.", "due")
    return _due_page(ctx, "More follow-ups due:")


def _due_page(ctx: TurnContext, title: str) -> Reply:
    """Show the next :data:`DUE_PAGE` follow-ups still open, numbered on from the last page."""
    tz = operator_tz(ctx.user, ctx.project)
    lines: list[str] = []
    while ctx.state.more_followup_ids and len(lines) < DUE_PAGE:
        followup = ctx.scope.get(Followup, ctx.state.more_followup_ids.pop(0))
        contact = ctx.scope.get(Contact, followup.contact_id) if followup else None
        if followup is None or contact is None or followup.status not in OPEN_FOLLOWUP:
            continue
        ctx.state.nudge_followup_ids.append(followup.id)
        index = len(ctx.state.nudge_followup_ids)
        lines.append(due_line(index, followup, contact, ctx.now, tz))
    left = len(ctx.state.more_followup_ids)
    tail = f"\n{left} more – send more." if left else ""
    return Reply("\n".join([title, *lines]) + "\nReply done N · snooze N 2h · skip N" + tail, "due")


def end(ctx: TurnContext, command: Command) -> Reply:
    """Close the call-time session's working state and show the day's figures."""
    ctx.state.clear_contact()
    ctx.state.suggestions = []
    ctx.state.skipped_contact_ids = []
    stats = campaign_stats(ctx.scope, ctx.user, ctx.now, campaign_id=ctx.state.campaign_id)
    return Reply("Call time ended. " + stats.as_text(), "stats")


def _close_names(ctx: TurnContext, query: str) -> list[str]:
    """Names a slip away from ``query`` (``Ravi Kumr`` → Ravi Kumar), up to three: only
    suggested, never selected, because the operator's next outcome would be written on it."""
    words = [w for w in re.findall(r"[a-z]+", query.lower()) if len(w) >= 3]
    if not words:
        return []
    stems = {w[:3] for w in words} | {w[-3:] for w in words}
    rows = ctx.scope.all(
        Contact,
        Contact.deleted_at.is_(None),
        or_(*(Contact.display_name.ilike(f"%{stem}%") for stem in stems)),
        order_by=Contact.display_name,
        limit=50,
    )

    def fits(name: str) -> bool:
        tokens = re.findall(r"[a-z]+", name.lower())
        return all(
            any(t == w or t.startswith(w) or (len(w) >= 4 and one_slip(w, t)) for t in tokens)
            for w in words
        )

    close = [c.display_name for c in rows if fits(c.display_name)]
    return close if len(close) <= 3 else []


def find(ctx: TurnContext, command: Command) -> Reply:
    """Look a contact up by name or number; a single match becomes the current contact."""
    query = command.args["query"].strip()
    digits = "".join(ch for ch in query if ch.isdigit())
    matches = ctx.scope.all(
        Contact,
        Contact.deleted_at.is_(None),
        or_(
            Contact.display_name.ilike(f"%{query}%"),
            Contact.id.in_(
                select(ContactIdentity.contact_id).where(
                    ContactIdentity.project_id == ctx.scope.project_id,
                    ContactIdentity.value.like(f"%{digits}%"),
                )
            )
            if len(digits) >= 5
            else false(),
        ),
        order_by=Contact.display_name,
        limit=6,
    )
    if not matches:
        close = _close_names(ctx, query)
        hint = f" Did you mean {' or '.join(close)}? Send find with that name." if close else ""
        return _unselected(ctx, f"No contact matches “{query}”.{hint}")
    if len(matches) > 1:
        names = "\n".join(f"- {c.display_name} ({c.status})" for c in matches[:5])
        return _unselected(
            ctx, f"{len(matches)}+ matches:\n{names}\nSend find with the fuller name."
        )
    contact = matches[0]
    if contact.status != "active":
        return _unselected(
            ctx, f"{contact.display_name} is {contact.status.replace('_', '-')}; not selected."
        )
    ctx.state.select_contact(contact.id, ctx.now)
    return Reply(
        f"Selected {contact.display_name} · {primary_phone(ctx.scope, contact)}. "
        "Report the outcome when done.",
        None,
    )


def _unselected(ctx: TurnContext, text: str) -> Reply:
    """A ``find`` that selected nobody also drops the current contact, and says so:
    the next outcome must not land on the donor chosen before the search."""
    previous = ctx.state.clear_contact()
    contact = ctx.scope.get(Contact, previous) if previous else None
    if contact is not None:
        text += f"\n{contact.display_name} is no longer selected – send find NAME or next."
    return Reply(text, None)


def note(ctx: TurnContext, command: Command) -> Reply:
    """Append a dated note to the current contact."""
    contact = (
        ctx.scope.get(Contact, ctx.state.current_contact_id)
        if ctx.state.current_contact_id
        else None
    )
    if contact is None:
        return Reply("No contact selected – send next (or find NAME) first.", None)
    stamp = _stamp(ctx.now, ctx)
    line = f"{stamp} {command.args['text']}"
    notes = f"{contact.notes}\n{line}" if contact.notes else line
    update_contact(ctx.scope, ctx.user, contact, notes=notes)
    return Reply(f"Noted on {contact.display_name}: “{command.args['text']}”.", None)


def _stamp(now: datetime, ctx: TurnContext) -> str:
    return f"[{now.astimezone(operator_tz(ctx.user, ctx.project)):%d %b %Y}]"
