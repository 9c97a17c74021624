"""The queue worker: one turn at a time per thread, in arrival order, exactly one reply.

A turn runs in three steps, so a crash at any point neither loses nor repeats a reply:

1. claim (short transaction): the message becomes ``processing`` under a lease;
2. turn (:func:`bot.turn.run.run_turn`): session, state, planner, and the reply recorded
   as ``pending`` outbound rows with ``reply_to_id``, the rows to send held by this
   worker in the same transaction. A command is one transaction; a model turn is
   several short ones with none open while the model is asked, and its writes are
   reverted if it does not get to record its reply;
3. delivery: the pending rows go to Twilio (after the thread's replies still waiting for
   a retry, and before the operator's deferred messages), then the message is settled:
   ``done`` when Twilio has the whole reply, ``pending`` while part of it waits for a
   retry (:mod:`bot.whatsapp.redelivery`), ``undelivered`` when Twilio refused it.

A retried message whose reply rows already exist skips step 2. A turn that raises is
put back in the queue with a delay and, after ``max_attempts``, answered with an apology
and marked ``failed``.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.models import Message, Project, User
from bot.phones import whatsapp_address
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.context import Answer, Reply, TurnContext
from bot.turn.router import route
from bot.turn.run import discard_unfinished, run_turn
from bot.turn.sessions import get_or_open_session
from bot.whatsapp.doorbell import listen
from bot.whatsapp.media import Fetched, fetch_media
from bot.whatsapp.outbound import deferred_rows, pending_replies, record_outbound
from bot.whatsapp.queue import (
    Claim,
    claim_next,
    first_attempt,
    hold_claim,
    lock_claimed,
    release_for_retry,
    settle,
)
from bot.whatsapp.redelivery import (
    deliver_due,
    hold,
    record_results,
    reply_state,
    send_in_order,
    waiting_rows,
)
from bot.whatsapp.unknown_senders import answer_unknown_sender

log = logging.getLogger(__name__)

TurnHandler = Callable[[TurnContext], Answer]

APOLOGY = (
    "Sorry, something went wrong while handling your message ({excerpt}). "
    "Nothing was saved from it; please send it again in a minute."
)
#: A sweep never handles more than this many messages (the loop's hard cap).
MAX_PER_SWEEP = 10_000


@dataclass
class Outcome:
    """How a turn ended: the status to settle with and the rows to send (in order)."""

    status: str
    outbox: list[Message]


def _operator(session: Session, message: Message) -> User | None:
    """The message's sender if it is an active operator of a known project."""
    if message.user_id is None or session.get(Project, message.project_id) is None:
        return None
    user = session.get(User, message.user_id)
    return user if user is not None and user.is_active else None


#: The outcome of a message this worker no longer holds: nothing to send or settle.
_LOST = Outcome("lost", [])


class _NoTurn(Exception):
    """The message needs no turn: its sender is not an active operator, or its reply
    is already recorded (a retry after the turn committed)."""

    def __init__(self, operator: bool, answered: bool) -> None:
        super().__init__("no turn needed")
        self.operator = operator  # whether the sender was an active operator
        self.answered = answered


class _Gate:
    """The worker's :data:`~bot.turn.context.MessageLoader`: holds the claim in each of
    the turn's transactions (:func:`~bot.whatsapp.queue.hold_claim`), and in the first
    also checks that a turn is needed, raising :class:`_NoTurn` (which rolls the
    transaction back) when it is not."""

    def __init__(self, worker_id: str, lease: timedelta) -> None:
        self.worker_id = worker_id
        self.lease = lease
        self.checked = False
        self.operator: User | None = None
        self.project: Project | None = None

    def load(self, session: Session, message_id: uuid.UUID) -> Message | None:
        message = hold_claim(session, message_id, self.worker_id, self.lease)
        if message is None or self.checked:
            return message
        self.checked = True
        # Held, so the turn finds the operator and project in the session's identity
        # map (which forgets objects nobody references) instead of reading them again.
        self.project = session.get(Project, message.project_id)
        self.operator = _operator(session, message)
        scope = ProjectScope(session, message.project_id, actor="system:worker")
        answered = not first_attempt(message) and bool(pending_replies(scope, message.id))
        if self.operator is None or answered:
            raise _NoTurn(self.operator is not None, answered)
        return message


class Worker:
    """Takes queued inbound messages and runs their turns.

    Args:
        runtime: settings, database, clock and clients.
        handler: answers the turn (default :func:`bot.turn.router.route`; tests pass others).
        lease_seconds: how long a claim holds before another worker may retry it.
        max_attempts: tries before a message is answered with an apology.
        retry_delay_seconds: wait before a failed turn is tried again (times the attempt).
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        handler: TurnHandler = route,
        lease_seconds: float = 300.0,
        max_attempts: int = 3,
        retry_delay_seconds: float = 5.0,
        name: str | None = None,
    ) -> None:
        self.runtime = runtime
        self.handler = handler
        self.lease = timedelta(seconds=lease_seconds)
        # Load the embedding model (if installed) once, so turns embed what they log.
        from memory import embedder_for

        embedder_for(runtime)
        if runtime.settings.anthropic_api_key:
            # Prepared now: importing the SDK and deriving the tools' schemas take seconds
            # of CPU on a busy host, which the first model turns would otherwise spend
            # while operators' webhooks wait for the same cores.
            importlib.import_module("bot.agent.loop").warm_up(runtime)
        self.max_attempts = max_attempts
        self.retry_delay = timedelta(seconds=retry_delay_seconds)
        self.worker_id = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._stop = threading.Event()

    def run_once(self) -> int:
        """Handle every message runnable now; returns how many were handled.

        When the queue is empty, replies whose retry time has come are sent, a small
        batch at a time, so a new message never waits long behind a backlog.
        """
        handled = rounds = 0
        while handled + rounds < MAX_PER_SWEEP and not self._stop.is_set():
            claim = claim_next(self.runtime.db, self.worker_id, self.lease)
            if claim is None:
                if deliver_due(self.runtime, self.worker_id) == 0:
                    break
                rounds += 1
                continue
            self.handle(claim)
            handled += 1
        return handled

    def run_forever(self, stop: threading.Event, poll_seconds: float = 0.5) -> None:
        """Sweep the queue until ``stop`` is set; when idle, wait ``poll_seconds`` or until
        the intake rings the doorbell (:mod:`bot.whatsapp.doorbell`)."""
        log.info("worker %s started", self.worker_id)
        self._stop = stop  # checked between messages, so a stop never cuts a turn short
        bell = listen(self.runtime.db, stop)
        while not stop.is_set():
            bell.clear()  # a message stored from now on rings it
            try:
                if self.run_once() == 0:
                    bell.wait(poll_seconds)
            except Exception:  # a database outage must not end the worker
                log.exception("worker %s: sweep failed; retrying", self.worker_id)
                stop.wait(max(poll_seconds, 2.0))
        log.info("worker %s stopped", self.worker_id)

    # -- one message -----------------------------------------------------------------
    def handle(self, claim: Claim) -> None:
        """:meth:`turn`, then :meth:`deliver`; failures are recorded, never raised."""
        if claim.attempts > self.max_attempts:
            # Every earlier try died with its worker (a poison message): stop retrying.
            self._failed(claim, f"gave up after {claim.attempts - 1} interrupted attempts")
            return
        try:
            fetched = fetch_media(self.runtime, claim.media) if claim.media else None
            outcome = self.turn(claim, fetched)
            if outcome is not None:
                self.deliver(claim, outcome)
        except Exception as exc:
            log.exception(
                "turn for message %s failed (attempt %d)", claim.message_id, claim.attempts
            )
            self._failed(claim, f"{type(exc).__name__}: {exc}")

    def turn(self, claim: Claim, fetched: list[Fetched] | None = None) -> Outcome | None:
        """Step 2; returns what to send and settle with, or ``None`` if the claim was lost.

        The turn's first transaction also checks that a turn is needed, and the one that
        records the reply also holds the rows to send: a command turn is one transaction.
        """
        gate = _Gate(self.worker_id, self.lease)
        held: list[Outcome] = []

        def hold_outbox(ctx: TurnContext, reply: Reply) -> None:
            scope = ProjectScope(ctx.scope.session, ctx.message.project_id, actor="system:worker")
            # A failed reply: the model could not be reached even after the SDK's retries;
            # the turn reverted its writes and answered with a fallback.
            status = "failed" if reply.meta.get("failed") else "done"
            operator = _operator(ctx.scope.session, ctx.message)  # no SQL: ctx holds both
            held.append(Outcome(status, self._outbox(scope, ctx.message, operator)))

        try:
            reply = run_turn(
                self.runtime,
                claim.message_id,
                self.handler,
                fetched,
                loader=gate.load,
                on_recorded=hold_outbox,
            )
        except _NoTurn as no_turn:
            early = self._answer_without_turn(claim, no_turn)
            return None if early is _LOST else early
        if reply is None or not held:
            log.warning("message %s was taken over by another worker", claim.message_id)
            return None
        return held[-1]

    def _answer_without_turn(self, claim: Claim, no_turn: _NoTurn) -> Outcome:
        """The outcome when no turn is needed: an unknown or inactive sender is answered
        (once), a reply already recorded is sent; :data:`_LOST` when the claim was lost.

        Decided by what the turn's first transaction saw (``no_turn``), so a sender
        activated a moment later is not taken for an operator whose turn already ran.
        """
        with self.runtime.db.session() as session:
            message = lock_claimed(session, claim.message_id, self.worker_id)
            if message is None:
                log.warning("message %s was taken over by another worker", claim.message_id)
                return _LOST
            scope = ProjectScope(session, message.project_id, actor="system:worker")
            if no_turn.operator:  # the reply is recorded: send it (and deferred messages)
                return Outcome("done", self._outbox(scope, message, _operator(session, message)))
            if not no_turn.answered:
                answer_unknown_sender(self.runtime, scope, message)
            return Outcome("ignored", self._outbox(scope, message, None))

    def _outbox(
        self, scope: ProjectScope, message: Message, operator: User | None
    ) -> list[Message]:
        """The rows to send now, held by this worker: the thread's replies waiting for a
        retry, the reply rows not sent yet, then the operator's deferred messages.

        Deferred rows keep their status until Twilio has them, so a crash before sending
        leaves them to go out with the retried turn.
        """
        rows = waiting_rows(scope.session, message.thread_key, exclude=message.id)
        rows += [r for r in pending_replies(scope, message.id) if r.status == "pending"]
        if operator is not None:
            rows += deferred_rows(scope, operator)
        hold(rows, self.worker_id, self.runtime.clock.now())
        return rows

    def deliver(self, claim: Claim, outcome: Outcome) -> None:
        """Step 3: send the reply (and the operator's deferred messages), then settle.

        Twilio is called after the turn's transaction, never inside one: on SQLite an
        open transaction holds the write lock the webhook needs. Twilio's answers are
        recorded even if the claim was lost meanwhile, so nothing is sent twice.
        """
        results = send_in_order(self.runtime, outcome.outbox)
        with self.runtime.db.session() as session:
            record_results(
                session, outcome.outbox, results, self.runtime.clock.now(), actor="system:sender"
            )
            message = lock_claimed(session, claim.message_id, self.worker_id)
            if message is None:
                return
            settle(message, outcome.status)
            if outcome.status == "done":
                message.status, error = reply_state(session, message.id)
                message.error_message = error or message.error_message

    def _failed(self, claim: Claim, error: str) -> None:
        """Retry later, or after the last attempt apologise and mark the message failed."""
        with self.runtime.db.session() as session:
            message = lock_claimed(session, claim.message_id, self.worker_id)
            if message is None:
                return
            if claim.attempts < self.max_attempts:
                release_for_retry(message, error, self.retry_delay * claim.attempts)
                return
            message.error_message = error[:1000]
            scope = ProjectScope(session, message.project_id, actor="system:worker")
            operator = _operator(session, message)
            if not pending_replies(scope, message.id):
                # "Nothing was saved": revert what an unfinished model turn committed.
                discard_unfinished(scope, message, self.runtime.clock.now())
                self._apologise(scope, message, operator)
            outbox = self._outbox(scope, message, operator)
            scope.emit(
                "whatsapp.turn.failed",
                user_id=message.user_id,
                message_id=message.id,
                session_id=message.session_id,
                error=error[:300],
            )
        # Sent after the transaction, like every reply (no transaction during a network call).
        self.deliver(claim, Outcome("failed", outbox))

    def _apologise(self, scope: ProjectScope, message: Message, operator: User | None) -> None:
        """Record the apology, in the operator's session so admins see the failed turn."""
        now = self.runtime.clock.now()
        if operator is not None and message.session_id is None:
            # The failed turn's own session write was rolled back with the rest of it.
            chat = get_or_open_session(
                scope,
                operator,
                whatsapp_address(message.from_number),
                now,
                idle_hours=self.runtime.settings.session_idle_hours,
            )
            chat.last_activity_at = max(chat.last_activity_at, now)
            message.session_id = chat.id
        excerpt = message.body[:40] + ("…" if len(message.body) > 40 else "")
        record_outbound(
            scope,
            message.from_number,
            APOLOGY.format(excerpt=f'"{excerpt}"' if excerpt else "a file"),
            now=now,
            user_id=message.user_id,
            session_id=message.session_id,
            reply_to_id=message.id,
        )
