"""An open-loop, bounded load of signed Twilio webhook requests on loopback.

Messages arrive on a schedule whatever the server does, as they do from Twilio: each
operator sends one every ``interval`` seconds. A request unanswered after 15 seconds
counts as timed out — Twilio gives up at that point and the reply is lost.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
from twilio.request_validator import RequestValidator

TWILIO_TIMEOUT_S = 15.0


@dataclass
class Sent:
    operator: str
    seq: int
    sid: str
    status: int | None
    latency_s: float
    timed_out: bool
    body: str
    sent_at: float = 0.0  # time.monotonic() when the request was sent


def signed_post(
    client: httpx.Client,
    url: str,
    public_url: str,
    validator: RequestValidator,
    form: dict[str, str],
) -> httpx.Response:
    signature = validator.compute_signature(public_url, form)
    return client.post(url, data=form, headers={"X-Twilio-Signature": signature})


def run_open_loop(
    *,
    url: str,
    public_url: str,
    auth_token: str,
    to_number: str,
    operators: list[str],
    per_operator: int,
    interval_s: float,
    text: str = "spoke to Anita, she will give 25k by Friday",
    max_seconds: float = 300.0,
    body_for: Callable[[int], str] | None = None,
) -> list[Sent]:
    """Send ``per_operator`` messages from each operator; return one record per message.

    Message ``seq`` of an operator says ``text (#seq)``, or ``body_for(seq)`` when given.
    """
    validator = RequestValidator(auth_token)
    results: list[Sent] = []
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds
    # One client for every sending thread, made before the clock starts: building an
    # httpx client (its TLS context) costs 25-50 ms of CPU, which a client per thread
    # added to every acknowledgement it timed and took from the server's two cores.
    http = httpx.Client(timeout=TWILIO_TIMEOUT_S, limits=httpx.Limits(max_connections=None))

    def send(operator: str, seq: int, at: float) -> None:
        time.sleep(max(0.0, at - time.monotonic()))
        if time.monotonic() > deadline:
            return
        sid = "SM" + uuid.uuid4().hex
        form = {
            "MessageSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": f"whatsapp:{operator}",
            "To": f"whatsapp:{to_number}",
            "Body": body_for(seq) if body_for else f"{text} (#{seq})",
            "NumMedia": "0",
        }
        start = time.monotonic()
        try:
            response = signed_post(http, url, public_url, validator, form)
            record = Sent(
                operator,
                seq,
                sid,
                response.status_code,
                time.monotonic() - start,
                False,
                response.text,
                start,
            )
        except httpx.TimeoutException:
            record = Sent(operator, seq, sid, None, time.monotonic() - start, True, "", start)
        with lock:
            results.append(record)

    start = time.monotonic() + 0.5
    total = len(operators) * per_operator
    # Stagger operators across one interval so arrivals are steady, not bursts, and hand
    # the pool its work in time order: a thread waiting for a late message must not keep
    # an earlier one from being sent on time.
    schedule = sorted(
        (start + seq * interval_s + k * interval_s / len(operators), operator, seq)
        for k, operator in enumerate(operators)
        for seq in range(per_operator)
    )
    with http, ThreadPoolExecutor(max_workers=min(total, 400)) as pool:
        for at, operator, seq in schedule:
            pool.submit(send, operator, seq, at)
    return results
