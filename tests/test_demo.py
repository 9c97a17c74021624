"""The demo organisation has what the README promises."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.directory.demo import seed_demo
from bot.models import CampaignGoal, Contact, Followup, KbDocument, Payment, Pledge, User


def test_demo_data_shape(db, clock) -> None:
    summary = seed_demo(db, clock)
    assert summary.created and summary.contacts == 300
    assert seed_demo(db, clock).created is False
    with db.session() as s:
        pid = summary.project_id

        def count(model, *where):
            return s.scalar(
                select(func.count()).select_from(model).where(model.project_id == pid, *where)
            )

        assert count(User, User.role == "ADMIN") == 1
        assert count(User, User.role == "USER") == 3
        assert 3 <= count(Contact, Contact.status == "do_not_contact") <= 15
        assert count(Pledge, Pledge.status == "open") > 5
        assert count(Pledge, Pledge.status == "fulfilled") > 5
        assert count(Payment) == count(Pledge, Pledge.status == "fulfilled")
        assert count(Followup, Followup.due_at <= clock.now()) > 5
        assert count(Followup, Followup.due_at > clock.now()) > 5
        assert count(CampaignGoal, CampaignGoal.date == clock.now().date()) == 1
        assert count(KbDocument) == 3
        assert s.scalar(select(Contact).where(Contact.display_name == "अनीता शर्मा")) is not None


def test_demo_knowledge_base_is_searchable(db, runtime, clock) -> None:
    from bot.store import ProjectScope
    from memory.kb import search_kb

    summary = seed_demo(db, clock)
    with db.session() as session:
        hits = search_kb(ProjectScope(session, summary.project_id), "already gave this year", 3)
    assert hits and "already gave" in hits[0].content.lower()
