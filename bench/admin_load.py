"""Bulk data for the admin benchmark, spread over 90 days (loaded by :mod:`bench.bulk`).

Two projects are loaded; the measured one holds the bulk and a second, smaller one
makes the ``project_id`` filters do real work.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from werkzeug.security import generate_password_hash

from bench.bulk import bulk_load, deferred_indexes
from bot.models import (
    AgentLog,
    Campaign,
    CampaignGoal,
    ChatSession,
    Contact,
    ContactIdentity,
    Followup,
    Message,
    Payment,
    Pledge,
    Project,
    ProviderUsage,
    RlhfInteraction,
    User,
)
from bot.models.types import new_id

DAYS = 90
TOOLS = (
    "search_contacts",
    "get_contact",
    "next_contacts",
    "log_interaction",
    "record_pledge",
    "record_payment",
    "list_followups",
    "schedule_followup",
    "search_memory",
    "campaign_stats",
)
PASSWORD = "bench-password-1"


@dataclass
class Loaded:
    project_id: uuid.UUID
    admin_email: str
    operator_ids: list[uuid.UUID]
    session_id: uuid.UUID
    contact_id: uuid.UUID
    contact_phone: str
    counts: dict[str, int]


def load(engine: Engine, now: datetime, *, logs: int, contacts: int, seed: int = 7) -> Loaded:
    """Load one big project (``logs`` agent_logs, ``contacts`` contacts) and a small one."""
    rng = random.Random(seed)
    with deferred_indexes(
        engine,
        AgentLog,
        ProviderUsage,
        Message,
        ChatSession,
        Contact,
        ContactIdentity,
        Pledge,
        Payment,
        Followup,
        RlhfInteraction,
    ):
        big = _project(engine, now, "Bench Big", "+14155550101", rng, logs, contacts)
        _project(
            engine,
            now,
            "Bench Small",
            "+14155550102",
            rng,
            max(logs // 20, 100),
            max(contacts // 20, 100),
        )
    return big


def _project(
    engine: Engine,
    now: datetime,
    name: str,
    number: str,
    rng: random.Random,
    n_logs: int,
    n_contacts: int,
) -> Loaded:
    pid = new_id()
    base = {"project_id": pid}
    with engine.begin() as conn:
        conn.execute(
            insert(Project.__table__),
            [
                {
                    "id": pid,
                    "name": name,
                    "whatsapp_number": number,
                    "timezone": "Asia/Kolkata",
                    "currency": "INR",
                    "default_region": "IN",
                    "settings_json": {},
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
    email = f"admin@{pid.hex[-12:]}.example"  # the key's random end (its start is a time)
    users = [
        dict(
            base,
            id=new_id(),
            full_name=f"Operator {i}",
            phone=f"+9199{pid.int % 10**4:04d}{i:04d}",
            email=None,
            role="USER",
            is_active=True,
            created_at=now,
            updated_at=now,
            quiet_hours_start="09:00",
            quiet_hours_end="21:00",
        )
        for i in range(20)
    ]
    users.append(
        dict(
            users[0],
            id=new_id(),
            full_name="Admin",
            phone=None,
            email=email,
            role="ADMIN",
            password_hash=generate_password_hash(PASSWORD),
        )
    )
    for user in users[:-1]:
        user["password_hash"] = None
    counts = {"users": bulk_load(engine, User, iter(users))}
    op_ids = [u["id"] for u in users[:-1]]
    contact_ids = [new_id() for _ in range(n_contacts)]
    counts["contacts"] = bulk_load(
        engine,
        Contact,
        (
            dict(
                base,
                id=cid,
                display_name=f"Donor {i:06d} {rng.choice('ABCDEFGH')}",
                primary_channel="whatsapp",
                relationship_strength=rng.randint(1, 5),
                status="active" if i % 50 else "do_not_contact",
                created_at=now,
                updated_at=now,
                assigned_to_user_id=rng.choice(op_ids),
                last_contacted_at=now - timedelta(days=rng.random() * DAYS),
            )
            for i, cid in enumerate(contact_ids)
        ),
    )
    phones = [f"+9198{pid.int % 100:02d}{i:06d}" for i in range(n_contacts)]
    counts["identities"] = bulk_load(
        engine,
        ContactIdentity,
        (
            dict(
                base,
                id=new_id(),
                contact_id=cid,
                type="phone",
                value=phones[i],
                is_primary=True,
                is_whatsapp_capable=True,
                created_at=now,
            )
            for i, cid in enumerate(contact_ids)
        ),
    )
    sessions = _sessions(engine, base, now, rng, op_ids, max(n_logs // 50, 10), counts)
    counts["agent_logs"] = bulk_load(engine, AgentLog, _logs(base, rng, sessions, n_logs))
    counts["provider_usage"] = bulk_load(
        engine, ProviderUsage, _usage(base, rng, sessions, n_logs // 5)
    )
    _money(engine, base, now, rng, contact_ids, op_ids, n_contacts // 5, counts)
    return Loaded(pid, email, op_ids, sessions[0][0], contact_ids[0], phones[0], counts)


def _sessions(
    engine: Engine,
    base: dict[str, Any],
    now: datetime,
    rng: random.Random,
    op_ids: list[uuid.UUID],
    n: int,
    counts: dict[str, int],
) -> list[tuple[Any, ...]]:
    """Sessions with 4 messages each: (session id, user id, start, inbound message ids)."""
    out, msgs, rows = [], [], []
    for _ in range(n):
        sid, uid = new_id(), rng.choice(op_ids)
        start = now - timedelta(days=rng.random() * DAYS)
        inbound = []
        for k in range(4):
            mid, at = new_id(), start + timedelta(minutes=k)
            direction = "inbound" if k % 2 == 0 else "outbound"
            if direction == "inbound":
                inbound.append(mid)
            msgs.append(
                dict(
                    base,
                    id=mid,
                    user_id=uid,
                    session_id=sid,
                    direction=direction,
                    channel="whatsapp",
                    from_number="+919900000000",
                    to_number="+14155550101",
                    body=f"message {k} about donor +91 98765 4321{k}",
                    num_media=0,
                    media_json=[],
                    status="done",
                    attempts=1,
                    created_at=at,
                    updated_at=at,
                )
            )
        rows.append(
            dict(
                base,
                id=sid,
                user_id=uid,
                channel="whatsapp",
                state_json={},
                started_at=start,
                last_activity_at=start + timedelta(minutes=4),
                closed_at=None if start > now - timedelta(hours=6) else start + timedelta(hours=12),
            )
        )
        out.append((sid, uid, start, inbound))
    counts["sessions"] = bulk_load(engine, ChatSession, iter(rows))
    counts["messages"] = bulk_load(engine, Message, iter(msgs))
    return out


def _logs(
    base: dict[str, Any], rng: random.Random, sessions: list[tuple[Any, ...]], n: int
) -> Iterator[dict[str, Any]]:
    for i in range(n):
        sid, uid, start, inbound = sessions[i % len(sessions)]
        status = "ok" if rng.random() > 0.03 else "error"
        yield dict(
            base,
            id=new_id(),
            session_id=sid,
            user_id=uid,
            message_id=inbound[i % 2],
            agent_id="calltime_operator",
            action=TOOLS[i % len(TOOLS)],
            tool_use_id=f"toolu_{i}",
            input_json={"query": f"donor {i % 997}"},
            result='{"ok": true}' if status == "ok" else None,
            status=status,
            execution_time_ms=rng.randint(2, 400),
            error=None if status == "ok" else "boom",
            created_at=start + timedelta(seconds=30 + i % 200),
        )


def _usage(
    base: dict[str, Any], rng: random.Random, sessions: list[tuple[Any, ...]], n: int
) -> Iterator[dict[str, Any]]:
    for i in range(n):
        sid, uid, start, inbound = sessions[i % len(sessions)]
        p, c = rng.randint(500, 4000), rng.randint(50, 600)
        yield dict(
            base,
            id=new_id(),
            user_id=uid,
            session_id=sid,
            message_id=inbound[i % 2],
            provider="anthropic",
            model="claude-haiku-4-5" if i % 4 else "claude-sonnet-4-5",
            iterations=1,
            prompt_tokens=p,
            completion_tokens=c,
            total_tokens=p + c,
            cache_read_tokens=rng.randint(0, 3000),
            cache_write_tokens=0,
            latency_ms=800,
            created_at=start + timedelta(seconds=20 + i % 200),
        )


def _money(
    engine: Engine,
    base: dict[str, Any],
    now: datetime,
    rng: random.Random,
    contacts: list[uuid.UUID],
    op_ids: list[uuid.UUID],
    n: int,
    counts: dict[str, int],
) -> None:
    def when() -> datetime:
        return now - timedelta(days=rng.random() * DAYS)

    counts["pledges"] = bulk_load(
        engine,
        Pledge,
        (
            dict(
                base,
                id=new_id(),
                contact_id=rng.choice(contacts),
                currency="INR",
                amount=Decimal(rng.randint(1, 100) * 500),
                pledged_at=when(),
                status="open" if i % 3 else "fulfilled",
            )
            for i in range(n)
        ),
    )
    counts["payments"] = bulk_load(
        engine,
        Payment,
        (
            dict(
                base,
                id=new_id(),
                contact_id=rng.choice(contacts),
                currency="INR",
                amount=Decimal(rng.randint(1, 100) * 500),
                paid_at=when(),
                method="upi",
                status="confirmed",
            )
            for _ in range(n // 2)
        ),
    )
    counts["followups"] = bulk_load(
        engine,
        Followup,
        (
            dict(
                base,
                id=new_id(),
                contact_id=rng.choice(contacts),
                due_at=when() + timedelta(days=60),
                status=("scheduled", "due", "done")[i % 3],
                reason="no_response",
                assigned_to_user_id=rng.choice(op_ids),
                created_at=now,
            )
            for i in range(n)
        ),
    )
    counts["feedback"] = bulk_load(
        engine,
        RlhfInteraction,
        (
            dict(
                base,
                id=new_id(),
                user_id=rng.choice(op_ids),
                prompt_type="next",
                rating=rng.randint(1, 5),
                comment="too long",
                created_at=when(),
            )
            for _ in range(n // 4)
        ),
    )
    cid = new_id()
    with engine.begin() as conn:
        conn.execute(
            insert(Campaign.__table__),
            [
                dict(
                    base,
                    id=cid,
                    name="Bench drive",
                    status="active",
                    created_at=now,
                    updated_at=now,
                )
            ],
        )
        conn.execute(
            insert(CampaignGoal.__table__),
            [
                dict(
                    base,
                    id=new_id(),
                    campaign_id=cid,
                    date=now.date(),
                    target_amount=Decimal(500000),
                    target_contacts=50,
                    created_at=now,
                )
            ],
        )
