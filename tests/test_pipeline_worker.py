"""The worker: turns, replies through Twilio, sessions, unknown senders, failures."""

from __future__ import annotations

from flask import Flask

from bot.pipeline import inject_inbound
from bot.planner import HELP_TEXT
from bot.runtime import Runtime
from bot.worker import Worker
from tests.factories import make_project, make_user
from tests.pipeline_support import messages, twilio, wired_app, wired_runtime  # noqa: F401
from tests.twilio_double import TwilioDouble


def test_help_is_answered_through_twilio(wired_runtime: Runtime, twilio: TwilioDouble) -> None:
    project = make_project(wired_runtime.db)
    user = make_user(wired_runtime.db, project)
    inject_inbound(
        wired_runtime, to_number=project.whatsapp_number, from_number=user.phone, body="help"
    )
    assert Worker(wired_runtime).run_once() == 1
    assert twilio.bodies_to(user.phone) == [HELP_TEXT]
    assert twilio.messages[0]["From"] == f"whatsapp:{project.whatsapp_number}"
    inbound = messages(wired_runtime.db, "inbound")
    outbound = messages(wired_runtime.db, "outbound")
    assert [m.status for m in inbound] == ["done"]
    assert len(outbound) == 1
    assert outbound[0].reply_to_id == inbound[0].id
    assert outbound[0].twilio_sid == twilio.sids[0]
    assert outbound[0].status == "sent"
    assert Worker(wired_runtime).run_once() == 0
