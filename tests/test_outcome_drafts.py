"""A draft for the donor after every outcome that calls for one, on both planners.

After ``pledged`` a thank-you with the UPI link for the amount; after ``paid`` a thank-you
and receipt note ending with the project's 80G line when one is set; after ``na`` "I
tried calling you". The rules planner puts the draft in its reply; the assistant's tools
return it and the server sends it after the model's words (the model never retypes a
link). The 80G line is set with ``calltime projects receipt``, audited, and validated.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import cli
from bot.directory.org import DirectoryError
from bot.directory.settings import set_receipt_line
from bot.engine.drafts import RECEIPT_SETTING
from bot.models import AuditLog, ContactIdentity, Project
from tests.agent_support import rows, run_turn
from tests.engine_support import Operator
from tests.factories import make_contact, make_project, make_user
from tests.scripted_llm import reply, tool_use

pytest_plugins = ("tests.agent_fixtures",)

RECEIPT = "Your 80G receipt (reg. AAATA1234F/80G) reaches you by email within 7 days."


def _phone(runtime, contact) -> str:
    with runtime.db.session() as session:
        return session.scalar(
            select(ContactIdentity.value).where(
                ContactIdentity.project_id == contact.project_id,
                ContactIdentity.contact_id == contact.id,
            )
        )


def _block(text: str) -> tuple[str, str, str]:
    """The reply's draft, the text its ``wa.me`` link carries, and the link's number."""
    lines = text.splitlines()
    draft = next(line for line in lines if line.startswith("Draft: "))[len("Draft: ") :]
    link = next(line for line in lines if line.startswith("Send it: "))[len("Send it: ") :]
    parts = urlsplit(link)
    return draft, parse_qs(parts.query)["text"][0], parts.path.lstrip("/")


def _with_receipt(runtime, project) -> None:
    with runtime.db.session() as session:
        set_receipt_line(session, session.get(Project, project.id), RECEIPT, actor="test")


@pytest.fixture
def op(runtime, db) -> Operator:
    project = make_project(db)
    return Operator(runtime, project, make_user(db, project, "Priya Nair"))


def test_the_rules_planner_drafts_after_pledged_paid_and_na(op: Operator, db) -> None:
    _with_receipt(op.runtime, op.project)
    anita = make_contact(db, op.project, "Anita Sharma")
    digits = _phone(op.runtime, anita)[1:]
    op.set_state(current_contact_id=anita.id, current_contact_at=op.clock.now())
    pledged = op.say("pledged 25k by fri")
    assert pledged.text.startswith("Logged Anita Sharma: pledged; pledge ₹25,000, expected by Fri")
    draft, linked, number = _block(pledged.text)
    assert draft == linked and number == digits
    assert draft == (
        "Hi Anita, thank you so much for your pledge of ₹25,000 to Asha Trust! "
        "Shall I send bank details for the transfer?"  # the test project has no UPI VPA
    )
    paid = op.say("paid 25k upi")
    draft, linked, number = _block(paid.text)
    assert draft == linked and number == digits
    assert draft == (
        f"Hi Anita, we received your gift of ₹25,000. Thank you for standing with Asha Trust! "
        f"{RECEIPT}"
    )
    missed = op.say("na")
    draft, linked, _ = _block(missed.text)
    assert (
        draft
        == linked
        == (
            "Hi Anita, Priya from Asha Trust here. I tried calling you just now – when would be "
            "a good time to talk?"
        )
    )
    assert missed.text.splitlines()[-1] == f"Call: tel:+{digits}"


def test_a_pledge_thank_you_carries_the_upi_link_for_what_is_left(runtime, db) -> None:
    project = make_project(db, "Asha Foundation", upi_vpa="ashafoundation@okicici")
    op = Operator(runtime, project, make_user(db, project, "Priya Nair"))
    anita = make_contact(db, project, "Anita Sharma")
    op.set_state(current_contact_id=anita.id, current_contact_at=op.clock.now())
    answer = op.say("pledged 25k, paid 10k upi")
    if answer.text.startswith(("Record for", "Please check")):
        answer = op.say("yes")
    draft, _, _ = _block(answer.text)
    assert draft.startswith("Hi Anita, thank you so much for your pledge of ₹25,000")
    assert draft.endswith(
        "upi://pay?pa=ashafoundation%40okicici&pn=Asha%20Foundation&am=15000.00&cu=INR"
        "&tn=Asha%20Foundation%20pledge"
    )


def test_the_assistants_outcomes_send_the_draft_after_its_words(agent_runtime, scripted) -> None:
    project = make_project(agent_runtime.db, "Asha Foundation", upi_vpa="ashafoundation@okicici")
    user = make_user(agent_runtime.db, project, "Priya Nair")
    anita = make_contact(agent_runtime.db, project, "Anita Sharma")
    digits = _phone(agent_runtime, anita)[1:]
    _with_receipt(agent_runtime, project)
    pledge = {"contact_id": str(anita.id), "outcome": "pledged", "amount": "25000"}
    scripted.add(
        reply(tool_use("log_interaction", pledge, "toolu_1")),
        reply("Logged Anita's ₹25,000 pledge."),
    )
    turn = run_turn(agent_runtime, project, user, "Anita pledged 25k, her driver answered")
    said, draft_line, send, call = turn.reply.text.splitlines()
    assert said == "Logged Anita's ₹25,000 pledge."
    draft, linked, number = _block(turn.reply.text)
    assert draft == linked and number == digits and call == f"Call: tel:+{digits}"
    assert draft.startswith("Hi Anita, thank you so much for your pledge of ₹25,000")
    assert "am=25000.00" in draft
    # The model saw the draft in the tool result (so it need not retype it).
    [result] = scripted.requests[1]["messages"][-1]["content"]
    assert '"draft":{"kind":"pledge_thanks"' in result["content"]
    assert turn.state.last_draft == draft

    payment = {"contact_id": str(anita.id), "amount": "25000", "method": "upi"}
    scripted.add(
        reply(tool_use("record_payment", payment, "toolu_2")),
        reply("Saved Anita's ₹25,000 by UPI."),
    )
    turn = run_turn(agent_runtime, project, user, "Anita paid 25k by upi, her driver answered")
    draft, linked, _ = _block(turn.reply.text)
    assert draft == linked and draft.endswith(RECEIPT)
    assert draft.startswith("Hi Anita, we received your gift of ₹25,000.")

    missed = {"contact_id": str(anita.id), "outcome": "no_response"}
    scripted.add(reply(tool_use("log_interaction", missed, "toolu_3")), reply("Noted."))
    turn = run_turn(agent_runtime, project, user, "Anita didn't pick up, her driver answered")
    draft, _, _ = _block(turn.reply.text)
    assert draft.startswith("Hi Anita, Priya from Asha Foundation here. I tried calling you")
    assert len(scripted.requests) == 6  # every turn went through the model


def test_the_80g_line_is_set_from_the_command_line_and_audited(
    runtime, db, db_url, tmp_path, monkeypatch
) -> None:
    project = make_project(db, "Asha Foundation")
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CALLTIME_INSTANCE_PATH", str(tmp_path / "cli-instance"))
    runner = CliRunner()
    env: dict[str, str] = {}
    shown = runner.invoke(cli, ["projects", "receipt", "-p", "Asha Foundation"], env=env)
    assert shown.exit_code == 0 and "text=(none)" in shown.output
    set_ = runner.invoke(cli, ["projects", "receipt", "-p", "Asha Foundation", RECEIPT], env=env)
    assert set_.exit_code == 0, set_.output
    with db.session() as session:
        assert session.get(Project, project.id).settings_json == {RECEIPT_SETTING: RECEIPT}
    too_long = runner.invoke(
        cli, ["projects", "receipt", "-p", "Asha Foundation", "x" * 141], env=env
    )
    assert too_long.exit_code == 1 and "keep it within 140" in too_long.output
    assert "Traceback" not in too_long.output
    cleared = runner.invoke(
        cli, ["projects", "receipt", "-p", "Asha Foundation", "--clear"], env=env
    )
    assert cleared.exit_code == 0 and "text=(none)" in cleared.output
    audits = rows(runtime, AuditLog, AuditLog.project_id == project.id)
    assert [(a.table_name, a.action, a.changed_by) for a in audits] == [
        ("projects", "update", "cli"),
        ("projects", "update", "cli"),
    ]
    assert audits[0].new_values == {"settings_json": {RECEIPT_SETTING: RECEIPT}}
    assert audits[1].new_values == {"settings_json": {}}


def test_an_80g_line_too_long_for_a_link_is_refused(runtime, db) -> None:
    project = make_project(db, "Asha Foundation")
    with db.session() as session:
        found = session.get(Project, project.id)
        with pytest.raises(DirectoryError, match="too long for a WhatsApp link"):
            set_receipt_line(session, found, "आपकी 80G रसीद सात दिनों में ईमेल से आएगी " * 2, actor="t")
        assert found.settings_json == {}
    assert rows(runtime, AuditLog, AuditLog.project_id == project.id) == []


def test_a_read_back_in_the_same_model_turn_keeps_the_draft(agent_runtime, scripted) -> None:
    """One tool call wrote an outcome (a draft), another was held for ``yes``: the reply is
    the read-back word for word, and the draft still follows it."""
    project = make_project(agent_runtime.db, "Asha Foundation")
    user = make_user(agent_runtime.db, project, "Priya Nair")
    anita = make_contact(agent_runtime.db, project, "Anita Sharma")
    bharat = make_contact(agent_runtime.db, project, "Bharat Rao")
    missed = {"contact_id": str(anita.id), "outcome": "no_response"}
    huge = {"contact_id": str(bharat.id), "amount": "5000000000"}
    scripted.add(
        reply(
            tool_use("log_interaction", missed, "toolu_1"), tool_use("record_pledge", huge, "t2")
        ),
        reply("Anita did not pick up; Bharat pledged 500 crore, saved."),
    )
    turn = run_turn(
        agent_runtime, project, user, "Anita didn't pick up, Bharat pledged 500 crore, wow"
    )
    question, draft = turn.reply.text.split("\nDraft: ")
    assert question.startswith("Please check before I save: Bharat Rao – pledged ₹5,00,00,00,000.")
    assert draft.startswith("Hi Anita, Priya from Asha Foundation here. I tried calling you")
    assert (
        turn.reply.meta["model_text"] == "Anita did not pick up; Bharat pledged 500 crore, saved."
    )
