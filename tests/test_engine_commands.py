"""Table-driven: operator messages → parsed command → rows written (none when unparseable)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.engine.grammar import parse_command
from bot.models import Contact
from bot.store import ProjectScope
from tests.engine_support import Operator, row_counts
from tests.factories import make_project, make_user

NOW = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)  # Thu 26 Nov 2026, 10:00 IST
IST = ZoneInfo("Asia/Kolkata")
FRI = date(2026, 11, 27)


def ist(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=IST).astimezone(UTC)


# What a message writes on a fresh current contact (besides audit rows and events).
NONE: dict[str, int] = {}
NOTE = {"contacts_updated": 1}
INTERACTION = {"interactions": 1}
FOLLOWUP = {"interactions": 1, "followups": 1}
PLEDGE = {"interactions": 1, "pledges": 1, "followups": 1}
PAYMENT = {"interactions": 1, "payments": 1}

D = Decimal
CASES: list[tuple[str, str | None, dict[str, Any], dict[str, int]]] = [
    # session commands (no rows)
    ("help", "help", {}, NONE),
    ("HELP", "help", {}, NONE),
    ("madad", "help", {}, NONE),
    ("next", "next", {}, NONE),
    ("Next", "next", {}, NONE),
    ("nxt", "next", {}, NONE),
    ("next please", "next", {}, NONE),
    ("agla", "next", {}, NONE),
    ("nexr", "next", {}, NONE),
    ("due", "due", {}, NONE),
    ("fu", "due", {}, NONE),
    ("followups", "due", {}, NONE),
    ("stats", "stats", {}, NONE),
    ("sttas", "stats", {}, NONE),
    ("strat", "start", {"campaign": None}, NONE),
    ("score", "stats", {}, NONE),
    ("kitna hua", "stats", {}, NONE),
    ("end", "end", {}, NONE),
    ("khatam", "end", {}, NONE),
    ("start", "start", {"campaign": None}, NONE),
    ("start Diwali drive", "start", {"campaign": "Diwali drive"}, NONE),
    ("find Anita", "find", {"query": "Anita"}, NONE),
    ("undo", "undo", {}, NONE),
    ("oops", "undo", {}, NONE),
    # notes
    ("note prefers evening calls", "note", {"text": "prefers evening calls"}, NOTE),
    ("note: wife is the decision maker", "note", {"text": "wife is the decision maker"}, NOTE),
    # no answer
    ("no answer", "outcome", {"outcome": "no_response"}, FOLLOWUP),
    ("na", "outcome", {"outcome": "no_response"}, FOLLOWUP),
    ("NA", "outcome", {"outcome": "no_response"}, FOLLOWUP),
    ("n/a", "outcome", {"outcome": "no_response"}, FOLLOWUP),
    ("busy", "outcome", {"outcome": "no_response"}, FOLLOWUP),
    ("switched off", "outcome", {"outcome": "no_response"}, FOLLOWUP),
    ("nahi uthaya", "outcome", {"outcome": "no_response"}, FOLLOWUP),
    ("phone nahi uthaya", "outcome", {"outcome": "no_response"}, FOLLOWUP),
    ("not reachable", "outcome", {"outcome": "no_response"}, FOLLOWUP),
    # spoke / declined / wrong number / dnc
    ("spoke", "outcome", {"outcome": "spoke"}, INTERACTION),
    (
        "Spoke: will think about it",
        "outcome",
        {"outcome": "spoke", "summary": "will think about it"},
        INTERACTION,
    ),
    (
        "spoke - call after Diwali",
        "outcome",
        {"outcome": "spoke", "summary": "call after Diwali"},
        INTERACTION,
    ),
    ("baat hui", "outcome", {"outcome": "spoke"}, INTERACTION),
    ("declined", "outcome", {"outcome": "declined"}, INTERACTION),
    ("not interested", "outcome", {"outcome": "declined"}, INTERACTION),
    ("mana kar diya", "outcome", {"outcome": "declined"}, INTERACTION),
    (
        "declined, gave last month",
        "outcome",
        {"outcome": "declined", "summary": "gave last month"},
        INTERACTION,
    ),
    ("wrong number", "outcome", {"outcome": "wrong_number"}, INTERACTION),
    ("galat number", "outcome", {"outcome": "wrong_number"}, INTERACTION),
    ("wn", "outcome", {"outcome": "wrong_number"}, INTERACTION),
    ("dnc", "outcome", {"outcome": "do_not_contact"}, INTERACTION),
    ("DND", "outcome", {"outcome": "do_not_contact"}, INTERACTION),
    ("do not call", "outcome", {"outcome": "do_not_contact"}, INTERACTION),
    # pledges, every amount form
    ("pledged 25000", "outcome", {"outcome": "pledged", "amount": D("25000")}, PLEDGE),
    ("pledged 25,000", "outcome", {"amount": D("25000")}, PLEDGE),
    ("pledged ₹25k", "outcome", {"amount": D("25000")}, PLEDGE),
    ("pledged 25k", "outcome", {"amount": D("25000")}, PLEDGE),
    ("pledged 2.5L", "outcome", {"amount": D("250000")}, PLEDGE),
    ("pledged 1 lakh", "outcome", {"amount": D("100000")}, PLEDGE),
    ("pledged 1.5 lakh", "outcome", {"amount": D("150000")}, PLEDGE),
    # Above the ₹10,00,000 ceiling: read back, nothing written before "yes".
    ("pledged 1cr", "outcome", {"amount": D("10000000")}, NONE),
    ("pledged Rs 5,00,000", "outcome", {"amount": D("500000")}, PLEDGE),
    ("pledged 25k by fri", "outcome", {"amount": D("25000"), "expected_by": FRI}, PLEDGE),
    ("Pledged 25K by Friday", "outcome", {"expected_by": FRI}, PLEDGE),
    ("pledge 25,000 by 28 nov", "outcome", {"expected_by": date(2026, 11, 28)}, PLEDGE),
    ("pledged 2.5L by 28/11", "outcome", {"expected_by": date(2026, 11, 28)}, PLEDGE),
    ("pledged 1 lakh by 2026-12-15", "outcome", {"expected_by": date(2026, 12, 15)}, PLEDGE),
    ("pledged 50k in 3 days", "outcome", {"expected_by": date(2026, 11, 29)}, PLEDGE),
    ("pledged 50k next week", "outcome", {"expected_by": date(2026, 11, 30)}, PLEDGE),
    ("pledged 10k kal", "outcome", {"expected_by": FRI}, PLEDGE),
    ("pledged 10k tomorrow", "outcome", {"expected_by": FRI}, PLEDGE),
    ("pledged 10k today", "outcome", {"expected_by": date(2026, 11, 26)}, PLEDGE),
    ("pledgd 25k", "outcome", {"outcome": "pledged", "amount": D("25000")}, PLEDGE),
    ("committed 50000 kal", "outcome", {"amount": D("50000"), "expected_by": FRI}, PLEDGE),
    # payments
    ("paid 10000", "outcome", {"outcome": "paid", "amount": D("10000")}, PAYMENT),
    ("paid 10k upi", "outcome", {"amount": D("10000"), "method": "upi"}, PAYMENT),
    (
        "paid 10,000 upi ref UTR12345",
        "outcome",
        {"method": "upi", "reference": "UTR12345"},
        PAYMENT,
    ),
    ("paid 5000 cash", "outcome", {"method": "cash"}, PAYMENT),
    ("paid 5000 card", "outcome", {"method": "card"}, PAYMENT),
    (
        "received 2.5L bank ref abc99",
        "outcome",
        {"amount": D("250000"), "method": "bank", "reference": "ABC99"},
        PAYMENT,
    ),
    ("paid 25k gpay", "outcome", {"method": "upi"}, PAYMENT),
    ("piad 10k", "outcome", {"outcome": "paid", "amount": D("10000")}, PAYMENT),
    ("paid 2 lakh", "outcome", {"amount": D("200000")}, PAYMENT),
    # reschedules
    (
        "call back tomorrow 5pm",
        "outcome",
        {"outcome": "reschedule", "followup_at": ist(27, 17)},
        FOLLOWUP,
    ),
    ("call back kal 5pm", "outcome", {"followup_at": ist(27, 17)}, FOLLOWUP),
    ("callback fri 17:30", "outcome", {"followup_at": ist(27, 17, 30)}, FOLLOWUP),
    ("cb in 2 hours", "outcome", {"followup_at": ist(26, 12)}, FOLLOWUP),
    ("call back 2h", "outcome", {"followup_at": ist(26, 12)}, FOLLOWUP),
    ("call back next week", "outcome", {"followup_at": ist(30, 10)}, FOLLOWUP),
    ("call back 28 nov 11am", "outcome", {"followup_at": ist(28, 11)}, FOLLOWUP),
    ("call back at 5", "outcome", {"followup_at": ist(26, 17)}, FOLLOWUP),
    ("call back 5pm", "outcome", {"followup_at": ist(26, 17)}, FOLLOWUP),
    ("reschedule tomorrow evening", "outcome", {"followup_at": ist(27, 18)}, FOLLOWUP),
    ("baad me call kal shaam", "outcome", {"followup_at": ist(27, 18)}, FOLLOWUP),
    ("call back monday", "outcome", {"followup_at": ist(30, 10)}, FOLLOWUP),
    # commands with arguments we cannot read: a specific hint, nothing written
    ("pledged lots", "invalid", {"form": "pledged 25k [by fri]"}, NONE),
    ("pledged 25k by someday", "invalid", {}, NONE),
    ("pledged 0", "invalid", {}, NONE),
    ("pledged -5000", "invalid", {}, NONE),
    ("pledged 25k by 31/02", "invalid", {}, NONE),
    ("pledged 25k by yesterday", "invalid", {}, NONE),
    ("paid", "invalid", {}, NONE),
    ("paid 10k bitcoin", "invalid", {}, NONE),
    ("paid 99999999999", "invalid", {}, NONE),
    ("call back", "invalid", {"form": "call back tomorrow 5pm"}, NONE),
    ("call back whenever", "invalid", {}, NONE),
    ("call back 25:00", "invalid", {}, NONE),
    ("find", "invalid", {}, NONE),
    ("note", "invalid", {}, NONE),
    # not commands at all: free text (nothing written without a model)
    ("hello", None, {}, NONE),
    ("what is my target?", None, {}, NONE),
    ("spoke to Anita, she pledged 25k and pays Friday", None, {}, NONE),
    ("got it", None, {}, NONE),
    ("thanks", None, {}, NONE),
    ("no", None, {}, NONE),
    ("", None, {}, NONE),
]


def test_table_is_big_enough() -> None:
    assert len(CASES) >= 80


@pytest.mark.parametrize(
    ("text", "name", "args", "writes"), CASES, ids=[c[0] or "<empty>" for c in CASES]
)
def test_message_parses_to_command(
    text: str, name: str | None, args: dict[str, Any], writes: dict[str, int]
) -> None:
    command = parse_command(text, NOW, IST)
    if name is None:
        assert command is None
        return
    assert command is not None and command.name == name, command
    for key, value in args.items():
        assert command.args.get(key) == value, (key, command.args)
    if name == "invalid":
        assert command.error and "Try:" in command.error


WRITING = {"interactions", "pledges", "payments", "followups", "events", "audit_log"}


def test_each_message_writes_exactly_its_rows(runtime, db) -> None:
    """Every table row above, on a fresh current contact: rows written match the table."""
    project = make_project(db)
    user = make_user(db, project)
    operator = Operator(runtime, project, user)
    with_rows = [c for c in CASES if c[1] not in ("next", "due", "end", "start", "find", "undo")]
    with db.session() as session:  # one fresh contact per message, made in one go
        scope = ProjectScope(session, project.id)
        contacts = [
            scope.insert(Contact(display_name=f"Donor {n}")).id for n in range(len(with_rows))
        ]
    for contact_id, (text, _name, _args, writes) in zip(contacts, with_rows, strict=True):
        operator.set_state(current_contact_id=contact_id)
        before = row_counts(db, project.id)
        reply = operator.say(text)
        after = row_counts(db, project.id)
        delta = {k: after[k] - before[k] for k in after if after[k] != before[k]}
        expected = {k: v for k, v in writes.items() if k != "contacts_updated"}
        assert {k: v for k, v in delta.items() if k in expected or k not in WRITING} == expected, (
            text,
            delta,
        )
        if not writes:
            assert delta == {}, (text, reply.text, delta)
        else:
            assert delta.get("audit_log", 0) >= 1 and delta.get("events", 0) >= 1, (text, delta)
