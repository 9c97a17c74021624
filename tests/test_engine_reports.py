"""Free-text and compound reports on the database: read back, written whole, or not at all.

Run on SQLite and PostgreSQL. Free text (a donor named in a sentence) is never written
before ``yes``/``haan`` or a number; compound commands on the current contact write
every part or none; a part that cannot be read is named and nothing is written.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from bot.engine.free_text import first_name_contacts
from bot.models import Contact, Followup, Interaction, Payment, Pledge, ProviderUsage
from bot.store import ProjectScope
from tests.agent_support import rows
from tests.agent_support import run_turn as run_agent_turn
from tests.engine_support import Operator, row_counts
from tests.factories import make_contact, make_project, make_user
from tests.scripted_llm import reply as llm_reply

pytest_plugins = ("tests.agent_fixtures",)
IST = ZoneInfo("Asia/Kolkata")
FRI = date(2026, 11, 27)


def ist(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=IST).astimezone(UTC)


@pytest.fixture
def op(runtime, db) -> Operator:
    project = make_project(db, upi_vpa="asha@okaxis")
    operator = Operator(runtime, project, make_user(db, project, "Priya Nair"))
    for name in ("Anita Sharma", "Anita Rao", "Ravi Kumar", "Meera Iyer", "Shanti Trust"):
        make_contact(db, project, name)
    make_contact(db, project, "Kabir Shah", status="do_not_contact")
    return operator


def _contact(db, op: Operator, name: str) -> Contact:
    with db.session() as session:
        return ProjectScope(session, op.project.id).first(Contact, Contact.display_name == name)


def _records(db, op: Operator) -> dict[str, list]:
    with db.session() as session:
        scope = ProjectScope(session, op.project.id)
        names = {c.id: c.display_name for c in scope.all(Contact)}
        return {
            "interactions": [(names[i.contact_id], i.outcome) for i in scope.all(Interaction)],
            "pledges": [
                (names[p.contact_id], p.amount, p.expected_by, p.status) for p in scope.all(Pledge)
            ],
            "payments": [
                (names[p.contact_id], p.amount, p.method, p.notes, p.reference, p.pledge_id)
                for p in scope.all(Payment)
            ],
            "followups": [
                (names[f.contact_id], f.due_at, f.reason)
                for f in scope.all(Followup, order_by=Followup.due_at)
            ],
        }


def test_a_sentence_is_read_back_and_written_only_after_yes(op: Operator, db) -> None:
    before = row_counts(db, op.project.id)
    reply = op.say("spoke to Anita Sharma, pledged 25k, pays Friday")
    assert reply.text == (
        "Record for Anita Sharma: pledged ₹25,000 by Fri 27 Nov?\nReply yes to save, no to cancel."
    )
    assert reply.meta["engine"] == "rules:report"
    assert row_counts(db, op.project.id) == before
    saved = op.say("yes")
    assert saved.text.startswith("Logged Anita Sharma: pledged; pledge ₹25,000, expected by Fri")
    records = _records(db, op)
    assert records["interactions"] == [("Anita Sharma", "pledged")]
    assert records["pledges"] == [("Anita Sharma", Decimal(25000), FRI, "open")]
    assert records["followups"] == [("Anita Sharma", ist(27, 10), "send_payment_link")]
    assert op.state().current_contact_id == _contact(db, op, "Anita Sharma").id
    op.say("undo")
    assert _records(db, op) == {"interactions": [], "pledges": [], "payments": [], "followups": []}


def test_a_proposal_followed_by_anything_else_writes_nothing(op: Operator, db) -> None:
    before = row_counts(db, op.project.id)
    assert op.say("Ravi ne 10k diya gpay se").text.startswith("Record for Ravi Kumar: paid")
    reply = op.say("stats")
    assert reply.text.startswith("(Not saved: the earlier read-back was not confirmed.)")
    assert op.say("yes").text.startswith("Nothing is waiting for a yes or no")
    assert row_counts(db, op.project.id) == before
    assert op.state().pending is None


def test_hinglish_payment_keeps_the_method_named(op: Operator, db) -> None:
    op.say("Ravi ne 10k diya gpay se")
    assert op.say("haan").text.startswith("Logged Ravi Kumar: paid; payment ₹10,000 by GPay")
    [payment] = _records(db, op)["payments"]
    assert payment[:4] == ("Ravi Kumar", Decimal(10000), "upi", "GPay")


def test_called_no_answer_try_kal_shaam(op: Operator, db) -> None:
    reply = op.say("called Meera - no answer, try kal shaam")
    assert reply.text.startswith("Record for Meera Iyer: no answer, call back Fri 27 Nov 6:00 PM?")
    op.say("yes")
    records = _records(db, op)
    assert records["interactions"] == [("Meera Iyer", "no_response")]
    assert records["followups"] == [("Meera Iyer", ist(27, 18), "no_response")]


def test_a_name_that_fits_two_donors_is_a_numbered_choice(op: Operator, db) -> None:
    reply = op.say("spoke to Anita, pledged 5k")
    lines = reply.text.splitlines()
    assert lines[0] == "Which Anita? Then record: pledged ₹5,000."
    assert [line.split(" · ")[0] for line in lines[1:3]] == ["1. Anita Rao", "2. Anita Sharma"]
    assert op.say("yes").text.startswith("(Not saved")  # a choice needs its number
    assert _records(db, op)["pledges"] == []
    op.say("spoke to Anita, pledged 5k")
    op.say("2")
    assert [p[:2] for p in _records(db, op)["pledges"]] == [("Anita Sharma", Decimal(5000))]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("spoke to Zubin, pledged 10k", "Nothing recorded – no contact called “Zubin”"),
        ("Kabir pledged 10k", "Nothing recorded – Kabir Shah is marked do-not-contact."),
        ("spoke to Anita Sharma, pledged 25k, wife decides", "I could not read “wife decides”"),
        ("Anita Sharma 25k", "is ₹25,000 pledged or paid?"),
        ("Meera baad mein call karna", "When should I call back?"),
    ],
)
def test_what_cannot_be_proposed_writes_nothing(op: Operator, db, text: str, answer: str) -> None:
    before = row_counts(db, op.project.id)
    reply = op.say(text)
    assert answer in reply.text, reply.text
    assert op.state().pending is None
    op.say("yes")
    assert row_counts(db, op.project.id) == before


def test_compound_commands_write_every_part(op: Operator, db) -> None:
    anita, ravi, meera = (_contact(db, op, n) for n in ("Anita Sharma", "Ravi Kumar", "Meera Iyer"))
    op.set_state(current_contact_id=anita.id)
    assert op.say("spoke, pledged 25k by fri").text.startswith(
        "Logged Anita Sharma: pledged; pledge ₹25,000, expected by Fri 27 Nov; follow-up Fri"
    )
    op.set_state(current_contact_id=ravi.id)
    op.say("busy, call back at 6pm")
    op.set_state(current_contact_id=meera.id)
    op.say("pledged 25k paid 10k")
    records = _records(db, op)
    assert sorted(records["interactions"]) == [
        ("Anita Sharma", "pledged"),
        ("Meera Iyer", "pledged"),
        ("Ravi Kumar", "no_response"),
    ]
    assert ("Ravi Kumar", ist(26, 18), "no_response") in records["followups"]
    assert ("Anita Sharma", ist(27, 10), "send_payment_link") in records["followups"]
    [(_, pledged, _, status)] = [p for p in records["pledges"] if p[0] == "Meera Iyer"]
    [payment] = records["payments"]
    assert (pledged, status, payment[1], payment[5] is not None) == (
        Decimal(25000),
        "open",
        Decimal(10000),
        True,
    )


def test_a_compound_with_a_part_we_cannot_read_writes_nothing(op: Operator, db) -> None:
    op.set_state(current_contact_id=_contact(db, op, "Anita Sharma").id)
    before = row_counts(db, op.project.id)
    for text, named in (
        ("spoke, pledged 25k by someday", "“someday”"),
        ("busy, call back at 6pm, bhai ka number", "“number”"),
        ("pledged 0", "the amount must be more than zero"),
        ("pledged -5000", "the amount must be more than zero"),
        ("baad mein call karna", "When should I call back?"),
    ):
        assert named in op.say(text).text, text
    assert row_counts(db, op.project.id) == before


def test_a_cheque_is_stored_as_other_and_read_back_as_cheque(op: Operator, db) -> None:
    op.set_state(current_contact_id=_contact(db, op, "Shanti Trust").id)
    reply = op.say("paid 50000 by cheque, chq no 004512")
    assert reply.text.startswith("Logged Shanti Trust: paid; payment ₹50,000 by cheque ref 004512")
    [payment] = _records(db, op)["payments"]
    assert payment[2:5] == ("other", "cheque", "004512")


def test_with_a_model_the_rules_answer_what_they_read(agent_runtime, scripted) -> None:
    project = make_project(agent_runtime.db)
    user = make_user(agent_runtime.db, project)
    make_contact(agent_runtime.db, project, "Anita Sharma")
    turn = run_agent_turn(
        agent_runtime, project, user, "spoke to Anita, pledged 25k, pays Friday 🙏"
    )
    assert turn.reply.text.startswith("Record for Anita Sharma: pledged ₹25,000 by Fri 27 Nov?")
    assert turn.reply.meta["engine"] == "rules:report"
    assert scripted.requests == [] and rows(agent_runtime, ProviderUsage) == []
    scripted.add(llm_reply("Noted."))
    run_agent_turn(agent_runtime, project, user, "spoke to Anita, she wants a receipt for 80G")
    assert len(scripted.requests) == 1  # what the rules cannot read goes to the model
    # Story around a report is kept as its note only without a model: with one, the
    # model reads the whole message.
    scripted.add(llm_reply("Noted."))
    run_agent_turn(agent_runtime, project, user, "spoke to Anita, pledged 25k for the school kits")
    assert len(scripted.requests) == 2


def test_due_is_paged_five_at_a_time(op: Operator, db) -> None:
    now = op.clock.now()
    with db.session() as session:
        scope = ProjectScope(session, op.project.id)
        for n in range(7):
            contact = scope.insert(Contact(display_name=f"Donor {n + 1}"))
            scope.insert(
                Followup(
                    contact_id=contact.id,
                    due_at=now - timedelta(hours=10 - n),
                    status="due",
                    reason="no_response",
                    assigned_to_user_id=op.user.id,
                )
            )
    first = op.say("due").text.splitlines()
    assert first[0] == "7 follow-ups due:" and len([x for x in first if ". Donor" in x]) == 5
    assert first[-1] == "2 more – send more."
    more = op.say("more").text.splitlines()
    assert [line.split(" –")[0] for line in more[1:3]] == ["6. Donor 6", "7. Donor 7"]
    assert op.say("done 7").text == "Done: follow-up with Donor 7 closed."
    assert op.say("more").text.startswith("Nothing more to show")


def test_the_next_cards_why_line_shows_one_date(op: Operator, db) -> None:
    now = op.clock.now()
    contact = make_contact(db, op.project, "Vikram Rao", relationship_strength=5)
    with db.session() as session:
        scope = ProjectScope(session, op.project.id)
        scope.insert(
            Pledge(
                contact_id=contact.id,
                amount=Decimal(50000),
                pledged_at=now - timedelta(days=28),
                expected_by=date(2026, 11, 3),
            )
        )
        scope.insert(
            Followup(
                contact_id=contact.id,
                due_at=now - timedelta(days=1),
                status="due",
                reason="send_payment_link",
                assigned_to_user_id=op.user.id,
            )
        )
    why = next(line for line in op.say("next").text.splitlines() if line.startswith("Why: "))
    assert why == "Why: payment reminder – overdue since Wed 25 Nov; pledged ₹50,000, unpaid"


def test_the_confirmer_checks_the_proposal_again(op: Operator, db) -> None:
    before = row_counts(db, op.project.id)
    op.say("Meera pledged 10k by today")
    with db.session() as session:  # marked do-not-contact while the question waited
        contact = ProjectScope(session, op.project.id).first(
            Contact, Contact.display_name == "Meera Iyer"
        )
        contact.status = "do_not_contact"
    reply = op.say("yes")
    assert reply.text == "Not recorded: Meera Iyer is marked do-not-contact; nothing recorded"
    op.clock.advance(hours=13, minutes=55)  # 23:55
    op.say("Ravi pledged 10k by today")
    op.clock.advance(minutes=10)  # past midnight: "today" was yesterday
    assert op.say("yes").text == "Not recorded: that payment date has already passed"
    assert _records(db, op)["pledges"] == []
    assert row_counts(db, op.project.id)["interactions"] == before["interactions"]


def test_a_confirmed_report_still_asks_before_a_second_pledge(op: Operator, db) -> None:
    """The read-back confirms the reading; the risk rules still apply on ``yes``."""
    assert op.say("spoke to Meera Iyer, pledged 25k by friday").text.startswith(
        "Record for Meera Iyer"
    )
    op.say("yes")
    assert len(_records(db, op)["pledges"]) == 1
    op.clock.advance(minutes=5)
    op.say("Meera Iyer pledged 25k by friday")
    again = op.say("haan")
    assert "open" in again.text and "pledge" in again.text  # a second pledge is asked about
    assert len(_records(db, op)["pledges"]) == 1
    op.say("1")  # update the open pledge rather than add a second
    [(name, amount, _, status)] = _records(db, op)["pledges"]
    assert (name, amount, status) == ("Meera Iyer", Decimal("25000.00"), "open")


def test_a_held_compound_report_keeps_its_payment(op: Operator, db) -> None:
    """A pledge with a payment in the same message survives the risk read-back intact."""
    op.say("find Ravi Kumar")
    op.say("pledged 20k")
    op.clock.advance(minutes=5)
    held = op.say("pledged 25k paid 10k")
    assert "open" in held.text  # Ravi already has an open pledge
    op.say("2")  # add a second pledge
    records = _records(db, op)
    assert sorted(p[1] for p in records["pledges"]) == [Decimal("20000.00"), Decimal("25000.00")]
    assert [p[1] for p in records["payments"]] == [Decimal("10000.00")]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("dnc - Ravi Kumar", "Ravi Kumar"),
        ("wrong number, Meera", "Meera Iyer"),
        ("busy: Meera ji", "Meera Iyer"),
        ("switched off, Shanti Trust", "Shanti Trust"),
        ("declined, Ravi", "Ravi Kumar"),
    ],
)
def test_an_outcome_whose_note_is_a_donors_name_is_about_that_donor(
    op: Operator, db, text: str, named: str
) -> None:
    """Written as a note on the current contact, ``dnc - Ravi Kumar`` marked Anita."""
    op.say("find anita sharma")
    before = row_counts(db, op.project.id)
    reply = op.say(text)
    assert named in reply.text and "Anita Sharma" not in reply.text, reply.text
    assert row_counts(db, op.project.id) == before  # read back first, never written at once
    op.say("yes")
    records = _records(db, op)
    assert {who for who, _ in records["interactions"]} == {named}
    assert _contact(db, op, "Anita Sharma").status == "active"


def test_a_note_that_is_not_a_name_stays_on_the_current_contact(op: Operator, db) -> None:
    op.say("find anita sharma")
    assert op.say("declined, gave last month").text.startswith("Logged Anita Sharma: declined")


def test_when_after_a_named_refusal_is_its_note(op: Operator, db) -> None:
    """``not interested this year`` said of a donor by name: "this year" is the note."""
    reply = op.say("Ravi Kumar declined, not interested this year")
    assert reply.text.startswith("Record for Ravi Kumar: declined"), reply.text
    assert "this year" in reply.text
    op.say("yes")
    with db.session() as session:
        [call] = ProjectScope(session, op.project.id).all(Interaction)
        assert (call.outcome, call.summary) == ("declined", "this year")
    # Said of a pledge, the same words may be its date: not a note, and not guessed.
    reply = op.say("Meera Iyer pledged 10k this year")
    assert reply.text == "Nothing recorded – I could not read “this year”."


@pytest.mark.parametrize(
    "text",
    ["Mrs Sharma paid 5000 cash", "Dr. Meera Iyer pledged 15k", "Shri Ravi Kumar pledged 11k"],
)
def test_an_honorific_before_a_name_is_not_part_of_it(op: Operator, db, text: str) -> None:
    reply = op.say(text)
    assert "no contact called" not in reply.text, reply.text
    assert reply.text.startswith(("Record for", "Which")), reply.text


def test_the_rest_of_a_pledge_dates_it(op: Operator, db) -> None:
    """``rest by month end`` after a part payment is when the pledge is due (read back)."""
    op.say("find anita sharma")
    before = row_counts(db, op.project.id)
    reply = op.say("spoke, pledged 10k, paid 5k upi, rest by month end")
    assert reply.text.startswith("Record for Anita Sharma:"), reply.text
    assert row_counts(db, op.project.id) == before
    op.say("yes")
    records = _records(db, op)
    assert [p[:3] for p in records["pledges"]] == [
        ("Anita Sharma", Decimal(10000), date(2026, 11, 30))
    ]
    assert [p[:3] for p in records["payments"]] == [("Anita Sharma", Decimal(5000), "upi")]


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("ravi bhai ka phone nahi laga", "Ravi Kumar"),
        ("Ravi declined politely", "Ravi Kumar"),
        ("switched off (Ravi)", "Ravi Kumar"),
        ("uska phone switch off hai", "Anita Sharma"),
    ],
)
def test_hinglish_reports_are_read_back_for_the_right_donor(
    op: Operator, db, text: str, who: str
) -> None:
    op.say("find anita sharma")
    before = row_counts(db, op.project.id)
    reply = op.say(text)
    assert reply.text.startswith(f"Record for {who}:"), reply.text
    assert row_counts(db, op.project.id) == before
    op.say("haan")
    assert {name for name, _ in _records(db, op)["interactions"]} == {who}


def test_a_report_then_another_donors_report_is_refused_not_merged(op: Operator, db) -> None:
    """With Ravi current, all of it was read back (and saved on yes) for Meera."""
    op.say("find ravi")
    before = row_counts(db, op.project.id)
    reply = op.say("pledged 20k, also Meera Iyer paid 5k cash")
    assert reply.text.startswith("Nothing recorded – that is two reports"), reply.text
    op.say("yes")
    assert row_counts(db, op.project.id) == before
    assert op.say("spoke - Meera will pay 10k tomorrow").text.startswith("Record for Meera Iyer")


def test_the_story_around_a_report_is_read_back_as_its_note(op: Operator, db) -> None:
    """A clause that only tells the story ("said her company already supports another
    NGO") refused the whole report; now it is the note, shown in the read-back."""
    before = row_counts(db, op.project.id)
    asked = op.say(
        "Spoke to Anita Rao, she is not interested, said her company already supports another NGO"
    )
    assert asked.text.splitlines()[0] == (
        "Record for Anita Rao: declined, note “said her company already supports another NGO”?"
    )
    assert row_counts(db, op.project.id) == before
    op.say("yes")
    with db.session() as session:
        [call] = ProjectScope(session, op.project.id).all(Interaction)
        assert (call.outcome, call.summary) == (
            "declined",
            "said her company already supports another NGO",
        )


@pytest.mark.parametrize(
    "text",
    [
        "Meera Iyer pledged 25k, her husband will decide",  # a doubt: never a story
        "Meera Iyer pledged 25k, the cheque bounced last time",  # money words
        "Called Ravi Kumar, Meera Iyer referred him to us, pledged 10k",  # two donors named
    ],
)
def test_a_clause_that_could_change_the_record_is_not_a_story(op: Operator, db, text: str) -> None:
    before = row_counts(db, op.project.id)
    assert op.say(text).text.startswith("Nothing recorded")
    assert row_counts(db, op.project.id) == before


@pytest.mark.parametrize(
    ("text", "read_back", "records"),
    [
        (
            "hi, just spoke to Meera Iyer, she was very warm, said she'll do 25k for the school "
            "kits, will transfer by friday, send her the link pls",
            "Record for Meera Iyer: pledged ₹25,000 by Fri 27 Nov, note “she was very warm; said "
            "she will do 25k for the school kits; send her the link”?",
            {"pledges": [("Meera Iyer", Decimal(25000), FRI, "open")]},
        ),
        (
            "ok so Ravi Kumar picked up finally, long chat about his daughter's school, he'll "
            "give 50k by 10th december, very positive",
            "Record for Ravi Kumar: pledged ₹50,000 by Thu 10 Dec, note “so Ravi Kumar picked up "
            "finally; long chat about his daughter school; very positive”?",
            {"pledges": [("Ravi Kumar", Decimal(50000), date(2026, 12, 10), "open")]},
        ),
        (
            "tried Anita Sharma twice, phone switched off both times, will try again tomorrow "
            "morning",
            "Record for Anita Sharma: no answer, call back Fri 27 Nov 10:00 AM, note “phone "
            "switched off both times”?",
            {"followups": [("Anita Sharma", ist(27, 10), "no_response")]},
        ),
        (
            "called Shanti Trust office, receptionist said the trustee is travelling, call back "
            "on 1st december",
            "Record for Shanti Trust: call back Tue 1 Dec 10:00 AM, note “called Shanti Trust "
            "office; receptionist said the trustee is travelling”?",
            {
                "followups": [
                    ("Shanti Trust", datetime(2026, 12, 1, 4, 30, tzinfo=UTC), "reschedule")
                ]
            },
        ),
    ],
)
def test_a_long_report_keeps_its_story_as_the_note(
    op: Operator, db, text: str, read_back: str, records: dict[str, list]
) -> None:
    """Without a model, words around a report that only tell its story no longer refuse
    it: they are the note, read back with the record and written only on ``yes``."""
    before = row_counts(db, op.project.id)
    asked = op.say(text)
    assert asked.text.splitlines()[0] == read_back
    assert row_counts(db, op.project.id) == before
    op.say("yes")
    written = _records(db, op)
    assert {key: written[key] for key in records} == records


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        # someone else's money, said around the donor's name
        ("Meera Iyer said her husband pledged 25k for the school", "“husband”"),
        # whoever did it is not a contact: never the current donor
        ("Suresh pledged 10k for the school kits", "“Suresh”"),
        # a second donor's report
        ("Ravi ne 5k diya, Meera ne 10k ka pledge kiya", "“Meera”"),
        # a reversal
        ("pledged 25k, then backed out", "“backed out”"),
        # a word that only ends a donor's name (Shanti Trust) names no one
        ("received 25000 via gpay to trust account", "“account”"),
        # how long a call lasted is no time to call back
        ("we chatted for almost 20 min about her trip, she pledged 10k", "20 min"),
        # a date the reader could not read
        ("pledged 25k by someday", "“someday”"),
        ("pledged twenty thousand by the twenty eighth", "“twenty eighth”"),
        # a condition, a reversal, what would have been
        ("spoke to Ravi Kumar, pledged 30k provided his board approves", "“provided"),
        ("spoke to Ravi Kumar, he pledged 10k, took it back after talking to his wife", "took"),
        ("spoke to Ravi Kumar, he pledged 10k, then said forget it", "forget it"),
        ("she was very warm, pledged 25k, ha i wish", "“ha i wish”"),
        ("he would have pledged 50k had his shop done well", "would have happened"),
        # money that went to someone else, or per head, or not in rupees
        ("spoke to Ravi Kumar, he donated 10k to the flood relief fund", "“flood relief fund”"),
        ("pledged five thousand each for her three children", "“each”"),
        ("pledged twenty thousand dollars", "“dollars”"),
        # the words after "sorry" are who it was
        ("pledged 25k, sorry, that was her husband", "“husband”"),
        # sarcasm, a wish, a change of mind in Hinglish, "more than" is no rest
        ("pledged 25k. nah, she was being sarcastic", "sarcastic"),
        ("pledged 25k in her dreams lol", "dreams"),
        ("25k ka vaada kiya tha, ab mukar gayi", "mukar"),
        ("paid 5k, 5k more than last time", "more than last time"),
        # someone else's money: a relative paying, on behalf of, paid to a donor
        ("Meera ke bhai ne 10k diya", "whose money is it?"),
        ("paid 10k on behalf of Meera Iyer", "whose money is it?"),
        ("she paid 10k to Ravi Kumar", "is Ravi Kumar who gave it?"),
        ("paid 5k, rest 20k from Ravi Kumar", "is Ravi Kumar who gave it?"),
        # the rest that is undecided or paid too
        ("paid 5k, the remaining 20k she will decide after diwali", "is the rest of ₹20,000"),
        ("paid 5k, rest 20k also paid in cash", "is the rest of ₹20,000 pledged?"),
    ],
)
def test_words_around_a_report_that_may_change_it_still_refuse_it(
    op: Operator, db, text: str, refused: str
) -> None:
    op.say("find anita sharma")
    before = row_counts(db, op.project.id)
    reply = op.say(text)
    assert reply.text.startswith("Nothing recorded") and refused in reply.text, reply.text
    op.say("yes")
    assert row_counts(db, op.project.id) == before


def test_a_first_name_is_found_through_the_name_index(op: Operator, db) -> None:
    """Each word of a story is looked up as a possible first name: an index range on
    ``(project_id, display_name)`` for each way a name may be stored, never a scan."""
    make_contact(db, op.project, "meera rao")  # stored in lower case
    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.session() as session:
            scope = ProjectScope(session, op.project.id)
            found = {c.display_name for c in first_name_contacts(scope, "MEERA")}
            assert found == {"Meera Iyer", "meera rao"}
            assert first_name_contacts(scope, "iyer") == []  # a surname is no first name
            assert first_name_contacts(scope, "mee") == []  # nor the start of one
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as conn:
        selects = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) >= 3
        for statement, parameters in selects:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            assert "ix_contacts_project_id_display_name" in str(plan), plan
