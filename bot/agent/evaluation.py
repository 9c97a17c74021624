"""``calltime eval``: run operator messages through the planner and compare the records.

Each JSONL line is a case::

    {"name": "pledge", "category": "free_text", "contacts": [{"name": "Anita Sharma"}],
     "current": "Anita Sharma", "setup": ["next"], "message": "pledged 25k by Friday",
     "expect": {"interactions": [{"outcome": "pledged"}],
                "pledges": [{"amount": "25000", "expected_by": "2026-11-27"}],
                "followups": [{"due": "2026-11-27 10:00", "reason": "send_payment_link"}],
                "reply_contains": "25"}}

``setup`` messages are sent first (a proposal, then ``"message": "yes"``); the records
are compared after the last one (:mod:`bot.agent.eval_scoring` says how). Without
``contacts`` a case gets :data:`ROSTER`. Contacts may carry ``status``, ``tags`` and an
open ``pledge`` amount. The clock is frozen at ``now`` (default :data:`EVAL_NOW`,
Thursday 26 Nov 2026 10:00 in Asia/Kolkata) so dates in ``expect`` are absolute.

Every case gets its own project in a scratch SQLite database, so cases never see each
other's rows; the real database is never touched. Each message goes through
:func:`bot.turn.run.run_turn`, exactly as the worker runs it. A malformed line is
reported with its line number and the other cases still run.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.agent.eval_scoring import Score, score
from bot.directory.org import add_user, create_project
from bot.models import (
    ChatSession,
    Contact,
    ContactTag,
    Followup,
    Interaction,
    Message,
    Payment,
    Pledge,
    Project,
)
from bot.phones import whatsapp_address
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.context import Reply
from bot.turn.run import run_turn
from bot.turn.state import SessionState

OPERATOR_PHONE = "+919800000001"
EVAL_NOW = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)
EVAL_TZ = ZoneInfo("Asia/Kolkata")
#: The contacts of a case that names none.
ROSTER = [
    {"name": "Anita Sharma"},
    {"name": "Anita Rao"},
    {"name": "Ravi Kumar"},
    {"name": "Meera Iyer"},
    {"name": "Vikram Singh"},
    {"name": "Shanti Trust"},
    {"name": "अनीता देवी"},
    {"name": "Kabir Shah", "status": "do_not_contact"},
]


@dataclass
class CaseResult:
    name: str
    matched: bool
    reply: str
    problems: list[str] = field(default_factory=list)
    category: str = "cases"
    score: Score = field(default_factory=Score)


@dataclass
class CaseIds:
    """The rows a case's turns run against."""

    project_id: uuid.UUID
    user_id: uuid.UUID
    chat_id: uuid.UUID
    names: dict[uuid.UUID, str]
    seeded: set[uuid.UUID] = field(default_factory=set)
    statuses: dict[uuid.UUID, str] = field(default_factory=dict)
    notes: dict[uuid.UUID, str | None] = field(default_factory=dict)


def load_cases(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The file's cases, and one error per malformed line (naming its line number)."""
    cases, errors = [], []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name} line {number}: not JSON ({exc.msg})")
            continue
        if not isinstance(case, dict) or not isinstance(case.get("message"), str):
            errors.append(f"{path.name} line {number}: a case needs a 'message' string")
            continue
        if not isinstance(case.get("setup", []), list) or not isinstance(
            case.get("expect", {}), dict
        ):
            errors.append(f"{path.name} line {number}: 'setup' is a list, 'expect' an object")
            continue
        case.setdefault("name", f"{path.name} line {number}")
        case.setdefault("category", path.stem)
        cases.append(case)
    return cases, errors


def run_case(runtime: Runtime, index: int, case: dict[str, Any]) -> CaseResult:
    """Run one case in its own project and compare what was written with ``expect``."""
    clock = runtime.clock
    if hasattr(clock, "set"):
        clock.set(datetime.fromisoformat(case["now"]) if case.get("now") else EVAL_NOW)
    with runtime.db.session() as session:
        ids = _setup(runtime, session, index, case)
    reply = Reply("")
    for text in [*case.get("setup", []), case["message"]]:
        reply = _say(runtime, ids, text)
    with runtime.db.session() as session:
        found = _records(ProjectScope(session, ids.project_id), ids)
    result = score(case, found, reply.text)
    return CaseResult(
        case["name"], result.exact, reply.text, result.problems(), case["category"], result
    )


def _setup(runtime: Runtime, session: Any, index: int, case: dict[str, Any]) -> CaseIds:
    """The case's project, operator, contacts and session."""
    now = runtime.clock.now()
    project = create_project(
        session, f"eval case {index}", f"+1415555{index:04d}", upi_vpa="calltime@okicici"
    )
    scope = ProjectScope(session, project.id, actor="cli")
    user = add_user(scope, "Eval Operator", OPERATOR_PHONE, "USER")
    ids = CaseIds(project.id, user.id, uuid.uuid4(), {})
    _seed_contacts(scope, case.get("contacts") or ROSTER, ids, now)
    state = SessionState()
    current = [cid for cid, name in ids.names.items() if name == case.get("current")]
    state.current_contact_id = current[0] if current else None
    chat = scope.insert(
        ChatSession(
            user_id=user.id,
            whatsapp_thread_id=whatsapp_address(OPERATOR_PHONE),
            state_json=state.dump(),
            started_at=now,
            last_activity_at=now,
        )
    )
    ids.chat_id = chat.id
    return ids


def _say(runtime: Runtime, ids: CaseIds, text: str) -> Reply:
    """One turn, exactly as the worker runs it: the inbound message, then :func:`run_turn`."""
    with runtime.db.session() as session:
        scope = ProjectScope(session, ids.project_id, actor="cli")
        project = session.get(Project, ids.project_id)
        if project is None:  # the case's own project, made by this run
            raise LookupError(f"evaluation project {ids.project_id} is missing")
        message = scope.insert(
            Message(
                user_id=ids.user_id,
                session_id=ids.chat_id,
                direction="inbound",
                from_number=OPERATOR_PHONE,
                to_number=project.whatsapp_number,
                body=text,
                status="processing",
                created_at=runtime.clock.now(),
            )
        )
    reply = run_turn(runtime, message.id)
    return reply if reply is not None else Reply("")


def _seed_contacts(
    scope: ProjectScope, specs: list[dict[str, Any]], ids: CaseIds, now: datetime
) -> None:
    """Create the case's contacts (with tags and open pledges)."""
    for spec in specs:
        contact = scope.insert(
            Contact(
                display_name=spec["name"],
                status=spec.get("status", "active"),
                notes=spec.get("notes"),
            )
        )
        ids.names[contact.id] = contact.display_name
        ids.statuses[contact.id] = contact.status
        ids.notes[contact.id] = contact.notes
        for tag in spec.get("tags", []):
            scope.insert(ContactTag(contact_id=contact.id, tag=tag))
        if spec.get("pledge"):
            pledge = scope.insert(
                Pledge(
                    contact_id=contact.id,
                    amount=Decimal(str(spec["pledge"])),
                    pledged_at=now,
                    status="open",
                )
            )
            ids.seeded.add(pledge.id)


def _records(scope: ProjectScope, ids: CaseIds) -> dict[str, list[dict[str, Any]]]:
    """What the case's turns wrote, by kind (rows seeded by the case left out)."""

    def who(row: Any) -> str:
        return ids.names.get(row.contact_id, str(row.contact_id))

    def local(moment: datetime) -> str:
        return f"{moment.astimezone(EVAL_TZ):%Y-%m-%d %H:%M}"

    return {
        "interactions": [{"contact": who(i), "outcome": i.outcome} for i in scope.all(Interaction)],
        "pledges": [
            {
                "contact": who(p),
                "amount": p.amount,
                "expected_by": p.expected_by,
                "status": p.status,
            }
            for p in scope.all(Pledge)
            if p.id not in ids.seeded
        ],
        "payments": [
            {
                "contact": who(p),
                "amount": p.amount,
                "method": p.method,
                "method_name": p.notes,
                "reference": p.reference,
                "paid_on": f"{p.paid_at.astimezone(EVAL_TZ):%Y-%m-%d}",
            }
            for p in scope.all(Payment)
        ],
        "followups": [
            {"contact": who(f), "due": local(f.due_at), "reason": f.reason}
            for f in scope.all(Followup)
        ],
        **_contact_changes(scope, ids),
    }


def _contact_changes(scope: ProjectScope, ids: CaseIds) -> dict[str, list[dict[str, Any]]]:
    """Contacts whose status or notes the case's turns changed."""
    contacts = [c for c in scope.all(Contact) if c.id in ids.statuses]
    return {
        "contacts": [
            {"contact": c.display_name, "status": c.status}
            for c in contacts
            if c.status != ids.statuses[c.id]
        ],
        "notes": [
            {"contact": c.display_name, "contains": c.notes}
            for c in contacts
            if c.notes != ids.notes[c.id]
        ],
    }
