"""Reply wording: one way to write a day and a time on WhatsApp; digests paged like ``due``.

``Fri 4 Dec`` (never ``Fri 04 Dec`` or ``04 Dec``) and ``5:00 PM`` come from
:mod:`bot.engine.wording` alone: a source check finds no other date format in the code
that writes replies, and the replies themselves (read-backs, cards, ``due``, a digest)
are checked for the form. A follow-up digest of more than five items shows five, and
``more`` shows the next ones, numbered on, exactly as after ``due``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import FrozenClock
from bot.engine.session_commands import DUE_PAGE
from bot.engine.wording import day_text, moment_text, time_text
from bot.runtime import Runtime
from bot.scheduler.nudges import run_nudges
from tests.factories import make_project, make_user
from tests.scheduler_support import (
    add_followup,
    contact,
    followup_row,
    hours,
    operator_says,
    session_state,
    wrote_at,
)
from tests.twilio_double import TwilioDouble

# fixtures: the wired runtime and the Twilio double of the nudge tests
pytest_plugins = ("tests.nudge_fixtures",)

ROOT = Path(__file__).resolve().parent.parent
IST = ZoneInfo("Asia/Kolkata")
#: Where replies, read-backs, digests and briefs are written.
REPLY_CODE = ["bot/engine", "bot/scheduler", "bot/reconcile", "bot/turn", "bot/whatsapp", "tools"]
#: Lines that may format a date: the one home of the format, and the stamp ``note``
#: writes into a contact's notes (data shown on the dashboard, not a reply).
NOT_REPLIES = {
    ("bot/engine/wording.py", 'return f"{day:%a} {day.day} {day:%b}"'),
    ("bot/engine/session_commands.py", "ctx.project)):%d %b %Y}]"),
}
#: A date written by hand: strftime, or a format spec naming a day or month.
HAND_MADE_DATE = re.compile(r"strftime\(|:%[aAdbBeHIMp]|\.day\} \{")
#: A day as replies must never write it: a zero-padded day, or a bare "4 Dec".
MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
PADDED_DAY = re.compile(rf"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) 0\d\b|\b0\d ({MONTHS})\b")
CLOCK_24H = re.compile(r"\b\d{1,2}:\d{2}\b(?! [AP]M)")


def test_days_and_times_have_one_form() -> None:
    friday = datetime(2026, 12, 4, 11, 30, tzinfo=UTC)  # 17:00 IST
    assert day_text(date(2026, 12, 4)) == "Fri 4 Dec"
    assert day_text(friday, IST) == "Fri 4 Dec"
    assert time_text(friday, IST) == "5:00 PM"
    assert moment_text(friday, IST) == "Fri 4 Dec 5:00 PM"
    assert moment_text(datetime(2026, 12, 10, 18, 35, tzinfo=UTC), IST) == "Fri 11 Dec 12:05 AM"
    assert time_text(datetime(2026, 12, 4, 6, 30, tzinfo=UTC), IST) == "12:00 PM"


def test_no_reply_code_formats_a_date_by_hand() -> None:
    """Every day and time in a reply goes through bot/engine/wording.py."""
    offenders = []
    for folder in REPLY_CODE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                allowed = any(name == where and what in line for where, what in NOT_REPLIES)
                if HAND_MADE_DATE.search(line) and not allowed:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_a_long_digest_is_paged_and_more_shows_the_rest(
    wired: Runtime, twilio_api: TwilioDouble, clock: FrozenClock
) -> None:
    db, now = wired.db, clock.now()  # Thu 26 Nov 2026, 10:00 IST
    project = make_project(db)
    priya = make_user(db, project, "Priya Nair")
    wrote_at(db, project, priya, now - hours(1))
    names = [f"Donor {chr(65 + n)}" for n in range(12)]
    followups = [
        add_followup(db, project, contact(db, project, name), priya, now - hours(24 - n))
        for n, name in enumerate(names)
    ]
    report = run_nudges(wired)
    assert report.nudged == 12  # every one was nudged, five of them listed
    [digest] = twilio_api.bodies_to(priya.phone)
    lines = digest.splitlines()
    assert lines[0] == "Priya, 12 follow-ups due:"
    assert lines[1] == "1. Donor A – no answer last time (due Wed 25 Nov 10:00 AM)"
    assert [line.split(" – ")[0] for line in lines[1 : 1 + DUE_PAGE]] == [
        f"{n}. {name}" for n, name in enumerate(names[:DUE_PAGE], start=1)
    ]
    assert lines[-1] == "7 more – send more."
    assert "Donor F" not in digest
    state = session_state(db, priya)
    assert state.nudge_followup_ids == [f.id for f in followups[:DUE_PAGE]]
    assert state.more_followup_ids == [f.id for f in followups[DUE_PAGE:]]

    operator_says(wired, project, priya, "more")
    page = twilio_api.bodies_to(priya.phone)[-1].splitlines()
    assert page[0] == "More follow-ups due:"
    assert page[1] == "6. Donor F – no answer last time, overdue since Wed 25 Nov 3:00 PM"
    assert page[-1] == "2 more – send more."
    operator_says(wired, project, priya, "more")
    page = twilio_api.bodies_to(priya.phone)[-1].splitlines()
    assert [line.split(" – ")[0] for line in page[1:3]] == ["11. Donor K", "12. Donor L"]
    assert not page[-1].endswith("send more.")

    operator_says(wired, project, priya, "done 12")  # numbering runs on across pages
    assert followup_row(db, followups[11].id).status == "done"
    assert "Done: follow-up with Donor L closed." in twilio_api.bodies_to(priya.phone)[-1]
    operator_says(wired, project, priya, "more")
    assert twilio_api.bodies_to(priya.phone)[-1].startswith("Nothing more to show")
    for body in twilio_api.bodies_to(priya.phone):
        assert not PADDED_DAY.search(body) and not CLOCK_24H.search(body), body


def test_a_short_digest_is_not_paged(
    wired: Runtime, twilio_api: TwilioDouble, clock: FrozenClock
) -> None:
    db, now = wired.db, clock.now()
    project = make_project(db)
    priya = make_user(db, project, "Priya Nair")
    wrote_at(db, project, priya, now - hours(1))
    for n in range(DUE_PAGE):
        add_followup(db, project, contact(db, project, f"Donor {n}"), priya, now - hours(1))
    run_nudges(wired)
    [digest] = twilio_api.bodies_to(priya.phone)
    assert "send more" not in digest and digest.count("\n5. Donor") == 1
    assert session_state(db, priya).more_followup_ids == []


def test_replies_write_days_one_way(wired: Runtime, twilio_api: TwilioDouble, clock) -> None:
    """A read-back, a recorded pledge, ``due`` and ``stats``: ``Fri 27 Nov``, ``10:00 AM``."""
    db, now = wired.db, clock.now()
    project = make_project(db)
    priya = make_user(db, project, "Priya Nair")
    anita = contact(db, project, "Anita Sharma")
    add_followup(db, project, anita, priya, now - hours(30))
    for said in (
        "due",
        "find Anita Sharma",
        "pledged 25k by fri",
        "stats",
        "spoke to Anita, call back kal 5pm",
    ):
        operator_says(wired, project, priya, said)
    bodies = twilio_api.bodies_to(priya.phone)
    text = "\n".join(bodies)
    assert "overdue since Wed 25 Nov 4:00 AM" in text
    assert "expected by Fri 27 Nov" in text and "Today (Thu 26 Nov)" in text
    assert "call back Fri 27 Nov 5:00 PM" in text
    for body in bodies:
        assert not PADDED_DAY.search(body) and not CLOCK_24H.search(body), body
