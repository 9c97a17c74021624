"""Ready-to-send WhatsApp drafts for donors, from the project's templates.

Templates come from the knowledge base: sections ``## Opening``/``## Intro``,
``## Pledge reminder``, ``## Follow up`` and ``## Thank you`` of any document (those
in a document titled "…template…" win); any missing one falls back to
:data:`DEFAULT_TEMPLATES`. Placeholders:
``{first_name}``, ``{name}``, ``{operator}``, ``{project}``, ``{amount}``, ``{due}``,
``{upi_link}``. Drafts are at most :data:`MAX_DRAFT` characters and never written for
a do-not-contact contact.

A contact whose name is written in Devanagari, or who carries the tag ``lang:hi``, gets
the Hindi templates (:data:`HINDI_TEMPLATES`, or knowledge-base sections headed
``## Pledge reminder (Hindi)`` …); the tag ``lang:en`` keeps English. A tag rather than a
``language`` column: the data model's contacts table has none, tags already come in
through the CSV import (``tags`` column), and a language is a per-contact label like the
others.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote, urlencode

from sqlalchemy import select

from bot.engine.amounts import format_money
from bot.engine.records import is_reachable, open_pledge, paid_towards
from bot.models import Contact, ContactTag, KbDocument, Pledge, Project
from bot.store import ProjectScope

MAX_DRAFT = 320
DEFAULT_TEMPLATES = {
    "intro": "Hi {first_name}, this is {operator} from {project}. Could we speak for two "
    "minutes today about this season's drive? Your support has meant a lot to us.",
    "pledge_reminder": "Hi {first_name}, thank you for pledging {amount} to {project}. "
    "Whenever convenient, you can pay here: {upi_link}",
    "pledge_reminder_no_upi": "Hi {first_name}, thank you for pledging {amount} to {project}. "
    "Shall I send bank details for the transfer?",
    "followup": "Hi {first_name}, {operator} from {project} here. Sorry I missed you – when "
    "would be a good time to call?",
    "thank_you": "Hi {first_name}, we received your gift of {amount}. Thank you for standing "
    "with {project}!",
}
HINDI_TEMPLATES = {
    "intro": "नमस्ते {first_name} जी, {project} की ओर से {operator} का संदेश। क्या आज दो मिनट "
    "बात हो सकती है? इस साल के अभियान में आपका साथ हमारे लिए बहुत मायने रखता है।",
    "pledge_reminder": "नमस्ते {first_name} जी, {project} को {amount} का वचन देने के लिए "
    "धन्यवाद। जब सुविधा हो, यहाँ भुगतान कर सकते हैं: {upi_link}",
    "pledge_reminder_no_upi": "नमस्ते {first_name} जी, {project} को {amount} का वचन देने के "
    "लिए धन्यवाद। क्या मैं ट्रांसफ़र के लिए बैंक विवरण भेज दूँ?",
    "followup": "नमस्ते {first_name} जी, {project} से {operator}। माफ़ कीजिए, आपसे बात नहीं हो "
    "पाई – कॉल करने का सही समय क्या रहेगा?",
    "thank_you": "नमस्ते {first_name} जी, आपका {amount} का योगदान मिल गया। {project} का साथ "
    "देने के लिए दिल से धन्यवाद!",
}
TEMPLATES = {"en": DEFAULT_TEMPLATES, "hi": HINDI_TEMPLATES}
_DEVANAGARI = re.compile(r"[\u0900-\u097f]")
_LANGUAGE_SUFFIX = re.compile(r"\s*\((hindi|hi|english|en)\)$|\s+(hindi|english)$")
_SECTION = re.compile(r"^#{2,}\s*([a-z_ ()-]+?)\s*$", re.M | re.I)


class DraftError(ValueError):
    """No draft may be written for this contact."""


def upi_link(vpa: str, payee: str, amount: Decimal, note: str) -> str:
    """A UPI deep link (``upi://pay?pa=…&pn=…&am=…&cu=INR&tn=…``), URL-encoded."""
    query = urlencode(
        {"pa": vpa, "pn": payee, "am": f"{amount:.2f}", "cu": "INR", "tn": note},
        quote_via=quote,
    )
    return f"upi://pay?{query}"


#: Knowledge-base section headings and the draft each one supplies.
SECTION_KINDS = {
    "intro": "intro",
    "opening": "intro",
    "introduction": "intro",
    "pledge reminder": "pledge_reminder",
    "pledge_reminder": "pledge_reminder",
    "payment reminder": "pledge_reminder",
    "followup": "followup",
    "follow up": "followup",
    "follow-up": "followup",
    "missed call": "followup",
    "thank you": "thank_you",
    "thank_you": "thank_you",
}


def contact_language(scope: ProjectScope, contact: Contact) -> str:
    """``hi`` for a Devanagari name or the tag ``lang:hi`` (``lang:en`` wins), else ``en``."""
    tags = set(
        scope.session.scalars(
            select(ContactTag.tag).where(
                ContactTag.project_id == scope.project_id,
                ContactTag.contact_id == contact.id,
                ContactTag.tag.in_(("lang:hi", "lang:en")),
            )
        )
    )
    if "lang:en" in tags:
        return "en"
    return "hi" if "lang:hi" in tags or _DEVANAGARI.search(contact.display_name) else "en"


def project_templates(scope: ProjectScope, language: str = "en") -> dict[str, str]:
    """Templates from knowledge-base sections (see :data:`SECTION_KINDS`) over the defaults.

    Documents titled "…template…" win over others (a pitch script's "Opening"). A
    section whose heading ends in ``(Hindi)`` supplies the Hindi template.
    """
    templates = dict(TEMPLATES.get(language, DEFAULT_TEMPLATES))
    docs = scope.all(KbDocument, KbDocument.deleted_at.is_(None), order_by=KbDocument.created_at)
    docs.sort(key=lambda d: "template" in d.title.lower())  # template documents applied last
    for doc in docs:
        parts = _SECTION.split(doc.content)
        for name, body in zip(parts[1::2], parts[2::2], strict=False):
            heading = name.strip().lower()
            suffix = _LANGUAGE_SUFFIX.search(heading)
            said = (suffix[1] or suffix[2])[:2] if suffix else "en"
            kind = SECTION_KINDS.get(_LANGUAGE_SUFFIX.sub("", heading))
            text = " ".join(body.split())
            if kind and text and said == language:
                templates[kind] = text
    return templates


def _kind(scope: ProjectScope, contact: Contact, pledge: Pledge | None) -> str:
    if pledge is not None:
        return "pledge_reminder"
    if contact.last_contacted_at is not None:
        return "followup"
    return "intro"


def draft_for(
    scope: ProjectScope,
    contact: Contact,
    now: datetime,
    *,
    pledge: Pledge | None = None,
    operator: str | None = None,
) -> str:
    """A short WhatsApp message for ``contact`` (≤ 320 characters).

    With an open pledge (given, or the contact's latest) it is a payment reminder with a
    UPI link for the amount still due when the project has a UPI VPA.

    Raises:
        DraftError: the contact is do-not-contact or deleted.
    """
    if not is_reachable(contact):
        raise DraftError(f"{contact.display_name} is not to be contacted")
    project = scope.session.get(Project, scope.project_id)
    assert project is not None
    pledge = pledge if pledge is not None else open_pledge(scope, contact)
    if pledge is not None and pledge.status != "open":
        pledge = None
    templates = project_templates(scope, contact_language(scope, contact))
    kind = _kind(scope, contact, pledge)
    values = {
        "first_name": contact.display_name.split()[0],
        "name": contact.display_name,
        "operator": operator.split()[0] if operator and operator.split() else "the team",
        "project": project.name,
        "amount": "",
        "due": "",
        "upi_link": "",
    }
    if pledge is not None:
        left = pledge.amount - paid_towards(scope, pledge)
        values["amount"] = format_money(left, project.currency)
        values["due"] = f"{pledge.expected_by:%d %b}" if pledge.expected_by else ""
        if project.upi_vpa and project.currency == "INR":
            # An ASCII note keeps the link short whatever script the donor's name is in.
            values["upi_link"] = upi_link(
                project.upi_vpa, project.name, left, f"{project.name} pledge"[:40]
            )
        else:
            kind = "pledge_reminder_no_upi"
    return _fit(templates[kind], values)


def _fit(template: str, values: dict[str, str]) -> str:
    """Fill ``template``; shorten the words, never the link, to stay within the limit."""
    try:
        text = template.format(**values)
    except (KeyError, IndexError, ValueError):
        text = DEFAULT_TEMPLATES["intro"].format(**values)
    if len(text) <= MAX_DRAFT:
        return text
    link = values.get("upi_link") or ""
    words = text.replace(link, "").strip() if link else text
    room = MAX_DRAFT - (len(link) + 1 if link else 0) - 1
    words = words[:room].rsplit(" ", 1)[0] + "…"
    return f"{words} {link}".strip() if link else words
