"""The dashboard's "needs attention" page: failed turns, undelivered replies, retry."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.models import AuditLog, Event, Message, Project, User
from bot.runtime import Runtime
from bot.turn.context import Reply, TurnContext
from bot.whatsapp.worker import Worker
from tests import delivery_support, pipeline_support
from tests.admin_support import World, csrf_token, login, seed_project
from tests.delivery_support import inbound_statuses
from tests.pipeline_support import messages
from tests.resilience_support import deliver, form_for
from tests.twilio_double import TwilioDouble

twilio = pipeline_support.twilio  # the recording Twilio double (fixture)
wired = delivery_support.wired  # the app wired to it (fixture)


def flaky(ctx: TurnContext) -> Reply:
    if ctx.text.startswith("boom"):
        raise RuntimeError("planner exploded on purpose")
    return Reply(text=f"got: {ctx.text}")


@pytest.fixture
def world(wired: Flask, clock: FrozenClock) -> World:
    return seed_project(wired.extensions["calltime"].db, clock.now(), "Asha")


@pytest.fixture
def admin(wired: Flask, world: World) -> FlaskClient:
    client = wired.test_client()
    assert login(client, world.admin_email).status_code == 302
    return client


def operator_says(wired: Flask, world: World, body: str, sid: str) -> None:
    runtime: Runtime = wired.extensions["calltime"]
    with runtime.db.session() as session:
        project = session.get(Project, world.project_id)
        user = session.get(User, world.operator_id)
    assert deliver(wired.test_client(), form_for(project, user, body, sid)).status_code == 200
    Worker(runtime, handler=flaky, retry_delay_seconds=0).run_once()


def test_failed_turns_and_undelivered_replies_are_listed(
    wired: Flask, world: World, admin: FlaskClient, twilio: TwilioDouble
) -> None:
    operator_says(wired, world, "boom, pledged 10k", "SM" + "1" * 32)
    twilio.fail_next(400, code=21211, message="Invalid 'To' Phone Number")
    operator_says(wired, world, "hello there", "SM" + "2" * 32)
    page = admin.get("/admin/attention").get_data(as_text=True)
    turns, replies = page.split('id="undelivered"')
    assert "boom, pledged 10k" in turns and "planner exploded on purpose" in turns
    [failed] = [
        m for m in messages(wired.extensions["calltime"].db, "inbound") if m.status == "failed"
    ]
    assert f"/admin/conversations/{failed.session_id}#m-{failed.id}" in turns
    assert "got: hello there" in replies and "21211" in replies
    assert "Sorry, something went wrong" not in replies  # the apology went out
    assert "Asha Operator" in replies


def test_a_waiting_reply_can_be_retried_once_by_an_admin(
    wired: Flask, world: World, admin: FlaskClient, twilio: TwilioDouble, clock: FrozenClock
) -> None:
    runtime: Runtime = wired.extensions["calltime"]
    twilio.fail_next(503)
    operator_says(wired, world, "hello there", "SM" + "3" * 32)
    [reply] = [m for m in messages(runtime.db, "outbound") if m.body == "got: hello there"]
    assert reply.status == "pending" and reply.lease_until > clock.now()
    page = admin.get("/admin/attention").get_data(as_text=True)
    assert f"/admin/attention/replies/{reply.id}/retry" in page
    url = f"/admin/attention/replies/{reply.id}/retry"
    assert admin.post(url).status_code == 400  # no CSRF token
    response = admin.post(url, data={"csrf_token": csrf_token(admin, "/admin/attention")})
    assert response.status_code == 302
    with runtime.db.session() as session:
        row = session.get(Message, reply.id)
        assert (row.status, row.lease_until, row.locked_by) == ("pending", clock.now(), None)
        [audit] = session.scalars(select(AuditLog).where(AuditLog.record_id == str(reply.id)))
        assert audit.changed_by == f"user:{world.admin_id}" and audit.action == "update"
        assert session.scalars(
            select(Event).where(Event.event_type == "whatsapp.message.retry_requested")
        ).one()
    Worker(runtime).run_once()  # the sweep sends it now, not at the retry time
    assert twilio.bodies_to(messages(runtime.db, "outbound")[-1].to_number) == ["got: hello there"]
    assert "got: hello there" not in admin.get("/admin/attention").get_data(as_text=True)
    again = admin.post(url, data={"csrf_token": csrf_token(admin, "/admin/attention")})
    assert "Twilio accepted it already" in admin.get(again.location).get_data(as_text=True)
    assert len(twilio.messages) == 1


def test_a_refused_reply_retried_by_an_admin_settles_its_message(
    wired: Flask, world: World, admin: FlaskClient, twilio: TwilioDouble
) -> None:
    runtime: Runtime = wired.extensions["calltime"]
    twilio.fail_next(400, code=21211)
    operator_says(wired, world, "hello there", "SM" + "4" * 32)
    assert inbound_statuses(runtime)[-1] == "undelivered"
    [reply] = [m for m in messages(runtime.db, "outbound") if m.status == "failed"]
    token = csrf_token(admin, "/admin/attention")
    admin.post(f"/admin/attention/replies/{reply.id}/retry", data={"csrf_token": token})
    assert inbound_statuses(runtime)[-1] == "pending"
    Worker(runtime).run_once()
    assert inbound_statuses(runtime)[-1] == "done"


def test_signed_out_visitors_are_sent_to_sign_in(
    wired: Flask, world: World, twilio: TwilioDouble
) -> None:
    twilio.fail_next(503)
    operator_says(wired, world, "hello there", "SM" + "5" * 32)
    outbound = messages(wired.extensions["calltime"].db, "outbound")
    [reply] = [m for m in outbound if m.body == "got: hello there"]
    client = wired.test_client()
    for response in (
        client.get("/admin/attention"),
        client.post(f"/admin/attention/replies/{reply.id}/retry"),
    ):
        assert response.status_code in (302, 400)
    after = [m for m in messages(wired.extensions["calltime"].db, "outbound") if m.id == reply.id]
    assert after[0].lease_until == reply.lease_until
