"""The stats tool: today's progress against the campaign goal."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bot.engine import stats as engine_stats
from tools.base import ToolContext, tool


class CampaignStats(BaseModel):
    """No input: the stats are the operator's and the team's for today."""


@tool("campaign_stats", CampaignStats)
def campaign_stats(ctx: ToolContext, args: CampaignStats) -> dict[str, Any]:
    """Today's calls, pledges and payments against the campaign goal."""
    stats = engine_stats.campaign_stats(ctx.scope, ctx.operator, ctx.now)
    return {"stats": stats.model_dump(mode="json"), "text": stats.as_text()}
