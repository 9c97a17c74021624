"""The planner's per-session state, stored in ``sessions.state_json`` and validated here."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Suggestion(BaseModel):
    """A contact offered by ``next``, with the human reasons shown to the operator."""

    contact_id: uuid.UUID
    reasons: list[str] = Field(default_factory=list)


class PendingConfirmation(BaseModel):
    """A write the bot read back and holds until the operator answers ``yes`` (or a number).

    ``kind`` names the confirmer that applies it (see :mod:`bot.engine.confirm`);
    ``payload`` is JSON the confirmer validates again when it runs, because the rows it
    refers to may have changed since the question was asked.
    """

    kind: str
    question: str
    payload: dict[str, Any] = Field(default_factory=dict)
    #: Numbered choices ("1. Anita Sharma …"); an answer ``2`` picks the second.
    options: list[str] = Field(default_factory=list)
    expires_at: datetime
    asked_in: uuid.UUID | None = None


class LastEntry(BaseModel):
    """The outcome the operator's last write recorded, so "sorry, 20k not 25k" can
    correct it (:mod:`bot.engine.corrections`). ``turn_id`` is the message that wrote it:
    a correction applies only while that is still the operator's last turn."""

    contact_id: uuid.UUID
    args: dict[str, Any] = Field(default_factory=dict)
    turn_id: uuid.UUID
    at: datetime
    followup_id: uuid.UUID | None = None
    revise_pledge_id: uuid.UUID | None = None


class SessionState(BaseModel):
    """What the bot remembers between an operator's messages in one session."""

    model_config = ConfigDict(extra="ignore")

    campaign_id: uuid.UUID | None = None
    current_contact_id: uuid.UUID | None = None
    #: When the operator chose the current contact (``next``, ``find``, a confirmed
    #: read-back); an outcome long after it asks which donor is meant. ``None`` in
    #: sessions stored before this was kept: those are treated as just chosen.
    current_contact_at: datetime | None = None
    suggestions: list[Suggestion] = Field(default_factory=list)
    skipped_contact_ids: list[uuid.UUID] = Field(default_factory=list)
    last_draft: str | None = None
    last_prompt_type: str | None = None
    pending_question: str | None = None
    #: The write waiting for ``yes``/``haan``/``no`` (or a number when there are options).
    pending: PendingConfirmation | None = None
    # Follow-ups listed in the last nudge, in the order shown (``done 2`` → index 1).
    nudge_followup_ids: list[uuid.UUID] = Field(default_factory=list)
    #: Follow-ups of the last ``due`` list not shown yet (``more`` shows the next page).
    more_followup_ids: list[uuid.UUID] = Field(default_factory=list)
    last_turn_id: uuid.UUID | None = None
    #: The outcome the last write recorded (what a correction corrects).
    last_entry: LastEntry | None = None

    def select_contact(self, contact_id: uuid.UUID, now: datetime) -> None:
        """Make ``contact_id`` the current contact, chosen at ``now``."""
        self.current_contact_id = contact_id
        self.current_contact_at = now

    def clear_contact(self) -> uuid.UUID | None:
        """Forget the current contact (say, after a failed ``find``); returns the old one."""
        previous = self.current_contact_id
        self.current_contact_id = None
        self.current_contact_at = None
        return previous

    @classmethod
    def load(cls, raw: dict[str, Any] | None) -> SessionState:
        """Parse stored state; a corrupt blob resets to an empty state, never failing a turn."""
        try:
            return cls.model_validate(raw or {})
        except ValueError:
            return cls()

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
