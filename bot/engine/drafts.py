"""Ready-to-send WhatsApp drafts for donors, from the project's templates.

================= ==================================================================
kind              written for
================= ==================================================================
intro             ``next``: a donor never contacted
followup          ``next``: a donor contacted before
pledge_reminder   ``next``: a donor with an open pledge (UPI link for what is left)
pledge_thanks     after ``pledged``: thank-you with the UPI link for the amount pledged
thank_you         after ``paid``: thank-you and receipt note, with the project's 80G line
missed_call       after ``na`` (no answer): "I tried calling you"
================= ==================================================================

``pledge_reminder`` and ``pledge_thanks`` have a ``…_no_upi`` variant for a project
without a UPI VPA (or not in rupees). Templates come from
:mod:`bot.engine.draft_templates` (one table per language), overridden by
knowledge-base sections (``## Pledge thanks``, ``## Missed call`` …; those in a document
titled "…template…" win). Drafts are at most :data:`MAX_DRAFT` characters, their
``wa.me`` link at most :data:`MAX_LINK` (see :mod:`bot.engine.draft_messages`), and never
written for a do-not-contact contact.

The 80G line: a project that issues 80G receipts keeps the sentence to add to every
payment thank-you in ``projects.settings_json["receipt_80g"]`` (set with ``calltime
projects receipt``; :func:`bot.directory.settings.set_receipt_line`).

A contact whose name is written in Devanagari, or who carries the tag ``lang:hi``, gets
the Hindi templates (or knowledge-base sections headed ``## Pledge reminder (Hindi)`` …);
the tag ``lang:en`` keeps English. A tag rather than a ``language`` column: the data
model's contacts table has none, tags already come in through the CSV import (``tags``
column), and a language is a per-contact label like the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from bot.engine.amounts import format_money
from bot.engine.draft_templates import (
    ENGLISH_TEMPLATES,
    HINDI_TEMPLATES,
    SECTION_KINDS,
    TEMPLATES,
    contact_language,
    project_templates,
)
from bot.engine.records import is_reachable, open_pledge, paid_towards, phone_of
from bot.engine.wording import day_text
from bot.models import Contact, Payment, Pledge, Project
from bot.phones import InvalidPhone, to_e164
from bot.store import ProjectScope

__all__ = [
    "DEFAULT_TEMPLATES",
    "HINDI_TEMPLATES",
    "MAX_DRAFT",
    "MAX_LINK",
    "RECEIPT_SETTING",
    "SECTION_KINDS",
    "contact_language",
    "Draft",
    "DraftError",
    "draft_for",
    "fit",
    "next_draft",
    "outcome_draft",
    "project_templates",
    "receipt_line",
    "upi_link",
    "whatsapp_link",
]

MAX_DRAFT = 320
#: A draft's ``wa.me`` link is at most this long, so the draft, its links and their labels
#: always fit one WhatsApp message (1,600 characters). Devanagari takes nine characters
#: per letter once URL-encoded, so a long Hindi draft is shortened to fit.
MAX_LINK = 1200
#: The ``projects.settings_json`` key holding the 80G sentence for payment thank-yous.
RECEIPT_SETTING = "receipt_80g"
#: The English table under its former name (knowledge-base sections override it).
DEFAULT_TEMPLATES = ENGLISH_TEMPLATES


class DraftError(ValueError):
    """No draft may be written for this contact."""


@dataclass(frozen=True)
class Draft:
    """A message for a donor, and the E.164 number it goes to (``None``: no phone on file)."""

    kind: str
    text: str
    phone: str | None

    @property
    def whatsapp_link(self) -> str:
        return whatsapp_link(self.phone, self.text)

    @property
    def call_link(self) -> str | None:
        return f"tel:{self.phone}" if self.phone else None

    @classmethod
    def from_result(cls, result: dict[str, Any]) -> Draft:
        """The draft :meth:`as_result` described."""
        return cls(str(result["kind"]), str(result["text"]), result.get("phone"))

    def as_result(self) -> dict[str, Any]:
        """The draft as a tool result shows it to the model."""
        return {
            "kind": self.kind,
            "text": self.text,
            "phone": self.phone,
            "whatsapp_link": self.whatsapp_link,
            "call_link": self.call_link,
        }


def whatsapp_link(phone: str | None, text: str) -> str:
    """WhatsApp's click-to-chat link: ``https://wa.me/<digits>?text=<url-encoded text>``.

    Without a number it is ``https://wa.me/?text=…``: WhatsApp then asks whom to send to.
    """
    digits = phone.lstrip("+") if phone else ""
    return f"https://wa.me/{digits}?text={quote(text, safe='')}"


def upi_link(vpa: str, payee: str, amount: Decimal, note: str) -> str:
    """A UPI deep link (``upi://pay?pa=…&pn=…&am=…&cu=INR&tn=…``), URL-encoded."""
    query = urlencode(
        {"pa": vpa, "pn": payee, "am": f"{amount:.2f}", "cu": "INR", "tn": note},
        quote_via=quote,
    )
    return f"upi://pay?{query}"


def receipt_line(project: Project) -> str:
    """The project's 80G sentence for payment thank-yous (empty when none is set)."""
    return str((project.settings_json or {}).get(RECEIPT_SETTING) or "").strip()


def draft_for(
    scope: ProjectScope,
    contact: Contact,
    now: datetime,
    *,
    pledge: Pledge | None = None,
    operator: str | None = None,
) -> str:
    """The text of :func:`next_draft`."""
    return next_draft(scope, contact, now, pledge=pledge, operator=operator).text


@dataclass(frozen=True)
class Known:
    """What the caller has read about the contact already (its primary phone and its
    latest open pledge, either ``None``), so :func:`next_draft` does not read it again."""

    phone: str | None
    pledge: Pledge | None


def next_draft(
    scope: ProjectScope,
    contact: Contact,
    now: datetime,
    *,
    pledge: Pledge | None = None,
    operator: str | None = None,
    known: Known | None = None,
) -> Draft:
    """The draft ``next`` offers for ``contact``: intro, follow-up or pledge reminder.

    With an open pledge (given, known, or the contact's latest) it is a payment reminder
    with a UPI link for the amount still due when the project has a UPI VPA.

    Raises:
        DraftError: the contact is do-not-contact or deleted.
    """
    _require_draftable(contact)
    if pledge is None:
        pledge = known.pledge if known is not None else open_pledge(scope, contact)
    phone = known.phone if known is not None else phone_of(scope, contact)
    if pledge is not None and pledge.status == "open":
        left = pledge.amount - paid_towards(scope, pledge)
        return _compose(scope, contact, phone, "pledge_reminder", operator, left, pledge, pay=left)
    kind = "followup" if contact.last_contacted_at is not None else "intro"
    return _compose(scope, contact, phone, kind, operator)


def outcome_draft(
    scope: ProjectScope,
    contact: Contact,
    outcome: str,
    *,
    pledge: Pledge | None = None,
    payment: Payment | None = None,
    operator: str | None = None,
) -> Draft | None:
    """The draft to send the donor after ``outcome`` was recorded, if that outcome has one.

    ``pledged``: a thank-you with the UPI link for what is left of the pledge (a thank-you
    for the payment when it was paid in full at once); ``paid``: a thank-you and receipt
    note with the 80G line; ``no_response``: "I tried calling you". ``None`` for other
    outcomes and for a contact that may not be contacted.
    """
    if not is_reachable(contact):
        return None
    if outcome == "pledged" and pledge is not None and pledge.status == "open":
        left, phone = pledge.amount - paid_towards(scope, pledge), phone_of(scope, contact)
        return _compose(
            scope, contact, phone, "pledge_thanks", operator, pledge.amount, pledge, pay=left
        )
    if outcome in ("pledged", "paid") and payment is not None:
        phone = phone_of(scope, contact)
        return _compose(scope, contact, phone, "thank_you", operator, payment.amount)
    if outcome == "no_response":
        return _compose(scope, contact, phone_of(scope, contact), "missed_call", operator)
    return None


def _require_draftable(contact: Contact) -> None:
    if not is_reachable(contact):
        raise DraftError(f"{contact.display_name} is not to be contacted")


def _compose(
    scope: ProjectScope,
    contact: Contact,
    phone_on_file: str | None,
    kind: str,
    operator: str | None,
    amount: Decimal | None = None,
    pledge: Pledge | None = None,
    *,
    pay: Decimal | None = None,
) -> Draft:
    """Fill the project's template of ``kind`` in the donor's language, within the limits.

    ``phone_on_file`` is the contact's primary phone as stored (the draft's link is to
    it); ``amount`` is the sum the text names, ``pay`` the one the UPI link asks for.
    """
    _require_draftable(contact)
    project = scope.session.get(Project, scope.project_id)
    assert project is not None
    language = contact_language(scope, contact)
    values = {
        "first_name": contact.display_name.split()[0],
        "name": contact.display_name,
        "operator": operator.split()[0] if operator and operator.split() else "the team",
        "project": project.name,
        "amount": format_money(amount, project.currency) if amount is not None else "",
        "due": day_text(pledge.expected_by) if pledge and pledge.expected_by else "",
        "upi_link": "",
    }
    if kind in ("pledge_reminder", "pledge_thanks"):
        if project.upi_vpa and project.currency == "INR" and pay is not None:
            # An ASCII note keeps the link short whatever script the donor's name is in.
            note = f"{project.name} pledge"[:40]
            values["upi_link"] = upi_link(project.upi_vpa, project.name, pay, note)
        else:
            kind += "_no_upi"
    phone = _e164(phone_on_file, project.default_region)
    templates = project_templates(scope, language)
    text = _fill(templates[kind], values) or _fill(TEMPLATES[language][kind], values) or ""
    keep = [values["upi_link"]] if values["upi_link"] else []
    if kind == "thank_you" and receipt_line(project):
        keep.append(receipt_line(project))
        text = f"{text} {receipt_line(project)}"
    return Draft(kind, fit(text, keep, phone), phone)


def _e164(phone: str | None, region: str) -> str | None:
    """``phone`` as E.164 when it is a valid number (a link to a wrong number helps nobody)."""
    if not phone:
        return None
    try:
        return to_e164(phone, region or "IN")
    except InvalidPhone:
        return None


def _fill(template: str, values: dict[str, str]) -> str | None:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):  # a knowledge-base section with a bad {…}
        return None


def fit(text: str, keep: list[str], phone: str | None) -> str:
    """``text`` within :data:`MAX_DRAFT` and its ``wa.me`` link within :data:`MAX_LINK`.

    Words are dropped from the end, never a part in ``keep`` (a UPI link, the 80G line),
    which then follow the shortened words.
    """

    def fits(candidate: str) -> bool:
        return len(candidate) <= MAX_DRAFT and len(whatsapp_link(phone, candidate)) <= MAX_LINK

    if fits(text):
        return text
    words = text
    for part in keep:
        words = words.replace(part, " ")
    cut = words.split()
    while cut:
        cut.pop()
        shortened = " ".join([" ".join(cut).rstrip(",;:–-") + "…", *keep])
        if fits(shortened):
            return shortened
    return " ".join(keep)
