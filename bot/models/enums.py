"""The data model's enumerations, stored as TEXT with CHECK constraints."""

from __future__ import annotations

CHANNELS = ("whatsapp", "call", "email", "sms")
DIRECTIONS = ("inbound", "outbound")
OUTCOMES = (
    "no_response",
    "spoke",
    "pledged",
    "paid",
    "declined",
    "reschedule",
    "wrong_number",
    "do_not_contact",
)
FOLLOWUP_STATUSES = ("due", "scheduled", "done", "cancelled")
ROLES = ("ADMIN", "USER", "GUEST", "DEVELOPER")
MEMBER_ROLES = ("ADMIN", "MEMBER")
CONTACT_STATUSES = ("active", "inactive", "do_not_contact")
IDENTITY_TYPES = ("phone", "email")
CAMPAIGN_STATUSES = ("active", "paused", "completed")
PLEDGE_STATUSES = ("open", "fulfilled", "cancelled")
PAYMENT_METHODS = ("upi", "bank", "cash", "card", "other")
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
MEMORY_TYPES = (
    "contact_profile",
    "contact_history_summary",
    "operator_preferences",
    "campaign_playbook",
)
IMPORTANCE = ("low", "medium", "high")
NAMESPACES = ("kb", "contacts", "interactions", "campaigns")
FILE_ENTITY_TYPES = ("contact", "campaign", "interaction", "pledge", "payment")
LEADERBOARD_SCOPES = ("user", "team")
