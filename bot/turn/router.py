"""Routes an operator's message: commands to the rules planner, free text to the model."""

from __future__ import annotations

from bot.engine.commands import Command, did_you_mean, execute, parse_command, settle_pending
from bot.engine.corrections import CORRECTION, answer_correction
from bot.engine.free_text import answer_report, note_names_someone
from bot.engine.timezones import operator_tz
from bot.reconcile.chat import answer_forwarded
from bot.turn.context import Answer, Reply, TurnContext
from bot.turn.feedback import parse_feedback, record_feedback
from bot.turn.files import turn_images

#: Commands that hand out access (a dashboard link): honoured only for a message that
#: came from the operator's own phone, never for one typed into the simulator, which
#: anyone who can reach a demo server may use.
PHONE_ONLY_COMMANDS = frozenset({"admin_login"})
REFUSED_FROM_SIMULATOR = (
    "The simulator cannot ask for a dashboard link. Send `admin login` from your own "
    "WhatsApp, or sign in at /admin/ with your password."
)


CORRECTION_HINT = "To correct the last entry: send undo, then send it again."


def route(ctx: TurnContext) -> Answer:
    """Answer one operator message (or hand back the model turn that will answer it).

    A read-back waiting for ``yes`` is settled first: the message either answers it, or
    drops it (nothing written) and is then handled as usual, its reply saying so.
    A forwarded bank or UPI payment message is matched to the open pledges and read
    back (:mod:`bot.reconcile`). Commands (including malformed ones, which get a specific
    "did you mean") are answered by the engine at once and for free, and so is feedback
    on the last draft (👍, 👎, "too long", "wrong tone"). A report in a sentence ("spoke
    to Anita, pledged 25k") is read by rules and read back before anything is written.
    Anything else is free text: the model takes it when ``ANTHROPIC_API_KEY`` is set,
    else the engine's "did you mean" answers. ``Reply.meta["engine"]`` says which path
    answered. The model's turn is returned as an :class:`~bot.agent.loop.AgentTurn` that
    :func:`bot.turn.run.run_turn` runs with no database transaction open.
    """
    answer, note = settle_pending(ctx)
    if answer is not None:
        return answer
    reply = _answer(ctx)
    if note:
        if isinstance(reply, Reply):
            reply.text = f"{note}\n{reply.text}"
        else:
            reply.note = note  # the model's step puts it in front of its reply
    return reply


def _answer(ctx: TurnContext) -> Answer:
    if not ctx.text.strip() and ctx.message.media_json:
        return _photo(ctx)
    # A forwarded bank/UPI message is read before anything else: it may contain words
    # the command parser would take ("received", "paid").
    forwarded = answer_forwarded(ctx)
    if forwarded is not None:
        return forwarded
    feedback = parse_feedback(ctx.text)
    if feedback is not None:
        return record_feedback(ctx, *feedback)
    command = parse_command(ctx.text, ctx.now, operator_tz(ctx.user, ctx.project))
    if command is not None and _refused_here(ctx, command.name):
        return Reply(REFUSED_FROM_SIMULATOR, None, {"engine": command.name, "refused": True})
    if command is not None and _note_is_a_name(ctx, command):
        command = None  # "dnc - Ravi Kumar": about Ravi, read as free text (read back)
    if command is not None and command.name != "invalid":
        return execute(ctx, command)
    # A report in a sentence is read by rules first (zero tokens); the model takes only
    # what they cannot read.
    report = answer_report(ctx)
    if report is not None and not report.meta.get("refused"):
        return report
    correction = answer_correction(ctx)  # "sorry, 20k not 25k": read back against the last entry
    if correction is not None:
        return correction
    if report is not None:
        return _correction_hint(ctx, report)
    if ctx.runtime.settings.anthropic_api_key:
        return _model(ctx)
    if command is not None:
        return _correction_hint(ctx, execute(ctx, command))
    return _correction_hint(ctx, did_you_mean(ctx.text))


def _correction_hint(ctx: TurnContext, reply: Reply) -> Reply:
    """A refused message that corrects an entry ("sorry, 20k not 25k", "make it the 10th")
    changes nothing; the reply says how to correct it (when the operator has an entry)."""
    refused = reply.meta.get("refused") or reply.meta.get("engine") in ("invalid", "did_you_mean")
    if refused and ctx.state.last_entry is not None and CORRECTION.search(ctx.text.lower()):
        reply.text += f"\n{CORRECTION_HINT}"
    return reply


def _note_is_a_name(ctx: TurnContext, command: Command) -> bool:
    summary = command.args.get("summary") if command.name == "outcome" else None
    return isinstance(summary, str) and bool(summary) and note_names_someone(ctx.scope, summary)


def _photo(ctx: TurnContext) -> Answer:
    """A photo without a caption: the model reads it (a payment proof, say) when configured;
    otherwise the stored-file note is the whole reply."""
    if ctx.runtime.settings.anthropic_api_key and turn_images(ctx.scope, ctx.message.id):
        return _model(ctx)
    return Reply("")


def _model(ctx: TurnContext) -> Answer:
    # Imported here so the rules path never loads the SDK.
    from bot.agent.loop import start_agent_turn

    return start_agent_turn(ctx)


def _refused_here(ctx: TurnContext, command_name: str) -> bool:
    """Whether ``command_name`` must be refused because of where the message came from."""
    return command_name in PHONE_ONLY_COMMANDS and ctx.message.origin == "simulator"
