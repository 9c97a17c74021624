"""The data model's enumerations, stored as TEXT with CHECK constraints.

The choices a tool's input model offers the model are these same lists: an enumeration
that appears in a type (``Outcome``, ``PaymentMethod`` …) is written once as a
``Literal`` and its tuple is derived from it.
"""

from __future__ import annotations

from typing import Literal, get_args

Channel = Literal["whatsapp", "call", "email", "sms"]
Outcome = Literal[
    "no_response",
    "spoke",
    "pledged",
    "paid",
    "declined",
    "reschedule",
    "wrong_number",
    "do_not_contact",
]
ContactStatus = Literal["active", "inactive", "do_not_contact"]
PaymentMethod = Literal["upi", "bank", "cash", "card", "other"]
MemoryType = Literal[
    "contact_profile", "contact_history_summary", "operator_preferences", "campaign_playbook"
]
Importance = Literal["low", "medium", "high"]

CHANNELS: tuple[Channel, ...] = get_args(Channel)
DIRECTIONS = ("inbound", "outbound")
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
FOLLOWUP_STATUSES = ("due", "scheduled", "done", "cancelled")
ROLES = ("ADMIN", "USER", "GUEST", "DEVELOPER")
MEMBER_ROLES = ("ADMIN", "MEMBER")
CONTACT_STATUSES: tuple[ContactStatus, ...] = get_args(ContactStatus)
#: ``upi_vpa`` and ``bank_name`` are remembered by payment reconciliation (bot/reconcile).
IDENTITY_TYPES = ("phone", "email", "upi_vpa", "bank_name")
CAMPAIGN_STATUSES = ("active", "paused", "completed")
PLEDGE_STATUSES = ("open", "fulfilled", "cancelled")
PAYMENT_METHODS: tuple[PaymentMethod, ...] = get_args(PaymentMethod)
PAYMENT_STATUSES = ("pending", "confirmed", "failed", "refunded")
PROVIDERS = ("anthropic", "meta_llama")
MESSAGE_STATUSES = (
    # inbound life cycle: queued → processing → done | failed | ignored, or pending (handled,
    # its reply waits for a delivery retry) → done | undelivered (Twilio refused the reply)
    "queued",
    "processing",
    "done",
    "failed",
    "ignored",
    # outbound life cycle
    "pending",
    "sent",
    "delivered",
    "read",
    "undelivered",
    "simulated",
    "deferred",
)
AGENT_LOG_STATUSES = ("ok", "error", "refused")
PROMPT_TYPES = ("next", "due", "start", "stats", "free")
AUDIT_ACTIONS = ("insert", "update", "delete")
MEMORY_TYPES: tuple[MemoryType, ...] = get_args(MemoryType)
IMPORTANCE: tuple[Importance, ...] = get_args(Importance)
NAMESPACES = ("kb", "contacts", "interactions", "campaigns")
FILE_ENTITY_TYPES = ("contact", "campaign", "interaction", "pledge", "payment")
LEADERBOARD_SCOPES = ("user", "team")
