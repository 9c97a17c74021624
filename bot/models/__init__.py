"""The relational schema (data model §3 plus Calltime's own tables).

Importing this package registers every table on :data:`Base.metadata`, which is
what Alembic's autogenerate compares against.
"""

from bot.models.activity import Followup, Interaction, LeaderboardDaily, Payment, Pledge
from bot.models.agent import (
    AgentLog,
    AuditLog,
    Event,
    JobRun,
    LoginAttempt,
    LoginToken,
    ModelPrice,
    ProviderUsage,
    RlhfInteraction,
)
from bot.models.base import Base
from bot.models.contacts import Contact, ContactIdentity, ContactTag
from bot.models.memory import KbDocument, Memory, VectorRecord
from bot.models.messaging import ChatSession, File, FileLink, Message
from bot.models.org import Campaign, CampaignGoal, Project, Team, TeamMember, User

__all__ = [
    "AgentLog",
    "AuditLog",
    "Base",
    "Campaign",
    "CampaignGoal",
    "ChatSession",
    "Contact",
    "ContactIdentity",
    "ContactTag",
    "Event",
    "File",
    "FileLink",
    "Followup",
    "Interaction",
    "JobRun",
    "KbDocument",
    "LeaderboardDaily",
    "LoginAttempt",
    "LoginToken",
    "Memory",
    "Message",
    "ModelPrice",
    "Payment",
    "Pledge",
    "Project",
    "ProviderUsage",
    "RlhfInteraction",
    "Team",
    "TeamMember",
    "User",
    "VectorRecord",
]
