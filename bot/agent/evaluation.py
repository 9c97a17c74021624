"""``calltime eval``: run operator messages through the planner and compare the records.

Each JSONL line is a case::

    {"name": "pledge", "contacts": [{"name": "Anita Sharma"}], "current": "Anita Sharma",
     "message": "spoke to Anita, pledged 25k by Friday",
     "expect": {"interactions": [{"contact": "Anita Sharma", "outcome": "pledged"}],
                "pledges": [{"contact": "Anita Sharma", "amount": "25000"}],
                "payments": [], "followups": 0, "reply_contains": "25"}}

Every case gets its own project in a scratch SQLite database, so cases never see each
other's rows; the real database is never touched. Each message goes through
:func:`bot.turn.run.run_turn`, exactly as the worker runs it. Keys missing from
``expect`` are not checked.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.directory.org import add_user, create_project
from bot.models import ChatSession, Contact, Followup, Interaction, Message, Payment, Pledge
from bot.phones import whatsapp_address
from bot.runtime import Runtime
from bot.store import ProjectScope
from bot.turn.run import run_turn
from bot.turn.state import SessionState

OPERATOR_PHONE = "+919800000001"


@dataclass
class CaseResult:
    name: str
    matched: bool
    reply: str
    problems: list[str] = field(default_factory=list)


def load_cases(path: Path) -> list[dict[str, Any]]:
    """Parse the JSONL file; a bad line is a clear error naming its line number."""
    cases = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON ({exc.msg})") from exc
        if not isinstance(case, dict) or not isinstance(case.get("message"), str):
            raise ValueError(f"line {number}: a case needs a 'message' string")
        case.setdefault("name", f"line {number}")
        cases.append(case)
    return cases


def run_case(runtime: Runtime, index: int, case: dict[str, Any]) -> CaseResult:
    """Run one case in its own project and compare what was written with ``expect``."""
    with runtime.db.session() as session:
        project_id, message_id, names = _setup(runtime, session, index, case)
    reply = run_turn(runtime, message_id)
    text = reply.text if reply is not None else ""
    with runtime.db.session(read_only=True) as session:
        found = _records(ProjectScope(session, project_id), names)
    problems = _compare(case.get("expect") or {}, found, text)
    return CaseResult(case["name"], not problems, text, problems)


def _setup(
    runtime: Runtime, session: Any, index: int, case: dict[str, Any]
) -> tuple[Any, Any, dict[Any, str]]:
    """The case's project, operator, contacts, session and inbound message.

    Returns the project id, the message id and the contacts' names by id.
    """
    now = runtime.clock.now()
    project = create_project(session, f"eval case {index}", f"+1415555{index:04d}")
    scope = ProjectScope(session, project.id, actor="cli")
    user = add_user(scope, "Eval Operator", OPERATOR_PHONE, "USER")
    names = _seed_contacts(scope, case.get("contacts", []))
    state = SessionState()
    current = [cid for cid, name in names.items() if name == case.get("current")]
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
    message = scope.insert(
        Message(
            user_id=user.id,
            session_id=chat.id,
            direction="inbound",
            from_number=OPERATOR_PHONE,
            to_number=project.whatsapp_number,
            body=case["message"],
            status="processing",
            created_at=now,
        )
    )
    return project.id, message.id, names


def _seed_contacts(scope: ProjectScope, specs: list[dict[str, Any]]) -> dict[Any, str]:
    """Create the case's contacts; returns their names by id."""
    names: dict[Any, str] = {}
    for spec in specs:
        contact = scope.insert(
            Contact(
                display_name=spec["name"],
                status=spec.get("status", "active"),
                notes=spec.get("notes"),
            )
        )
        names[contact.id] = contact.display_name
    return names


def _records(scope: ProjectScope, names: dict[Any, str]) -> dict[str, Any]:
    def who(row: Any) -> str:
        return names.get(row.contact_id, str(row.contact_id))

    return {
        "interactions": sorted((who(i), i.outcome) for i in scope.all(Interaction)),
        "pledges": sorted((who(p), str(Decimal(p.amount))) for p in scope.all(Pledge)),
        "payments": sorted((who(p), str(Decimal(p.amount))) for p in scope.all(Payment)),
        "followups": scope.count(Followup),
    }


def _compare(expect: dict[str, Any], found: dict[str, Any], reply: str) -> list[str]:
    problems = []
    for kind, key in (("interactions", "outcome"), ("pledges", "amount"), ("payments", "amount")):
        if kind not in expect:
            continue
        wanted = sorted(
            (
                e["contact"],
                str(Decimal(str(e[key])).quantize(Decimal("0.01"))) if key == "amount" else e[key],
            )
            for e in expect[kind]
        )
        if Counter(wanted) != Counter(found[kind]):
            problems.append(f"{kind}: expected {wanted}, got {found[kind]}")
    if "followups" in expect and expect["followups"] != found["followups"]:
        problems.append(f"followups: expected {expect['followups']}, got {found['followups']}")
    needle = expect.get("reply_contains")
    if needle and needle.lower() not in reply.lower():
        problems.append(f"reply does not contain {needle!r}")
    return problems
