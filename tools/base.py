"""What every tool shares: the server-side context, refusals, and the tool definition.

A tool is a pydantic input model (its ``Field`` descriptions become the JSON schema the
model sees) plus a function ``(ctx, args) -> result``. The context comes from the
server: the model never names a project or an operator, so it cannot act outside the
operator's project. Nothing here imports Flask or the webhook.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from bot.db import Database
from bot.engine.records import require_reachable
from bot.engine.risk import Limits
from bot.engine.timezones import operator_tz
from bot.models import ChatSession, Contact, Project, User
from bot.store import ProjectScope
from bot.turn.state import SessionState


class ToolRefused(Exception):
    """A tool call the rules forbid (not found, read-only operator, do_not_contact …).

    The message goes back to the model as an ``is_error`` result and is logged with
    status ``refused``; nothing is written.
    """


class MemoryPort(Protocol):
    """The memory operations tools need (``memory.service_for`` provides the real one)."""

    def search(
        self, query: str, *, contact_id: uuid.UUID | None, limit: int
    ) -> list[dict[str, Any]]: ...

    def store(
        self,
        content: str,
        *,
        memory_type: str,
        importance: str,
        contact_id: uuid.UUID | None,
        tags: Sequence[str],
    ) -> dict[str, Any]: ...

    def search_kb(self, query: str, *, limit: int) -> list[dict[str, Any]]: ...


class AuditKeyedScope(ProjectScope):
    """A :class:`ProjectScope` that stamps ``audit_log.idempotency_key`` on its writes.

    The loop sets :attr:`idempotency_key` to ``<turn>:<tool_use_id>`` around each write
    tool call, which is how a replayed tool call is recognised and not written twice.
    """

    idempotency_key: str | None = None

    def _audit(
        self,
        obj: Any,
        action: str,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
        idempotency_key: str | None = None,
    ) -> None:
        super()._audit(obj, action, old, new, idempotency_key or self.idempotency_key)


@dataclass
class ToolContext:
    """Who is asking and where: built by the server for one turn, never by the model.

    Attributes:
        scope: the operator's project, actor ``agent:<session_id>``, turn = inbound message.
        operator: the operator whose message is being handled.
        session: the chat session; ``state`` its planner state.
        now: the turn's time (from the runtime clock).
        memory: the memory service for this project.
        operator_words: the operator's recent messages; amount and focus guards read them.
        limits: thresholds of the risk rules (:mod:`bot.engine.risk`).
    """

    scope: AuditKeyedScope
    project: Project
    operator: User
    session: ChatSession
    state: SessionState
    now: datetime
    db: Database
    memory: MemoryPort
    operator_words: list[str] = field(default_factory=list)
    clock: Any = None
    #: The risk rules' thresholds (from the settings; defaults when not given).
    limits: Limits = field(default_factory=Limits)

    @property
    def read_only(self) -> bool:
        """GUEST operators may look things up but never write."""
        return self.operator.role == "GUEST"

    @property
    def tz(self) -> ZoneInfo:
        return operator_tz(self.operator, self.project)

    def contact(self, contact_id: Any) -> Contact:
        """A live contact of this project, or a refusal that never reveals other projects."""
        contact = self.scope.get(Contact, contact_id)
        if contact is None or contact.deleted_at is not None:
            raise ToolRefused(f"contact {contact_id} not found")
        return contact

    def writable_contact(self, contact_id: Any) -> Contact:
        """Like :meth:`contact`, refusing do_not_contact contacts."""
        contact = self.contact(contact_id)
        require_reachable(contact)
        return contact


@dataclass(frozen=True)
class Tool:
    """One tool: its name, what the model is told, its input model and its function."""

    name: str
    description: str
    input_model: type[BaseModel]
    run: Callable[[ToolContext, Any], Any]
    writes: bool = False

    def definition(self) -> dict[str, Any]:
        """The Messages API tool definition, schema derived from the input model."""
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_model.model_json_schema(),
        }


def tool(
    name: str, input_model: type[BaseModel], *, writes: bool = False
) -> Callable[[Callable[[ToolContext, Any], Any]], Tool]:
    """Decorator turning ``fn(ctx, args)`` into a :class:`Tool`; its docstring's first
    paragraph is the description the model reads."""

    def wrap(fn: Callable[[ToolContext, Any], Any]) -> Tool:
        doc = (fn.__doc__ or name).strip().split("\n\n")[0]
        return Tool(name, " ".join(doc.split()), input_model, fn, writes)

    return wrap


def contact_brief(contact: Contact) -> dict[str, Any]:
    """The few fields of a contact every listing shows."""
    return {
        "id": str(contact.id),
        "name": contact.display_name,
        "status": contact.status,
        "strength": contact.relationship_strength,
        "last_contacted": contact.last_contacted_at.isoformat()
        if contact.last_contacted_at
        else None,
    }
