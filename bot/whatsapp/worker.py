"""The queue worker: one turn at a time per thread, in arrival order, exactly one reply.

A turn runs in three steps, so a crash at any point neither loses nor repeats a reply:

1. claim (short transaction): the message becomes ``processing`` under a lease;
2. turn (one transaction): session, state, planner, the reply recorded as ``pending``
   outbound rows with ``reply_to_id`` — all committed together or not at all;
3. delivery: the pending rows go to Twilio, then the message is settled ``done``.

A retried message whose reply rows already exist skips step 2. A turn that raises is
put back in the queue with a delay and, after ``max_attempts``, answered with an apology
and marked ``failed``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.models import Message, Project, User
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.context import Reply, TurnContext
from bot.turn.router import route
from bot.turn.run import run_turn
from bot.whatsapp.media import Fetched, fetch_media
from bot.whatsapp.queue import Claim, claim_next, lock_claimed, release_for_retry, settle
from bot.whatsapp.sender import (
    apply_result,
    deferred_rows,
    deliver_pending,
    pending_replies,
    record_outbound,
    twilio_send,
)
from bot.whatsapp.unknown_senders import answer_unknown_sender

log = logging.getLogger(__name__)

TurnHandler = Callable[[TurnContext], Reply]

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


def _outbox(scope: ProjectScope, message: Message, operator: User | None) -> list[Message]:
    """The reply rows not sent yet, then the operator's deferred messages.

    Deferred rows keep their status until Twilio has them, so a crash before sending
    leaves them to go out with the retried turn.
    """
    rows = [r for r in pending_replies(scope, message.id) if r.status == "pending"]
    if operator is not None:
        rows.extend(deferred_rows(scope, operator))
    return rows


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
        self.max_attempts = max_attempts
        self.retry_delay = timedelta(seconds=retry_delay_seconds)
        self.worker_id = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._stop = threading.Event()

    def run_once(self) -> int:
        """Handle every message runnable now; returns how many were handled."""
        handled = 0
        while handled < MAX_PER_SWEEP and not self._stop.is_set():
            claim = claim_next(self.runtime.db, self.worker_id, self.lease)
            if claim is None:
                break
            self.handle(claim)
            handled += 1
        return handled

    def run_forever(self, stop: threading.Event, poll_seconds: float = 0.5) -> None:
        """Sweep the queue until ``stop`` is set, sleeping ``poll_seconds`` when idle."""
        log.info("worker %s started", self.worker_id)
        self._stop = stop  # checked between messages, so a stop never cuts a turn short
        while not stop.is_set():
            try:
                if self.run_once() == 0:
                    stop.wait(poll_seconds)
            except Exception:  # a database outage must not end the worker
                log.exception("worker %s: sweep failed; retrying", self.worker_id)
                stop.wait(max(poll_seconds, 2.0))
        log.info("worker %s stopped", self.worker_id)

    # -- one message -----------------------------------------------------------------
    def handle(self, claim: Claim) -> None:
        """Run the turn for ``claim``; failures are recorded, never raised."""
        if claim.attempts > self.max_attempts:
            # Every earlier try died with its worker (a poison message): stop retrying.
            self._failed(claim, f"gave up after {claim.attempts - 1} interrupted attempts")
            return
        try:
            fetched = fetch_media(self.runtime, claim.media) if claim.media else None
            outcome = self._turn(claim, fetched)
            if outcome is not None:
                self._send_and_settle(claim, outcome)
        except Exception as exc:
            log.exception(
                "turn for message %s failed (attempt %d)", claim.message_id, claim.attempts
            )
            self._failed(claim, f"{type(exc).__name__}: {exc}")

    def _turn(self, claim: Claim, fetched: list[Fetched] | None = None) -> Outcome | None:
        """Step 2; returns what to send and settle with, or ``None`` if the claim was lost."""
        with self.runtime.db.session() as session:
            message = lock_claimed(session, claim.message_id, self.worker_id)
            if message is None:
                log.warning("message %s was taken over by another worker", claim.message_id)
                return None
            project = session.get(Project, message.project_id)
            user = session.get(User, message.user_id) if message.user_id else None
            operator = user if user is not None and user.is_active else None
            scope = ProjectScope(
                session,
                message.project_id,
                actor=f"user:{operator.id}" if operator else "system:worker",
                turn_id=message.id,
            )
            status = "done" if operator else "ignored"
            if not pending_replies(scope, message.id):
                if operator is None or project is None:
                    answer_unknown_sender(self.runtime, scope, message)
                else:
                    reply = run_turn(
                        self.runtime, scope, project, operator, message, self.handler, fetched
                    )
                    if reply.meta.get("failed"):
                        # The assistant could not reach the model even after the SDK's
                        # retries: it rolled back its writes and answered with a fallback.
                        message.error_message = str(reply.meta.get("error") or "failed")[:1000]
                        status = "failed"
            return Outcome(status, _outbox(scope, message, operator))

    def _send_and_settle(self, claim: Claim, outcome: Outcome) -> None:
        """Step 3: send the reply (and the operator's deferred messages), then settle.

        Twilio is called after the turn's transaction, never inside one: on SQLite an
        open transaction holds the write lock the webhook needs.
        """
        results = [(row.id, twilio_send(self.runtime, row)) for row in outcome.outbox]
        with self.runtime.db.session() as session:
            message = lock_claimed(session, claim.message_id, self.worker_id)
            if message is None:
                return
            scope = ProjectScope(session, message.project_id, actor="system:sender")
            for row_id, result in results:
                row = session.get(Message, row_id)
                if row is not None:
                    apply_result(scope, row, result)
            settle(message, outcome.status)

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
            if not pending_replies(scope, message.id):
                self._apologise(scope, message)
            deliver_pending(self.runtime, scope, pending_replies(scope, message.id))
            settle(message, "failed")
            scope.emit(
                "whatsapp.turn.failed",
                user_id=message.user_id,
                message_id=message.id,
                error=error[:300],
            )

    def _apologise(self, scope: ProjectScope, message: Message) -> None:
        excerpt = message.body[:40] + ("…" if len(message.body) > 40 else "")
        record_outbound(
            scope,
            message.from_number,
            APOLOGY.format(excerpt=f'"{excerpt}"' if excerpt else "a file"),
            now=self.runtime.clock.now(),
            user_id=message.user_id,
            session_id=message.session_id,
            reply_to_id=message.id,
        )
