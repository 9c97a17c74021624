"""Issue 18, acceptance 2: every draft link opens WhatsApp on the donor with the draft typed
in, and no card or draft message is longer than WhatsApp allows.

Over the demo data's longest names, its largest amount and the largest amount a pledge
can hold, for every kind of draft and in both languages: the draft is at most 320
characters; its ``wa.me`` link names the donor's number and decodes to the draft word for
word; the ``tel:`` link dials the same number; the ``next`` card and every outcome reply
stay within 1,600 characters with the whole block in one message (inside the reply when
it fits, else on its own). Then the same through the rules planner, message rows and all.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from bot.directory.demo import seed_demo
from bot.engine.cards import REPLY_HINT, next_card
from bot.engine.draft_messages import DRAFT_FOLLOWS, attach, draft_block
from bot.engine.drafts import MAX_DRAFT, MAX_LINK, Draft, DraftError, next_draft, outcome_draft
from bot.engine.ranking import RankedContact
from bot.engine.wording import MAX_MESSAGE
from bot.models import Contact, ContactIdentity, ContactTag, Message, Payment, Pledge, Project, User
from bot.store import ProjectScope
from tests.conftest import DEFAULT_NOW
from tests.engine_support import Operator
from tests.factories import unique_mobile

KINDS = {
    "intro",
    "followup",
    "pledge_reminder",
    "pledge_reminder_no_upi",
    "pledge_thanks",
    "pledge_thanks_no_upi",
    "thank_you",
    "missed_call",
}
#: The largest amount a NUMERIC(12,2) pledge can hold: ₹99,99,99,999.99.
LARGEST_POSSIBLE = Decimal("9999999999.99")
WA_LINK = re.compile(r"https://wa\.me/\S*")


def _demo(db, clock) -> dict:
    """The demo project, its longest names and largest amount."""
    summary = seed_demo(db, clock)
    with db.session() as session:
        scope = ProjectScope(session, summary.project_id)
        names = [c.display_name for c in scope.all(Contact)]
        operators = [u for u in scope.all(User) if u.role == "USER"]
        largest = session.scalar(
            select(func.max(Pledge.amount)).where(Pledge.project_id == summary.project_id)
        )
    firsts = max((n.split()[0] for n in names), key=len)
    lasts = max((n.split()[-1] for n in names), key=len)
    return {
        "project_id": summary.project_id,
        # The longest name in the demo, and one made of its longest first and last names.
        "names": [max(names, key=len), f"{firsts} {lasts}"],
        "operator": max(operators, key=lambda u: len(u.full_name.split()[0])),
        "amounts": [Decimal(str(largest)), LARGEST_POSSIBLE],
    }


def _donor(scope: ProjectScope, name: str, language: str) -> tuple[Contact, str]:
    contact = scope.insert(Contact(display_name=name, status="active"))
    phone = unique_mobile()
    scope.insert(ContactIdentity(contact_id=contact.id, type="phone", value=phone, is_primary=True))
    scope.insert(ContactTag(contact_id=contact.id, tag=f"lang:{language}"))
    return contact, phone


def _every_draft(
    scope: ProjectScope, contact: Contact, amount: Decimal, operator: str
) -> dict[str, Draft]:
    """One draft of every kind for ``contact`` (the ``…_no_upi`` ones without a UPI VPA)."""
    project = scope.session.get(Project, scope.project_id)
    drafts = {"intro": next_draft(scope, contact, DEFAULT_NOW, operator=operator)}
    contact.last_contacted_at = DEFAULT_NOW - timedelta(days=2)
    drafts["followup"] = next_draft(scope, contact, DEFAULT_NOW, operator=operator)
    pledge = scope.insert(
        Pledge(contact_id=contact.id, amount=amount, status="open", expected_by=date(2026, 12, 31))
    )
    paid = Payment(contact_id=contact.id, amount=amount)
    vpa = project.upi_vpa
    for suffix in ("", "_no_upi"):
        project.upi_vpa = vpa if not suffix else None
        drafts["pledge_reminder" + suffix] = next_draft(
            scope, contact, DEFAULT_NOW, pledge=pledge, operator=operator
        )
        drafts["pledge_thanks" + suffix] = outcome_draft(
            scope, contact, "pledged", pledge=pledge, operator=operator
        )
    project.upi_vpa = vpa
    drafts["thank_you"] = outcome_draft(scope, contact, "paid", payment=paid, operator=operator)
    drafts["missed_call"] = outcome_draft(scope, contact, "no_response", operator=operator)
    return drafts


def check_link(draft: Draft, phone: str) -> None:
    """The ``wa.me`` link names ``phone`` and carries the draft; ``tel:`` dials ``phone``."""
    link = urlsplit(draft.whatsapp_link)
    assert (link.scheme, link.netloc, link.path) == ("https", "wa.me", "/" + phone[1:])
    assert parse_qs(link.query, strict_parsing=True) == {"text": [draft.text]}
    assert draft.call_link == f"tel:{phone}"
    assert len(draft.text) <= MAX_DRAFT and len(draft.whatsapp_link) <= MAX_LINK


def check_messages(messages: list[str], draft: Draft) -> None:
    """Every message fits; the draft's block is whole in exactly one of them."""
    assert all(len(m) <= MAX_MESSAGE for m in messages), [len(m) for m in messages]
    holding = [m for m in messages if draft.whatsapp_link in m]
    assert len(holding) == 1 and draft_block(draft) in holding[0]
    if holding[0] is not messages[0]:
        assert DRAFT_FOLLOWS in messages[0] and messages[1:] == [draft_block(draft)]


@pytest.mark.parametrize("language", ["en", "hi"])
def test_every_draft_kind_links_to_the_donor_and_fits(db, clock, language: str) -> None:
    demo = _demo(db, clock)
    operator = demo["operator"]
    with db.session() as session:
        scope = ProjectScope(session, demo["project_id"], actor=f"user:{operator.id}")
        receipt = session.get(Project, demo["project_id"]).settings_json["receipt_80g"]
        for name in demo["names"]:
            for amount in demo["amounts"]:
                contact, phone = _donor(scope, name, language)
                drafts = _every_draft(scope, contact, amount, operator.full_name)
                assert set(drafts) == KINDS
                for kind, draft in drafts.items():
                    assert draft.kind == kind
                    check_link(draft, phone)
                    assert (kind == "thank_you") == draft.text.endswith(receipt)
                    if language == "hi":
                        assert re.search("[\u0900-\u097f]", draft.text), draft.text
                    # The longest ``next`` card and a long outcome read-back around it.
                    ranked = RankedContact(contact, ["x" * 200, "y" * 200], 1.0)
                    card, then, _ = next_card(scope, ranked, DEFAULT_NOW, None, "Priya")
                    check_messages([card, *then], next_draft(scope, contact, DEFAULT_NOW))
                    text, then = attach("Logged " + "z" * 590 + ".", draft)
                    check_messages([text, *then], draft)


def test_a_draft_goes_inside_the_reply_when_it_fits_and_on_its_own_when_not(db, clock) -> None:
    draft = Draft("missed_call", "Hi Anita, I tried calling you just now.", "+919812345678")
    inside, after = attach("Logged Anita Sharma: no answer.", draft)
    assert after == [] and inside == "Logged Anita Sharma: no answer.\n" + draft_block(draft)
    assert draft_block(draft).splitlines() == [
        "Draft: Hi Anita, I tried calling you just now.",
        "Send it: https://wa.me/919812345678?text=Hi%20Anita%2C%20I%20tried%20calling%20you"
        "%20just%20now.",
        "Call: tel:+919812345678",
    ]
    long = "Logged " + "a" * (MAX_MESSAGE - 100)
    alone, after = attach(long, draft, REPLY_HINT)
    assert alone == f"{long}\n{DRAFT_FOLLOWS}\n{REPLY_HINT}" and after == [draft_block(draft)]
    no_phone = Draft("intro", "Hi Anita!", None)
    assert draft_block(no_phone).splitlines() == [
        "Draft: Hi Anita!",
        "Send it: https://wa.me/?text=Hi%20Anita%21",  # WhatsApp asks whom to send it to
    ]


def test_a_long_hindi_template_is_shortened_until_its_link_fits(db, clock) -> None:
    """A knowledge-base template of 300 Devanagari letters would make a link of ~2,700
    characters: the words are cut (never the UPI link) until the link fits."""
    demo = _demo(db, clock)
    with db.session() as session:
        scope = ProjectScope(session, demo["project_id"])
        from bot.models import KbDocument

        long = "धन्यवाद " * 40
        scope.insert(
            KbDocument(
                title="Message templates",
                content_hash="long-hindi",
                content=f"## Pledge thanks (Hindi)\n{{first_name}} जी, {long} {{upi_link}}\n",
            )
        )
        contact, phone = _donor(scope, "अनीता शर्मा", "hi")
        pledge = scope.insert(Pledge(contact_id=contact.id, amount=Decimal(25000), status="open"))
        draft = outcome_draft(scope, contact, "pledged", pledge=pledge)
        assert draft is not None and draft.kind == "pledge_thanks"
        check_link(draft, phone)
        assert draft.text.startswith("अनीता जी, धन्यवाद") and "…" in draft.text
        assert draft.text.endswith("&cu=INR&tn=Asha%20Foundation%20pledge")


def test_never_a_draft_for_a_do_not_contact_donor(db, clock) -> None:
    demo = _demo(db, clock)
    with db.session() as session:
        scope = ProjectScope(session, demo["project_id"])
        contact, _ = _donor(scope, "Kabir Shah", "en")
        pledge = scope.insert(Pledge(contact_id=contact.id, amount=Decimal(5000), status="open"))
        contact.status = "do_not_contact"
        for outcome in ("pledged", "paid", "no_response", "spoke"):
            paid = Payment(contact_id=contact.id, amount=Decimal(5000))
            assert outcome_draft(scope, contact, outcome, pledge=pledge, payment=paid) is None
        with pytest.raises(DraftError):
            next_draft(scope, contact, DEFAULT_NOW)


def _sent(op: Operator) -> list[str]:
    """The messages recorded as the reply to the operator's last message, in order."""
    with op.runtime.db.session() as session:
        return list(
            session.scalars(
                select(Message.body)
                .where(
                    Message.project_id == op.project.id, Message.reply_to_id == op.last_message_id
                )
                .order_by(Message.created_at, Message.id)
            )
        )


def _said(op: Operator, text: str) -> list[str]:
    reply = op.say(text)
    if reply.text.startswith("Please check before I save"):
        op.say("yes")
    return _sent(op)


def _links(messages: list[str]) -> list[tuple[str, str]]:
    """(number, text) of every ``wa.me`` link in ``messages``; each link is in one message."""
    found = []
    for message in messages:
        for link in WA_LINK.findall(message):
            parts = urlsplit(link)
            [text] = parse_qs(parts.query)["text"]
            assert f"Draft: {text}\n" in message  # the draft is beside its link
            found.append((parts.path[1:], text))
    return found


@pytest.mark.parametrize("language", ["en", "hi"])
def test_outcomes_through_the_rules_planner_send_linked_drafts(
    db, clock, runtime, language
) -> None:
    demo = _demo(db, clock)
    with db.session() as session:
        project = session.get(Project, demo["project_id"])
        user = session.get(User, demo["operator"].id)
        scope = ProjectScope(session, project.id)
        contact, phone = _donor(scope, "Meenakshi Chatterjee-Venkataraman", language)
    op = Operator(runtime, project, user)
    digits = phone[1:]
    replies = {}
    for said in ("find Chatterjee-Venkataraman", "pledged 1L", "paid 40k upi", "paid 60k upi"):
        replies[said] = _said(op, said)
        clock.advance(minutes=1)
    op.say("find Chatterjee-Venkataraman")
    replies["na"] = _said(op, "na")
    for messages in replies.values():
        assert all(len(m) <= MAX_MESSAGE for m in messages)
    assert _links(replies["find Chatterjee-Venkataraman"]) == []
    [(number, thanks)] = _links(replies["pledged 1L"])
    assert number == digits and "₹1,00,000" in thanks and "am=100000.00" in thanks
    [(number, partial)] = _links(replies["paid 40k upi"])
    assert number == digits and "₹40,000" in partial
    [(number, full)] = _links(replies["paid 60k upi"])
    assert "₹60,000" in full and full.endswith(
        "Your 80G receipt reaches you by email within 7 days."
    )
    [(number, missed)] = _links(replies["na"])
    assert number == digits and f"tel:{phone}" in replies["na"][-1]
    if language == "hi":
        assert thanks.startswith("नमस्ते Meenakshi जी") and missed.startswith("नमस्ते Meenakshi जी")
    else:
        assert thanks.startswith("Hi Meenakshi, thank you so much for your pledge of ₹1,00,000")
        assert missed.startswith("Hi Meenakshi, Priya from Asha Foundation here. I tried calling")
    assert op.state().last_draft == missed  # 👍 now rates this draft


def test_no_draft_after_outcomes_that_call_for_none_or_for_do_not_contact(
    db, clock, runtime
) -> None:
    demo = _demo(db, clock)
    with db.session() as session:
        project = session.get(Project, demo["project_id"])
        user = session.get(User, demo["operator"].id)
        contact, _ = _donor(ProjectScope(session, project.id), "Kabir Shah", "en")
    op = Operator(runtime, project, user)
    op.say("find Kabir Shah")
    for said in ("spoke: will think", "declined", "dnc"):
        messages = _said(op, said)
        assert len(messages) == 1 and "wa.me" not in messages[0] and "Draft:" not in messages[0]
    with db.session() as session:
        assert session.get(Contact, contact.id).status == "do_not_contact"
