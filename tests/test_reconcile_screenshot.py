"""A payment screenshot end to end: the photo goes through the webhook and the worker to
the model (real ``anthropic`` SDK against the scripted Messages API), the model answers
with ``read_payment_proof``, the bot reads the match back, ``yes`` records the payment —
with the model call in ``provider_usage`` and the tool call in ``agent_logs``."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.models import AgentLog, FileLink, Message, Payment, Pledge, ProviderUsage
from bot.runtime import Runtime
from bot.whatsapp.intake import inject_inbound, parse_inbound_form, store_inbound
from bot.whatsapp.worker import Worker
from tests import pipeline_support
from tests.factories import make_contact, make_project, make_user
from tests.reconcile_support import identities_of, pledge, rows
from tests.scripted_llm import DUMMY_KEY, ScriptedLLM, Step, reply, tool_use
from tests.twilio_double import TwilioDouble

twilio = pipeline_support.twilio


def png(width: int = 48, height: int = 24) -> bytes:
    """A real PNG (8-bit RGB, a two-colour pattern), written with zlib alone."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows_ = b"".join(
        b"\x00"
        + b"".join(b"\x5f\x25\x9f" if (x + y) % 7 else b"\xff\xff\xff" for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows_))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def scripted() -> Iterator[ScriptedLLM]:
    with ScriptedLLM() as server:
        yield server


@pytest.fixture
def wired(db_url: str, tmp_path: Path, clock, twilio: TwilioDouble, scripted: ScriptedLLM):
    app = pipeline_support.make_app(
        db_url,
        tmp_path,
        clock,
        anthropic_api_key=DUMMY_KEY,
        anthropic_base_url=scripted.url,
        **twilio.settings(),
    )
    runtime: Runtime = app.extensions["calltime"]
    yield runtime
    runtime.db.dispose()


def _photo_form(project, user, url: str) -> dict[str, str]:
    return {
        "MessageSid": "MM" + "e" * 32,
        "From": f"whatsapp:{user.phone}",
        "To": f"whatsapp:{project.whatsapp_number}",
        "Body": "",
        "NumMedia": "1",
        "MediaUrl0": url,
        "MediaContentType0": "image/png",
    }


PROOF = {
    "direction": "received",
    "amount": 10000,
    "paid_on": "2026-11-26",
    "reference": "633612345613",
    "payer_vpa": "anita.s@okaxis",
    "payer_name": "ANITA SHARMA",
    "app": "PhonePe",
    "method": "upi",
}


def test_a_screenshot_is_read_by_the_model_matched_and_recorded_on_yes(
    wired: Runtime, twilio: TwilioDouble, scripted: ScriptedLLM, clock
) -> None:
    project = make_project(wired.db, "Asha Foundation")
    user = make_user(wired.db, project, "Priya Nair")
    anita = make_contact(wired.db, project, "Anita Sharma")
    open_pledge = pledge(
        wired.db, project, user, anita, "25000", datetime(2026, 11, 20, 6, tzinfo=UTC)
    )
    image = png()
    seen: list[dict] = []

    def read_the_image(body: dict) -> Step:
        seen.append(body)
        return reply(tool_use("read_payment_proof", PROOF))

    scripted.add(read_the_image, reply("That is a PhonePe receipt from Anita for ₹10,000."))
    url = twilio.add_media("proof.png", "image/png", image)
    store_inbound(wired, parse_inbound_form(_photo_form(project, user, url)))
    assert Worker(wired).run_once() == 1

    # Image in: the photo reached the model as a base64 image block with a text block.
    [request] = seen
    content = request["messages"][-1]["content"]
    images = [b for b in content if b["type"] == "image"]
    assert images == [
        {
            "type": "image",
            "source": {
                "type": "base64",
                "media_type": "image/png",
                "data": base64.b64encode(image).decode(),
            },
        }
    ]
    assert content[-1] == {
        "type": "text",
        "text": "(the operator sent this photo without a caption)",
    }
    assert "read_payment_proof" in {t["name"] for t in request["tools"]}

    # Tool call out, proposal back — the read-back, not the model's paraphrase.
    [sent] = twilio.bodies_to(user.phone)
    assert sent.startswith("Saved whatsapp-")
    assert (
        "₹10,000 from anita.s@okaxis on Thu 26 Nov → Anita Sharma's ₹25,000 pledge, ₹15,000 left."
        in sent
    )
    assert sent.endswith("Reply yes to save, no to cancel.")
    assert rows(wired.db, Payment) == []  # the tool wrote nothing
    [photo_turn] = rows(wired.db, Message, Message.direction == "inbound")
    usage = rows(wired.db, ProviderUsage, ProviderUsage.message_id == photo_turn.id)
    assert [u.iterations for u in sorted(usage, key=lambda u: u.iterations)] == [1, 2]
    [log] = rows(wired.db, AgentLog, AgentLog.message_id == photo_turn.id)
    assert (log.action, log.status) == ("read_payment_proof", "ok")
    assert "₹15,000 left" in str(log.result)

    # yes → the payment, linked to the pledge and to the photo; no model call for it.
    clock.advance(minutes=1)
    inject_inbound(wired, to_number=project.whatsapp_number, from_number=user.phone, body="yes")
    assert Worker(wired).run_once() == 1
    assert twilio.bodies_to(user.phone)[-1].split("\nDraft: ")[0] == (
        "Recorded ₹10,000 from Anita Sharma (upi, UTR 633612345613) against the ₹25,000 "
        "pledge: ₹15,000 left. I'll recognise anita.s@okaxis and ANITA SHARMA as Anita Sharma "
        "from now on."
    )
    [paid] = rows(wired.db, Payment)
    assert (paid.amount, paid.method, paid.reference, paid.pledge_id) == (
        Decimal("10000.00"),
        "upi",
        "633612345613",
        open_pledge.id,
    )
    [link] = rows(wired.db, FileLink, FileLink.entity_type == "payment")
    assert link.entity_id == paid.id
    [fresh] = rows(wired.db, Pledge, Pledge.id == open_pledge.id)
    assert fresh.status == "open"
    assert identities_of(wired.db, anita) == {
        ("upi_vpa", "anita.s@okaxis"),
        ("bank_name", "ANITA SHARMA"),
    }
    assert len(scripted.requests) == 2


def test_a_screenshot_of_money_sent_is_refused_and_nothing_is_proposed(
    wired: Runtime, twilio: TwilioDouble, scripted: ScriptedLLM
) -> None:
    project = make_project(wired.db)
    user = make_user(wired.db, project)
    scripted.add(
        reply(tool_use("read_payment_proof", {**PROOF, "direction": "sent"})),
        reply("This screenshot shows a payment you made, so I did not record anything."),
    )
    url = twilio.add_media("sent.png", "image/png", png())
    store_inbound(wired, parse_inbound_form(_photo_form(project, user, url)))
    Worker(wired).run_once()
    [sent] = twilio.bodies_to(user.phone)
    assert sent.endswith("This screenshot shows a payment you made, so I did not record anything.")
    [log] = rows(wired.db, AgentLog)
    assert log.status == "refused" and "only money received" in log.error


def test_without_a_model_a_photo_is_only_stored(
    db_url: str, tmp_path: Path, clock, twilio: TwilioDouble
) -> None:
    app = pipeline_support.make_app(db_url, tmp_path, clock, **twilio.settings())
    runtime = app.extensions["calltime"]
    project = make_project(runtime.db)
    user = make_user(runtime.db, project)
    url = twilio.add_media("proof.png", "image/png", png())
    store_inbound(runtime, parse_inbound_form(_photo_form(project, user, url)))
    Worker(runtime).run_once()
    [sent] = twilio.bodies_to(user.phone)
    assert sent.startswith("Saved whatsapp-") and "Reply yes" not in sent
    runtime.db.dispose()
