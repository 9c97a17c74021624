"""Sending the scheduler's messages outside database transactions.

A job first records its outbound rows as ``pending`` and commits (with whatever marks
the work done, e.g. ``followups.nudged_at``); only then are the rows handed to Twilio,
so no transaction — and on SQLite no write lock — is held during an HTTP call. The
answers are recorded in a second short transaction. A row Twilio could not take now
(429, 5xx) waits for a retry, and a clock that dies between the two transactions
leaves ``pending`` rows behind; :func:`resend_stale` delivers both when their time
comes, so nothing recorded is lost (see :mod:`bot.whatsapp.redelivery`).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.models import Message
from bot.runtime import Runtime
from bot.whatsapp.redelivery import deliver_due, record_results, send_in_order
from bot.whatsapp.sender import SendResult

FAILED_STATUSES = frozenset({"failed", "undelivered"})
#: Sends stop this long before the rows' lease ends: a request in flight may take up to
#: Twilio's timeout (15 s) to answer.
LEASE_MARGIN = timedelta(seconds=30)
#: Due rows resent per run at most (the rest wait for the next run).
RESEND_LIMIT = 200


def transmit_rows(
    runtime: Runtime, project_id: uuid.UUID, rows: Sequence[Message], actor: str
) -> str | None:
    """Send committed ``pending`` rows, then record Twilio's answers; the first refusal or None.

    A refused row stops the rest (the rest of a refused digest would make no sense on
    its own); a row Twilio could not take now waits for a retry with the rest after it.
    """
    return transmit_groups(runtime, [rows], actor)[0]


def transmit_groups(
    runtime: Runtime, groups: Sequence[Sequence[Message]], actor: str
) -> list[str | None]:
    """:func:`transmit_rows` for several groups (one thread each, e.g. digests) at once.

    Every group is sent first (until :func:`send_deadline`), then all the answers are
    recorded in one short transaction. Returns each group's first refusal, or None.
    """
    rows = [row for group in groups for row in group]
    if not rows:
        return [None for _ in groups]
    results = send_in_order(runtime, rows, stop_on_refusal=True, deadline=send_deadline(rows))
    with runtime.db.session() as session:
        record_results(session, rows, results, runtime.clock.now(), actor=actor)
    return [first_refusal(group, results) for group in groups]


def send_deadline(rows: Sequence[Message]) -> datetime | None:
    """When to stop sending ``rows``: :data:`LEASE_MARGIN` before the first lease ends.

    Rows not sent by then are left to a sweep, which may take them once their lease has
    ended; so no row is sent by this process and a sweep both, however slow Twilio is.
    """
    leases = [row.lease_until for row in rows if row.lease_until is not None]
    return min(leases) - LEASE_MARGIN if leases else None


def first_refusal(rows: Sequence[Message], results: dict[uuid.UUID, SendResult]) -> str | None:
    """Why the first of ``rows`` that Twilio refused was refused, or None."""
    for row in rows:
        result = results.get(row.id)
        if result is not None and result.status in FAILED_STATUSES:
            return result.error_message or f"message {result.status}"
    return None


def resend_stale(runtime: Runtime) -> int:
    """Deliver due rows: retries whose time has come and rows a crashed process left.

    Replies of messages a worker still holds are left to that worker; each row is
    claimed under ``FOR UPDATE SKIP LOCKED`` first, so two clocks (or a clock and a
    worker) never send the same row. Returns how many rows were handed to Twilio.
    """
    sender = f"clock:{socket.gethostname()}:{os.getpid()}"
    return deliver_due(runtime, sender, limit=RESEND_LIMIT)
