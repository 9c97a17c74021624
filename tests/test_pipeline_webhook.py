"""The inbound webhook: signatures, validation, storing, duplicates, status callbacks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from bot.clock import FrozenClock
from bot.models import Message, Project, User
from tests.factories import make_project, make_user
from tests.pipeline_support import make_app, messages
from tests.twilio_double import AUTH_TOKEN

BASE = "https://calltime.example.org"
URL = BASE + "/whatsapp/inbound"


@pytest.fixture
def signed_app(db_url: str, tmp_path: Path, clock: FrozenClock) -> Iterator[Flask]:
    app = make_app(db_url, tmp_path, clock, twilio_auth_token=AUTH_TOKEN, public_base_url=BASE)
    yield app
    app.extensions["calltime"].db.dispose()


@pytest.fixture
def operator(signed_app: Flask) -> tuple[Project, User]:
    db = signed_app.extensions["calltime"].db
    project = make_project(db)
    return project, make_user(db, project)


def form_for(project: Project, user: User, body: str = "help", sid: str = "SM" + "a" * 32) -> dict:
    return {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{user.phone}",
        "To": f"whatsapp:{project.whatsapp_number}",
        "Body": body,
        "NumMedia": "0",
        "ProfileName": "Priya",
        "WaId": user.phone.lstrip("+"),
    }


def sign(form: dict, url: str = URL) -> str:
    return RequestValidator(AUTH_TOKEN).compute_signature(url, form)


def post(client: FlaskClient, form: dict, signature: str | None):
    headers = {"X-Twilio-Signature": signature} if signature is not None else {}
    return client.post("/whatsapp/inbound", data=form, headers=headers, base_url=BASE)


def test_signed_message_is_queued_and_acknowledged(signed_app: Flask, operator) -> None:
    project, user = operator
    form = form_for(project, user, body="help")
    response = post(signed_app.test_client(), form, sign(form))
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert b"<Response></Response>" in response.data
    [row] = messages(signed_app.extensions["calltime"].db)
    assert (row.direction, row.status, row.body, row.user_id) == (
        "inbound",
        "queued",
        "help",
        user.id,
    )
    assert row.from_number == user.phone and row.to_number == project.whatsapp_number


def test_same_message_sid_is_stored_once(signed_app: Flask, operator) -> None:
    form = form_for(*operator)
    client = signed_app.test_client()
    assert post(client, form, sign(form)).status_code == 200
    assert post(client, form, sign(form)).status_code == 200
    assert len(messages(signed_app.extensions["calltime"].db)) == 1


@pytest.mark.parametrize(
    "tamper",
    ["body", "url", "missing", "replay"],
)
def test_bad_signatures_are_refused_and_nothing_stored(
    signed_app: Flask, operator, tamper: str
) -> None:
    form = form_for(*operator, body="paid 5000")
    signature: str | None = sign(form)
    if tamper == "body":
        form = {**form, "Body": "paid 50000"}
    elif tamper == "url":
        signature = sign(form, "https://attacker.example.org/whatsapp/inbound")
    elif tamper == "missing":
        signature = None
    elif tamper == "replay":
        # A captured signature replayed on another message
        form = form_for(*operator, body="undo", sid="SM" + "b" * 32)
    response = post(signed_app.test_client(), form, signature)
    assert response.status_code == 403
    assert messages(signed_app.extensions["calltime"].db) == []


def test_without_auth_token_the_webhook_refuses(app: Flask) -> None:
    project = make_project(app.extensions["calltime"].db)
    user = make_user(app.extensions["calltime"].db, project)
    response = app.test_client().post("/whatsapp/inbound", data=form_for(project, user))
    assert response.status_code == 503
    assert b"TWILIO_AUTH_TOKEN" in response.data
    assert messages(app.extensions["calltime"].db) == []


def test_insecure_flag_accepts_unsigned(
    db_url: str, tmp_path: Path, clock: FrozenClock, caplog
) -> None:
    app = make_app(db_url, tmp_path, clock, insecure_skip_signature=True)
    db = app.extensions["calltime"].db
    project = make_project(db)
    user = make_user(db, project)
    assert (
        app.test_client().post("/whatsapp/inbound", data=form_for(project, user)).status_code == 200
    )
    assert "INSECURE" in caplog.text
    assert len(messages(db)) == 1
    db.dispose()


def test_proxy_headers_are_honoured_when_trusted(
    db_url: str, tmp_path: Path, clock: FrozenClock
) -> None:
    app = make_app(db_url, tmp_path, clock, twilio_auth_token=AUTH_TOKEN, trust_proxy=True)
    db = app.extensions["calltime"].db
    project = make_project(db)
    form = form_for(project, make_user(db, project))
    public = "https://bot.asha.org/whatsapp/inbound"
    headers = {
        "X-Twilio-Signature": sign(form, public),
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "bot.asha.org",
    }
    client = app.test_client()
    assert client.post("/whatsapp/inbound", data=form, headers=headers).status_code == 200
    db.dispose()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"MessageSid": ""}, b"MessageSid"),
        ({"From": "not-a-number"}, b"From"),
        ({"NumMedia": "2"}, b"MediaUrl0"),
        ({"NumMedia": "many"}, b"NumMedia"),
        ({"Body": "x" * 4097}, b"Body"),
    ],
)
def test_malformed_forms_get_400_and_nothing_stored(
    signed_app: Flask, operator, change, message
) -> None:
    form = {**form_for(*operator), **change}
    response = post(signed_app.test_client(), form, sign(form))
    assert response.status_code == 400
    assert message in response.data
    assert messages(signed_app.extensions["calltime"].db) == []


def test_long_mixed_script_body_survives_byte_for_byte(signed_app: Flask, operator) -> None:
    text = ("नमस्ते 🙏 Anita ने ₹25,000 pledge किया 👍🏽 — ok? " * 100)[:4096]
    form = form_for(*operator, body=text)
    assert post(signed_app.test_client(), form, sign(form)).status_code == 200
    [row] = messages(signed_app.extensions["calltime"].db)
    assert row.body.encode("utf-8") == text.encode("utf-8")


def test_unknown_project_number_is_not_stored(signed_app: Flask, operator) -> None:
    form = {**form_for(*operator), "To": "whatsapp:+14155550000"}
    response = post(signed_app.test_client(), form, sign(form))
    assert response.status_code == 404
    assert messages(signed_app.extensions["calltime"].db) == []


def test_status_callback_records_delivery_and_errors(signed_app: Flask, operator) -> None:
    project, user = operator
    db = signed_app.extensions["calltime"].db
    with db.session() as session:
        session.add(
            Message(
                project_id=project.id,
                user_id=user.id,
                direction="outbound",
                from_number=project.whatsapp_number,
                to_number=user.phone,
                body="hi",
                status="sent",
                twilio_sid="SM" + "c" * 32,
            )
        )
    url = BASE + "/whatsapp/status"
    client = signed_app.test_client()
    for status, extra in (("read", {}), ("delivered", {}), ("failed", {"ErrorCode": "63016"})):
        form = {"MessageSid": "SM" + "c" * 32, "MessageStatus": status, **extra}
        headers = {"X-Twilio-Signature": sign(form, url)}
        assert (
            client.post("/whatsapp/status", data=form, headers=headers, base_url=BASE).status_code
            == 200
        )
    [row] = messages(db)
    assert row.status == "failed" and row.error_code == "63016"
    forged = {"MessageSid": "SM" + "c" * 32, "MessageStatus": "read"}
    assert client.post("/whatsapp/status", data=forged, base_url=BASE).status_code == 403
