"""Drafts in the donor's language, and every template within 320 characters.

Hindi drafts go to contacts whose name is in Devanagari or who carry the tag
``lang:hi``; every template (English and Hindi, built-in and the demo's knowledge base)
fits WhatsApp's draft limit with the longest names and the largest amount in the demo.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.directory.demo import seed_demo
from bot.engine.amounts import format_money
from bot.engine.drafts import (
    DEFAULT_TEMPLATES,
    HINDI_TEMPLATES,
    MAX_DRAFT,
    draft_for,
    project_templates,
    upi_link,
)
from bot.models import Contact, ContactTag, KbDocument, Pledge, Project, User
from bot.store import ProjectScope
from tests.conftest import DEFAULT_NOW
from tests.factories import make_contact, make_project

DEVANAGARI = range(0x0900, 0x0980)


def _hindi(text: str) -> bool:
    return sum(ord(ch) in DEVANAGARI for ch in text) > len(text) // 3


@pytest.fixture
def project(db) -> Project:
    return make_project(db, "Asha Foundation", upi_vpa="ashafoundation@okicici")


def _draft(db, project: Project, contact: Contact, **kwargs) -> str:
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        return draft_for(scope, scope.require(Contact, contact.id), DEFAULT_NOW, **kwargs)


def test_a_devanagari_name_gets_the_hindi_draft(db, project: Project) -> None:
    contact = make_contact(db, project, "अनीता शर्मा")
    text = _draft(db, project, contact, operator="Priya Nair")
    assert text.startswith("नमस्ते अनीता जी, Asha Foundation की ओर से Priya का संदेश।")
    assert _hindi(text) and len(text) <= MAX_DRAFT


def test_the_lang_tag_chooses_the_language(db, project: Project) -> None:
    latin = make_contact(db, project, "Ramesh Gupta")
    devanagari = make_contact(db, project, "सुनीता वर्मा")
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        scope.insert(ContactTag(contact_id=latin.id, tag="lang:hi"))
        scope.insert(ContactTag(contact_id=devanagari.id, tag="lang:en"))
    assert _draft(db, project, latin).startswith("नमस्ते Ramesh जी")
    assert _draft(db, project, devanagari).startswith("Hi सुनीता, this is the team from")


def test_a_hindi_pledge_reminder_keeps_the_upi_link(db, project: Project) -> None:
    contact = make_contact(db, project, "अनीता शर्मा")
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        scope.insert(Pledge(contact_id=contact.id, amount=Decimal(25000), status="open"))
    text = _draft(db, project, contact)
    assert "₹25,000 का वचन देने के लिए धन्यवाद" in text
    assert text.endswith("&cu=INR&tn=Asha%20Foundation%20pledge") and "upi://pay?" in text


def test_a_knowledge_base_section_marked_hindi_supplies_the_hindi_template(
    db, project: Project
) -> None:
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        scope.insert(
            KbDocument(
                title="Message templates",
                content_hash="templates-1",
                content=(
                    "## Opening\nHello {first_name}!\n\n"
                    "## Opening (Hindi)\nराम राम {first_name} जी!"
                ),
            )
        )
        assert project_templates(scope, "hi")["intro"] == "राम राम {first_name} जी!"
        assert project_templates(scope, "en")["intro"] == "Hello {first_name}!"


def _longest_demo_values(db, clock) -> tuple[list[dict[str, str]], dict[str, str]]:
    """Placeholder values from the demo's longest names and its largest amount."""
    summary = seed_demo(db, clock)
    with db.session() as session:
        scope = ProjectScope(session, summary.project_id)
        project = session.get(Project, summary.project_id)
        names = [c.display_name for c in scope.all(Contact)]
        operators = [u.full_name for u in scope.all(User)]
        largest = session.scalar(
            select(func.max(Pledge.amount)).where(Pledge.project_id == project.id)
        )
        templates = {language: project_templates(scope, language) for language in ("en", "hi")}
    amount = Decimal(str(largest))
    longest = max(names, key=len)
    values = {
        "first_name": max((n.split()[0] for n in names), key=len),
        "name": longest,
        "operator": max((o.split()[0] for o in operators), key=len),
        "project": project.name,
        "amount": format_money(amount, project.currency),
        "due": "28 Nov",
        "upi_link": upi_link(project.upi_vpa, project.name, amount, f"{project.name} pledge"[:40]),
    }
    return [templates["en"], templates["hi"], DEFAULT_TEMPLATES, HINDI_TEMPLATES], values


def test_every_template_fits_with_the_longest_demo_names_and_amounts(db, clock) -> None:
    template_sets, values = _longest_demo_values(db, clock)
    assert len(values["name"]) >= 12 and Decimal(values["amount"][1:].replace(",", "")) >= 50000
    for templates in template_sets:
        for kind, template in templates.items():
            text = template.format(**values)  # filled as is: no shortening needed
            assert len(text) <= MAX_DRAFT, (kind, len(text), text)
