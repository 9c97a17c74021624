"""The usual WhatsApp-bot recipe, for comparison: a Flask route that checks Twilio's
signature, calls the model inline and answers with TwiML.

Served by gunicorn in the side-by-side benchmark::

    gunicorn "bench.baseline_app:create_app_from_env()"
"""

from __future__ import annotations

import os

import anthropic
from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse


def create_app(auth_token: str, public_url: str, model_base_url: str) -> Flask:
    app = Flask(__name__)
    validator = RequestValidator(auth_token)
    client = anthropic.Anthropic(
        api_key="bench", base_url=model_base_url, max_retries=0, timeout=60
    )

    @app.post("/whatsapp/inbound")
    def inbound() -> Response:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not validator.validate(public_url, request.form.to_dict(), signature):
            abort(403)
        message = client.messages.create(
            model="claude-haiku-4-5",
            max_tokens=300,
            system="You help fundraisers during call time. Reply briefly.",
            messages=[{"role": "user", "content": request.form.get("Body", "")}],
        )
        reply = MessagingResponse()
        reply.message("".join(b.text for b in message.content if b.type == "text"))
        return Response(str(reply), mimetype="application/xml")

    return app


def create_app_from_env() -> Flask:
    return create_app(
        os.environ["TWILIO_AUTH_TOKEN"],
        os.environ["PUBLIC_BASE_URL"].rstrip("/") + "/whatsapp/inbound",
        os.environ["ANTHROPIC_BASE_URL"],
    )
